import type { WebhookEvent } from '@call-signaling/client';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the receiver got, and how it answered. */
export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  event: WebhookEvent;
  /** Which attempt of this event id it was, from 1. */
  attempt: number;
  /** The status answered, or 0 when the request was left unanswered. */
  status: number;
}

/** How to answer a request: a status, or `hang` (never answer; the sender's timeout ends it). */
export type Answer = number | 'hang';

/**
 * The platform's end of the webhook: a real HTTP server on a free port that records every
 * request and answers as the test says.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Chooses each answer; by default 204. */
  answer: (request: { event: WebhookEvent; attempt: number }) => Answer = () => 204;
  private readonly waiters = new Set<() => void>();
  /** Requests left unanswered, and how each was recorded. */
  private readonly hanging = new Map<ServerResponse, ReceivedWebhook>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`);
    server.on('request', (request, response) => void receiver.handle(request, response));
    return receiver;
  }

  /** Requests answered with a 2xx, in the order they came. */
  accepted(): ReceivedWebhook[] {
    return this.received.filter((r) => r.status >= 200 && r.status < 300);
  }

  /** Resolves once `done` holds of what was received (checked on every request). */
  until(done: (receiver: WebhookReceiver) => boolean): Promise<void> {
    if (done(this)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!done(this)) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** Answers the requests left hanging so far with `status` (their attempts end as if the platform had been slow). */
  answerHanging(status: number): void {
    for (const [response, received] of this.hanging) {
      received.status = status;
      response.writeHead(status).end();
    }
    this.hanging.clear();
    for (const waiter of [...this.waiters]) waiter();
  }

  async close(): Promise<void> {
    for (const response of this.hanging.keys()) response.destroy();
    this.server.closeAllConnections();
    await new Promise((done) => this.server.close(done));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) body += chunk;
    const event = JSON.parse(body) as WebhookEvent;
    const attempt = this.received.filter((r) => r.event.id === event.id).length + 1;
    const answer = this.answer({ event, attempt });
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
    const received = { headers, body, event, attempt, status: answer === 'hang' ? 0 : answer };
    this.received.push(received);
    if (answer === 'hang') this.hanging.set(response, received);
    else response.writeHead(answer).end();
    for (const waiter of [...this.waiters]) waiter();
  }
}
