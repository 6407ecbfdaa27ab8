import type { WebhookAttemptView } from '@call-signaling/client';
import * as http from 'node:http';
import * as https from 'node:https';
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
  private readonly url: URL;
  /**
   * Node's own HTTP client, its connections kept alive: it costs a quarter of the CPU of `fetch`
   * (undici) per request, measured here, and a busy deployment sends an event for every call move.
   */
  private readonly agent: http.Agent;

  constructor(private readonly settings: NonNullable<AppConfig['webhooks']>) {
    this.signer = new Webhook(settings.secret, { format: 'raw' });
    this.url = new URL(settings.url);
    this.agent = this.url.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
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
      const headers = {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'call-signaling-webhooks',
        'webhook-id': delivery.id,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': this.signer.sign(delivery.id, sentAt, body),
      };
      const status = await this.send(body, headers, AbortSignal.any([abort, AbortSignal.timeout(this.settings.timeoutMs)]));
      // Redirects are not followed: a 3xx is a failure like any other answer but a 2xx.
      const ok = status >= 200 && status < 300;
      return attempt(ok ? { statusCode: status } : { statusCode: status, error: `the platform answered ${status}` });
    } catch (error) {
      return attempt({ error: this.failureOf(error) });
    }
  }

  /** POSTs `body`; the answer's status once its body has been read (and thrown away). */
  private send(body: string, headers: Record<string, string>, signal: AbortSignal): Promise<number> {
    const client = this.url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = client.request(this.url, { method: 'POST', agent: this.agent, headers, signal }, (response) => {
        response.on('error', reject);
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.resume();
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  /** When to try an event again after its `attempts`-th attempt failed; null: give up. */
  retryAt(attempts: number): Date | null {
    if (attempts >= this.settings.maxAttempts) return null;
    return new Date(Date.now() + Math.min(this.settings.retryBaseMs * 2 ** (attempts - 1), MAX_RETRY_WAIT_MS));
  }

  /** Why a POST failed, in a few words. */
  private failureOf(error: unknown): string {
    const { name, code, message, cause } = error as { name?: string; code?: string; message?: string; cause?: { name?: string } };
    if (name === 'AbortError') return cause?.name === 'TimeoutError' ? `no answer within ${this.settings.timeoutMs} ms` : STOPPED;
    return `the platform could not be reached (${code ?? message ?? String(error)})`;
  }
}

/** The error of an attempt cut short because this instance is stopping. */
export const STOPPED = 'stopped while sending';
