import { TokenService } from '../src/auth/token.service';
import { connect } from 'node:net';
import { ConnectionGateway } from '../src/realtime/connection.gateway';
import type { Server } from 'socket.io';
import { sign } from 'jsonwebtoken';
import request from 'supertest';
import { WebSocket } from 'ws';
import { authenticated } from './helpers/parties';
import { eventually } from './helpers/cluster';
import { parseMetrics, valueOf } from './helpers/prometheus';
import { RawClient } from './helpers/raw-ws';
import { InstantMentorApp } from './helpers/instantmentor-app';
import { connectSocket, emitRaw, emitWithAck, nextEvent, TestSocket, untyped, emitWithoutAck } from './helpers/sockets';
import { AppSuite, useTestApp } from './helpers/suite';
import { TEST_JWT_SECRET } from './helpers/test-app';
import { FrameAllowances } from '../src/realtime/frame-guard';
import type { RegisteredUser } from './helpers/users';

const codes = (acks: Array<{ ok: boolean; error?: { code: string } }>) => acks.map((a) => (a.ok ? 'ok' : a.error!.code));
const count = (values: string[], value: string) => values.filter((v) => v === value).length;

/** A seed-001 call between two raw-WebSocket clients, answered. */
async function answeredRawCall({ user, raw }: AppSuite) {
  const caller = await user('student');
  const callee = await user('mentor');
  const [a, b] = [await raw(caller, '/ws/call/'), await raw(callee, '/ws/call/')];
  a.send({ action: 'start_call', callee_id: callee.id });
  const callId = (await a.next('call_started')).call_id;
  await b.next('incoming_call');
  b.send({ action: 'answer_call', call_id: callId, caller_id: caller.id });
  await a.next('call_answered');
  return { caller, callee, a, b, callId };
}

describe('realtime message rate limit (e2e)', () => {
  const suite = useTestApp({ RATE_LIMIT_EVENTS_PER_S: '2', RATE_LIMIT_ICE_BURST: '30' });
  const { t } = suite;

  it('refuses Socket.IO events over the allowance with rate_limited; the refused ones change nothing', async () => {
    const ada = await suite.online('student');
    const grace = await suite.user('mentor');
    const acks = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        emitWithAck(ada.socket, 'send_message', { to_user_id: grace.id, text: `m${i}`, client_message_id: `rate-${i}` }),
      ),
    );
    const outcome = codes(acks);
    // A bucket of 2, refilled at 2/s: a slow machine may let a refill or two through.
    expect(count(outcome, 'ok')).toBeGreaterThanOrEqual(2);
    expect(count(outcome, 'rate_limited')).toBeGreaterThanOrEqual(6);
    expect(count(outcome, 'rate_limited')).toBe(12 - count(outcome, 'ok'));
    expect(acks.find((a) => !a.ok)!.error.message).toMatch(/at most 2 a second/);
    expect(ada.socket.connected).toBe(true);

    const conversationId = acks.find((a) => a.ok)!.message.conversationId;
    const { body } = await request(t.url)
      .get(`/chat/conversations/${conversationId}/messages`)
      .set('Authorization', `Bearer ${ada.token}`)
      .expect(200);
    expect(body.items).toHaveLength(count(outcome, 'ok'));
    const metrics = parseMetrics((await request(t.url).get('/metrics').expect(200)).text);
    expect(valueOf(metrics, 'signaling_rate_limited_total', { surface: 'socket.io-events' })).toBe(count(outcome, 'rate_limited'));

    // The allowance comes back with time: retried until the bucket's refill (2/s) admits it (a refused try takes no token).
    await eventually(async () =>
      expect(await emitWithAck(ada.socket, 'send_message', { to_user_id: grace.id, text: 'later' })).toMatchObject({ ok: true }),
    );
  });

  it("lets the InstantMentor app's burst of ICE candidates through from the same bucket", async () => {
    const [student, mentor] = await Promise.all(
      (['student', 'mentor'] as const).map(async (role) => {
        const app = new InstantMentorApp(t.url, await suite.user(role));
        suite.track(app.socket as unknown as TestSocket);
        return app.ready();
      }),
    );
    const ringing = mentor.next('call_initiated');
    student.emit('initiate_call', { receiverId: mentor.user.id, callType: 'audio' });
    const { callId } = await ringing;
    const accepted = student.next('call_accepted');
    mentor.emit('accept_call', { callId });
    await accepted;
    const candidate = { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0' };
    // 30 candidates: the ICE bucket's 30, where everything else gets 2 a second.
    const relayed: number[] = [];
    const all = new Promise<void>((resolve) =>
      mentor.socket.on('webrtc_ice_candidate', (event) => {
        relayed.push((event.payload as { sdpMLineIndex: number }).sdpMLineIndex);
        if (relayed.length === 30) resolve();
      }),
    );
    for (let i = 0; i < 30; i++) student.emit('webrtc_ice_candidate', { callId, payload: { ...candidate, sdpMLineIndex: i } });
    await all;
    expect(relayed).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(student.heardOf('request_failed')).toEqual([]);
  });

  it('lets a burst of ICE candidates through from a bucket of their own, on raw WebSockets too', async () => {
    const { callee, a, b } = await answeredRawCall(suite);
    const candidate = { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0' };
    // A burst of 34 candidates: the ICE bucket holds 30 (refills at 2/s may squeeze a few more in).
    for (let i = 0; i < 34; i++) a.send({ action: 'ice_candidate', peer_id: callee.id, candidate: { ...candidate, sdpMLineIndex: i } });
    await eventually(async () => expect(a.pending().length + b.pending().length).toBeGreaterThanOrEqual(34));
    const relayed = b.pending().map((m) => m.candidate.sdpMLineIndex);
    expect(relayed.length).toBeGreaterThanOrEqual(30);
    expect(relayed.length).toBeLessThan(34);
    expect(relayed.slice(0, 30)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect([...relayed].sort((x, y) => x - y)).toEqual(relayed);
    expect(a.pending().map((m) => m.code)).toEqual(Array(34 - relayed.length).fill('rate_limited'));
    // Other messages still have their own bucket.
    for (let i = 0; i < relayed.length; i++) await b.next('ice_candidate');
    a.send({ action: 'offer', callee_id: callee.id, offer: { type: 'offer', sdp: 'v=0' } });
    expect((await b.next('call_offer')).offer).toEqual({ type: 'offer', sdp: 'v=0' });
    expect(a.socket.readyState).toBe(a.socket.OPEN);
  });

  it('counts unreadable raw-WebSocket frames too, and keeps the connection open', async () => {
    const user = await suite.user();
    const client = await suite.raw(user, '/ws/signaling/');
    await client.next('connection_established');
    for (let i = 0; i < 10; i++) client.send(i % 2 ? 'not json' : { type: 'ping' });
    await eventually(async () => expect(client.pending().length).toBeGreaterThanOrEqual(10));
    const replies = client.pending().map((m) => (m.type === 'pong' ? 'pong' : m.code));
    expect(count(replies, 'rate_limited')).toBeGreaterThanOrEqual(5);
    expect(client.socket.readyState).toBe(client.socket.OPEN);
  });
});

describe('call start limit per user (e2e)', () => {
  const suite = useTestApp({ RATE_LIMIT_CALL_STARTS_PER_MIN: '2' });
  const { t } = suite;

  it('counts starts on every dialect together and refuses the one over the limit without a call', async () => {
    const caller = await suite.online('student');
    const mentor = await suite.online('mentor');
    const api = request(t.url);
    const auth = { Authorization: `Bearer ${caller.token}` };

    const first = await emitWithAck(caller.socket, 'startCall', { recipientUserId: mentor.id });
    expect(first).toMatchObject({ ok: true });
    await emitWithAck(caller.socket, 'cancelCall', { callId: first.call.id });
    const second = await api.post('/calls/start').set(auth).send({ recipientUserId: mentor.id }).expect(201);
    await api.delete(`/calls/${second.body.id}`).set(auth).expect(200);

    const overRest = await api.post('/calls/start').set(auth).send({ recipientUserId: mentor.id }).expect(429);
    expect(overRest.body).toMatchObject({ statusCode: 429, code: 'rate_limited', message: 'Too many calls started: at most 2 a minute' });
    const metrics = parseMetrics((await api.get('/metrics').expect(200)).text);
    expect(valueOf(metrics, 'signaling_rate_limited_total', { surface: 'call-starts' })).toBe(1);
    const a = await suite.raw(caller, '/ws/call/');
    a.send({ action: 'start_call', callee_id: mentor.id });
    expect(await a.next('error')).toMatchObject({ code: 'rate_limited' });

    const { body: history } = await api.get('/calls/user/history').set(auth).expect(200);
    expect(history.items.map((c: { id: string }) => c.id).sort()).toEqual([first.call.id, second.body.id].sort());
    // Another caller is not affected.
    const other = await suite.user();
    await api.post('/calls/start').set('Authorization', `Bearer ${other.token}`).send({ recipientUserId: mentor.id }).expect(201);
  });
});

describe('connections per user (e2e)', () => {
  const suite = useTestApp({ MAX_CONNECTIONS_PER_USER: '2' });
  const { t, track } = suite;

  it('refuses a connection over the limit on every transport, and admits one again when another closes', async () => {
    const user = await suite.user();
    const phone = await suite.open(user);
    await suite.raw(user, '/ws/signaling/');

    const refused = track(connectSocket(t.url, { token: user.token }));
    const failure = await nextEvent(refused, 'connect_error');
    expect(failure.data).toMatchObject({ code: 'rate_limited', message: 'Too many connections: at most 2 per user' });
    await expect(RawClient.connect(t.url, '/ws/call/', user.token)).rejects.toMatchObject({ status: 429 });
    const late = track(connectSocket(t.url));
    await nextEvent(late, 'connect');
    expect(await emitWithAck(late, 'authenticate', { token: user.token })).toMatchObject({ ok: false, error: { code: 'rate_limited' } });

    phone.disconnect();
    // Admitted once the server has taken the closed connection off its books.
    await eventually(async () =>
      expect(await emitWithAck(late, 'authenticate', { token: user.token })).toMatchObject({ ok: true, userId: user.id }),
    );
  });

  it('admits no more than the limit of connections made at once, on both transports', async () => {
    const user = await suite.user();
    await suite.open(user);
    const sockets = Array.from({ length: 6 }, () => track(connectSocket(t.url, { token: user.token })));
    const raws = Array.from({ length: 4 }, () => RawClient.connect(t.url, '/ws/call/', user.token).then(track));
    const outcomes = await Promise.all([
      ...sockets.map((socket) =>
        Promise.race([nextEvent(socket, 'authenticated').then(() => 'in'), nextEvent(socket, 'connect_error').then(() => 'out')]),
      ),
      ...raws.map((raw) =>
        raw.then(
          () => 'in',
          () => 'out',
        ),
      ),
    ]);
    expect(outcomes.filter((outcome) => outcome === 'in')).toHaveLength(1);
  });
});

describe('frame and payload sizes (e2e)', () => {
  const suite = useTestApp({ MAX_SIGNAL_BYTES: '1024' });
  const { t } = suite;

  it('answers a signal over MAX_SIGNAL_BYTES with payload_too_large and keeps the connection', async () => {
    const { callee, a } = await answeredRawCall(suite);
    a.send({ action: 'offer', callee_id: callee.id, offer: { type: 'offer', sdp: 'x'.repeat(2000) } });
    expect(await a.next('error')).toMatchObject({ code: 'payload_too_large' });
    expect(a.socket.readyState).toBe(a.socket.OPEN);
  });

  it('closes a connection that sends a frame over the transport limit (1009 on raw WebSockets), and nothing else', async () => {
    const user = await suite.user();
    const client = await suite.raw(user, '/ws/signaling/');
    client.send({ type: 'ping', padding: 'x'.repeat(40_000) });
    expect((await client.closed).code).toBe(1009);

    const socket = await suite.open(user);
    const dropped = nextEvent(socket, 'disconnect');
    emitWithoutAck(socket, 'user_typing', { conversation_id: 'x'.repeat(40_000) });
    expect(await dropped).toMatch(/transport (close|error)/);
    await request(t.url).get('/health').expect(200);
    const again = await suite.open(user);
    expect(await emitWithAck(again, 'authenticate', { token: user.token })).toMatchObject({ ok: true });
  });
});

describe('connections that break the protocol (e2e)', () => {
  // Six new connections a minute (one every 10 s), in bursts of six.
  const suite = useTestApp({ MAX_SIGNAL_BYTES: '1024', RATE_LIMIT_CONNECTS_PER_MIN: '6' });
  const { t, track } = suite;

  it('let their user reconnect once at once, then only at the even rate, on both transports', async () => {
    const user = await suite.user();
    const client = await suite.raw(user, '/ws/signaling/');
    client.send({ type: 'ping', padding: 'x'.repeat(40_000) });
    expect((await client.closed).code).toBe(1009);
    // Five of the six were left; one is.
    const socket = await suite.open(user);
    const refused = track(connectSocket(t.url, { token: user.token }));
    expect((await nextEvent(refused, 'connect_error')).data).toMatchObject({ code: 'rate_limited' });

    const other = await suite.user();
    const first = await suite.open(other);
    const dropped = nextEvent(first, 'disconnect');
    emitWithoutAck(first, 'user_typing', { conversation_id: 'x'.repeat(40_000) });
    await dropped;
    await suite.open(other);
    await expect(RawClient.connect(t.url, '/ws/call/', other.token)).rejects.toMatchObject({ status: 429 });
    expect(socket.connected).toBe(true);
  });
});

describe('connections that go away (e2e)', () => {
  // Six new connections a minute, in bursts of six: after a breach, only one would be left at once.
  const suite = useTestApp({ RATE_LIMIT_CONNECTS_PER_MIN: '6' });
  const { t } = suite;

  /** A long-polling Socket.IO session, signed in, whose pending poll is cut off as a closed tab would. */
  async function pollCutOff(token: string): Promise<void> {
    const base = `${t.url}/socket.io/?EIO=4&transport=polling`;
    const sid = JSON.parse((await (await fetch(base)).text()).slice(1)).sid as string;
    await fetch(`${base}&sid=${sid}`, { method: 'POST', body: `40${JSON.stringify({ token })}` });
    // Polled until the server has told it all it had (the connect packet, then `authenticated`).
    let told = '';
    while (!told.includes('"authenticated"')) told += await (await fetch(`${base}&sid=${sid}`)).text();
    expect(told).toMatch(/^40/);
    const engine = (suite.t.app.get(ConnectionGateway) as unknown as { server: Server }).server.engine as unknown as {
      clients: Record<string, unknown>;
    };
    const session = engine.clients[sid] as {
      transport: { writable: boolean };
      once(event: 'close', f: (reason: string) => void): void;
    };
    const closed = new Promise<string>((done) => session.once('close', done));
    const { hostname, port } = new URL(t.url);
    const poll = connect(Number(port), hostname, () =>
      poll.write(`GET /socket.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`),
    );
    // Once the server holds the poll open (its transport waits to write), the client goes.
    await eventually(async () => expect(session.transport.writable).toBe(true));
    poll.destroy();
    expect(await closed).toBe('transport error');
  }

  it('do not cost their user the reconnects of one that broke the protocol', async () => {
    const user = await suite.user();
    await pollCutOff(user.token);
    // Two more at once: one that broke the protocol would have left its user only one.
    await suite.open(user);
    await suite.open(user);
  });
});

describe('Socket.IO connections that send what cannot be read (e2e)', () => {
  const suite = useTestApp({ RATE_LIMIT_CONNECTS_PER_MIN: '6' });
  const { t, track } = suite;

  const opened: WebSocket[] = [];
  afterEach(() => opened.splice(0).forEach((socket) => socket.terminate()));

  /** A Socket.IO session spoken by hand (Engine.IO 4 over a WebSocket), once it is authenticated. */
  async function byHand(token: string): Promise<{ socket: WebSocket; closed: Promise<number> }> {
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    opened.push(socket);
    const closed = new Promise<number>((done) => socket.once('close', done));
    await new Promise<void>((done, fail) => {
      void closed.then((code) => fail(new Error(`closed (${code}) before it was authenticated`)));
      socket.on('message', (data) => {
        const text = String(data);
        if (text.startsWith('0')) socket.send(`40${JSON.stringify({ token })}`);
        if (text.startsWith('44')) fail(new Error(`refused: ${text}`));
        if (text.startsWith('42["authenticated"')) done();
      });
    });
    return { socket, closed };
  }

  // Dropped at once, reading nothing more: after Engine.IO's closing frame (1005, no status) for
  // bytes that are no packet, and with none (1006) after a packet Socket.IO cannot read.
  it.each([
    ['bytes that are no packet', '\u00ff\u00fe not a packet', 1005],
    ['a packet Socket.IO cannot read', `42["offer",{"targetSocketId":"x","signal":{"sdp":"${'v=0 '.repeat(100)}`, 1006],
  ])('drops the connection for %s, and paces its user as for an oversize frame', async (_what, frame, code) => {
    const user = await suite.user();
    const { socket, closed } = await byHand(user.token);
    socket.send(frame);
    expect(await closed).toBe(code);
    // Five of the six new connections a minute were left: one more comes in at once, the next is refused.
    await suite.open(user);
    const refused = track(connectSocket(t.url, { token: user.token }));
    expect((await nextEvent(refused, 'connect_error')).data).toMatchObject({ code: 'rate_limited' });
  });
});

describe('frames checked before they are parsed (e2e)', () => {
  // Frames up to 1 KiB + 16 KiB; the allowance is at least two of them (34 816 bytes), refilled at 20 000 a second.
  const suite = useTestApp({ MAX_SIGNAL_BYTES: '1024', RATE_LIMIT_BYTES_PER_S: '20000' });

  /** An object nested `depth` deep. */
  const nested = (depth: number): unknown => (depth === 0 ? 'bottom' : { inner: nested(depth - 1) });

  it('answers a Socket.IO event nested deeper than 32 with validation_failed, unread, and keeps the connection', async () => {
    const { socket } = await suite.online('student');
    // `ping` takes any payload and answers pong: only a check before parsing refuses it.
    const tooDeep = await emitRaw(socket, 'ping', nested(40));
    expect(tooDeep).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', message: expect.stringMatching(/nested more than 32 levels deep/) },
    });
    const pong = new Promise((heard) => untyped(socket).once('pong', heard));
    untyped(socket).emit('ping', nested(30));
    await pong;
  });

  it('counts binary attachments against the bytes allowance, and drops those of an event refused for it', async () => {
    const { socket } = await suite.online('student');
    const attachment = Buffer.alloc(15_000, 7);
    // Three events' headers fit the allowance (their attachments then put it 10 KB in debt, half a second of refill); the fourth's does not.
    const acks = await Promise.all([1, 2, 3, 4].map(() => emitRaw(socket, 'no_such_event', { attachment })));
    expect(codes(acks)).toEqual(['validation_failed', 'validation_failed', 'validation_failed', 'rate_limited']);
    // Its attachment was not taken for a later packet: once the allowance is back, the connection reads on.
    await eventually(async () => expect(codes([await emitRaw(socket, 'no_such_event', {})])).toEqual(['validation_failed']));
    expect(socket.connected).toBe(true);
  });

  it('counts the attachments of an event refused before parsing against the allowance, though it drops them', async () => {
    const student = await suite.online('student');
    const allowance = suite.t.app.get(FrameAllowances).forUser(student.id);
    const attachment = () => Buffer.alloc(15_000, 7);
    // Refused for its nesting (the allowance holds its header): its three attachments are 45 KB, more than the allowance.
    const refused = await emitRaw(student.socket, 'ping', { deep: nested(40), a: attachment(), b: attachment(), c: attachment() });
    expect(refused).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    await eventually(async () => expect(allowance.msUntil(30_000)).toBeGreaterThan(0));
    expect(student.socket.connected).toBe(true);
  });

  it("charges a Socket.IO frame's bytes, not its characters", async () => {
    const { socket } = await suite.online('student');
    // 5 000 three-byte characters: 15 KB a frame. Three are 45 KB, more than the allowance; as characters, 15 000 would fit.
    const text = '€'.repeat(5_000);
    const acks = await Promise.all([1, 2, 3].map(() => emitRaw(socket, 'no_such_event', { text })));
    expect(codes(acks)).toEqual(['validation_failed', 'validation_failed', 'rate_limited']);
  });

  it('closes a Socket.IO connection whose refused event announces more attachments than a packet may have', async () => {
    const { socket } = await suite.online('student');
    const closed = nextEvent(socket, 'disconnect');
    // A binary event's header ("5<attachments>-"), refused for its nesting, announcing a trillion attachments.
    (socket.io.engine as unknown as { send(data: string): void }).send(`5999999999999-["ping",${JSON.stringify(nested(40))}]`);
    expect(await closed).toBe('transport close');
  });

  it('answers frames over the bytes allowance with rate_limited, unread, on both transports, and keeps the connection', async () => {
    const { socket } = await suite.online('student');
    const text = 'x'.repeat(9_000);
    const acks = await Promise.all(Array.from({ length: 8 }, () => emitRaw(socket, 'no_such_event', { text })));
    const outcome = codes(acks);
    // 34 816 bytes hold three frames of 9 KB; a slow machine may let a refill through.
    expect(count(outcome, 'validation_failed')).toBeGreaterThanOrEqual(3);
    expect(count(outcome, 'rate_limited')).toBeGreaterThanOrEqual(3);
    expect(acks).toContainEqual({
      ok: false,
      error: { code: 'rate_limited', message: 'Too much data: at most 20000 bytes a second per user' },
    });
    expect(socket.connected).toBe(true);

    const user = await suite.user();
    const raw = await suite.raw(user, '/ws/signaling/');
    await raw.next('connection_established');
    for (let i = 0; i < 8; i++) raw.send({ type: 'no_such_type', text });
    await eventually(async () => expect(raw.pending().length).toBeGreaterThanOrEqual(8));
    expect(
      count(
        raw.pending().map((m) => m.code),
        'rate_limited',
      ),
    ).toBeGreaterThanOrEqual(3);
    expect(raw.socket.readyState).toBe(raw.socket.OPEN);
  });

  it('reads nothing more from a connection over the allowance until it would hold the refused frame; nothing sent meanwhile is lost', async () => {
    // Three frames of 11 KB leave 1 816 of the 34 816 bytes; the fourth is refused, and the
    // connection is not read for the 460 ms the allowance needs to refill to 11 KB.
    const text = 'x'.repeat(11_000);
    const { socket } = await suite.online('student');
    const held = await Promise.all(Array.from({ length: 4 }, () => emitRaw(socket, 'no_such_event', { text })));
    expect(codes(held)).toEqual(['validation_failed', 'validation_failed', 'validation_failed', 'rate_limited']);
    const refusedAt = performance.now();
    expect(codes([await emitRaw(socket, 'no_such_event', {})])).toEqual(['validation_failed']);
    expect(performance.now() - refusedAt).toBeGreaterThan(350);

    const raw = await suite.raw(await suite.user(), '/ws/signaling/');
    await raw.next('connection_established');
    for (let i = 0; i < 4; i++) raw.send({ type: 'no_such_type', text });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await raw.next('error')).code);
    expect(answers).toEqual(['validation_failed', 'validation_failed', 'validation_failed', 'rate_limited']);
    const rawRefusedAt = performance.now();
    raw.send({ type: 'no_such_type' });
    expect(await raw.next('error')).toMatchObject({ code: 'validation_failed' });
    expect(performance.now() - rawRefusedAt).toBeGreaterThan(350);
  });
});

describe("a user's bytes allowance (e2e)", () => {
  // Refilled at 1 KiB a second: what is spent stays spent for the length of the test.
  const suite = useTestApp({ MAX_SIGNAL_BYTES: '1024', RATE_LIMIT_BYTES_PER_S: '1024' });

  it("is shared among the user's connections: a new one brings no fresh allowance", async () => {
    const user = await suite.user();
    const first = await suite.open(user);
    const text = 'x'.repeat(16_000);
    // Two frames of 16 KB take most of the 34 816 bytes the allowance holds; the third is refused.
    const spent = await Promise.all(Array.from({ length: 3 }, () => emitRaw(first, 'no_such_event', { text })));
    expect(codes(spent)).toEqual(['validation_failed', 'validation_failed', 'rate_limited']);
    const second = await suite.open(user);
    expect(codes([await emitRaw(second, 'no_such_event', { text })])).toEqual(['rate_limited']);
    const raw = await suite.raw(user, '/ws/signaling/');
    await raw.next('connection_established');
    raw.send({ type: 'no_such_type', text });
    expect(await raw.next('error')).toMatchObject({ code: 'rate_limited' });
    // Another user has an allowance of their own.
    const other = await suite.online('student');
    expect(codes([await emitRaw(other.socket, 'no_such_event', { text })])).toEqual(['validation_failed']);
  });
});

describe('new connections per user (e2e)', () => {
  const suite = useTestApp({ RATE_LIMIT_CONNECTS_PER_MIN: '2' });
  const { t, track } = suite;

  it("refuses a user's third new connection in a minute on every transport, saying when to try again", async () => {
    // Two a minute: one every 30 s, in bursts of two.
    const user = await suite.user();
    (await suite.open(user)).disconnect();
    (await suite.raw(user, '/ws/call/')).socket.close();

    const refused = track(connectSocket(t.url, { token: user.token }));
    const failure = await nextEvent(refused, 'connect_error');
    expect(failure.data).toMatchObject({ code: 'rate_limited', message: 'Too many new connections: at most 2 a minute per user' });
    expect((failure.data as { details: { retryAfterMs: number } }).details.retryAfterMs).toBeGreaterThan(25_000);
    await expect(RawClient.connect(t.url, '/ws/call/', user.token)).rejects.toMatchObject({ status: 429 });
    // Another user is not affected.
    await suite.open(await suite.user());
  });
});

describe('refused connections of one user (e2e)', () => {
  const suite = useTestApp({ RATE_LIMIT_CONNECTS_PER_MIN: '1', RATE_LIMIT_REFUSED_CONNECTS_PER_MIN: '2' });
  const { t, track } = suite;

  it('make that user wait at that address before its token is checked; others there, and open connections, are not affected', async () => {
    const user = await suite.user();
    const open = await suite.raw(user, '/ws/signaling/');
    await open.next('connection_established');
    // Two refusals for the user's own limit use up its allowance at this address…
    for (let i = 0; i < 2; i++) {
      await expect(RawClient.connect(t.url, '/ws/call/', user.token)).rejects.toMatchObject({ status: 429 });
    }
    // …then its new connections wait, told how long, on both transports, before any token check.
    const verify = jest.spyOn(t.app.get(TokenService), 'verifyConnection');
    await expect(RawClient.connect(t.url, '/ws/call/', user.token)).rejects.toMatchObject({ status: 429 });
    const socket = track(connectSocket(t.url, { token: user.token }));
    const refused = (await nextEvent(socket, 'connect_error')).data as { code: string; details: { retryAfterMs: number } };
    expect(refused).toMatchObject({ code: 'rate_limited', message: 'Too many refused connections: wait before connecting again' });
    expect(refused.details.retryAfterMs).toBeGreaterThan(20_000);
    expect(verify).not.toHaveBeenCalled();
    verify.mockRestore();
    // Other users behind the same address connect as ever (one connection a minute each, here).
    (await suite.raw(await suite.user(), '/ws/call/')).close();
    await suite.open(await suite.user());
    // The connection already open is not affected.
    open.send({ type: 'no_such_type' });
    expect(await open.next('error')).toMatchObject({ code: 'validation_failed' });
  });
});

describe('browser origins (e2e)', () => {
  const suite = useTestApp({ CORS_ORIGIN: 'https://app.example' });
  const { t, track } = suite;

  it('admits the allowed origin and clients that send none, on Socket.IO and raw WebSockets', async () => {
    const user = await suite.user();
    await authenticated(track(connectSocket(t.url, { token: user.token, extraHeaders: { Origin: 'https://app.example' } })));
    await suite.open(user);
    track(await RawClient.connect(t.url, '/ws/call/', user.token, { origin: 'https://app.example' }));
  });

  it('refuses any other origin before authentication, with forbidden', async () => {
    const user = await suite.user();
    const socket = track(connectSocket(t.url, { token: user.token, extraHeaders: { Origin: 'https://evil.example' } }));
    await nextEvent(socket, 'connect_error');
    await expect(RawClient.connect(t.url, '/ws/call/', user.token, { origin: 'https://evil.example' })).rejects.toMatchObject({
      status: 403,
    });
    const polling = await request(t.url).get('/socket.io/?EIO=4&transport=polling').set('Origin', 'https://evil.example').expect(403);
    expect(polling.body).toEqual({ statusCode: 403, code: 'forbidden', message: 'Origin https://evil.example is not allowed' });
  });
});

describe('unauthenticated Socket.IO sessions per IP (e2e)', () => {
  const suite = useTestApp({ MAX_UNAUTHENTICATED_PER_IP: '3', TRUST_PROXY: '1' });
  const { t, track } = suite;

  const handshake = (ip: string) => request(t.url).get('/socket.io/?EIO=4&transport=polling').set('X-Forwarded-For', ip);

  it('refuses new sessions from an address over the cap, until one authenticates', async () => {
    const pending = [1, 2].map(() => track(connectSocket(t.url, { extraHeaders: { 'X-Forwarded-For': '203.0.113.7' } })));
    await Promise.all(pending.map((s) => nextEvent(s, 'connect')));
    await handshake('203.0.113.7').expect(200);
    const refused = await handshake('203.0.113.7').expect(429);
    expect(refused.body).toMatchObject({ statusCode: 429, code: 'rate_limited' });
    // Another address is not affected.
    await handshake('198.51.100.9').expect(200);

    const user = await suite.user();
    expect(await emitWithAck(pending[0], 'authenticate', { token: user.token })).toMatchObject({ ok: true });
    await handshake('203.0.113.7').expect(200);
    await handshake('203.0.113.7').expect(429);
  });
});

describe('dead peers and expiring tokens (e2e)', () => {
  const suite = useTestApp({
    SOCKET_PING_INTERVAL_MS: '300',
    SOCKET_PING_TIMEOUT_MS: '300',
    WS_PING_INTERVAL_MS: '300',
    PRESENCE_GRACE_MS: '0',
  });
  const { t, track } = suite;

  const online = async (user: RegisteredUser) =>
    (await request(t.url).get(`/presence/${user.id}`).set('Authorization', `Bearer ${user.token}`).expect(200)).body.online as boolean;

  it('drops a raw WebSocket that stops answering pings, and its user goes offline', async () => {
    const user = await suite.user();
    const silent = track(await RawClient.connect(t.url, '/ws/signaling/', user.token, { autoPong: false }));
    await silent.next('connection_established');
    expect(await online(user)).toBe(true);
    await silent.closed;
    await eventually(async () => expect(await online(user)).toBe(false));
  });

  it('drops a Socket.IO client that stops answering pings', async () => {
    const user = await suite.user();
    // A client frozen in place, speaking engine.io by hand: it joins, then never answers a ping ("2").
    const frozen = new WebSocket(`${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const closed = new Promise((done) => frozen.once('close', done));
    frozen.on('message', (data) => {
      if (data.toString().startsWith('0')) frozen.send(`40${JSON.stringify({ token: user.token })}`);
    });
    await eventually(async () => expect(await online(user)).toBe(true));
    await closed;
    await eventually(async () => expect(await online(user)).toBe(false));
  });

  it('ends a raw WebSocket at its token expiry with a reason the client can act on', async () => {
    const user = await suite.user();
    const shortLived = sign({ sub: user.id, iss: 'call-signaling' }, TEST_JWT_SECRET, { expiresIn: 2 });
    const client = track(await RawClient.connect(t.url, '/ws/call/', shortLived));
    expect(await client.next('error', 5000)).toMatchObject({
      code: 'unauthorized',
      message: 'Access token expired',
      details: { reason: 'token_expired' },
    });
    expect(await client.closed).toEqual({ code: 4001, reason: 'token expired' });
  });
});
