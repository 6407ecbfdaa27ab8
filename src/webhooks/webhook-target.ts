import type { WebhookAttemptView } from '@call-signaling/client';
import { Webhook } from 'standardwebhooks';
import type { AppConfig } from '../config/app-config';
import { ClaimedDelivery, eventOf } from './webhook-deliveries';

/** The longest wait between two attempts of one event. */
const MAX_RETRY_WAIT_MS = 3_600_000;

/**
 * The platform's webhook: how an event is signed and posted, and when a failed one is tried
 * again. Signed as Standard Webhooks sign: `webhook-id`, `webhook-timestamp` (seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, so the platform can
 * check it with any Standard Webhooks library and refuse an old timestamp (a replay).
 */
export class WebhookTarget {
  private readonly signer: Webhook;

  constructor(private readonly settings: NonNullable<AppConfig['webhooks']>) {
    this.signer = new Webhook(settings.secret, { format: 'raw' });
  }

  /** How long an attempt may take. */
  get timeoutMs(): number {
    return this.settings.timeoutMs;
  }

  /** One POST; what it did, never an exception. Anything but a 2xx answer in time is a failure. */
  async post(delivery: ClaimedDelivery, abort: AbortSignal): Promise<WebhookAttemptView> {
    const sentAt = new Date();
    const body = JSON.stringify(eventOf(delivery));
    const attempt = (result: Omit<WebhookAttemptView, 'at' | 'durationMs'>) => ({
      at: sentAt.toISOString(),
      durationMs: Date.now() - sentAt.getTime(),
      ...result,
    });
    try {
      const response = await fetch(this.settings.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'call-signaling-webhooks',
          'webhook-id': delivery.id,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': this.signer.sign(delivery.id, sentAt, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([abort, AbortSignal.timeout(this.settings.timeoutMs)]),
      });
      await response.body?.cancel();
      const ok = response.status >= 200 && response.status < 300;
      return attempt(
        ok ? { statusCode: response.status } : { statusCode: response.status, error: `the platform answered ${response.status}` },
      );
    } catch (error) {
      return attempt({ error: this.failureOf(error) });
    }
  }

  /** When to try an event again after its `attempts`-th attempt failed; null: give up. */
  retryAt(attempts: number): Date | null {
    if (attempts >= this.settings.maxAttempts) return null;
    return new Date(Date.now() + Math.min(this.settings.retryBaseMs * 2 ** (attempts - 1), MAX_RETRY_WAIT_MS));
  }

  /** Why fetch failed, in a few words (its own message is "fetch failed"). */
  private failureOf(error: unknown): string {
    const { name, cause } = error as { name?: string; cause?: { code?: string; message?: string } };
    if (name === 'TimeoutError') return `no answer within ${this.settings.timeoutMs} ms`;
    if (name === 'AbortError') return STOPPED;
    return `the platform could not be reached (${cause?.code ?? cause?.message ?? String(error)})`;
  }
}

/** The error of an attempt cut short because this instance is stopping. */
export const STOPPED = 'stopped while sending';
