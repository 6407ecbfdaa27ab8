import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { ClaimedDelivery } from './webhook-deliveries';
import { STOPPED, WebhookTarget } from './webhook-target';

const SECRET = Buffer.alloc(32, 9);
const delivery: ClaimedDelivery = { id: 'evt-1', type: 'call.ended', data: { callId: 'c' }, createdAt: new Date(), attempts: 1 };

describe('WebhookTarget: one signed POST, and what became of it', () => {
  let server: Server;
  let url: string;
  let answer: (response: import('node:http').ServerResponse, body: string, headers: Record<string, string>) => void;

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => answer(response, body, request.headers as Record<string, string>));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  const target = (overrides: Partial<ConstructorParameters<typeof WebhookTarget>[0]> = {}) =>
    new WebhookTarget({ url, secret: SECRET, timeoutMs: 200, retryBaseMs: 1000, maxAttempts: 3, ...overrides });

  it('sends the event signed as Standard Webhooks check it, and counts a 2xx as delivered', async () => {
    let received: { body: string; headers: Record<string, string> } | undefined;
    answer = (response, body, headers) => {
      received = { body, headers };
      response.writeHead(204).end();
    };
    const sender = target();
    expect(await sender.post(delivery, new AbortController().signal)).toEqual({
      at: expect.any(String),
      durationMs: expect.any(Number),
      statusCode: 204,
    });
    expect(new Webhook(SECRET, { format: 'raw' }).verify(received!.body, received!.headers)).toMatchObject({
      id: 'evt-1',
      type: 'call.ended',
    });
    sender.close();
  });

  it('reports a refusal, a redirect, silence, an unreachable platform and a stop, each in words', async () => {
    const sender = target();
    answer = (response) => response.writeHead(503).end();
    expect((await sender.post(delivery, new AbortController().signal)).error).toBe('the platform answered 503');
    answer = (response) => response.writeHead(302, { location: 'http://elsewhere.example/' }).end();
    expect(await sender.post(delivery, new AbortController().signal)).toMatchObject({
      statusCode: 302,
      error: 'the platform answered 302',
    });
    answer = () => undefined; // never answers
    expect((await sender.post(delivery, new AbortController().signal)).error).toBe('no answer within 200 ms');
    const stop = new AbortController();
    const stopped = sender.post(delivery, stop.signal);
    stop.abort();
    expect((await stopped).error).toBe(STOPPED);
    sender.close();

    const nowhere = target({ url: 'http://127.0.0.1:1/hooks' });
    expect((await nowhere.post(delivery, new AbortController().signal)).error).toBe('the platform could not be reached (ECONNREFUSED)');
    nowhere.close();
  });

  it('waits twice as long after each failure, and gives up after the last attempt', () => {
    const sender = target();
    const waits = [1, 2, 3].map((attempts) => sender.retryAt(attempts)?.getTime());
    expect(waits[0]! - Date.now()).toBeGreaterThan(900);
    expect(waits[1]! - Date.now()).toBeGreaterThan(1900);
    expect(waits[2]).toBeUndefined();
    sender.close();
  });
});
