import { RawClient } from './helpers/raw-ws';
import { emitRaw, emitWithAck, nextEvent, SocketIoDialect, TestSocket, untyped } from './helpers/sockets';
import { useTestApp } from './helpers/suite';
import type { RegisteredUser } from './helpers/users';

const GRACE_MS = 10_000;

/** The next `event` a socket hears, whatever its dialect's typed map says. */
function heard(socket: TestSocket, event: string): Promise<unknown> {
  return new Promise((resolve) => untyped(socket).once(event, resolve));
}

describe('a bad network is visible: reconnecting notices and ICE restarts (e2e)', () => {
  const { user, open, raw, api, track } = useTestApp({ RECONNECT_GRACE_MS: String(GRACE_MS) });

  /** A party of any dialect, as the test listens to it. */
  interface Party {
    user: RegisteredUser;
    /** The next message of this dialect's `name` (an event, or a raw `type`). */
    next(name: string): Promise<unknown>;
    close(): void;
  }

  async function party(
    role: 'student' | 'mentor',
    surface: SocketIoDialect | 'wsCall' | 'wsSignaling',
  ): Promise<Party & { socket?: TestSocket; raw?: RawClient }> {
    const who = await user(role);
    if (surface === 'wsCall' || surface === 'wsSignaling') {
      const client = await raw(who, surface === 'wsCall' ? '/ws/call/' : '/ws/signaling/');
      // /ws/signaling/ says when the connection is booked; /ws/call/ is booked before it opens.
      if (surface === 'wsSignaling') await client.next('connection_established');
      return { user: who, raw: client, next: (type) => client.next(type), close: () => client.close() };
    }
    const socket = await open(who, surface);
    return { user: who, socket, next: (event) => heard(socket, event), close: () => socket.disconnect() };
  }

  /** An ACTIVE call from `caller` to `callee`, started and answered over REST. */
  async function activeCall(caller: RegisteredUser, callee: RegisteredUser): Promise<string> {
    const { body: call } = await api(caller).post('/calls/start', { recipientUserId: callee.id }).expect(201);
    await api(callee).post('/calls/accept', { callId: call.id }).expect(200);
    return call.id as string;
  }

  const both = (callId: string, userId: string) => ({ call_id: callId, user_id: userId, callId, userId });
  const WORDS: Array<
    [
      SocketIoDialect | 'wsCall' | 'wsSignaling',
      string,
      (callId: string, userId: string) => unknown,
      string,
      (callId: string, userId: string) => unknown,
    ]
  > = [
    [
      'calls',
      'participantReconnecting',
      (callId, userId) => ({ callId, userId, graceMs: GRACE_MS }),
      'participantReconnected',
      (callId, userId) => ({ callId, userId }),
    ],
    [
      'webrtc',
      'webrtc:participant-reconnecting',
      (callId, from) => ({ from, callId, graceMs: GRACE_MS }),
      'webrtc:participant-reconnected',
      (callId, from) => ({ from, callId }),
    ],
    [
      'instant',
      'participant_reconnecting',
      (c, u) => ({ ...both(c, u), grace_ms: GRACE_MS, graceMs: GRACE_MS }),
      'participant_reconnected',
      both,
    ],
    [
      'instantmentor',
      'participant_reconnecting',
      (c, u) => ({ ...both(c, u), grace_ms: GRACE_MS, graceMs: GRACE_MS }),
      'participant_reconnected',
      both,
    ],
    [
      'wsCall',
      'participant_reconnecting',
      (call_id, user_id) => ({ type: 'participant_reconnecting', user_id, call_id, grace_ms: GRACE_MS }),
      'participant_reconnected',
      (call_id, user_id) => ({ type: 'participant_reconnected', user_id, call_id }),
    ],
    [
      'wsSignaling',
      'call.participant_reconnecting',
      (call_id, user_id) => ({ type: 'call.participant_reconnecting', user_id, call_id, grace_ms: GRACE_MS }),
      'call.participant_reconnected',
      (call_id, user_id) => ({ type: 'call.participant_reconnected', user_id, call_id }),
    ],
  ];

  it.each(WORDS)(
    'tells a %s party at once when the other drops mid-call, and when they are back',
    async (surface, dropped, droppedPayload, back, backPayload) => {
      const listener = await party('mentor', surface);
      const student = await user('student');
      const first = await open(student, 'calls');
      const callId = await activeCall(student, listener.user);

      const toldGone = listener.next(dropped);
      first.disconnect();
      expect(await toldGone).toEqual(droppedPayload(callId, student.id));

      // Back within the grace, on another connection: the call goes on, and the other party is told.
      const toldBack = listener.next(back);
      const again = await open(student, 'calls');
      expect(await toldBack).toEqual(backPayload(callId, student.id));
      expect((await api(student).get('/calls/user/current').expect(200)).body).toMatchObject({ id: callId, status: 'ACTIVE' });
      track(again);
      await api(student).delete(`/calls/${callId}`).expect(200);
    },
  );

  it('tells only the other party, once, and nothing for a second connection that drops while one stays', async () => {
    const mentor = await user('mentor');
    const student = await user('student');
    const [m, s, sPhone] = [await open(mentor, 'calls'), await open(student, 'calls'), await open(student, 'calls')];
    const callId = await activeCall(student, mentor);
    const mentorHeard: string[] = [];
    const studentHeard: string[] = [];
    untyped(m).onAny((event: string) => mentorHeard.push(event));
    untyped(s).onAny((event: string) => studentHeard.push(event));

    // The phone drops while the laptop stays: the student is still there.
    sPhone.disconnect();
    // The laptop drops too: now the student is gone, and the mentor hears it once.
    const gone = nextEvent(m, 'participantReconnecting');
    s.disconnect();
    await gone;
    const back = nextEvent(m, 'participantReconnected');
    const [laptop, phone] = await Promise.all([open(student, 'calls'), open(student, 'calls')]);
    await back;
    // A round trip on the mentor's socket: anything sent before it has arrived.
    await emitWithAck(m, 'toggleAudio', { callId, enabled: true }).catch(() => undefined);
    expect(mentorHeard.filter((e) => e.startsWith('participantReconnect'))).toEqual(['participantReconnecting', 'participantReconnected']);
    expect(studentHeard.filter((e) => e.startsWith('participantReconnect'))).toEqual([]);
    track(laptop);
    track(phone);
    await api(mentor).delete(`/calls/${callId}`).expect(200);
  });

  describe('an ICE restart asked of the other party, in each dialect that signals', () => {
    it('calls → calls: iceRestart to the peer socket', async () => {
      const [student, mentor] = [await user('student'), await user('mentor')];
      const [s, m] = [await open(student, 'calls'), await open(mentor, 'calls')];
      const callId = await activeCall(student, mentor);
      const asked = nextEvent(m, 'iceRestart');
      expect(await emitWithAck(s, 'iceRestart', { targetSocketId: m.id! })).toEqual({ ok: true });
      expect(await asked).toEqual({ senderId: s.id, callId, userId: student.id });
      // Only to a party of the sender's call.
      const outsider = await open(await user('student'), 'calls');
      expect(await emitWithAck(s, 'iceRestart', { targetSocketId: outsider.id! })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
      expect(await emitRaw(s, 'iceRestart', {})).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    });

    it('webrtc → /ws/call/: webrtc:restart, heard as ice_restart', async () => {
      const student = await party('student', 'webrtc');
      const mentor = await party('mentor', 'wsCall');
      const callId = await activeCall(student.user, mentor.user);
      const asked = mentor.next('ice_restart');
      expect(await emitWithAck(student.socket!, 'webrtc:restart', { to: mentor.user.id, callId })).toEqual({ ok: true });
      expect(await asked).toEqual({ type: 'ice_restart', sender_id: student.user.id, call_id: callId });
    });

    it('/ws/call/ → the InstantMentor app: ice_restart, heard as webrtc_restart', async () => {
      const student = await party('student', 'wsCall');
      const mentor = await party('mentor', 'instantmentor');
      const callId = await activeCall(student.user, mentor.user);
      const asked = mentor.next('webrtc_restart');
      student.raw!.send({ action: 'ice_restart', peer_id: mentor.user.id, call_id: callId });
      expect(await asked).toEqual({ callId, fromUserId: student.user.id, payload: null, timestamp: expect.any(String) });
    });

    it('the InstantMentor app → webrtc: webrtc_restart, heard as webrtc:restart', async () => {
      const student = await party('student', 'instantmentor');
      const mentor = await party('mentor', 'webrtc');
      const callId = await activeCall(student.user, mentor.user);
      const asked = mentor.next('webrtc:restart');
      expect(await emitRaw(student.socket!, 'webrtc_restart', { callId })).toEqual({ ok: true });
      expect(await asked).toEqual({ from: student.user.id, callId });
    });
  });
});
