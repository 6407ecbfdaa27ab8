import { PrismaService } from '../src/database/prisma.service';
import { eventually } from './helpers/cluster';
import type { CallView } from '../src/calls/call.presenter';
import { InstantMentorApp } from './helpers/instantmentor-app';
import { collect } from './helpers/parties';
import { RawClient } from './helpers/raw-ws';
import { connectSocket, emitWithAck, nextEvent, TestSocket } from './helpers/sockets';
import { useTestApp, type AppSuite } from './helpers/suite';

const GRACE_MS = 600;
/** The sweeper (what settles calls no timer did) runs this often here, so a test sees many sweeps. */
const SWEEP_MS = 100;

/** An answered call between a student and a mentor, both on the calls protocol and in its room. */
async function answeredCallInRoom(suite: AppSuite) {
  const student = await suite.online('student', undefined, 'calls');
  const mentor = await suite.online('mentor', undefined, 'calls');
  const ringing = nextEvent(mentor.socket, 'incomingCall');
  const { call } = await emitWithAck(student.socket, 'startCall', { recipientUserId: mentor.id });
  await ringing;
  await emitWithAck(mentor.socket, 'acceptCall', { callId: call.id });
  for (const party of [student, mentor]) await emitWithAck(party.socket, 'joinCall', { callId: call.id, hasVideo: true, hasAudio: true });
  return { student, mentor, callId: call.id };
}

describe('nobody stuck: a party gone past the grace ends the call, one who comes back is told of it (e2e)', () => {
  const suite = useTestApp({ RECONNECT_GRACE_MS: String(GRACE_MS), CALL_SWEEP_INTERVAL_MS: String(SWEEP_MS) });

  it('ends an active call when one party has been gone past the grace, though the other is still in its room; both are free', async () => {
    const { student, mentor, callId } = await answeredCallInRoom(suite);
    const ended = nextEvent(mentor.socket, 'callEnded', GRACE_MS + 4000);
    student.socket.disconnect();
    expect(await ended).toEqual({ callId, endedBy: null, reason: 'connection_lost' });
    const stored = await suite.api(mentor).get(`/calls/${callId}`).expect(200);
    expect(stored.body).toMatchObject({ status: 'ENDED', endReason: 'connection_lost' });
    // Both free: the mentor can call someone else, and the student can be called again.
    const other = await suite.online('student');
    expect(await emitWithAck(mentor.socket, 'startCall', { recipientUserId: other.id })).toMatchObject({
      ok: true,
      call: { status: 'CALLING' },
    });
    const studentBack = await suite.open(student, 'calls');
    const third = await suite.online('tutor');
    const ringsAgain = nextEvent(studentBack, 'incomingCall');
    expect(await emitWithAck(third.socket, 'startCall', { recipientUserId: student.id })).toMatchObject({
      ok: true,
      call: { status: 'CALLING' },
    });
    await ringsAgain;
  });

  it('ends it for parties without rooms too, in their own words', async () => {
    const caller = await suite.online('student', undefined, 'webrtc');
    const callee = await suite.user('mentor');
    const raw = await suite.raw(callee, '/ws/call/');
    const call = (await emitWithAck(caller.socket, 'webrtc:call', { to: callee.id })) as unknown as { call: CallView };
    const { call_id } = (await raw.next('incoming_call')) as { call_id: string };
    expect(call_id).toBe(call.call.id);
    raw.send({ action: 'answer_call', call_id });
    await nextEvent(caller.socket, 'webrtc:call-accepted');
    const ended = nextEvent(caller.socket, 'webrtc:end-call', GRACE_MS + 4000);
    raw.close();
    expect(await ended).toEqual({ from: null, callId: call_id, reason: 'connection_lost' });
  });

  it('keeps a call whose parties never enter a room while both stay connected, past the grace and many sweeps', async () => {
    const student = await suite.online('student', undefined, 'instant');
    const mentor = await suite.online('mentor', undefined, 'instant');
    const ringing = nextEvent(mentor.socket, 'incoming_call');
    const { call } = await emitWithAck(student.socket, 'initiate_call', { to_user_id: mentor.id, call_type: 'video' });
    await ringing;
    await emitWithAck(mentor.socket, 'accept_call', { call_id: call.id });
    const endings = [collect(student.socket, 'call_ended'), collect(mentor.socket, 'call_ended')];
    // Nothing to await: the call must outlive the grace and ten sweeps of empty rooms.
    await new Promise((done) => setTimeout(done, GRACE_MS + 10 * SWEEP_MS));
    expect(endings).toEqual([[], []]);
    expect((await suite.api(student).get(`/calls/${call.id}`).expect(200)).body.status).toBe('ACTIVE');
    const ended = nextEvent(mentor.socket, 'call_ended', GRACE_MS + 4000);
    student.socket.disconnect();
    expect(await ended).toMatchObject({ call_id: call.id, reason: 'connection_lost' });
  });

  it('frees a busy slot left with a call that is over, within a sweep', async () => {
    const student = await suite.online('student');
    const mentor = await suite.online('mentor');
    // What a closing move that could not see a slot would leave: an ended call still holding one.
    const prisma = suite.t.app.get(PrismaService);
    const over = await prisma.call.create({ data: { hostUserId: student.id, status: 'ENDED', endedAt: new Date() } });
    await prisma.busySlot.create({ data: { userId: student.id, callId: over.id } });
    await eventually(async () => {
      expect((await suite.api(student).post('/calls/start', { recipientUserId: mentor.id })).status).toBe(201);
    });
  });

  it('keeps the call of a party who comes back within the grace, and tells the new connection of it in its words', async () => {
    const { student, mentor, callId } = await answeredCallInRoom(suite);
    // A second call whose student goes for good at the same moment: its end says the grace is over.
    const other = await answeredCallInRoom(suite);
    const endings = collect(mentor.socket, 'callEnded');
    const graceOver = nextEvent(other.mentor.socket, 'callEnded', GRACE_MS + 4000);
    student.socket.disconnect();
    other.student.socket.disconnect();
    // The app reloads: a new connection hears of its call at once, and rejoins the room.
    const back = connectSocket(suite.t.url, { token: student.token, dialect: 'calls' });
    suite.track(back);
    const current = await nextEvent(back, 'currentCall');
    expect(current.call).toMatchObject({ id: callId, status: 'ACTIVE', hostUserId: student.id, recipientUserId: mentor.id });
    const rejoined = nextEvent(mentor.socket, 'userJoined');
    await emitWithAck(back, 'joinCall', { callId, hasVideo: true, hasAudio: true });
    await rejoined;
    expect(await graceOver).toMatchObject({ callId: other.callId, reason: 'connection_lost' });
    expect(endings).toEqual([]);
    expect((await suite.api(student).get(`/calls/${callId}`).expect(200)).body.status).toBe('ACTIVE');
    await emitWithAck(back, 'leaveCall', { callId });
  });

  it("keeps the call of a /ws/call/ party who comes back within the grace: the new connection takes the lost one's place in the room", async () => {
    /**
     * A caller on a protocol without rooms and a /ws/call/ callee who answered (which put them in the
     * call's room: its only participant).
     */
    async function rawCallee() {
      const caller = await suite.online('student', undefined, 'instant');
      const callee = await suite.user('mentor');
      const raw = await suite.raw(callee, '/ws/call/');
      const { call } = await emitWithAck(caller.socket, 'initiate_call', { to_user_id: callee.id, call_type: 'audio' });
      await raw.next('incoming_call');
      raw.send({ action: 'answer_call', call_id: call.id });
      await nextEvent(caller.socket, 'call_accepted');
      return { caller, callee, raw, callId: call.id as string };
    }
    const kept = await rawCallee();
    // A second call whose callee goes for good at the same moment: its end says the grace is over.
    const gone = await rawCallee();
    const endings = collect(kept.caller.socket, 'call_ended');
    const graceOver = nextEvent(gone.caller.socket, 'call_ended', GRACE_MS + 4000);
    const told = nextEvent(kept.caller.socket, 'participant_reconnecting');
    kept.raw.close();
    gone.raw.close();
    await told; // the server has seen the connection go
    const back = await suite.raw(kept.callee, '/ws/call/');
    expect(await back.next('current_call')).toMatchObject({ call_id: kept.callId });
    expect(await graceOver).toMatchObject({ call_id: gone.callId, reason: 'connection_lost' });
    expect(endings).toEqual([]);
    expect((await suite.api(kept.callee).get(`/calls/${kept.callId}`).expect(200)).body.status).toBe('ACTIVE');
    back.send({ action: 'hang_up', call_id: kept.callId });
    await nextEvent(kept.caller.socket, 'call_ended');
  });

  it('tells a connection of every protocol that arrives while its user places or is in a call', async () => {
    const student = await suite.online('student', undefined, 'calls');
    const mentor = await suite.user('mentor');
    const mentorApp = new InstantMentorApp(suite.t.url, mentor);
    suite.track(mentorApp.socket as unknown as TestSocket);
    await mentorApp.ready();
    const ringing = mentorApp.next('call_initiated');
    const { call } = await emitWithAck(student.socket, 'startCall', { recipientUserId: mentor.id, hasVideo: false });
    await ringing;

    // The caller's new connections hear of the call they are placing.
    const webrtc = connectSocket(suite.t.url, { token: student.token, dialect: 'webrtc' });
    suite.track(webrtc);
    expect(await nextEvent(webrtc, 'webrtc:current-call')).toEqual({
      callId: call.id,
      from: student.id,
      to: mentor.id,
      status: 'CALLING',
      room_name: null,
    });
    const signaling = await RawClient.connect(suite.t.url, '/ws/signaling/', student.token);
    suite.track(signaling);
    expect(await signaling.next('call.current')).toMatchObject({ call_id: call.id, status: 'calling', to_user_id: mentor.id });

    mentorApp.emit('accept_call', { callId: call.id });
    await nextEvent(student.socket, 'callAccepted');
    // The callee's, once it is on.
    const laptop = new InstantMentorApp(suite.t.url, mentor);
    suite.track(laptop.socket as unknown as TestSocket);
    const current = laptop.next('current_call');
    await laptop.ready();
    expect(await current).toEqual({
      call_id: call.id,
      caller_id: student.id,
      callee_id: mentor.id,
      call_type: 'audio',
      status: 'active',
      callId: call.id,
      callerId: student.id,
      receiverId: mentor.id,
      callType: 'audio',
    });
    const raw = await suite.raw(mentor, '/ws/call/');
    expect(await raw.next('current_call')).toEqual({
      type: 'current_call',
      call_id: call.id,
      caller_id: student.id,
      callee_id: mentor.id,
      status: 'active',
    });
    await suite.api(student).delete(`/calls/${call.id}`).expect(200);
  });
});

describe('a connection that arrives mid-call while the other party is away (e2e)', () => {
  // A grace long enough for a reload to fit in it, however slow the machine.
  const suite = useTestApp({ RECONNECT_GRACE_MS: '10000' });

  it('hears that the other party is away', async () => {
    const { student, mentor, callId } = await answeredCallInRoom(suite);
    const away = nextEvent(student.socket, 'participantReconnecting');
    mentor.socket.disconnect();
    await away;
    // The student's app reloads while the mentor is still away.
    student.socket.disconnect();
    const back = suite.track(connectSocket(suite.t.url, { token: student.token, dialect: 'calls' }));
    const told = nextEvent(back, 'participantReconnecting');
    await nextEvent(back, 'currentCall');
    expect(await told).toEqual({ callId, userId: mentor.id, graceMs: 10_000 });
  });
});
