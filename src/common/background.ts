import { Logger } from '@nestjs/common';

const logger = new Logger('Background');

/** Work under way, so a shutdown can let it finish before the connections it needs close. */
const pending = new Set<Promise<void>>();

/** Runs work nobody waits for: a failure is logged, never left as an unhandled rejection. */
export function inBackground(what: string, work: Promise<unknown>): void {
  const tracked: Promise<void> = work
    .then(() => undefined)
    .catch((error: unknown) => logger.error(`${what} failed: ${error instanceof Error ? error.message : String(error)}`))
    .finally(() => pending.delete(tracked));
  pending.add(tracked);
}

/** Resolves once no background work is left, including work that work started. */
export async function settleBackground(): Promise<void> {
  while (pending.size > 0) await Promise.all(pending);
}

/** Whether the work finished within `ms` (it goes on regardless): a shutdown step must not hang. */
export async function within(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([work.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  clearTimeout(timer);
  return done;
}
