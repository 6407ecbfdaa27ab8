import { Client } from 'pg';
import request from 'supertest';
import { useCluster } from './helpers/cluster';
import { InstantMentorApp } from './helpers/instantmentor-app';
import { collect, connectAs } from './helpers/parties';
import { RawClient } from './helpers/raw-ws';
import type { ServerProcess } from './helpers/server-process';
import { connectSocket, emitWithAck, nextEvent, nextMatching, TestSocket } from './helpers/sockets';
import { registerUser, RegisteredUser } from './helpers/users';

/** Two instances, one PostgreSQL, one Redis: every behaviour holds across instances. */
describe('two instances behind one Redis and one PostgreSQL (e2e)', () => {
  const fixture = useCluster(2, {
    RING_TIMEOUT_MS: '2500',
    RECONNECT_GRACE_MS: '1000',
    PRESENCE_GRACE_MS: '300',
    TYPING_TIMEOUT_MS: '1000',
  });
  let a: ServerProcess;
  let b: ServerProcess;
  const sockets: TestSocket[] = [];
  const raws: RawClient[] = [];
  const apps: InstantMentorApp[] = [];
  const on = async (instance: ServerProcess, user: RegisteredUser) => {
    const socket = await connectAs(instance.url, user);
    sockets.push(socket);
    return socket;
  };
  const rawOn = async (instance: ServerProcess, user: RegisteredUser) => {
    const client = await RawClient.connect(instance.url, '/ws/call/', user.token);
    raws.push(client);
    return client;
  };
  const sql = async <T>(query: string, params: unknown[]): Promise<T[]> => {
    const client = new Client({ connectionString: fixture.database.env.DATABASE_URL });
    await client.connect();
    try {
      return (await client.query(query, params)).rows as T[];
    } finally {
      await client.end();
    }
  };

  beforeAll(() => {
    [a, b] = fixture.instances;
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
    for (const r of raws.splice(0)) r.close();
    for (const app of apps.splice(0)) app.close();
  });

  it('runs a seed-002 call from instance A to a recipient on B: ring, accept, room, relay, end', async () => {
    const alice = await registerUser(a.url, 'student', 'Alice');
    const bob = await registerUser(b.url, 'mentor', 'Bob');
    const onA = await on(a, alice);
    const onB = await on(b, bob);

    const ringing = nextEvent(onB, 'incomingCall');
    const { call } = await emitWithAck(onA, 'startCall', { recipientUserId: bob.id });
    expect(await ringing).toMatchObject({ callId: call.id, caller: { userId: alice.id, name: 'Alice' } });
    const accepted = nextEvent(onA, 'callAccepted');
    expect(await emitWithAck(onB, 'acceptCall', { callId: call.id })).toMatchObject({ ok: true, call: { status: 'ACTIVE' } });
    await accepted;

    expect(await emitWithAck(onA, 'joinCall', { callId: call.id, hasVideo: true, hasAudio: true })).toMatchObject({ ok: true });
    const aliceSeesBob = nextEvent(onA, 'userJoined');
    const joined = await emitWithAck(onB, 'joinCall', { callId: call.id, hasVideo: true, hasAudio: true });
    expect(joined.participants.map((p: { userId: string }) => p.userId)).toEqual([alice.id]);
    expect((await aliceSeesBob).userId).toBe(bob.id);

    const offer = nextEvent(onB, 'offer');
    expect(await emitWithAck(onA, 'offer', { targetSocketId: onB.id!, signal: { type: 'offer', sdp: 'v=0 a' } })).toEqual({ ok: true });
    expect(await offer).toMatchObject({ offer: { type: 'offer', sdp: 'v=0 a' }, senderId: onA.id, userId: alice.id });
    const answer = nextEvent(onA, 'answer');
    await emitWithAck(onB, 'answer', { targetSocketId: onA.id!, signal: { type: 'answer', sdp: 'v=0 b' } });
    expect((await answer).senderId).toBe(onB.id);
    const ice = nextEvent(onB, 'iceCandidate');
    await emitWithAck(onA, 'iceCandidate', { targetSocketId: onB.id!, candidate: { candidate: 'c1' } });
    expect((await ice).candidate).toEqual({ candidate: 'c1' });

    const ended = nextEvent(onB, 'callEnded');
    await request(a.url).delete(`/calls/${call.id}`).set('Authorization', `Bearer ${alice.token}`).expect(200);
    expect(await ended).toMatchObject({ callId: call.id });
    // The relay's record of open calls is shared: ended through A, the call relays nothing more on B.
    expect(await emitWithAck(onB, 'offer', { targetSocketId: onA.id!, signal: { sdp: 'late' } })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('runs a seed-001 raw-WebSocket call from A to B: start, answer, offer/answer, ICE, hang up', async () => {
    const sam = await registerUser(a.url, 'student', 'Sam');
    const maya = await registerUser(b.url, 'mentor', 'Maya');
    const caller = await rawOn(a, sam);
    const callee = await rawOn(b, maya);
    caller.send({ action: 'start_call', callee_id: maya.id });
    const callId = (await caller.next('call_started')).call_id;
    expect(await callee.next('incoming_call')).toMatchObject({ call_id: callId, caller_id: sam.id, caller_username: 'Sam' });
    callee.send({ action: 'answer_call', call_id: callId, caller_id: sam.id });
    expect(await caller.next('call_answered')).toMatchObject({ call_id: callId, callee_id: maya.id });
    caller.send({ action: 'offer', callee_id: maya.id, offer: { sdp: 'o' } });
    expect(await callee.next('call_offer')).toMatchObject({ offer: { sdp: 'o' }, caller_id: sam.id });
    callee.send({ action: 'answer', caller_id: sam.id, answer: { sdp: 'a' } });
    expect(await caller.next('call_answer')).toMatchObject({ answer: { sdp: 'a' } });
    caller.send({ action: 'ice_candidate', peer_id: maya.id, candidate: { candidate: 'c' } });
    expect(await callee.next('ice_candidate')).toMatchObject({ candidate: { candidate: 'c' }, sender_id: sam.id });
    callee.send({ action: 'hang_up', call_id: callId });
    expect(await caller.next('call_hanged_up')).toMatchObject({ call_id: callId });
  });

  it('makes exactly one call of 20 simultaneous starts to one recipient, split across both instances', async () => {
    const recipient = await registerUser(a.url, 'mentor');
    await on(b, recipient);
    const callers = await Promise.all(Array.from({ length: 20 }, () => registerUser(a.url)));
    const responses = await Promise.all(
      callers.map((caller, i) =>
        request(i % 2 ? a.url : b.url)
          .post('/calls/start')
          .set('Authorization', `Bearer ${caller.token}`)
          .send({ recipientUserId: recipient.id }),
      ),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409 && r.body.code === 'user_busy')).toHaveLength(19);
    const open = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM calls WHERE recipient_user_id = $1 AND status IN ('CALLING', 'ACTIVE')`,
      [recipient.id],
    );
    expect(open[0].n).toBe(1);
  });

  it('fires a ring timeout once in the cluster, and tells both sides once', async () => {
    const caller = await registerUser(a.url);
    const callee = await registerUser(b.url, 'mentor');
    const onA = await on(a, caller);
    const onB = await on(b, callee);
    const callerMissed = collect(onA, 'callMissed');
    const calleeMissed = collect(onB, 'callMissed');
    const { call } = await emitWithAck(onA, 'startCall', { recipientUserId: callee.id });
    const missed = await nextMatching(onB, 'callMissed', (e) => e.callId === call.id, 8000);
    expect(missed).toMatchObject({ callId: call.id });
    // Marker: a later ring timeout (claimed in due order, delivered by the same path): a second firing of the first would come before it.
    const { call: marker } = await emitWithAck(onA, 'startCall', { recipientUserId: callee.id });
    await Promise.all([onA, onB].map((socket) => nextMatching(socket, 'callMissed', (e) => e.callId === marker.id, 8000)));
    expect(callerMissed.map((e) => e.callId)).toEqual([call.id, marker.id]);
    expect(calleeMissed.map((e) => e.callId)).toEqual([call.id, marker.id]);
    const moves = await sql<{ to_status: string }>(`SELECT to_status FROM call_events WHERE call_id = $1 ORDER BY at`, [call.id]);
    expect(moves.map((m) => m.to_status)).toEqual(['CALLING', 'MISSED']);
  });

  it('shares presence: a mentor online on B is seen from A, and goes offline once', async () => {
    const student = await registerUser(a.url);
    const mentor = await registerUser(b.url, 'mentor');
    const onA = await on(a, student);
    const online = nextMatching(onA, 'user_online', (e) => e.user_id === mentor.id);
    const mentorSocket = await on(b, mentor);
    expect(await online).toMatchObject({ user_id: mentor.id, role: 'mentor', userId: mentor.id, userRole: 'mentor' });
    const { body } = await request(a.url).get(`/presence/${mentor.id}`).set('Authorization', `Bearer ${student.token}`).expect(200);
    expect(body.online).toBe(true);

    const offlines = collect(onA, 'user_offline');
    mentorSocket.disconnect();
    await nextMatching(onA, 'user_offline', (e) => e.user_id === mentor.id);
    // Marker: another mentor's offline, from a grace armed later, by the same broadcast: a second one for the first would come before it.
    const marker = await registerUser(b.url, 'mentor');
    const markerOnline = nextMatching(onA, 'user_online', (e) => e.user_id === marker.id);
    const markerSocket = await on(b, marker);
    await markerOnline;
    const markerOffline = nextMatching(onA, 'user_offline', (e) => e.user_id === marker.id);
    markerSocket.disconnect();
    await markerOffline;
    expect(offlines.map((e) => e.user_id).filter((id) => id === mentor.id || id === marker.id)).toEqual([mentor.id, marker.id]);
  });

  it('tells a connection on A with a mentor list open of the mentors on B of its role, and not of the others', async () => {
    const student = await registerUser(a.url);
    const [mentor, tutor] = [await registerUser(b.url, 'mentor', 'Ines'), await registerUser(b.url, 'tutor', 'Ivo')];
    const [mentorSocket, tutorSocket] = [await on(b, mentor), await on(b, tutor)];
    const onA = await on(a, student);
    const page = await emitWithAck(onA, 'presence_subscribe', { role: 'mentor' });
    expect(page.mentors.map((m: { mentorId: string }) => m.mentorId)).toContain(mentor.id);
    const changes = collect(onA, 'mentor_status_changed');
    await emitWithAck(tutorSocket, 'mentor_busy', {});
    const told = nextMatching(onA, 'mentor_status_changed', (c) => c.mentor_id === mentor.id);
    await emitWithAck(mentorSocket, 'mentor_busy', { status_message: 'Across instances' });
    expect(await told).toMatchObject({ status: 'busy', status_message: 'Across instances' });
    // The tutor's change came first on B: had it crossed to A for this connection, it would have arrived first.
    expect(changes.filter((c) => c.mentor_id === tutor.id)).toEqual([]);
  });

  it('carries chat across instances: messages, typing that expires once, read receipts', async () => {
    const ada = await registerUser(a.url);
    const grace = await registerUser(b.url, 'mentor');
    const onA = await on(a, ada);
    const onB = await on(b, grace);
    const heard = nextEvent(onB, 'new_message');
    const { message } = await emitWithAck(onA, 'send_message', { to_user_id: grace.id, text: 'across the cluster' });
    expect((await heard).message).toEqual(message);

    const stops = collect(onB, 'user_stopped_typing');
    const typing = nextEvent(onB, 'user_typing');
    await emitWithAck(onA, 'user_typing', { conversation_id: message.conversationId });
    expect(await typing).toEqual({ conversation_id: message.conversationId, user_id: ada.id, userId: ada.id });
    await nextEvent(onB, 'user_stopped_typing', 5000);
    // Marker: another typist's timeout, armed later (claimed in due order, delivered by the same path): a second stop would come before it.
    const carol = await registerUser(a.url);
    const carolOnA = await on(a, carol);
    const { message: toGrace } = await emitWithAck(carolOnA, 'send_message', { to_user_id: grace.id, text: 'me too' });
    const markerStop = nextMatching(onB, 'user_stopped_typing', (e) => e.user_id === carol.id, 5000);
    await emitWithAck(carolOnA, 'user_typing', { conversation_id: toGrace.conversationId });
    await markerStop;
    expect(stops.map((e) => e.user_id)).toEqual([ada.id, carol.id]);

    const receipt = nextEvent(onA, 'message_read');
    await emitWithAck(onB, 'mark_read', { conversation_id: message.conversationId, up_to_message_id: message.id });
    expect(await receipt).toMatchObject({ message_id: message.id, reader_id: grace.id });
  });

  it("runs the InstantMentor app's call across instances: every device rings, one answers, media relays, the rest hear it", async () => {
    const sam = await registerUser(a.url, 'student', 'Sam');
    const mia = await registerUser(b.url, 'mentor', 'Mia');
    const student = await new InstantMentorApp(a.url, sam).ready();
    const phone = await new InstantMentorApp(b.url, mia).ready();
    const tablet = await new InstantMentorApp(a.url, mia).ready();
    apps.push(student, phone, tablet);

    const rings = [phone.next('call_initiated'), tablet.next('call_initiated')];
    const confirmed = student.next('call_initiated_confirmed');
    student.emit('initiate_call', { receiverId: mia.id, callType: 'video' });
    const { callId } = await confirmed;
    for (const ring of await Promise.all(rings)) expect(ring).toMatchObject({ callId, callerId: sam.id, callerName: 'Sam' });

    const accepted = student.next('call_accepted');
    const elsewhere = tablet.next('call_ended');
    phone.emit('accept_call', { callId });
    expect(await accepted).toMatchObject({ callId, acceptedBy: mia.id });
    expect(await elsewhere).toMatchObject({ callId, reason: 'answered_elsewhere' });

    const offered = phone.next('webrtc_offer');
    student.emit('webrtc_offer', { callId, payload: { type: 'offer', sdp: 'v=0 a' } });
    expect(await offered).toMatchObject({ callId, fromUserId: sam.id, payload: { type: 'offer', sdp: 'v=0 a' } });
    const answered = student.next('webrtc_answer');
    phone.emit('webrtc_answer', { callId, payload: { type: 'answer', sdp: 'v=0 b' } });
    expect(await answered).toMatchObject({ fromUserId: mia.id });
    expect(tablet.heardOf('webrtc_offer')).toEqual([]);

    const message = phone.next('message_received');
    student.emit('send_message', { receiverId: mia.id, content: 'Thanks!' });
    expect(await message).toMatchObject({ senderId: sam.id, receiverId: mia.id, content: 'Thanks!' });
    const ended = phone.next('call_ended');
    student.emit('end_call', { callId });
    expect(await ended).toMatchObject({ callId, endedBy: sam.id, reason: 'hangup' });
  });

  it('rings a callee on B called from A the instant it is told it is authenticated: 0 missed in 500, over Socket.IO and /ws/signaling/', async () => {
    const caller = await registerUser(a.url, 'student');
    const callee = await registerUser(b.url, 'mentor');
    const onA = await on(a, caller);
    const missed: number[] = [];
    for (let i = 0; i < 500; i += 1) {
      let hangUp: () => void;
      if (i % 2 === 0) {
        const socket = connectSocket(b.url, { token: callee.token });
        await nextEvent(socket, 'authenticated');
        hangUp = () => socket.disconnect();
      } else {
        const raw = await RawClient.connect(b.url, '/ws/signaling/', callee.token);
        await raw.next('connection_established');
        hangUp = () => raw.close();
      }
      const { call } = await emitWithAck(onA, 'startCall', { recipientUserId: callee.id });
      if (call.status === 'CALLING') await emitWithAck(onA, 'cancelCall', { callId: call.id });
      else missed.push(i);
      hangUp();
    }
    expect(missed).toEqual([]);
  }, 120_000);
});
