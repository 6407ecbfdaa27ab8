import { Logger } from '@nestjs/common';

const logger = new Logger('Background');

/** Runs work nobody waits for: a failure is logged, never left as an unhandled rejection. */
export function inBackground(what: string, work: Promise<unknown>): void {
  work.catch((error: unknown) => logger.error(`${what} failed: ${error instanceof Error ? error.message : String(error)}`));
}
