import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import type { CallNotice } from '../calls/call-notices';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppEventMap, OnAppEvent } from '../events/app-events';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import { inBackground } from '../common/background';

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
      this.sendIfOffline(userId, kind, { call: notice.call });
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
  private sendIfOffline(userId: string, kind: PushKind, data: object): void {
    inBackground(
      'push',
      this.registry.isOnline(userId).then((online) => (online ? undefined : this.send(userId, kind, data))),
    );
  }

  send(userId: string, kind: PushKind, data: object): void {
    const push = this.config.push;
    if (!push) return;
    const body = JSON.stringify({ type: kind, userId, ...data, sentAt: new Date().toISOString() });
    const signature = createHmac('sha256', push.secret).update(body).digest('hex');
    void this.deliver(push.url, body, signature, kind, userId);
  }

  private async deliver(url: string, body: string, signature: string, kind: PushKind, userId: string): Promise<void> {
    for (const [attempt, delay] of RETRY_DELAYS_MS.entries()) {
      if (delay) await new Promise((done) => setTimeout(done, delay).unref());
      if (this.stopped) return;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Signature': signature },
          body,
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
        });
        if (response.ok) return;
        this.logger.warn(`${kind} for ${userId}: push gateway answered ${response.status} (attempt ${attempt + 1})`);
      } catch (error) {
        this.logger.warn(`${kind} for ${userId}: push gateway unreachable (attempt ${attempt + 1}): ${(error as Error).message}`);
      }
    }
    this.logger.error(`${kind} for ${userId}: gave up after ${RETRY_DELAYS_MS.length} attempts`);
  }
}

function kindOf(notice: CallNotice): PushKind | undefined {
  if (notice.type === 'ringing') return 'incoming_call';
  if (notice.type === 'cancelled') return 'call_cancelled';
  if (notice.type === 'missed') return 'missed_call';
  return undefined;
}
