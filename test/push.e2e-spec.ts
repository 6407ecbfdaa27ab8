import { createHmac } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectSocket, emitWithAck, nextEvent } from './helpers/sockets';
import { useTestApp } from './helpers/suite';

const SECRET = 'push-webhook-secret';

interface Received {
  body: string;
  signature: string | undefined;
  response: ServerResponse;
}

/** The platform's push gateway, played by a small HTTP server; `answer` decides each reply. */
class FakeGateway {
  readonly received: Received[] = [];
  answer: (r: Received) => void = (r) => r.response.writeHead(204).end();
  private waiters: Array<(r: Received) => void> = [];
  private server!: Server;
  url = '';

  async start() {
    this.server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const r = { body, signature: req.headers['x-signature'] as string | undefined, response: res };
        this.received.push(r);
        this.answer(r);
        this.waiters.splice(0).forEach((w) => w(r));
      });
    });
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/push`;
  }

  next(): Promise<Received> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The next request (from now on) that `match` accepts; others are passed over. */
  async nextMatching(match: (r: Received) => boolean): Promise<Received> {
    for (;;) {
      const r = await this.next();
      if (match(r)) return r;
    }
  }

  stop() {
    this.server.closeAllConnections();
    return new Promise((done) => this.server.close(done));
  }
}

describe('push webhook for offline users (e2e)', () => {
  const gateway = new FakeGateway();
  // The gateway first: the app is configured with its address.
  beforeAll(() => gateway.start());
  const { t, user, open, api, track } = useTestApp(() => ({
    PUSH_WEBHOOK_URL: gateway.url,
    PUSH_WEBHOOK_SECRET: SECRET,
    RING_TIMEOUT_MS: '4000',
  }));
  afterEach(() => {
    gateway.answer = (r) => r.response.writeHead(204).end();
  });
  // Hooks run in the order declared: the app has closed by now.
  afterAll(() => gateway.stop());

  it('rings an offline callee through a signed notice, and rings the device that wakes up', async () => {
    const caller = await user();
    const callee = await user('mentor');
    const notice = gateway.next();
    const started = await api(caller).post('/calls/start', { recipientUserId: callee.id }).expect(201);
    expect(started.body.status).toBe('CALLING');
    const received = await notice;
    expect(received.signature).toBe(createHmac('sha256', SECRET).update(received.body).digest('hex'));
    expect(JSON.parse(received.body)).toMatchObject({
      type: 'incoming_call',
      userId: callee.id,
      call: { id: started.body.id, hostUserId: caller.id },
    });

    const phone = track(connectSocket(t.url, { token: callee.token }));
    expect((await nextEvent(phone, 'incomingCall')).callId).toBe(started.body.id);
    expect(await emitWithAck(phone, 'acceptCall', { callId: started.body.id })).toMatchObject({ ok: true });
  });

  it('tells an offline callee that the call was cancelled', async () => {
    const caller = await user();
    const callee = await user('mentor');
    const ringing = gateway.next();
    const callId = (await api(caller).post('/calls/start', { recipientUserId: callee.id }).expect(201)).body.id;
    await ringing;
    const cancelled = gateway.next();
    await api(caller).post('/calls/cancel', { callId }).expect(200);
    expect(JSON.parse((await cancelled).body)).toMatchObject({
      type: 'call_cancelled',
      userId: callee.id,
      call: { id: callId, status: 'CANCELLED' },
    });
  });

  it('sends no retry of a ring once the call was cancelled', async () => {
    const caller = await user();
    const callee = await user('mentor');
    const forCallee = (r: Received) => JSON.parse(r.body).userId === callee.id;
    // The gateway answers the ring only once the cancellation has come, and with a failure: its
    // retry is due after the call was cancelled.
    let ring: Received | undefined;
    gateway.answer = (r) => {
      if (JSON.parse(r.body).type === 'incoming_call') return void (ring = r);
      r.response.writeHead(204).end();
      ring?.response.writeHead(503).end();
    };
    const rang = gateway.nextMatching(forCallee);
    const callId = (await api(caller).post('/calls/start', { recipientUserId: callee.id }).expect(201)).body.id;
    await rang;
    const cancelled = gateway.nextMatching(forCallee);
    await api(caller).post('/calls/cancel', { callId }).expect(200);
    expect(JSON.parse((await cancelled).body)).toMatchObject({ type: 'call_cancelled' });
    // The ring's first retry was due 500 ms after it failed: wait past that.
    await new Promise((passed) => setTimeout(passed, 700));
    expect(gateway.received.filter(forCallee).map((r) => JSON.parse(r.body).type)).toEqual(['incoming_call', 'call_cancelled']);
  });

  it('wakes an offline recipient of a chat message, and no one who is connected', async () => {
    const sender = await user();
    const recipient = await user('mentor');
    const senderSocket = await open(sender);
    const forRecipient = gateway.nextMatching((r) => JSON.parse(r.body).userId === recipient.id);
    const sent = await emitWithAck(senderSocket, 'send_message', { to_user_id: recipient.id, text: 'ping' });
    const received = await forRecipient;
    expect(received.signature).toBe(createHmac('sha256', SECRET).update(received.body).digest('hex'));
    expect(JSON.parse(received.body)).toMatchObject({
      type: 'new_message',
      userId: recipient.id,
      message: { id: sent.message.id, text: 'ping' },
    });
    // The sender was connected: nothing was pushed to them.
    expect(gateway.received.some((r) => JSON.parse(r.body).userId === sender.id)).toBe(false);
  });

  it('delays nothing when the gateway hangs or fails, and retries', async () => {
    const caller = await user();
    const callee = await user('mentor');
    const hanging: Received[] = [];
    gateway.answer = (r) => hanging.push(r); // never answers
    const firstAttempt = gateway.next();
    const started = await api(caller).post('/calls/start', { recipientUserId: callee.id }).expect(201);
    await firstAttempt;
    // The start answered although the gateway has not.
    expect(hanging.every((r) => !r.response.writableEnded)).toBe(true);
    await api(caller).post('/calls/cancel', { callId: started.body.id }).expect(200);

    gateway.answer = (r) => r.response.writeHead(500).end();
    const other = await user('tutor');
    const forOther = (r: Received) => JSON.parse(r.body).userId === other.id;
    const attempt = gateway.nextMatching(forOther);
    await api(caller).post('/calls/start', { recipientUserId: other.id }).expect(201);
    const first = await attempt;
    const retry = await gateway.nextMatching(forOther);
    expect(retry.body).toBe(first.body); // the same notice, again
    for (const r of hanging) r.response.writeHead(204).end();
  });
});
