import { sign } from 'jsonwebtoken';
import type { CallView } from '../src/calls/call.presenter';
import { InstantMentorApp } from './helpers/instantmentor-app';
import { emitWithAck, nextEvent, nextMatching, TestSocket, untyped } from './helpers/sockets';
import { useTestApp } from './helpers/suite';
import { TEST_JWT_SECRET } from './helpers/test-app';
import type { RegisteredUser, Role } from './helpers/users';

const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
const answer = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' };
const candidate = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host', sdpMid: '0', sdpMLineIndex: 0 };
const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);

describe("the InstantMentor app's own protocol, unchanged but for a token (e2e)", () => {
  const suite = useTestApp({ RING_TIMEOUT_MS: '1500', PRESENCE_GRACE_MS: '200' });
  const apps: InstantMentorApp[] = [];
  afterEach(() => {
    for (const app of apps.splice(0)) app.close();
  });

  /** The app, connected as `user`; `claimed` is what it puts in `auth` besides the token (the reference trusted it). */
  const connect = (user: RegisteredUser, claimed?: { userId: string; userRole: string }) => {
    const app = new InstantMentorApp(suite.t.url, user, claimed);
    apps.push(app);
    return app.ready();
  };
  const appUser = async (role: Role, name?: string) => connect(await suite.user(role, name));
  /** A mentor's app that said it is available: calls and help requests find them. */
  const availableMentor = async (name?: string) => {
    const mentor = await appUser('mentor', name);
    mentor.emit('mentor_available', { statusMessage: 'Ready to help' });
    await mentor.next('mentor_status_update', (s) => s.mentorId === mentor.user.id && s.isAvailable);
    return mentor;
  };
  /** A call from `caller` ringing `callee`, as the app starts one: both sides' events. */
  const ring = async (caller: InstantMentorApp, callee: InstantMentorApp, callType: 'video' | 'audio' = 'video') => {
    const confirmed = caller.next('call_initiated_confirmed');
    const initiated = callee.next('call_initiated');
    caller.emit('initiate_call', { receiverId: callee.user.id, callType, callerName: 'Whatever the app says' });
    return { confirmed: await confirmed, initiated: await initiated };
  };
  const noErrorEvents = (...clients: InstantMentorApp[]) => {
    for (const client of clients)
      expect({ who: client.user.displayName, error: client.heardOf('error') }).toEqual({ who: client.user.displayName, error: [] });
  };

  it('calls, relays offer, answer, ICE and hang-up between the parties, and ends: identity from the token, not from auth', async () => {
    const mentor = await availableMentor('Mia');
    const studentUser = await suite.user('student', 'Sam');
    // The reference server believed auth.userId; here it changes nothing.
    const student = await connect(studentUser, { userId: mentor.user.id, userRole: 'mentor' });

    const { confirmed, initiated } = await ring(student, mentor);
    const callId = confirmed.callId;
    expect(confirmed).toEqual({ callId, callerId: studentUser.id, receiverId: mentor.user.id, callType: 'video', status: 'ringing' });
    expect(initiated).toEqual({ callId, callerId: studentUser.id, callerName: 'Sam', callType: 'video', receiverId: mentor.user.id });

    const accepted = student.next('call_accepted');
    mentor.emit('accept_call', { callId });
    expect(await accepted).toEqual({ callId, acceptedBy: mentor.user.id, call_id: callId, by_user_id: mentor.user.id });

    const relays: Array<
      [
        InstantMentorApp,
        InstantMentorApp,
        'webrtc_offer' | 'webrtc_answer' | 'webrtc_ice_candidate' | 'webrtc_hangup',
        Record<string, unknown>,
      ]
    > = [
      [student, mentor, 'webrtc_offer', offer],
      [mentor, student, 'webrtc_answer', answer],
      [student, mentor, 'webrtc_ice_candidate', candidate],
      [mentor, student, 'webrtc_ice_candidate', candidate],
      [student, mentor, 'webrtc_hangup', { reason: 'closing' }],
    ];
    for (const [from, to, event, payload] of relays) {
      const relayed = to.next(event);
      from.emit(event, { callId, payload });
      expect(await relayed).toEqual({ callId, fromUserId: from.user.id, payload, timestamp: iso });
    }

    const ended = mentor.next('call_ended');
    student.emit('end_call', { callId });
    expect(await ended).toEqual({ callId, endedBy: studentUser.id, reason: 'hangup', call_id: callId, by_user_id: studentUser.id });
    const stored = await suite.api(studentUser).get(`/calls/${callId}`).expect(200);
    expect(stored.body).toMatchObject({ status: 'ENDED', hostUserId: studentUser.id, recipientUserId: mentor.user.id, hasVideo: true });
    // A client that spoke the app's words hears the app's words only.
    expect(mentor.heardOf('incoming_call')).toEqual([]);
    expect(student.heardOf('webrtc:answer')).toEqual([]);
    noErrorEvents(student, mentor);
  });

  it("rejects with the callee's reason, cancels by the app's provisional call id, and reports an offline callee and a busy one", async () => {
    const mentor = await availableMentor();
    const student = await appUser('student');

    const first = (await ring(student, mentor, 'audio')).confirmed.callId;
    const rejected = student.next('call_rejected');
    mentor.emit('reject_call', { callId: first, reason: 'In a lesson' });
    expect(await rejected).toEqual({
      callId: first,
      rejectedBy: mentor.user.id,
      reason: 'In a lesson',
      call_id: first,
      by_user_id: mentor.user.id,
    });

    // The app names the call it started `pending-<ms>` until it hears call_accepted.
    const second = (await ring(student, mentor)).confirmed.callId;
    const cancelled = mentor.next('call_ended');
    student.emit('end_call', { callId: `pending-${Date.now()}` });
    expect(await cancelled).toMatchObject({ callId: second, endedBy: student.user.id, reason: 'cancelled' });

    const away = await suite.user('mentor');
    const confirmed = student.next('call_initiated_confirmed');
    const missed = student.next('call_ended');
    student.emit('initiate_call', { receiverId: away.id, callType: 'video' });
    const offline = await confirmed;
    expect(offline).toMatchObject({ receiverId: away.id, status: 'missed' });
    expect(await missed).toEqual({ callId: offline.callId, endedBy: null, reason: 'missed', call_id: offline.callId, by_user_id: null });

    const callId = (await ring(student, mentor)).confirmed.callId;
    mentor.emit('accept_call', { callId: `pending-1` }); // not the callee's own call id: its open call
    await student.next('call_accepted');
    const other = await appUser('student');
    const busy = other.next('request_failed');
    other.emit('initiate_call', { receiverId: mentor.user.id, callType: 'video' });
    expect(await busy).toMatchObject({ event: 'initiate_call', code: 'user_busy' });
    student.emit('end_call', { callId });
    await mentor.next('call_ended');
    noErrorEvents(student, mentor, other);
  });

  it('rings every device of the callee once; the devices that did not answer hear the call answered elsewhere', async () => {
    const mentorUser = await suite.user('mentor');
    const [phone, tablet] = [await connect(mentorUser), await connect(mentorUser)];
    const student = await appUser('student');
    const onTablet = tablet.next('call_initiated');
    const { confirmed } = await ring(student, phone);
    await onTablet;

    const accepted = student.next('call_accepted');
    const elsewhere = tablet.next('call_ended');
    phone.emit('accept_call', { callId: confirmed.callId });
    await accepted;
    expect(await elsewhere).toMatchObject({ callId: confirmed.callId, reason: 'answered_elsewhere' });
    expect(phone.heardOf('call_initiated')).toHaveLength(1);
    expect(tablet.heardOf('call_initiated')).toHaveLength(1);
    expect(tablet.heardOf('call_accepted')).toEqual([]);
  });

  it('sets statuses (mentors and tutors only), sends them to students as they change, lists them on connect and at /api/mentors', async () => {
    const tutor = await appUser('tutor', 'Tia');
    tutor.emit('mentor_available', { statusMessage: 'Maths, now' });
    await tutor.next('mentor_status_update', (s) => s.mentorId === tutor.user.id && s.isAvailable);

    const student = await appUser('student');
    const listed = student.heardOf('mentor_statuses')[0] as Array<{ mentorId: string }> | undefined;
    const statuses = listed ?? (await student.next('mentor_statuses'));
    expect(statuses).toContainEqual({ mentorId: tutor.user.id, isAvailable: true, statusMessage: 'Maths, now', updatedAt: iso });

    // The tutor's coming online is news too, and may reach the student after it connected: the
    // update asked for is the one that says busy.
    const busy = student.next('mentor_status_update', (s) => s.mentorId === tutor.user.id && !s.isAvailable);
    tutor.emit('mentor_busy', { statusMessage: 'Marking' });
    expect(await busy).toEqual({ mentorId: tutor.user.id, isAvailable: false, statusMessage: 'Marking', updatedAt: iso });

    const refused = student.next('request_failed');
    student.emit('mentor_available', { statusMessage: 'I am no mentor' });
    expect(await refused).toMatchObject({ event: 'mentor_available', code: 'forbidden' });

    const listedNow = await suite.api(student.user).get('/api/mentors').expect(200);
    expect(listedNow.body).toContainEqual({ mentorId: tutor.user.id, isAvailable: false, statusMessage: 'Marking', updatedAt: iso });
    noErrorEvents(student, tutor);
  });

  it('sends a help request to every available mentor, or to the one asked, and confirms it to the student', async () => {
    const ready = await availableMentor();
    const busyMentor = await appUser('mentor');
    busyMentor.emit('mentor_busy', {});
    await busyMentor.next('mentor_status_update', (s) => s.mentorId === busyMentor.user.id && !s.isAvailable);
    const student = await appUser('student');

    const received = ready.next('help_request_received');
    const sent = student.next('help_request_sent');
    student.emit('student_request_help', {
      mentorId: 'broadcast_to_mentors',
      subject: 'Algebra',
      message: 'Stuck on 2x = 5',
      urgency: 'high',
    });
    const request = await received;
    expect(request).toEqual({
      id: expect.any(String),
      studentId: student.user.id,
      mentorId: 'broadcast_to_mentors',
      subject: 'Algebra',
      message: 'Stuck on 2x = 5',
      urgency: 'high',
      requestedAt: iso,
      status: 'pending',
    });
    expect(await sent).toEqual(request);

    // To one mentor, busy or not; as the app's second service sends it (the mentor is the envelope's receiver).
    const asked = busyMentor.next('help_request_received');
    student.envelope(
      'student_request_help',
      'studentRequestHelp',
      { subject: 'Essay', message: '', urgency: 'medium', requestData: {} },
      busyMentor.user.id,
    );
    const direct = await asked;
    expect(direct).toMatchObject({ studentId: student.user.id, mentorId: busyMentor.user.id, subject: 'Essay', urgency: 'medium' });
    expect(ready.heardOf('help_request_received')).toHaveLength(1);
    // Only the mentor asked may take it.
    expect(await ready.emitWithAck('accept_help_request', { request_id: direct.id })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await busyMentor.emitWithAck('accept_help_request', { request_id: direct.id })).toMatchObject({ ok: true });

    const refused = student.next('request_failed');
    student.emit('student_request_help', { mentorId: student.user.id, subject: 'To myself' });
    expect(await refused).toMatchObject({ event: 'student_request_help', code: 'not_found' });
  });

  it('chats: the receiver gets message_received, the sender message_sent, typing carries userId, and the message is stored', async () => {
    const mentor = await appUser('mentor');
    const student = await appUser('student');

    const received = mentor.next('message_received');
    const sent = student.next('message_sent');
    student.emit('send_message', { receiverId: mentor.user.id, content: 'Hello!', type: 'text' });
    const message = await received;
    expect(message).toEqual({
      id: expect.any(String),
      senderId: student.user.id,
      receiverId: mentor.user.id,
      content: 'Hello!',
      type: 'text',
      timestamp: iso,
    });
    expect(await sent).toEqual(message);
    expect(student.heardOf('message_received')).toEqual([]);

    // As the app's second service sends it.
    const reply = student.next('message_received');
    mentor.envelope('send_message', 'messageSent', { content: 'Hi Sam', messageType: 'text', metadata: {} }, student.user.id);
    expect(await reply).toMatchObject({ senderId: mentor.user.id, receiverId: student.user.id, content: 'Hi Sam' });
    const history = await suite.api(student.user).get('/chat/conversations').expect(200);
    expect(history.body.items[0]).toMatchObject({ lastMessage: { text: 'Hi Sam' } });

    const typing = mentor.next('user_typing');
    student.emit('user_typing', { receiverId: mentor.user.id });
    expect(await typing).toMatchObject({ userId: student.user.id });
    const stopped = mentor.next('user_stopped_typing');
    student.envelope('user_stopped_typing', 'userStoppedTyping', { receiverId: mentor.user.id, isTyping: false }, mentor.user.id);
    expect(await stopped).toMatchObject({ userId: student.user.id });
    noErrorEvents(student, mentor);
  });

  it("tells presence with userId, userRole and timestamp, answers ping with pong, and takes the app's own presence announcements", async () => {
    const student = await appUser('student');
    const mentorUser = await suite.user('mentor');
    const online = student.next('user_online', (p) => p.userId === mentorUser.id);
    const mentor = await connect(mentorUser);
    expect(await online).toMatchObject({ userId: mentorUser.id, userRole: 'mentor', timestamp: iso });

    const pong = mentor.next('pong');
    mentor.emit('ping', { timestamp: new Date().toISOString() });
    expect(await pong).toEqual({ timestamp: iso });
    // The app announces itself; presence is the server's, so this is taken and changes nothing.
    mentor.envelope('user_online', 'userOnline', { userId: 'someone else', role: 'admin' });
    const stillPong = mentor.next('pong');
    mentor.emit('ping', undefined);
    await stillPong;

    const offline = student.next('user_offline', (p) => p.userId === mentorUser.id);
    mentor.close();
    expect(await offline).toMatchObject({ userId: mentorUser.id, userRole: 'mentor', timestamp: iso });
    noErrorEvents(student, mentor);
  });

  it("announces joining and leaving a call's or conversation's session to its other members only", async () => {
    const mentor = await availableMentor();
    const student = await appUser('student');
    const stranger = await appUser('student');
    const callId = (await ring(student, mentor)).confirmed.callId;

    const joined = student.next('user_joined_session');
    mentor.emit('join_session', { sessionId: callId });
    expect(await joined).toEqual({ userId: mentor.user.id, userRole: 'mentor', sessionId: callId, joinedAt: iso });
    const left = student.next('user_left_session');
    mentor.emit('leave_session', { sessionId: callId });
    expect(await left).toEqual({ userId: mentor.user.id, userRole: 'mentor', sessionId: callId, leftAt: iso });

    const sent = student.next('message_sent');
    student.emit('send_message', { receiverId: mentor.user.id, content: 'see you' });
    await sent;
    const conversationId = (await suite.api(student.user).get('/chat/conversations').expect(200)).body.items[0].id as string;
    const inConversation = mentor.next('user_joined_session');
    student.emit('join_session', { sessionId: conversationId });
    expect(await inConversation).toMatchObject({ userId: student.user.id, sessionId: conversationId });

    const refused = stranger.next('request_failed');
    stranger.emit('join_session', { sessionId: callId });
    expect(await refused).toMatchObject({ event: 'join_session', code: 'not_found' });
    expect(student.heardOf('user_joined_session')).toHaveLength(1);
  });

  it('answers every bad payload with request_failed (never error, which the app takes for a broken connection) and changes nothing', async () => {
    const mentor = await availableMentor();
    const student = await appUser('student');
    const failures: Array<[string, unknown, string]> = [
      ['initiate_call', { receiverId: mentor.user.id, callType: 'hologram' }, 'validation_failed'],
      ['initiate_call', { receiverId: { id: 1 } }, 'validation_failed'],
      ['accept_call', { callId: 42.5 }, 'validation_failed'],
      ['webrtc_offer', { callId: 'pending-1', payload: 'v=0' }, 'validation_failed'],
      ['webrtc_offer', { callId: 'pending-1', payload: offer }, 'not_found'],
      ['send_message', { receiverId: mentor.user.id, content: '   ' }, 'validation_failed'],
      ['student_request_help', { mentorId: 'broadcast_to_mentors', subject: '', urgency: 'now' }, 'validation_failed'],
      ['join_session', { sessionId: '' }, 'validation_failed'],
      ['user_typing', { receiverId: 'no-such-user' }, 'not_found'],
    ];
    for (const [event, payload, code] of failures) {
      const failed = student.next('request_failed');
      student.emitAny(event, payload);
      expect({ event, failure: await failed }).toMatchObject({ event, failure: { event, code, message: expect.any(String) } });
    }
    // A relay from someone who is not a party of the call goes nowhere.
    const callId = (await ring(student, mentor)).confirmed.callId;
    const outsider = await appUser('student');
    const refused = outsider.next('request_failed');
    outsider.emit('webrtc_offer', { callId, payload: offer, targetUserId: mentor.user.id });
    expect(await refused).toMatchObject({ event: 'webrtc_offer', code: 'not_found' });
    // And a party cannot send one to someone outside the call.
    const misdirected = student.next('request_failed');
    student.emit('webrtc_offer', { callId, payload: offer, targetUserId: outsider.user.id });
    expect(await misdirected).toMatchObject({ event: 'webrtc_offer', code: 'not_found' });
    expect(mentor.heardOf('webrtc_offer')).toEqual([]);
    expect(outsider.heardOf('webrtc_offer')).toEqual([]);
    expect(await suite.api(student.user).get(`/calls/${callId}`).expect(200)).toMatchObject({ body: { status: 'CALLING' } });
    noErrorEvents(student, mentor, outsider);
  });

  it('puts both of two apps calling each other at once in one call (20 rounds)', async () => {
    const student = await appUser('student');
    const mentor = await appUser('mentor');
    for (let round = 0; round < 20; round += 1) {
      const accepted = [student.next('call_accepted'), mentor.next('call_accepted')];
      student.emit('initiate_call', { receiverId: mentor.user.id, callType: 'audio' });
      mentor.emit('initiate_call', { receiverId: student.user.id, callType: 'audio' });
      const [heardByStudent, heardByMentor] = await Promise.all(accepted);
      expect(heardByMentor.callId).toBe(heardByStudent.callId);
      const open = await suite.api(student.user).get('/calls/user/current').expect(200);
      expect(open.body).toMatchObject({ id: heardByStudent.callId, status: 'ACTIVE' });
      const ended = mentor.next('call_ended');
      student.emit('end_call', { callId: heardByStudent.callId });
      await ended;
    }
    noErrorEvents(student, mentor);
    expect(student.heardOf('request_failed')).toEqual([]);
  });

  it('a connection that has not shown which words it speaks hears both; one that has, its own', async () => {
    const { socket: undeclared, ...listener } = await suite.online('mentor');
    const { socket: section8 } = await suite.online('mentor', undefined, 'instant');
    const student = await appUser('student');
    /** The next `event` on a test socket, by a name the test socket's type does not know. */
    const next = (socket: TestSocket, event: string) => nextMatching(socket, event as 'incoming_call', () => true) as Promise<unknown>;

    // A heartbeat says nothing of which words a client speaks.
    const pong = next(undeclared, 'pong');
    untyped(undeclared).emit('ping', {});
    await pong;
    const both = [next(undeclared, 'incoming_call'), next(undeclared, 'call_initiated')];
    student.emit('initiate_call', { receiverId: listener.id, callType: 'video' });
    const [incoming, initiated] = (await Promise.all(both)) as [{ call_id: string }, { callId: string }];
    expect(initiated.callId).toBe(incoming.call_id);
    const statusInBoth = [next(undeclared, 'mentor_status_update'), next(undeclared, 'mentor_status_changed')];
    const statusInOwn = next(section8, 'mentor_status_changed');
    await emitWithAck(section8, 'mentor_busy', { status_message: 'Busy' });
    await Promise.all([...statusInBoth, statusInOwn]);

    // Section 8's words from here on.
    await emitWithAck(undeclared, 'reject_call', { call_id: incoming.call_id });
    const ownOnly = next(undeclared, 'incoming_call');
    student.emit('initiate_call', { receiverId: listener.id, callType: 'video' });
    await ownOnly;
    const heard: string[] = [];
    untyped(undeclared).onAny((event: string, payload: unknown) => JSON.stringify(payload).includes('"hello"') && heard.push(event));
    const barrier = nextMatching(undeclared, 'new_message' as 'incoming_call', (payload) => JSON.stringify(payload).includes('"hello"'));
    student.emit('send_message', { receiverId: listener.id, content: 'hello' });
    await barrier;
    // The rejected call's record and other tests' users may be heard too; what matters is that the message does not come twice.
    expect(heard).toEqual(['new_message']);
  });

  describe('calling and called by the other protocols', () => {
    it('calls a Socket.IO calls-protocol client, which accepts and answers the offer', async () => {
      const student = await appUser('student');
      const { socket: callee, ...calleeUser } = await suite.online('mentor', 'Cal', 'calls');
      const ringing = nextEvent(callee, 'incomingCall');
      const confirmed = student.next('call_initiated_confirmed');
      student.emit('initiate_call', { receiverId: calleeUser.id, callType: 'video' });
      const { callId } = await confirmed;
      expect(await ringing).toMatchObject({ callId, caller: { userId: student.user.id } });
      const accepted = student.next('call_accepted');
      await emitWithAck(callee, 'acceptCall', { callId });
      expect(await accepted).toMatchObject({ callId, acceptedBy: calleeUser.id });

      const offered = nextEvent(callee, 'offer');
      student.emit('webrtc_offer', { callId, payload: offer });
      const heard = await offered;
      expect(heard).toMatchObject({ offer, callId, userId: student.user.id });
      const answered = student.next('webrtc_answer');
      expect(await emitWithAck(callee, 'answer', { targetSocketId: heard.senderId, signal: answer })).toEqual({ ok: true });
      expect(await answered).toMatchObject({ callId, fromUserId: calleeUser.id, payload: answer });
      const ended = nextEvent(callee, 'callEnded');
      student.emit('end_call', { callId });
      expect(await ended).toMatchObject({ callId, endedBy: student.user.id });
    });

    it('is called by a webrtc:* client, answers its offer, and hears it hang up', async () => {
      const mentor = await appUser('mentor');
      const { socket: caller, ...callerUser } = await suite.online('student', 'Wen', 'webrtc');
      const initiated = mentor.next('call_initiated');
      const call = (await emitWithAck(caller, 'webrtc:call', { to: mentor.user.id })) as unknown as { call: CallView };
      expect(await initiated).toMatchObject({ callId: call.call.id, callerId: callerUser.id, callerName: 'Wen' });
      const callId = call.call.id;
      const accepted = nextEvent(caller, 'webrtc:call-accepted');
      mentor.emit('accept_call', { callId });
      await accepted;

      const offered = mentor.next('webrtc_offer');
      await emitWithAck(caller, 'webrtc:offer', { to: mentor.user.id, sdp: offer, callId });
      expect(await offered).toMatchObject({ callId, fromUserId: callerUser.id, payload: offer });
      const answered = nextEvent(caller, 'webrtc:answer');
      mentor.emit('webrtc_answer', { callId, payload: answer });
      expect(await answered).toMatchObject({ from: mentor.user.id, sdp: answer, callId });
      const trickled = nextEvent(caller, 'webrtc:ice-candidate');
      mentor.emit('webrtc_ice_candidate', { callId, payload: candidate, targetUserId: callerUser.id });
      expect(await trickled).toMatchObject({ from: mentor.user.id, candidate });

      const ended = mentor.next('call_ended');
      await emitWithAck(caller, 'webrtc:end-call', { to: mentor.user.id, callId });
      expect(await ended).toMatchObject({ callId, endedBy: callerUser.id, reason: 'hangup' });
    });

    it('is called by a /ws/call/ client and calls one', async () => {
      const mentor = await appUser('mentor');
      const rawUser = await suite.user('student', 'Rae');
      const raw = await suite.raw(rawUser, '/ws/call/');

      const initiated = mentor.next('call_initiated');
      raw.send({ action: 'start_call', callee_id: mentor.user.id });
      const { callId } = await initiated;
      mentor.emit('accept_call', { callId });
      expect(await raw.next('call_answered')).toMatchObject({ call_id: callId, callee_id: mentor.user.id });
      const offered = mentor.next('webrtc_offer');
      raw.send({ action: 'offer', callee_id: mentor.user.id, offer });
      expect(await offered).toMatchObject({ callId, fromUserId: rawUser.id, payload: offer });
      mentor.emit('webrtc_answer', { callId, payload: answer });
      expect(await raw.next('call_answer')).toMatchObject({ answer, callee_id: mentor.user.id, call_id: callId });
      mentor.emit('end_call', { callId });
      expect(await raw.next('call_hanged_up')).toMatchObject({ hanged_up_by: mentor.user.id, call_id: callId });

      mentor.emit('initiate_call', { receiverId: rawUser.id, callType: 'audio' });
      const ringing = (await raw.next('incoming_call')) as { call_id: string; caller_id: string };
      expect(ringing).toMatchObject({ caller_id: mentor.user.id });
      raw.send({ action: 'reject_call', call_id: ringing.call_id });
      expect(await mentor.next('call_rejected')).toMatchObject({ callId: ringing.call_id, rejectedBy: rawUser.id });
    });
  });

  describe('the monitoring routes', () => {
    it('gives a signed-in dashboard the counts, every mentor, and the users online to administrators only', async () => {
      await request401(suite.t.url, '/api/status');
      const mentor = await availableMentor('Moni');
      const student = await appUser('student');
      await ring(student, mentor);

      const status = await suite.api(student.user).get('/api/status').expect(200);
      expect(status.body).toEqual({
        status: 'online',
        connectedUsers: expect.any(Number),
        activeCalls: expect.any(Number),
        availableMentors: expect.any(Number),
        uptime: expect.any(Number),
        timestamp: iso,
      });
      expect(status.body.connectedUsers).toBeGreaterThanOrEqual(2);
      expect(status.body.activeCalls).toBeGreaterThanOrEqual(1);

      const mentors = await suite.api(student.user).get('/api/mentors').expect(200);
      expect(mentors.body).toContainEqual(expect.objectContaining({ mentorId: mentor.user.id }));

      const refused = await suite.api(student.user).get('/api/users').expect(403);
      expect(refused.body).toMatchObject({ code: 'forbidden' });
      const admin = { token: sign({ sub: `ops-${Date.now()}`, role: 'admin', name: 'Ops' }, TEST_JWT_SECRET, { expiresIn: 60 }) };
      const users = await suite.api(admin).get('/api/users').expect(200);
      expect(users.body).toEqual(
        expect.arrayContaining([
          { userId: student.user.id, userRole: 'student', displayName: student.user.displayName },
          { userId: mentor.user.id, userRole: 'mentor', displayName: 'Moni' },
        ]),
      );
    });
  });
});

async function request401(baseUrl: string, path: string): Promise<void> {
  const response = await fetch(`${baseUrl}${path}`);
  expect(response.status).toBe(401);
}
