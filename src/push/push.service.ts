import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import type { CallNotice } from '../calls/call-notices';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppEventMap, OnAppEvent } from '../events/app-events';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
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
  /** The last notice sent about each user's call (see send). */
  private readonly latest = new Map<string, symbol>();
  private stopped = false;

  constructor(
    private readonly registry: ConnectionRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @OnAppEvent('call.notice')
  callNotice({ userIds, notice }: AppEventMap['call.notice']): void {
    const kind = this.config.push && kindOf(notice);
    if (!kind) return;
    for (const userId of userIds) {
      if (userId === notice.call.hostUserId && kind !== 'missed_call') continue; // the caller acted
      this.sendIfOffline(userId, kind, { call: notice.call }, `${userId}|${notice.call.id}`);
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
  private sendIfOffline(userId: string, kind: PushKind, data: object, about?: string): void {
    inBackground(
      'push',
      this.registry.isOnline(userId).then((online) => (online ? undefined : this.send(userId, kind, data, about))),
    );
  }

  /**
   * `about`: what the notice is about (a user's call): a later notice about it ends the retries of
   * this one, so a cancelled call's ring is not sent again after its cancellation.
   */
  send(userId: string, kind: PushKind, data: object, about?: string): void {
    const push = this.config.push;
    if (!push) return;
    const body = JSON.stringify({ type: kind, userId, ...data, sentAt: new Date().toISOString() });
    const signature = createHmac('sha256', push.secret).update(body).digest('hex');
    const notice = Symbol(kind);
    if (about) this.latest.set(about, notice);
    const current = () => (this.stopped || (about !== undefined && this.latest.get(about) !== notice) ? false : true);
    void this.deliver(push.url, body, signature, `${kind} for ${userId}`, current).finally(() => {
      if (about && this.latest.get(about) === notice) this.latest.delete(about);
    });
  }

  private async deliver(url: string, body: string, signature: string, what: string, current: () => boolean): Promise<void> {
    for (const [attempt, delay] of RETRY_DELAYS_MS.entries()) {
      if (delay) await new Promise((done) => setTimeout(done, delay).unref());
      if (!current()) return;
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
