import { sign } from 'jsonwebtoken';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { parse } from 'yaml';
import type { CallView } from '../src/calls/call.presenter';
import type { MessageView } from '../src/chat/chat.presenter';
import type {
  AppMessageEvent,
  AppSignalEvent,
  CallInitiatedConfirmedEvent,
  CallInitiatedEvent,
  HelpRequestReceivedEvent,
  MentorStatusUpdateEvent,
  SessionMemberEvent,
} from '@call-signaling/client';
import { DrainService } from '../src/signaling/drain.service';
import { ASYNCAPI_PATH, documentedOperations, parseAsyncApi } from './helpers/asyncapi';
import type { RawClient } from './helpers/raw-ws';
import { emitRaw, nextEvent, nextMatching, ServerEventName, TestSocket, untyped } from './helpers/sockets';
import { startTestApp, TEST_JWT_SECRET, TestApp } from './helpers/test-app';
import { registerUser, RegisteredUser, Role } from './helpers/users';
import { SocketIoDialect, WireRecorder } from './helpers/wire-recorder';

/** The next `event` on an emitter, however late it comes (for events started early and awaited late). */
function once<T>(socket: TestSocket, event: string): Promise<T> {
  return new Promise((resolve) => untyped(socket).once(event, resolve));
}

/** The next `event` whose payload `match` accepts, for the events the test sockets' typed event map does not list (the InstantMentor app's). */
function heard<T>(socket: TestSocket, event: string, match: (payload: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
  return nextMatching(socket, event as ServerEventName, match as never, timeoutMs) as Promise<unknown> as Promise<T>;
}

/** The names of the events a socket hears from now on. */
function namesHeard(socket: TestSocket): string[] {
  const names: string[] = [];
  untyped(socket).onAny((event: string) => names.push(event));
  return names;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`No ${what} within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sdp = (type: 'offer' | 'answer') => ({ type, sdp: `v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n` });
const candidate = { candidate: 'candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx', sdpMid: '0', sdpMLineIndex: 0 };
const shortLivedToken = (user: RegisteredUser) => sign({ sub: user.id, iss: 'call-signaling' }, TEST_JWT_SECRET, { expiresIn: 2 });

describe('the AsyncAPI document against the running server (e2e)', () => {
  let t: TestApp;
  let wire: WireRecorder;
  const opened: Array<TestSocket | RawClient> = [];
  /** Open through the whole suite, so the shutdown reaches them. */
  let stayingSocket: TestSocket;
  let stayingRaw: RawClient;
  /** Started first, checked later: they need a second or two of real time. */
  let lateToAuthenticate: { socket: TestSocket; error: Promise<unknown>; disconnected: Promise<string> };
  let expiring: { socket: TestSocket; error: Promise<unknown>; disconnected: Promise<string>; raw: RawClient };

  const user = (role: Role = 'student', name?: string) => registerUser(t.url, role, name);
  const online = async (who: RegisteredUser, dialect?: SocketIoDialect) => {
    const socket = wire.socket(t.url, { token: who.token, dialect });
    opened.push(socket);
    await nextEvent(socket, 'authenticated');
    return socket;
  };
  const raw = async (who: RegisteredUser, surface: 'wsCall' | 'wsSignaling') => {
    const client = await wire.raw(t.url, surface, who.token);
    opened.push(client);
    return client;
  };
  /** A user heard on every surface: a socket of each Socket.IO dialect, and both raw WebSockets. */
  const onEverySurface = async (who: RegisteredUser) => {
    const lSignaling = await raw(who, 'wsSignaling');
    await lSignaling.next('connection_established');
    return {
      lCalls: await online(who, 'calls'),
      lWebrtc: await online(who, 'webrtc'),
      lInstant: await online(who, 'instant'),
      lApp: await online(who, 'instantmentor'),
      lRaw: await raw(who, 'wsCall'),
      lSignaling,
    };
  };
  const api = (who: RegisteredUser) => ({
    post: (path: string, body: object) => request(t.url).post(path).set('Authorization', `Bearer ${who.token}`).send(body).expect(200),
    delete: (path: string) => request(t.url).delete(path).set('Authorization', `Bearer ${who.token}`).expect(200),
  });

  beforeAll(async () => {
    const { document, errors } = await parseAsyncApi();
    expect(errors).toEqual([]);
    wire = new WireRecorder(documentedOperations(document));
    t = await startTestApp({
      PRESENCE_GRACE_MS: '100',
      HELP_REQUEST_TTL_MS: '1500',
      SOCKET_AUTH_TIMEOUT_MS: '1500',
      SHUTDOWN_TIMEOUT_MS: '4000',
      CALL_LIMIT_WARNINGS_S: '1',
    });

    const bystander = await user('student', 'Bystander');
    stayingSocket = wire.socket(t.url, { token: bystander.token });
    await nextEvent(stayingSocket, 'authenticated');
    stayingRaw = await wire.raw(t.url, 'wsCall', bystander.token);

    const silent = wire.socket(t.url);
    lateToAuthenticate = { socket: silent, error: once(silent, 'error'), disconnected: once(silent, 'disconnect') };
    const expiringUser = await user();
    const expiringSocket = wire.socket(t.url, { token: shortLivedToken(expiringUser) });
    const expiringRaw = await wire.raw(t.url, 'wsSignaling', shortLivedToken(expiringUser));
    expiring = {
      socket: expiringSocket,
      error: once(expiringSocket, 'error'),
      disconnected: once(expiringSocket, 'disconnect'),
      // Its error is queued by the client until the test asks for it (a waiting next() would fail a run without that test).
      raw: expiringRaw,
    };
    // Parsing the document and starting the app are CPU-bound: a busy machine needs longer than jest's default.
  }, 120_000);
  afterEach(() => {
    for (const client of opened.splice(0)) client.close();
  });
  afterAll(async () => {
    stayingSocket?.disconnect();
    await t?.close();
  });

  it('seed 002: rings, declines, cancels, misses, accepts, joins, toggles, relays and leaves', async () => {
    const alice = await user('student', 'Alice');
    const bob = await user('mentor', 'Bob');
    const nobody = await user('mentor');
    const [a, aPhone, b] = [await online(alice, 'calls'), await online(alice, 'calls'), await online(bob, 'calls')];
    const start = (to: RegisteredUser, extra: object = {}) =>
      wire.emit<{ call: CallView }>(a, 'startCall', { recipientUserId: to.id, ...extra });

    let ring = nextEvent(b, 'incomingCall');
    const declinedCall = (await start(bob, { title: 'Fractions', hasVideo: true })).call;
    expect((await ring).callId).toBe(declinedCall.id);
    const declined = nextEvent(a, 'callDeclined');
    expect(await wire.emit(b, 'declineCall', { callId: declinedCall.id })).toMatchObject({ ok: true, call: { status: 'DECLINED' } });
    await declined;

    ring = nextEvent(b, 'incomingCall');
    const cancelledCall = (await start(bob, { isPrivate: true })).call;
    await ring;
    const cancelled = nextEvent(b, 'callCancelled');
    await wire.emit(a, 'cancelCall', { callId: cancelledCall.id });
    await cancelled;

    // The starting device has the ack; the caller's other device hears the missed call.
    const missed = nextEvent(aPhone, 'callMissed');
    expect((await start(nobody)).call.status).toBe('MISSED');
    expect(await missed).toMatchObject({ reason: 'offline' });

    ring = nextEvent(b, 'incomingCall');
    const callId = (await start(bob, { hasVideo: true })).call.id;
    await ring;
    const accepted = nextEvent(a, 'callAccepted');
    await wire.emit(b, 'acceptCall', { callId });
    await accepted;
    const aliceInRoom = nextEvent(a, 'joinedCall');
    await wire.emit(a, 'joinCall', { callId, hasVideo: true, hasAudio: true });
    await aliceInRoom;
    const bobArrives = nextEvent(a, 'userJoined');
    const bobJoined = await wire.emit<{ participants: Array<{ socketId: string }> }>(b, 'joinCall', {
      callId,
      userName: 'Bob B.',
      hasVideo: false,
      hasAudio: true,
    });
    const bobSocketId = (await bobArrives).socketId;
    const aliceSocketId = bobJoined.participants[0].socketId;

    for (const [event, heard] of [
      ['toggleVideo', 'participantVideoToggled'],
      ['toggleAudio', 'participantAudioToggled'],
    ] as const) {
      const toggled = nextEvent(b, heard);
      await wire.emit(a, event, { callId, enabled: false });
      await toggled;
    }
    for (const [sender, event, target, field, value] of [
      [a, 'offer', bobSocketId, 'signal', sdp('offer')],
      [b, 'answer', aliceSocketId, 'signal', sdp('answer')],
      [a, 'iceCandidate', bobSocketId, 'candidate', candidate],
    ] as const) {
      const relayed = nextEvent(sender === a ? b : a, event);
      expect(await wire.emit(sender, event, { targetSocketId: target, [field]: value })).toEqual({ ok: true });
      await relayed;
    }

    const left = nextEvent(a, 'participantLeft');
    await wire.emit(b, 'leaveCall', { callId });
    await left;
    const ended = nextEvent(b, 'callEnded');
    await wire.emit(a, 'leaveCall', { callId });
    expect(await ended).toMatchObject({ callId, reason: 'last_participant_left' });
  });

  it('seed 004: calls, answers (accepting), offers, trickles ICE and hangs up', async () => {
    const dan = await user('student');
    const eve = await user('tutor');
    const [d, e] = [await online(dan, 'webrtc'), await online(eve, 'webrtc')];
    const ring = nextEvent(e, 'webrtc:incoming-call');
    const callId = (await wire.emit<{ call: CallView }>(d, 'webrtc:call', { to: eve.id, room_name: 'algebra-1' })).call.id;
    expect(await ring).toMatchObject({ callId, room_name: 'algebra-1' });

    const accepted = nextEvent(d, 'webrtc:call-accepted');
    const answered = nextEvent(d, 'webrtc:answer');
    await wire.emit(e, 'webrtc:answer', { to: dan.id, sdp: sdp('answer'), callId });
    await Promise.all([accepted, answered]);
    const offered = nextEvent(e, 'webrtc:offer');
    await wire.emit(d, 'webrtc:offer', { to: eve.id, sdp: sdp('offer'), callId });
    await offered;
    const trickled = nextEvent(e, 'webrtc:ice-candidate');
    await wire.emit(d, 'webrtc:ice-candidate', { to: eve.id, candidate });
    await trickled;
    const ended = nextEvent(e, 'webrtc:end-call');
    await wire.emit(d, 'webrtc:end-call', { to: eve.id, callId });
    expect(await ended).toMatchObject({ callId, reason: 'hangup' });
  });

  it('seed 003: presence, mentor status, calls and help requests', async () => {
    const sam = await user('student', 'Sam');
    const mia = await user('mentor', 'Mia');
    const max = await user('mentor', 'Max');
    const tia = await user('tutor', 'Tia');
    const s = await online(sam, 'instant');
    const miaOnline = nextMatching(s, 'user_online', (p) => p.user_id === mia.id);
    const m = await online(mia, 'instant');
    await miaOnline;
    const x = await online(max, 'instant');

    const tiaOffline = nextMatching(s, 'user_offline', (p) => p.user_id === tia.id, 3000);
    (await online(tia, 'instant')).disconnect();
    await tiaOffline;

    for (const [event, status] of [
      ['mentor_busy', 'busy'],
      ['mentor_available', 'available'],
    ] as const) {
      const changed = nextMatching(s, 'mentor_status_changed', (p) => p.mentor_id === max.id && p.status === status);
      await wire.emit(x, event, status === 'busy' ? { status_message: 'In a lesson until 5' } : {});
      await changed;
    }

    // Presence by interest: a page of a list, a named tutor, a change heard through the list, and back.
    const page = await wire.emit<{ mentors: Array<{ mentorId: string }>; nextCursor: string | null }>(s, 'presence_subscribe', {
      role: 'mentor',
      status: 'available',
      limit: 1,
    });
    expect(page.mentors).toHaveLength(1);
    expect(page.nextCursor).toBe('1');
    await wire.emit(s, 'presence_subscribe', { role: 'mentor', cursor: page.nextCursor });
    expect(await wire.emit(s, 'presence_watch', { userIds: [tia.id] })).toMatchObject({ mentors: [{ mentorId: tia.id }] });
    const listed = nextMatching(s, 'mentor_status_changed', (p) => p.mentor_id === max.id && p.status === 'busy');
    await wire.emit(x, 'mentor_busy', {});
    await listed;
    await wire.emit(s, 'presence_unsubscribe', {});
    await wire.emit(x, 'mentor_available', {});

    let ring = nextEvent(m, 'incoming_call');
    const rejectedCall = (await wire.emit<{ call: CallView }>(s, 'initiate_call', { to_user_id: mia.id, call_type: 'audio' })).call;
    await ring;
    const rejected = nextEvent(s, 'call_rejected');
    await wire.emit(m, 'reject_call', { call_id: rejectedCall.id, reason: 'In a lesson' });
    await rejected;
    ring = nextEvent(m, 'incoming_call');
    const callId = (await wire.emit<{ call: CallView }>(s, 'initiate_call', { to_user_id: mia.id, call_type: 'video' })).call.id;
    await ring;
    const accepted = nextEvent(s, 'call_accepted');
    await wire.emit(m, 'accept_call', { call_id: callId });
    await accepted;
    const ended = nextEvent(m, 'call_ended');
    await wire.emit(s, 'end_call', { call_id: callId });
    expect(await ended).toMatchObject({ call_id: callId, reason: 'hangup' });

    const ask = async (payload: object) => {
      const offers = [nextEvent(m, 'help_request'), nextEvent(x, 'help_request')];
      const { request } = await wire.emit<{ request: { id: string } }>(s, 'student_request_help', payload);
      await Promise.all(offers);
      return request.id;
    };
    const first = await ask({ topic: 'Fractions', message: 'Stuck on 3/4 ÷ 1/2', target_type: 'mentor' });
    const won = nextEvent(s, 'help_request_accepted');
    const taken = nextEvent(x, 'help_request_taken');
    await wire.emit(m, 'accept_help_request', { request_id: first });
    await Promise.all([won, taken]);
    // Mia's call is declined: the request goes back to the head of its queue, offered to Max again and not to Mia.
    ring = nextEvent(s, 'incoming_call');
    const helpCall = (await wire.emit<{ call: CallView }>(m, 'initiate_call', { to_user_id: sam.id, call_type: 'video' })).call;
    await ring;
    const requeued = nextEvent(s, 'help_request_requeued');
    const reoffered = nextMatching(x, 'help_request', (r) => r.request_id === first);
    await wire.emit(s, 'reject_call', { call_id: helpCall.id });
    expect(await requeued).toMatchObject({ request_id: first, mentor_id: mia.id, reason: 'call_failed' });
    await reoffered;
    const withdrawnFirst = nextEvent(x, 'help_request_cancelled');
    await wire.emit(s, 'cancel_help_request', { request_id: first });
    await withdrawnFirst;

    const second = await ask({ topic: 'Essay' });
    const withdrawn = nextEvent(x, 'help_request_cancelled');
    await wire.emit(s, 'cancel_help_request', { request_id: second });
    await withdrawn;

    const third = await ask({ topic: 'Chemistry' });
    expect(await nextEvent(s, 'help_request_expired', 5000)).toEqual({ request_id: third, can_leave_message: true });
    const noted = nextEvent(m, 'new_message');
    const left = await wire.emit<{ mentors: number }>(s, 'leave_help_message', { request_id: third, text: 'Balancing equations, please' });
    expect(left.mentors).toBeGreaterThanOrEqual(2);
    expect((await noted).message.text).toBe('Help with "Chemistry": Balancing equations, please');
  });

  it('chat: sends across dialects, types, reads', async () => {
    const ann = await user('student', 'Ann');
    const ben = await user('mentor', 'Ben');
    const [a, b] = [await online(ann, 'calls'), await online(ben, 'instant')];
    const heard = nextEvent(b, 'new_message');
    const { message } = await wire.emit<{ message: MessageView }>(a, 'send_message', {
      to_user_id: ben.id,
      text: 'Can we go over recursion?',
      client_message_id: 'asyncapi-1',
    });
    await heard;
    const retry = await wire.emit(a, 'send_message', {
      conversation_id: message.conversationId,
      text: 'Can we go over recursion?',
      client_message_id: 'asyncapi-1',
    });
    expect(retry).toMatchObject({ duplicate: true });

    const conversation_id = message.conversationId;
    for (const event of ['user_typing', 'user_stopped_typing'] as const) {
      const typing = nextEvent(a, event);
      await wire.emit(b, event, { conversation_id });
      expect(await typing).toEqual({ conversation_id, user_id: ben.id, userId: ben.id });
    }
    const read = nextEvent(a, 'message_read');
    expect(await wire.emit(b, 'mark_read', { conversation_id, up_to_message_id: message.id })).toMatchObject({
      ok: true,
      last_read_seq: 1,
    });
    expect(await read).toMatchObject({ conversation_id, message_id: message.id, reader_id: ben.id });
  });

  it('the InstantMentor app: its own words, as its clients send them (no dialect, no acks)', async () => {
    const stella = await user('student', 'Stella');
    const marco = await user('mentor', 'Marco');
    const now = () => new Date().toISOString();
    /** As the app connects: `auth: {token}` and no dialect (its payloads show what it speaks); or declaring `instantmentor`. */
    const app = async (who: RegisteredUser, dialect?: SocketIoDialect) => {
      const socket = wire.socket(t.url, { token: who.token, dialect });
      opened.push(socket);
      const statuses = once<MentorStatusUpdateEvent[]>(socket, 'mentor_statuses');
      await nextEvent(socket, 'authenticated');
      return { socket, statuses };
    };

    // Marco's laptop shows it speaks the app's words by what it sends; his phone declares them.
    const m = (await app(marco)).socket;
    const mPhone = (await app(marco, 'instantmentor')).socket;
    expect(await wire.emit(m, 'user_online', { userId: marco.id, role: 'mentor', timestamp: now() })).toEqual({ ok: true });
    const laptopHeard = namesHeard(m);
    const available = heard<MentorStatusUpdateEvent>(mPhone, 'mentor_status_update', (u) => u.statusMessage === 'Ask me about calculus');
    const laptopAvailable = heard<MentorStatusUpdateEvent>(m, 'mentor_status_update', (u) => u.statusMessage === 'Ask me about calculus');
    wire.emitWithoutAck(m, 'mentor_available', { statusMessage: 'Ask me about calculus' });
    // What reached the laptop before it showed its words (its own arrival, told to everyone) came in every dialect's.
    await laptopAvailable;
    const laptopSpokenFrom = laptopHeard.lastIndexOf('mentor_status_update');
    expect(await available).toEqual({
      mentorId: marco.id,
      isAvailable: true,
      statusMessage: 'Ask me about calculus',
      updatedAt: expect.any(String),
    });

    // A student hears the mentors available now as it connects.
    const stellaConnects = await app(stella);
    const s = stellaConnects.socket;
    expect((await stellaConnects.statuses).find((status) => status.mentorId === marco.id)).toEqual({
      mentorId: marco.id,
      isAvailable: true,
      statusMessage: 'Ask me about calculus',
      updatedAt: expect.any(String),
    });
    // Before a socket has shown which words it speaks, it hears both names of a notice.
    const busyInBoth = [
      nextMatching(s, 'mentor_status_changed', (c) => c.mentor_id === marco.id && c.status === 'busy'),
      heard<MentorStatusUpdateEvent>(s, 'mentor_status_update', (u) => u.mentorId === marco.id && !u.isAvailable),
    ];
    wire.emitWithoutAck(m, 'mentor_busy', { statusMessage: 'Back in 10' });
    await Promise.all(busyInBoth);
    // The app announces itself in its envelope; any announcement is taken and ignored, and says nothing of its words.
    wire.emitWithoutAck(s, 'user_online', {
      id: '1733435858381',
      event: 'userOnline',
      data: { userId: stella.id, role: 'student', timestamp: now() },
      senderId: stella.id,
      receiverId: null,
      timestamp: now(),
    });
    expect(await wire.emit(s, 'user_online', { userId: stella.id, role: 'student', timestamp: now() })).toEqual({ ok: true });
    const back = heard<MentorStatusUpdateEvent>(s, 'mentor_status_update', (u) => u.mentorId === marco.id && u.isAvailable);
    wire.emitWithoutAck(m, 'mentor_available', { statusMessage: 'Ask me about calculus' });
    expect(await back).toMatchObject({ statusMessage: 'Ask me about calculus' });

    // Help requests: to every available mentor, or to one; the student hears help_request_sent.
    const ask = async (payload: object, match: (r: HelpRequestReceivedEvent) => boolean) => {
      const offered = heard<HelpRequestReceivedEvent>(m, 'help_request_received', match);
      const sent = heard<HelpRequestReceivedEvent>(s, 'help_request_sent', match);
      wire.emitWithoutAck(s, 'student_request_help', payload);
      const request = await sent;
      expect(await offered).toEqual(request);
      return request;
    };
    const broadcast = await ask(
      { mentorId: 'broadcast_to_mentors', subject: 'Calculus', message: 'Limits at infinity', urgency: 'high' },
      (r) => r.subject === 'Calculus',
    );
    // Its first event in the app's words showed which it speaks.
    const stellaHeard = namesHeard(s);
    expect(broadcast).toEqual({
      id: expect.any(String),
      studentId: stella.id,
      mentorId: 'broadcast_to_mentors',
      subject: 'Calculus',
      message: 'Limits at infinity',
      urgency: 'high',
      requestedAt: expect.any(String),
      status: 'pending',
    });
    // What the app has no words for, its sockets hear in the `instant` dialect's.
    const withdrawn = nextEvent(m, 'help_request_cancelled');
    await wire.emit(s, 'cancel_help_request', { request_id: broadcast.id });
    expect(await withdrawn).toEqual({ request_id: broadcast.id });
    const toMarco = await ask({ mentorId: marco.id, subject: 'Essay' }, (r) => r.subject === 'Essay');
    expect(toMarco).toMatchObject({ mentorId: marco.id, message: '', urgency: 'medium' });
    const taken = nextEvent(s, 'help_request_accepted');
    await wire.emit(mPhone, 'accept_help_request', { request_id: toMarco.id });
    expect(await taken).toMatchObject({ request_id: toMarco.id, mentor_id: marco.id });

    // Calls: the caller hears call_initiated_confirmed (the app passes no ack), the callee call_initiated.
    const call = async () => {
      const rings = [heard<CallInitiatedEvent>(m, 'call_initiated'), heard<CallInitiatedEvent>(mPhone, 'call_initiated')];
      const confirmed = heard<CallInitiatedConfirmedEvent>(s, 'call_initiated_confirmed');
      wire.emitWithoutAck(s, 'initiate_call', { receiverId: marco.id, callType: 'video', callerName: 'Stella S.' });
      const { callId } = await confirmed;
      expect(await confirmed).toEqual({ callId, callerId: stella.id, receiverId: marco.id, callType: 'video', status: 'ringing' });
      for (const ring of await Promise.all(rings)) {
        expect(ring).toEqual({ callId, callerId: stella.id, callerName: 'Stella', callType: 'video', receiverId: marco.id });
      }
      return callId;
    };
    let callId = await call();
    const rejected = heard(s, 'call_rejected');
    wire.emitWithoutAck(mPhone, 'reject_call', { callId, reason: 'In a lesson' });
    expect(await rejected).toEqual({ call_id: callId, by_user_id: marco.id, reason: 'In a lesson', callId, rejectedBy: marco.id });

    // Until it hears the call's id, the app names the call it started `pending-<ms>`.
    callId = await call();
    const cancelled = heard(m, 'call_ended');
    wire.emitWithoutAck(s, 'end_call', { callId: `pending-${Date.now()}` });
    expect(await cancelled).toEqual({ call_id: callId, by_user_id: stella.id, reason: 'cancelled', callId, endedBy: stella.id });

    // Accepted on the laptop: the phone hears that it was answered elsewhere.
    callId = await call();
    const accepted = heard(s, 'call_accepted');
    const elsewhere = heard(mPhone, 'call_ended');
    wire.emitWithoutAck(m, 'accept_call', { callId });
    expect(await accepted).toEqual({ call_id: callId, by_user_id: marco.id, callId, acceptedBy: marco.id });
    expect(await elsewhere).toEqual({ reason: 'answered_elsewhere', callId, endedBy: marco.id });

    // WebRTC relay between the call's parties; a client that passes an ack gets {ok: true}.
    const relayed = (to: TestSocket, event: string) => heard<AppSignalEvent>(to, event);
    let signal = relayed(m, 'webrtc_offer');
    wire.emitWithoutAck(s, 'webrtc_offer', { callId, payload: sdp('offer'), targetUserId: marco.id });
    expect(await signal).toEqual({ callId, fromUserId: stella.id, payload: sdp('offer'), timestamp: expect.any(String) });
    signal = relayed(s, 'webrtc_answer');
    expect(await wire.emit(m, 'webrtc_answer', { callId, payload: sdp('answer') })).toEqual({ ok: true });
    expect(await signal).toMatchObject({ callId, fromUserId: marco.id, payload: sdp('answer') });
    signal = relayed(m, 'webrtc_ice_candidate');
    wire.emitWithoutAck(s, 'webrtc_ice_candidate', { callId, payload: candidate });
    expect(await signal).toMatchObject({ fromUserId: stella.id, payload: candidate });
    signal = relayed(s, 'webrtc_ice_candidate');
    expect(await wire.emit(m, 'webrtc_ice_candidate', { callId, payload: candidate, targetUserId: stella.id })).toEqual({ ok: true });
    await signal;
    // An ICE restart: a new offer.
    signal = relayed(m, 'webrtc_offer');
    expect(await wire.emit(s, 'webrtc_offer', { callId, payload: sdp('offer') })).toEqual({ ok: true });
    await signal;

    // Sessions: the call's other party hears who joins and leaves it.
    let session = heard<SessionMemberEvent>(m, 'user_joined_session');
    wire.emitWithoutAck(s, 'join_session', { sessionId: callId });
    expect(await session).toEqual({ userId: stella.id, userRole: 'student', sessionId: callId, joinedAt: expect.any(String) });
    session = heard(s, 'user_joined_session');
    expect(await wire.emit(m, 'join_session', { sessionId: callId })).toEqual({ ok: true });
    expect(await session).toMatchObject({ userId: marco.id, userRole: 'mentor', sessionId: callId });
    session = heard(s, 'user_left_session');
    wire.emitWithoutAck(m, 'leave_session', { sessionId: callId });
    expect(await session).toEqual({ userId: marco.id, userRole: 'mentor', sessionId: callId, leftAt: expect.any(String) });
    session = heard(m, 'user_left_session');
    expect(await wire.emit(s, 'leave_session', { sessionId: callId })).toEqual({ ok: true });
    await session;

    // The app hangs up with webrtc_hangup (relayed) and end_call (which ends the call).
    signal = relayed(s, 'webrtc_hangup');
    expect(await wire.emit(m, 'webrtc_hangup', { callId, payload: {} })).toEqual({ ok: true });
    expect(await signal).toEqual({ callId, fromUserId: marco.id, payload: {}, timestamp: expect.any(String) });
    const ended = heard(s, 'call_ended');
    wire.emitWithoutAck(m, 'end_call', { callId, reason: 'User ended call' });
    expect(await ended).toEqual({ call_id: callId, by_user_id: marco.id, reason: 'hangup', callId, endedBy: marco.id });

    // Chat: flat, and in the app's envelope (which the payload schema does not describe, so it goes around the recorder).
    const received = heard<AppMessageEvent>(m, 'message_received', (message) => message.type === 'text');
    const sent = heard<AppMessageEvent>(s, 'message_sent');
    wire.emitWithoutAck(s, 'send_message', { receiverId: marco.id, content: 'Thanks for the session!', type: 'text' });
    const message = await sent;
    expect(message).toEqual({
      id: expect.any(String),
      senderId: stella.id,
      receiverId: marco.id,
      content: 'Thanks for the session!',
      type: 'text',
      timestamp: expect.any(String),
    });
    expect(await received).toEqual(message);
    const reply = heard<AppMessageEvent>(s, 'message_received', (r) => r.content === 'Any time!');
    untyped(m).emit('send_message', {
      id: '1733435858999',
      event: 'messageSent',
      data: { content: 'Any time!', messageType: 'text', metadata: {} },
      senderId: marco.id,
      receiverId: stella.id,
      timestamp: now(),
    });
    expect(await reply).toMatchObject({ senderId: marco.id, receiverId: stella.id, type: 'text' });
    for (const event of ['user_typing', 'user_stopped_typing'] as const) {
      const typing = nextEvent(s, event);
      wire.emitWithoutAck(m, event, { receiverId: stella.id });
      expect(await typing).toEqual({ conversation_id: expect.any(String), user_id: marco.id, userId: marco.id });
    }

    // Heartbeat, with any payload or none.
    let pong = heard(s, 'pong');
    wire.emitWithoutAck(s, 'ping', { timestamp: now() });
    expect(await pong).toEqual({ timestamp: expect.any(String) });
    pong = heard(s, 'pong');
    expect(await wire.emit(s, 'ping', undefined)).toEqual({ ok: true });
    await pong;

    // Failures come as request_failed, not as the `error` the app takes for a broken connection.
    let failed = heard(s, 'request_failed');
    wire.emitWithoutAck(s, 'webrtc_offer', { callId }, 'refused');
    expect(await failed).toMatchObject({ event: 'webrtc_offer', code: 'validation_failed', details: { payload: expect.any(Array) } });
    failed = heard(mPhone, 'request_failed');
    wire.emitWithoutAck(mPhone, 'accept_help_request', { request_id: broadcast.id });
    expect(await failed).toMatchObject({ event: 'accept_help_request', code: 'invalid_state' });

    wire.emitWithoutAck(s, 'user_offline', { userId: stella.id, role: 'student', timestamp: now() });
    expect(await wire.emit(s, 'user_offline', { userId: stella.id, role: 'student', timestamp: now() })).toEqual({ ok: true });

    // Once a socket has shown it speaks the app's words, it hears the app's names only where the app has them.
    const otherNames = [
      'incoming_call',
      'incomingCall',
      'webrtc:incoming-call',
      'mentor_status_changed',
      'help_request',
      'new_message',
      'error',
    ];
    expect(laptopHeard.slice(laptopSpokenFrom).filter((name) => otherNames.includes(name))).toEqual([]);
    expect(stellaHeard.filter((name) => otherNames.includes(name))).toEqual([]);
    expect(laptopHeard).toEqual(expect.arrayContaining(['call_initiated', 'help_request_received', 'webrtc_offer', 'message_received']));
  });

  it('seed 001 (/ws/call/): starts, rejects, cancels, misses, answers, relays and hangs up', async () => {
    const pat = await user('student');
    const quinn = await user('mentor');
    const nobody = await user('mentor');
    const [p, q] = [await raw(pat, 'wsCall'), await raw(quinn, 'wsCall')];
    const send = (client: RawClient, message: Record<string, unknown>) => wire.send(client, 'wsCall', message);
    const startCall = async () => {
      send(p, { action: 'start_call', callee_id: quinn.id });
      const { call_id } = (await p.next('call_started')) as { call_id: string };
      expect(await q.next('incoming_call')).toMatchObject({ call_id });
      return call_id;
    };

    let callId = await startCall();
    send(q, { action: 'reject_call', call_id: callId, caller_id: pat.id });
    await p.next('call_rejected');
    callId = await startCall();
    send(p, { action: 'cancel_call', call_id: callId, callee_id: quinn.id });
    await q.next('call_cancelled');
    send(p, { action: 'start_call', callee_id: nobody.id });
    await p.next('call_started');
    await p.next('call_missed');

    callId = await startCall();
    send(q, { action: 'answer_call', call_id: callId, caller_id: pat.id });
    await p.next('call_answered');
    send(p, { action: 'offer', callee_id: quinn.id, offer: sdp('offer'), call_id: callId });
    await q.next('call_offer');
    send(q, { action: 'answer', caller_id: pat.id, answer: sdp('answer'), call_id: callId });
    await p.next('call_answer');
    send(p, { action: 'ice_candidate', peer_id: quinn.id, candidate, call_id: callId });
    await q.next('ice_candidate');
    send(p, { action: 'hang_up', call_id: callId, peer_id: quinn.id });
    expect(await q.next('call_hanged_up')).toMatchObject({ call_id: callId, hanged_up_by: pat.id });
  });

  it('seed 000 (/ws/signaling/): invites, declines, is cancelled, accepts, ends, misses and pongs', async () => {
    const uma = await user('student');
    const vic = await user('mentor');
    const nobody = await user('tutor');
    const [u, v] = [await raw(uma, 'wsSignaling'), await raw(vic, 'wsSignaling')];
    await Promise.all([u.next('connection_established'), v.next('connection_established')]);
    const send = (client: RawClient, message: Record<string, unknown>) => wire.send(client, 'wsSignaling', message);
    const invite = async (room: string) => {
      send(u, { type: 'call.invite', to_user_id: vic.id, target_type: 'mentor', room_id: room, caller_display: 'Uma: Student' });
      const { call_id } = (await u.next('invite.sent')) as { call_id: string };
      expect(await v.next('call.ring')).toMatchObject({ room_id: room, call_id });
      return call_id;
    };

    await invite('room-declined');
    send(v, { type: 'call.response', to_user_id: uma.id, room_id: 'room-declined', accept: false });
    await Promise.all([v.next('response.sent'), u.next('call.declined')]);

    const cancelledId = await invite('room-cancelled');
    await api(uma).post('/calls/cancel', { callId: cancelledId });
    await v.next('call.cancelled');

    const acceptedId = await invite('room-accepted');
    send(v, { type: 'call.response', to_user_id: uma.id, room_id: 'room-accepted', accept: true });
    await Promise.all([v.next('response.sent'), u.next('call.accepted')]);
    await api(uma).delete(`/calls/${acceptedId}`);
    expect(await v.next('call.ended')).toMatchObject({ call_id: acceptedId, reason: 'ended_by_api' });

    send(u, { type: 'call.invite', to_user_id: nobody.id, target_type: 'tutor', room_id: 'room-missed' });
    await u.next('invite.sent');
    expect(await u.next('call.missed')).toMatchObject({ room_id: 'room-missed', reason: 'offline' });
    send(u, { type: 'ping' });
    expect(await u.next('pong')).toEqual({ type: 'pong' });
  });

  it('(ext) tells a connection that arrives mid-call of the call its user places or is in, on every surface', async () => {
    const kim = await user('student', 'Kim');
    const lee = await user('mentor', 'Lee');
    /** A Socket.IO connection of `who`, listening for `events` before it is booked (the events may come before `authenticated`). */
    const arrives = async <E extends ServerEventName>(who: RegisteredUser, dialect: SocketIoDialect | undefined, ...events: E[]) => {
      const socket = wire.socket(t.url, { token: who.token, dialect });
      opened.push(socket);
      const told = Promise.all(events.map((event) => nextEvent(socket, event)));
      await nextEvent(socket, 'authenticated');
      return { socket, told: await told };
    };
    const k = await raw(kim, 'wsSignaling');
    await k.next('connection_established');
    const l = await online(lee, 'calls');

    // Kim places a call: her new connections hear it, CALLING; Lee's new one rings instead, as before.
    const ring = nextEvent(l, 'incomingCall');
    wire.send(k, 'wsSignaling', { type: 'call.invite', to_user_id: lee.id, target_type: 'mentor', room_id: 'room-current' });
    const { call_id: callId } = (await k.next('invite.sent')) as { call_id: string };
    await ring;
    const kCalling = await raw(kim, 'wsSignaling');
    expect(await kCalling.next('connection_established')).toEqual({ type: 'connection_established', user_id: kim.id });
    expect(await kCalling.next('call.current')).toEqual({
      type: 'call.current',
      from_user_id: kim.id,
      to_user_id: lee.id,
      room_id: 'room-current',
      call_id: callId,
      status: 'calling',
    });
    const kimPlacing = await arrives(kim, 'calls', 'currentCall');
    expect(kimPlacing.told[0].call).toMatchObject({ id: callId, status: 'CALLING', hostUserId: kim.id, recipientUserId: lee.id });
    expect((await arrives(lee, 'calls', 'incomingCall')).told[0]).toMatchObject({ callId });

    const accepted = k.next('call.accepted');
    await wire.emit(l, 'acceptCall', { callId });
    await accepted;

    // Kim's network drops; she is back within RECONNECT_GRACE_MS: the call goes on, and each new connection hears of it.
    const kimGone = nextMatching(l, 'user_offline', (p) => p.user_id === kim.id, 5000);
    for (const connection of [k, kCalling, kimPlacing.socket]) connection.close();
    await kimGone;
    const [currentCall] = (await arrives(kim, 'calls', 'currentCall')).told;
    expect(currentCall.call).toMatchObject({ id: callId, status: 'ACTIVE', roomName: 'room-current' });
    expect((await arrives(kim, 'webrtc', 'webrtc:current-call')).told).toEqual([
      { callId, from: kim.id, to: lee.id, status: 'ACTIVE', room_name: 'room-current' },
    ]);
    const inBothFieldSets = {
      call_id: callId,
      caller_id: kim.id,
      callee_id: lee.id,
      call_type: currentCall.call.hasVideo ? 'video' : 'audio',
      status: 'active',
      callId,
      callerId: kim.id,
      receiverId: lee.id,
      callType: currentCall.call.hasVideo ? 'video' : 'audio',
    };
    expect((await arrives(kim, 'instant', 'current_call')).told).toEqual([inBothFieldSets]);
    // A socket that has declared no dialect hears it in every Socket.IO dialect's words; the callee is told as well.
    const undeclared = await arrives(kim, undefined, 'currentCall', 'webrtc:current-call', 'current_call');
    expect(undeclared.told).toEqual([currentCall, expect.objectContaining({ callId }), inBothFieldSets]);
    expect((await arrives(lee, 'instantmentor', 'current_call')).told).toEqual([inBothFieldSets]);
    const c = await raw(kim, 'wsCall');
    expect(await c.next('current_call')).toEqual({
      type: 'current_call',
      call_id: callId,
      caller_id: kim.id,
      callee_id: lee.id,
      status: 'active',
    });
    const s = await raw(kim, 'wsSignaling');
    await s.next('connection_established');
    expect(await s.next('call.current')).toMatchObject({
      type: 'call.current',
      room_id: 'room-current',
      call_id: callId,
      status: 'active',
    });

    const ended = nextEvent(l, 'callEnded');
    await api(kim).delete(`/calls/${callId}`);
    expect(await ended).toMatchObject({ callId, reason: 'ended_by_api' });
    expect(await c.next('call_hanged_up')).toMatchObject({ call_id: callId });
    expect(await s.next('call.ended')).toMatchObject({ call_id: callId, reason: 'ended_by_api' });
  });

  it('(ext) tells the other party when a party drops mid-call and is back, and relays ICE restarts, on every surface', async () => {
    const kim = await user('student', 'Kim R.');
    const lee = await user('mentor', 'Lee R.');
    // Lee listens on every surface; Kim is in the call from one calls-dialect socket.
    const { lCalls, lWebrtc, lInstant, lApp, lRaw, lSignaling } = await onEverySurface(lee);
    let k = await online(kim, 'calls');
    const callId = (await wire.emit<{ call: CallView }>(k, 'startCall', { recipientUserId: lee.id })).call.id;
    // Accepted over REST: no connection of Lee's is the one in the call, so a signal to Lee reaches each of them.
    await api(lee).post('/calls/accept', { callId });

    const dropped = Promise.all([
      nextEvent(lCalls, 'participantReconnecting'),
      nextEvent(lWebrtc, 'webrtc:participant-reconnecting'),
      nextEvent(lInstant, 'participant_reconnecting'),
      nextEvent(lApp, 'participant_reconnecting'),
      lRaw.next('participant_reconnecting'),
      lSignaling.next('call.participant_reconnecting'),
    ]);
    k.close();
    const [calls, webrtc, instant, app, wsCall, wsSignaling] = await dropped;
    expect(calls).toEqual({ callId, userId: kim.id, graceMs: 15_000 });
    expect(webrtc).toEqual({ from: kim.id, callId, graceMs: 15_000 });
    expect(instant).toEqual({ call_id: callId, user_id: kim.id, grace_ms: 15_000, callId, userId: kim.id, graceMs: 15_000 });
    expect(app).toEqual(instant);
    expect(wsCall).toEqual({ type: 'participant_reconnecting', user_id: kim.id, call_id: callId, grace_ms: 15_000 });
    expect(wsSignaling).toEqual({ type: 'call.participant_reconnecting', user_id: kim.id, call_id: callId, grace_ms: 15_000 });

    const back = Promise.all([
      nextEvent(lCalls, 'participantReconnected'),
      nextEvent(lWebrtc, 'webrtc:participant-reconnected'),
      nextEvent(lInstant, 'participant_reconnected'),
      lRaw.next('participant_reconnected'),
      lSignaling.next('call.participant_reconnected'),
    ]);
    k = await online(kim, 'calls');
    expect((await back)[0]).toEqual({ callId, userId: kim.id });

    // Kim's network changed: she asks Lee for an ICE restart, from each dialect that signals.
    const askedByCalls = nextEvent(lCalls, 'iceRestart');
    expect(await wire.emit(k, 'iceRestart', { targetSocketId: lCalls.id! })).toEqual({ ok: true });
    expect(await askedByCalls).toEqual({ senderId: k.id, callId, userId: kim.id });
    const kWebrtc = await online(kim, 'webrtc');
    const everywhere = Promise.all([nextEvent(lWebrtc, 'webrtc:restart'), heard(lApp, 'webrtc_restart'), lRaw.next('ice_restart')]);
    expect(await wire.emit(kWebrtc, 'webrtc:restart', { to: lee.id, callId })).toEqual({ ok: true });
    expect(await everywhere).toEqual([
      { from: kim.id, callId },
      { callId, fromUserId: kim.id, payload: null, timestamp: expect.any(String) },
      { type: 'ice_restart', sender_id: kim.id, call_id: callId },
    ]);
    const kApp = await online(kim, 'instantmentor');
    let asked = nextEvent(lWebrtc, 'webrtc:restart');
    expect(await wire.emit(kApp, 'webrtc_restart', { callId })).toEqual({ ok: true });
    await asked;
    const kRaw = await raw(kim, 'wsCall');
    asked = nextEvent(lWebrtc, 'webrtc:restart');
    wire.send(kRaw, 'wsCall', { action: 'ice_restart', peer_id: lee.id, call_id: callId });
    await asked;
    await api(kim).delete(`/calls/${callId}`);
  });

  it("(ext) warns of a call's limit, asks for, refuses and grants more time, and ends it at the limit, on every surface", async () => {
    const kim = await user('student', 'Kim L.');
    const lee = await user('mentor', 'Lee L.');
    const { lCalls, lWebrtc, lInstant, lApp, lRaw, lSignaling } = await onEverySurface(lee);
    const k = await online(kim, 'calls');
    const callId = (await wire.emit<{ call: CallView }>(k, 'startCall', { recipientUserId: lee.id, maxDurationS: 3 })).call.id;
    await api(lee).post('/calls/accept', { callId });
    /** What each of Lee's connections hears of one notice, by its surface's word: calls, webrtc, instant (and the app), /ws/call/, /ws/signaling/. */
    const everywhere = (words: [string, string, string, string, string]) =>
      Promise.all([
        nextEvent(lCalls, words[0] as ServerEventName),
        nextEvent(lWebrtc, words[1] as ServerEventName),
        heard(lInstant, words[2]),
        heard(lApp, words[2]),
        lRaw.next(words[3]),
        lSignaling.next(words[4]),
      ]);

    const ASKED: Parameters<typeof everywhere>[0] = [
      'extensionRequested',
      'webrtc:extension-requested',
      'call_extension_requested',
      'extension_requested',
      'call.extension_requested',
    ];
    let asked = everywhere(ASKED);
    await wire.emit(k, 'requestExtension', { callId, extraS: 1 });
    expect((await asked)[0]).toMatchObject({ callId, requestedBy: kim.id, extraS: 1 });
    const refused = everywhere([
      'extensionDeclined',
      'webrtc:extension-declined',
      'call_extension_declined',
      'extension_declined',
      'call.extension_declined',
    ]);
    await wire.emit(lCalls, 'declineExtension', { callId });
    expect((await refused)[5]).toEqual({ type: 'call.extension_declined', call_id: callId, declined_by: lee.id, extra_s: 1 });

    asked = everywhere(ASKED);
    await wire.emit(k, 'requestExtension', { callId, extraS: 1 });
    await asked;
    const granted = everywhere(['callExtended', 'webrtc:call-extended', 'call_extended', 'call_extended', 'call.extended']);
    const extended = await wire.emit<{ call: CallView }>(lCalls, 'acceptExtension', { callId });
    expect(extended.call.maxDurationS).toBe(4);
    expect((await granted)[1]).toEqual({ from: lee.id, callId, extraS: 1, endsAt: extended.call.endsAt, maxDurationS: 4 });

    const warned = everywhere(['callTimeWarning', 'webrtc:time-warning', 'call_time_warning', 'time_warning', 'call.time_warning']);
    expect((await warned)[0]).toEqual({ callId, secondsLeft: 1, endsAt: extended.call.endsAt });
    const ended = nextEvent(k, 'callEnded', 5000);
    expect(await ended).toEqual({ callId, endedBy: null, reason: 'time_limit' });
    expect(await lSignaling.next('call.ended')).toMatchObject({ call_id: callId, reason: 'time_limit' });
  });

  it('refuses what the document refuses, with the documented errors', async () => {
    const rita = await user('student');
    const r = await online(rita, 'calls');
    const refusals: Array<[string, object, string]> = [
      ['startCall', { recipientUserId: 'someone', video: true }, 'validation_failed'],
      ['joinCall', { callId: 'some-call', hasVideo: true }, 'validation_failed'],
      ['toggleAudio', { callId: 'some-call', enabled: 'yes' }, 'validation_failed'],
      ['webrtc:offer', { to: 'someone' }, 'validation_failed'],
      ['initiate_call', { to_user_id: 'someone', call_type: 'hologram' }, 'validation_failed'],
      ['student_request_help', { topic: '' }, 'validation_failed'],
      ['send_message', { to_user_id: 'someone', conversation_id: 'some-conversation', text: 'hi' }, 'validation_failed'],
      ['send_message', { to_user_id: 'someone', text: '   ' }, 'validation_failed'],
      ['mark_read', { conversation_id: 'some-conversation' }, 'validation_failed'],
      ['authenticate', {}, 'validation_failed'],
      ['offer', { targetSocketId: 'someone', signal: { type: 'offer', sdp: 'x'.repeat(70_000) } }, 'payload_too_large'],
    ];
    for (const [event, payload, code] of refusals) {
      expect({ event, ack: await wire.emitRefused(r, event, payload) }).toMatchObject({ event, ack: { ok: false, error: { code } } });
    }
    const failed = nextEvent(r, 'error');
    wire.emitWithoutAck(r, 'joinCall', { callId: 'some-call' }, 'refused');
    expect(await failed).toMatchObject({ event: 'joinCall', code: 'validation_failed', details: { hasVideo: expect.any(Array) } });
    // Unknown events are answered (ext), so no client waits forever for its ack.
    expect(await emitRaw(r, 'hangUp', { callId: 'x' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });

    const w = await raw(rita, 'wsCall');
    wire.sendRefused(w, 'wsCall', { action: 'start_call' });
    expect(await w.next('error')).toMatchObject({
      action: 'start_call',
      code: 'validation_failed',
      details: { callee_id: expect.any(Array) },
    });
    wire.sendRefused(w, 'wsCall', { action: 'offer', callee_id: 'someone', offer: sdp('offer'), room: 'x' });
    expect(await w.next('error')).toMatchObject({ action: 'offer', code: 'validation_failed' });
    w.send('not json');
    expect(await w.next('error')).toMatchObject({ action: null, code: 'validation_failed' });
    const mentor = await user('mentor');
    const g = await raw(rita, 'wsSignaling');
    await g.next('connection_established');
    wire.sendRefused(g, 'wsSignaling', { type: 'call.invite', to_user_id: mentor.id, target_type: 'admin', room_id: 'room-refused' });
    expect(await g.next('error')).toMatchObject({ code: 'validation_failed', details: { target_type: expect.any(Array) } });
    wire.sendRefused(g, 'wsSignaling', { type: 'call.response', to_user_id: mentor.id, room_id: 'room-refused', accept: 'yes' });
    expect(await g.next('error')).toMatchObject({ code: 'validation_failed' });

    // Only a frame over MAX_SIGNAL_BYTES + 16 KiB closes the connection.
    const closing = await raw(rita, 'wsCall');
    closing.send(JSON.stringify({ action: 'offer', offer: 'x'.repeat(90_000) }));
    expect((await closing.closed).code).toBe(1009);
  });

  it('authenticates late sockets, times out silent ones, and ends connections at token expiry', async () => {
    const lou = await user('mentor');
    const late = wire.socket(t.url);
    opened.push(late);
    await once(late, 'connect');
    expect(await wire.emit(late, 'startCall', { recipientUserId: lou.id })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const announced = nextEvent(late, 'authenticated');
    expect(await wire.emit(late, 'authenticate', { token: lou.token })).toMatchObject({ ok: true, userId: lou.id });
    expect(await announced).toEqual({ socketId: late.id, userId: lou.id });

    expect(await within(lateToAuthenticate.error, 5000, 'authentication timeout')).toMatchObject({ code: 'unauthorized' });
    expect(await within(lateToAuthenticate.disconnected, 5000, 'disconnect')).toBe('io server disconnect');
    expect(await within(expiring.error, 5000, 'expiry error')).toEqual({
      code: 'unauthorized',
      message: 'Access token expired',
      details: { reason: 'token_expired' },
    });
    expect(await within(expiring.disconnected, 5000, 'disconnect')).toBe('io server disconnect');
    expect(await expiring.raw.next('error', 10_000)).toMatchObject({ code: 'unauthorized', details: { reason: 'token_expired' } });
    expect((await within(expiring.raw.closed, 5000, 'close')).code).toBe(4001);
  });

  it('serves the document without a token: /docs/realtime (HTML), .yaml and .json', async () => {
    const yaml = await request(t.url).get('/docs/realtime.yaml').expect(200);
    expect(yaml.headers['content-type']).toMatch(/^application\/yaml/);
    expect(yaml.text).toBe(readFileSync(ASYNCAPI_PATH, 'utf8'));
    const json = await request(t.url)
      .get('/docs/realtime.json')
      .expect(200)
      .expect('Content-Type', /^application\/json/);
    expect(json.body).toEqual(parse(yaml.text));

    const page = await request(t.url)
      .get('/docs/realtime')
      .expect(200)
      .expect('Content-Type', /^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.text).not.toMatch(/<script|<link|src=/i);
    for (const name of ['startCall', 'webrtc:incoming-call', 'help_request_expired', 'call_hanged_up', 'call.ring', 'server_shutdown']) {
      expect(page.text).toContain(`<code class="event">${name}</code>`);
    }
    // Interpolated text is escaped: the description's `Authorization: Bearer <token>` shows as text.
    expect(page.text).toContain('Bearer &lt;token&gt;');
    expect(page.text).not.toContain('<token>');
  });

  it('sends server_shutdown to Socket.IO clients and closes raw WebSockets with 1012 when draining', async () => {
    const shutdown = nextEvent(stayingSocket, 'server_shutdown');
    const disconnected = once<string>(stayingSocket, 'disconnect');
    await t.app.get(DrainService).drain();
    expect(await shutdown).toEqual({ reconnect: true, message: expect.any(String) });
    expect(await disconnected).toBe('transport close');
    expect((await stayingRaw.closed).code).toBe(1012);
  });

  it('received only documented messages, each (and every acknowledgement) matching its schema', async () => {
    // Traffic of its own, so it checks something when run alone; an app of its own, as the suite's has drained by now.
    const own = await startTestApp();
    try {
      const caller = await registerUser(own.url, 'student', 'Cleo');
      const callee = await registerUser(own.url, 'mentor', 'Dev');
      const [c, d] = [
        wire.socket(own.url, { token: caller.token, dialect: 'calls' }),
        wire.socket(own.url, { token: callee.token, dialect: 'instant' }),
      ];
      opened.push(c, d);
      await Promise.all([nextEvent(c, 'authenticated'), nextEvent(d, 'authenticated')]);
      const ring = nextEvent(d, 'incoming_call');
      const { call } = await wire.emit<{ call: CallView }>(c, 'startCall', { recipientUserId: callee.id, hasVideo: true });
      expect(await ring).toMatchObject({ call_id: call.id, from_user_id: caller.id, call_type: 'video' });
      const declined = nextEvent(c, 'callDeclined');
      expect(await wire.emit(d, 'reject_call', { call_id: call.id, reason: 'In a lesson' })).toMatchObject({ ok: true });
      expect(await declined).toEqual({ callId: call.id, declinedBy: callee.id });
      const signaling = await wire.raw(own.url, 'wsSignaling', caller.token);
      opened.push(signaling);
      expect(await signaling.next('connection_established')).toEqual({ type: 'connection_established', user_id: caller.id });
    } finally {
      for (const client of opened.splice(0)) client.close();
      await own.close();
    }

    expect(wire.undocumented).toEqual([]);
    expect(wire.problems).toEqual([]);
  });

  it('exercised every documented operation and every Socket.IO acknowledgement', () => {
    expect(wire.unexercised()).toEqual([]);
  });
});
