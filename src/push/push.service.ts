import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import type { CallNotice } from '../calls/call-notices';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppEventMap, OnAppEvent } from '../events/app-events';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import { OpenCallIndex } from '../calls/open-call-index';
import { inBackground } from '../common/background';
import { REPEAT_WINDOW_MS, RepeatedErrors } from '../observability/repeated-errors';

/** Attempts per notice, and the waits between them. */
const RETRY_DELAYS_MS = [0, 500, 2_000, 8_000];
const ATTEMPT_TIMEOUT_MS = 5_000;

export type PushKind = 'incoming_call' | 'call_cancelled' | 'missed_call' | 'new_message';

/**
 * Asks the platform's push gateway (PUSH_WEBHOOK_URL) to wake users with no live connection:
 * a JSON notice, signed `X-Signature: <hex HMAC-SHA256 of the body with PUSH_WEBHOOK_SECRET>`,
 * retried with backoff in the background. Nothing waits for it.
 */
@Injectable()
export class PushService implements OnModuleDestroy {
  private readonly logger = new Logger('Push');
  private readonly failures = new RepeatedErrors(REPEAT_WINDOW_MS, (kind, repeats) =>
    this.logger.warn(`push gateway ${kind}: ${repeats} more time(s) in the last ${REPEAT_WINDOW_MS / 1000} s`),
  );
  private stopped = false;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly openCalls: OpenCallIndex,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @OnAppEvent('call.notice')
  callNotice({ userIds, notice }: AppEventMap['call.notice']): void {
    const kind = this.config.push && kindOf(notice);
    if (!kind) return;
    const { call } = notice;
    for (const userId of userIds) {
      if (userId === call.hostUserId && kind !== 'missed_call') continue; // the caller acted
      // A ring is tried again only while the call still rings for the user: not once it was
      // answered, declined, cancelled or missed, whichever instance moved it.
      const stillDue =
        kind === 'incoming_call'
          ? async () => {
              const open = await this.openCalls.of(userId);
              return open?.callId === call.id && open.status === 'CALLING';
            }
          : undefined;
      this.sendIfOffline(userId, kind, { call }, stillDue);
    }
  }

  @OnAppEvent('chat.message')
  chatMessage({ message, recipientIds }: AppEventMap['chat.message']): void {
    if (!this.config.push) return;
    for (const userId of recipientIds) this.sendIfOffline(userId, 'new_message', { message });
  }

  onModuleDestroy(): void {
    this.stopped = true;
  }

  /** Wakes the user's devices when no instance holds a connection of theirs. */
  private sendIfOffline(userId: string, kind: PushKind, data: object, stillDue?: () => Promise<boolean>): void {
    inBackground(
      'push',
      this.registry.isOnline(userId).then((online) => (online ? undefined : this.send(userId, kind, data, stillDue))),
    );
  }

  /** `stillDue`: asked before each retry; false ends them (what the notice said is over). */
  private send(userId: string, kind: PushKind, data: object, stillDue?: () => Promise<boolean>): void {
    const push = this.config.push;
    if (!push) return;
    const body = JSON.stringify({ type: kind, userId, ...data, sentAt: new Date().toISOString() });
    const signature = createHmac('sha256', push.secret).update(body).digest('hex');
    inBackground('push', this.deliver(push.url, body, signature, `${kind} for ${userId}`, stillDue));
  }

  private async deliver(url: string, body: string, signature: string, what: string, stillDue?: () => Promise<boolean>): Promise<void> {
    for (const [attempt, delay] of RETRY_DELAYS_MS.entries()) {
      if (delay) await new Promise((done) => setTimeout(done, delay).unref());
      if (this.stopped || (attempt > 0 && stillDue && !(await stillDue()))) return;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Signature': signature },
          body,
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
        });
        // Read to the end, so the connection goes back to the pool.
        await response.body?.cancel();
        if (response.ok) return;
        this.failed(`${what}: push gateway answered ${response.status} (attempt ${attempt + 1})`, `answered ${response.status}`);
      } catch (error) {
        this.failed(`${what}: push gateway unreachable (attempt ${attempt + 1}): ${(error as Error).message}`, 'unreachable');
      }
    }
    this.logger.error(`${what}: gave up after ${RETRY_DELAYS_MS.length} attempts`);
  }

  /** While the gateway is down every notice fails the same way: one line a window, then a count. */
  private failed(line: string, kind: string): void {
    if (this.failures.admit(kind)) this.logger.warn(line);
  }
}

function kindOf(notice: CallNotice): PushKind | undefined {
  if (notice.type === 'ringing') return 'incoming_call';
  if (notice.type === 'cancelled') return 'call_cancelled';
  if (notice.type === 'missed') return 'missed_call';
  return undefined;
}
