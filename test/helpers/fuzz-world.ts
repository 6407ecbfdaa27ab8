import fc from 'fast-check';
import { sign } from 'jsonwebtoken';
import { startTestApp, TEST_JWT_SECRET, TestApp } from './test-app';
import {
  bogusId,
  Case,
  expectErrorBody,
  expectNoLeak,
  expectNoPollution,
  fuzzWithHeapCheck,
  junkValue,
  nastyString,
  Outcome,
  Payload,
  settledDatabaseState,
  Shape,
  shapeCases,
  unknownNames,
} from './fuzz';
import type { RawClient } from './raw-ws';
import { connectSocket, nextEvent, nextMatching, SocketIoDialect, TestSocket, untyped } from './sockets';
import { registerUser, RegisteredUser } from './users';

/**
 * What the fuzz suites aim at (users and records set up to be looked up but never changed), and
 * how each transport's cases are sent and their answers checked.
 */

// ---------------------------------------------------------------- the world

/**
 * Settings of every fuzz app: heartbeats far longer than any stall of a busy CI machine, where a
 * pong handled late would drop a fuzzing connection for a reason that is not the fuzz.
 */
export const FUZZ_APP_ENV: Record<string, string> = {
  SOCKET_PING_INTERVAL_MS: '120000',
  SOCKET_PING_TIMEOUT_MS: '120000',
  WS_PING_INTERVAL_MS: '300000',
};

/**
 * The users and records a fuzz suite aims at. The fuzzer holds real ids of things it may not
 * touch (a call already missed, another pair's conversation), so real lookups run, yet nothing
 * it sends can legally change anything: every call it could start is refused before any write.
 */
export interface FuzzWorld {
  /** Student: sends the fuzz. */
  fuzzer: RegisteredUser;
  /** Mentor, online: must hear nothing of the fuzz. */
  observer: RegisteredUser;
  /** Tutor, never connected. */
  offline: RegisteredUser;
  /** fuzzer → offline, MISSED at once: the fuzzer is its host. */
  missedCallId: string;
  /** observer → offline, MISSED: the fuzzer is no party of it. */
  foreignCallId: string;
  /** fuzzer ↔ offline, with one message from the fuzzer (read by them, as sent). */
  ownConversationId: string;
  ownMessageId: string;
  /** observer ↔ offline. */
  foreignConversationId: string;
  foreignMessageId: string;
  /** The database as the fuzz found it. */
  state: unknown;
}

async function api(t: TestApp, user: RegisteredUser, method: 'GET' | 'POST', path: string, body?: object) {
  const response = await fetch(`${t.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string; status?: string };
}

/** Records first (over REST, while the tutor is offline so calls are missed at once), then nothing moves. */
export async function buildWorld(t: TestApp): Promise<Omit<FuzzWorld, 'state'>> {
  const [fuzzer, observer, offline] = [
    await registerUser(t.url, 'student', 'Fuzzer'),
    await registerUser(t.url, 'mentor', 'Observer'),
    await registerUser(t.url, 'tutor', 'Offline'),
  ];
  const missed = await api(t, fuzzer, 'POST', '/calls/start', { recipientUserId: offline.id });
  const foreign = await api(t, observer, 'POST', '/calls/start', { recipientUserId: offline.id });
  expect([missed.status, foreign.status]).toEqual(['MISSED', 'MISSED']);
  const own = await api(t, fuzzer, 'POST', '/chat/conversations', { userId: offline.id });
  const ownMessage = await api(t, fuzzer, 'POST', `/chat/conversations/${own.id}/messages`, { text: 'hello' });
  const theirs = await api(t, observer, 'POST', '/chat/conversations', { userId: offline.id });
  const theirMessage = await api(t, observer, 'POST', `/chat/conversations/${theirs.id}/messages`, { text: 'hi' });
  return {
    fuzzer,
    observer,
    offline,
    missedCallId: missed.id,
    foreignCallId: foreign.id,
    ownConversationId: own.id,
    ownMessageId: ownMessage.id,
    foreignConversationId: theirs.id,
    foreignMessageId: theirMessage.id,
  };
}

/** The database once the set-up has settled, to compare with after the fuzz. */
export async function settle(t: TestApp, world: Omit<FuzzWorld, 'state'>): Promise<FuzzWorld> {
  return { ...world, state: await settledDatabaseState(t.app) };
}

/** What every fuzz suite stands on: the app, its settled world, the observer and what it overheard. */
export interface FuzzFixture {
  t: TestApp;
  world: FuzzWorld;
  observer: TestSocket;
  heard: string[];
}

/**
 * Registers one app and world per fuzz suite (beforeAll/afterAll): `connect` opens the suite's own
 * clients before the world settles; they land on the returned object, filled in by beforeAll.
 */
export function useFuzzWorld<Clients extends Record<string, TestSocket | RawClient>>(
  connect: (t: TestApp, built: Omit<FuzzWorld, 'state'>) => Promise<Clients>,
  env: Record<string, string> = {},
): FuzzFixture & Clients {
  const fixture = {} as FuzzFixture & Clients;
  let clients: Array<TestSocket | RawClient> = [];
  beforeAll(async () => {
    fixture.t = await startTestApp({ ...FUZZ_APP_ENV, ...env });
    const built = await buildWorld(fixture.t);
    const opened = await connect(fixture.t, built);
    clients = Object.values(opened);
    Object.assign(fixture, opened);
    fixture.observer = await connectIn(fixture.t, built.observer, 'calls');
    fixture.world = await settle(fixture.t, built);
    fixture.heard = overhear(fixture.observer);
  }, 60_000);
  afterAll(async () => {
    for (const client of clients) {
      if ('disconnect' in client) client.disconnect();
      else client.close();
    }
    fixture.observer?.disconnect();
    await fixture.t?.close();
  });
  return fixture;
}

/** Ids for fields whose target the fuzzer may not act on: mostly bogus, sometimes real and foreign. */
export function idPool(...real: string[]): fc.Arbitrary<unknown> {
  return real.length ? fc.oneof({ arbitrary: bogusId, weight: 3 }, { arbitrary: fc.constantFrom(...real), weight: 2 }) : bogusId;
}

/** Ids for fields that take strings only (no number coercion): bogus ones, sometimes real and foreign. */
export function textIdPool(...real: string[]): fc.Arbitrary<string> {
  const bogus = bogusId.map(String);
  return real.length ? fc.oneof({ arbitrary: bogus, weight: 3 }, { arbitrary: fc.constantFrom(...real), weight: 2 }) : bogus;
}

/** Tokens that must not authenticate anyone: malformed, forged, expired, of nobody, unsigned. */
export function badTokens(t: TestApp, user: RegisteredUser): fc.Arbitrary<string> {
  const own = t.config.jwt.ownIssuer;
  const now = Math.floor(Date.now() / 1000);
  const unsigned = (claims: object) =>
    [
      Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
      Buffer.from(JSON.stringify(claims)).toString('base64url'),
      '',
    ].join('.');
  return fc.oneof(
    nastyString.filter((s) => s !== ''),
    fc.constantFrom(
      'a.b.c',
      'Bearer ',
      `Bearer ${'x'.repeat(3000)}`,
      sign({ sub: user.id, iss: own }, TEST_JWT_SECRET, { expiresIn: -60 }),
      sign({ sub: user.id, iss: own }, 'not-the-secret-of-this-server-at-all'),
      sign({ sub: '00000000-0000-0000-0000-000000000000', iss: own, exp: now + 600 }, TEST_JWT_SECRET),
      // A refresh token, and one naming no user: signed right, and still no session.
      sign({ user_id: 9001, token_type: 'refresh', exp: now + 600 }, TEST_JWT_SECRET),
      sign({ name: 'nobody', exp: now + 600 }, TEST_JWT_SECRET),
      sign({ iss: own, exp: now + 600 }, TEST_JWT_SECRET),
      unsigned({ sub: user.id, iss: own, exp: now + 600 }),
      `${user.token.slice(0, -2)}xx`,
    ),
  );
}

/** The end of every fuzz suite: /health answers, the fuzzer is still online and can still call the observer (nobody is busy). */
export async function expectUsersStillFree(t: TestApp, world: FuzzWorld, observerSocket: TestSocket): Promise<void> {
  expect((await fetch(`${t.url}/health`)).status).toBe(200);
  const presence = await fetch(`${t.url}/presence/${world.fuzzer.id}`, { headers: { Authorization: `Bearer ${world.observer.token}` } });
  expect(await presence.json()).toMatchObject({ userId: world.fuzzer.id, online: true });
  const ringing = nextEvent(observerSocket, 'incomingCall');
  const start = await fetch(`${t.url}/calls/start`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${world.fuzzer.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ recipientUserId: world.observer.id }),
  });
  expect(start.status).toBe(201);
  const call = (await start.json()) as { id: string; status: string };
  expect(call.status).toBe('CALLING');
  expect((await ringing).callId).toBe(call.id);
  // The cancelled call's record in the chat is written in the background: wait for it before the app closes.
  const recorded = nextMatching(observerSocket, 'new_message', (payload) => payload.message.call?.callId === call.id);
  const cancel = await fetch(`${t.url}/calls/cancel`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${world.fuzzer.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ callId: call.id }),
  });
  expect(cancel.status).toBe(200);
  await recorded;
}

// ---------------------------------------------------------------- Socket.IO

/** Authenticates a Socket.IO client in `dialect` and waits until it is registered. */
export async function connectIn(t: TestApp, user: RegisteredUser, dialect: SocketIoDialect): Promise<TestSocket> {
  const socket = connectSocket(t.url, { token: user.token, dialect });
  await nextEvent(socket, 'authenticated');
  return socket;
}

/** Presence and status broadcasts are the world going on; anything else the observer hears came from the fuzz. */
const BACKGROUND_EVENTS = new Set(['user_online', 'user_offline', 'mentor_status_changed']);

/** Every event `socket` receives from now on, but presence. */
export function overhear(socket: TestSocket): string[] {
  const heard: string[] = [];
  socket.onAny((event: string) => {
    if (!BACKGROUND_EVENTS.has(event)) heard.push(event);
  });
  return heard;
}

/** socket.io-client refuses to emit these itself. */
export const CLIENT_RESERVED = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'];

/** Every event some gateway handles: whatever else a client sends is unknown. */
export const ALL_SOCKET_EVENTS = [
  'authenticate',
  'startCall',
  'acceptCall',
  'declineCall',
  'cancelCall',
  'joinCall',
  'leaveCall',
  'toggleVideo',
  'toggleAudio',
  'offer',
  'answer',
  'iceCandidate',
  'webrtc:call',
  'webrtc:offer',
  'webrtc:answer',
  'webrtc:ice-candidate',
  'webrtc:end-call',
  'initiate_call',
  'accept_call',
  'reject_call',
  'end_call',
  'mentor_available',
  'mentor_busy',
  'student_request_help',
  'accept_help_request',
  'cancel_help_request',
  'send_message',
  'user_typing',
  'user_stopped_typing',
  'mark_read',
  'webrtc_offer',
  'webrtc_answer',
  'webrtc_ice_candidate',
  'webrtc_hangup',
  'join_session',
  'leave_session',
  'ping',
  'user_online',
  'user_offline',
];

/**
 * A Socket.IO case: the event it is sent as, whether it comes from a socket that never
 * authenticated, and (for payloads socket.io-client cannot encode: it recurses into them) the
 * EVENT packet to write to the transport as it is.
 */
export type EventCase = Case & { event: string; anonymous?: boolean; packet?: string };

/** The cases of one event shape, named for the event. */
export function eventCases(event: string, shape: Shape, outcome: (payload: Payload) => readonly Outcome[]): fc.Arbitrary<EventCase> {
  return shapeCases(shape, outcome).map((c) => ({ ...c, event }));
}

/** Event names no gateway handles (near misses of `near` among them, and "error"), with anything as payload. */
export function unknownEventCases(near: readonly string[]): fc.Arbitrary<EventCase> {
  const names = unknownNames(near).filter((name) => !ALL_SOCKET_EVENTS.includes(name) && !CLIENT_RESERVED.includes(name));
  return fc
    .tuple(fc.oneof({ arbitrary: names, weight: 4 }, { arbitrary: fc.constant('error'), weight: 1 }), junkValue)
    .map(([event, payload]): EventCase => ({ event, label: 'unknown event', payload, expect: ['validation_failed'] }));
}

/**
 * Sends one case over Socket.IO and checks the reply: through the acknowledgement, or (a third
 * of the cases that cannot succeed) as the `error` event naming the event.
 */
export async function sendSocketCase(socket: TestSocket, c: EventCase, withAck: boolean): Promise<Outcome> {
  const { event } = c;
  if (c.packet === undefined && (withAck || c.expect.includes('ok'))) {
    const reply = await untyped(socket).timeout(5000).emitWithAck(event, c.payload);
    expectNoLeak(reply);
    if (reply?.ok === true) {
      expect(c.expect).toContain('ok');
      return 'ok';
    }
    expect(reply).toEqual({ ok: false, error: expect.any(Object) });
    return expectErrorBody(reply.error, c.expect);
  }
  const error = nextMatching(socket, 'error', (payload) => payload?.event === event);
  if (c.packet === undefined) untyped(socket).emit(event, c.payload);
  else (socket.io.engine as unknown as { write(packet: string): void }).write(c.packet);
  return expectErrorBody(await error, c.expect);
}

/**
 * Sends every case (two in three with an ack) from the socket `socketFor` picks, checks its
 * reply, that the socket stays connected and that no prototype was touched; with the heap check.
 */
export async function fuzzSocketEvents(cases: fc.Arbitrary<EventCase>, socketFor: (c: EventCase) => TestSocket): Promise<void> {
  const withAck = fc.integer({ min: 0, max: 2 }).map((n) => n > 0);
  // Why a socket went away, should one: a failure then says more than "not connected".
  const disconnects = new Map<TestSocket, string>();
  await fuzzWithHeapCheck(fc.tuple(cases, withAck), async ([c, ack]) => {
    const socket = socketFor(c);
    if (!disconnects.has(socket)) {
      disconnects.set(socket, 'still connected');
      socket.on('disconnect', (reason) => disconnects.set(socket, reason));
    }
    try {
      await sendSocketCase(socket, c, ack);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n(the socket: ${disconnects.get(socket)})`, { cause: error });
    }
    expect(disconnects.get(socket)).toBe('still connected');
    expect(socket.connected).toBe(true);
    expectNoPollution();
  });
}

// ---------------------------------------------------------------- raw WebSocket

/** A raw-WebSocket case: the frame as sent, and what the dialect must answer. */
export interface FrameCase {
  label: string;
  frame: string | Buffer;
  binary: boolean;
  /** 'ok' is a pong (seed 000's ping), never a success of anything else. */
  expect: readonly Outcome[];
  /** Seed 001 repeats the action of a failed message (a string), else null. */
  echo: unknown;
}

const isPlainObject = (value: unknown): value is Payload =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);

/** What the server's JSON.parse makes of a text frame's message name. */
function echoOf(frame: string, nameKey: string): unknown {
  try {
    const parsed: unknown = JSON.parse(frame);
    return isPlainObject(parsed) && typeof parsed[nameKey] === 'string' ? parsed[nameKey] : null;
  } catch {
    return null;
  }
}

/** How deep a JSON text nests (the message itself is 1); 0 for what does not parse. */
function depthOf(frame: string): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(frame);
  } catch {
    return 0;
  }
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[parsed, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * What the server answers a text frame: a message nested deeper than the message and a payload of
 * MAX_PAYLOAD_DEPTH (32) is refused before it is read, so it echoes nothing; else as the case says.
 */
export function textCase(label: string, frame: string, expect: readonly Outcome[], nameKey: string): FrameCase {
  if (depthOf(frame) > 33) return { label, frame, binary: false, expect: ['validation_failed'], echo: null };
  return { label, frame, binary: false, expect, echo: echoOf(frame, nameKey) };
}

/** A shape case as a raw message: its fields next to `nameKey: name`, or, not an object, the frame itself. */
export function frameOf(nameKey: 'action' | 'type', name: string, c: Case): FrameCase {
  const message = isPlainObject(c.payload) ? { ...c.payload, [nameKey]: name } : c.payload;
  return textCase(c.label, JSON.stringify(message) ?? 'undefined', c.expect, nameKey);
}

/** The cases of one message shape of a raw dialect. */
export function messageCases(
  nameKey: 'action' | 'type',
  name: string,
  shape: Shape,
  outcome: (payload: Payload) => readonly Outcome[],
): fc.Arbitrary<FrameCase> {
  return shapeCases(shape, outcome).map((c) => frameOf(nameKey, name, c));
}

/**
 * Frames that are no message of the dialect: unknown or missing names, text that is not JSON or
 * not an object, nesting deep enough to overflow any recursive reader, and binary frames (random
 * bytes, or a valid message sent as binary). `names` are the messages whose fields are checked;
 * `fieldless` ones (seed 000's ping) ignore any field.
 */
export function junkFrames(
  nameKey: 'action' | 'type',
  names: readonly string[],
  fieldless: readonly string[] = [],
): fc.Arbitrary<FrameCase> {
  const rejected = ['validation_failed'] as const;
  const text = (label: string) => (frame: string) => textCase(label, frame, rejected, nameKey);
  const fields = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
  const deepText = fc
    .tuple(fc.integer({ min: 33, max: 20_000 }), fc.constantFrom(...names), fc.boolean())
    .map(([levels, name, inMessage]) => {
      const deep = `${'['.repeat(levels)}${']'.repeat(levels)}`;
      return inMessage ? `{${JSON.stringify(nameKey)}:${JSON.stringify(name)},"x":${deep}}` : deep;
    });
  return fc.oneof(
    fc
      .tuple(fc.oneof(unknownNames([...names, ...fieldless]), junkValue), fields)
      .map(([name, rest]) => text('unknown name')(JSON.stringify({ ...rest, [nameKey]: name }))),
    fields.map((rest) => text('no name')(JSON.stringify(Object.fromEntries(Object.entries(rest).filter(([k]) => k !== nameKey))))),
    fc
      .oneof(
        fc.string({ maxLength: 200 }),
        fc.constantFrom('', '{', '{"', `{"${nameKey}":`, 'null', 'true', '[]', '"x"', '1e999', '\u0000', '{"a":1}}', '\uFEFF{}'),
      )
      .map(text('not a JSON object')),
    deepText.map(text('deep text')),
    fc
      .oneof(
        fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
        fc.constantFrom(...names, ...fieldless).map((name) => Buffer.from(JSON.stringify({ [nameKey]: name }))),
      )
      .map((frame): FrameCase => ({ label: 'binary frame', frame, binary: true, expect: rejected, echo: null })),
  );
}

const ERROR_KEYS = ['type', 'action', 'code', 'message', 'details'];

/**
 * Sends every frame and checks the one reply each gets (an `error`, or a pong), that the
 * connection stays open and no prototype was touched; with the heap check. Nothing else may
 * arrive: no call_started, no ring.
 */
export async function fuzzRawFrames(client: RawClient, cases: fc.Arbitrary<FrameCase>, options: { echoesAction: boolean }): Promise<void> {
  let closed = 'still open';
  void client.closed.then(({ code, reason }) => (closed = `closed ${code} ${reason}`));
  await fuzzWithHeapCheck(cases, async (c) => {
    // Left by a failed case while fast-check shrinks; a passing case leaves nothing (checked below).
    client.drain();
    const replyType = c.expect.includes('ok') ? 'pong' : 'error';
    client.socket.send(c.frame, { binary: c.binary });
    const reply = await client.next(replyType);
    expectNoLeak(reply);
    if (replyType === 'error') {
      expect(Object.keys(reply).filter((key) => !ERROR_KEYS.includes(key))).toEqual([]);
      if (options.echoesAction) expect(reply.action).toEqual(c.echo);
      expectErrorBody(reply, c.expect);
    }
    expect(client.pending()).toEqual([]);
    expect(closed).toBe('still open');
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    expectNoPollution();
  });
}
