import { emitWithAck, nextEvent, TestSocket } from './helpers/sockets';
import { useTestApp } from './helpers/suite';

/**
 * A connection hears each call event in the words of every Socket.IO dialect it has used, and a
 * notice none of those dialects has words for in the words of every dialect that has them
 * (CONTRACT.md §3). The instant dialect has no signaling words: its clients signal with the
 * webrtc dialect's events on the same connection.
 */
describe('one connection, several dialects (e2e)', () => {
  const { user, open, api } = useTestApp();
  const sdp = (label: string) => ({ type: label, sdp: `v=0 ${label}` });
  const candidate = (label: string) => ({ candidate: `candidate:${label}`, sdpMid: '0', sdpMLineIndex: 0 });

  /** An instant-dialect call from `caller` to `callee`; the caller's socket has used the instant dialect only. */
  const instantCall = async (caller: TestSocket, calleeId: string) =>
    (await emitWithAck(caller, 'initiate_call', { to_user_id: calleeId, call_type: 'video' })).call.id;

  it('an instant caller and a webrtc callee: the caller offers first, the answer accepts, ICE flows both ways', async () => {
    const [student, mentor] = await Promise.all([user(), user('mentor')]);
    const [caller, callee] = await Promise.all([open(student), open(mentor, 'webrtc')]);
    const ring = nextEvent(callee, 'webrtc:incoming-call');
    const callId = await instantCall(caller, mentor.id);
    expect(await ring).toMatchObject({ from: student.id, callId });

    const offer = nextEvent(callee, 'webrtc:offer');
    await emitWithAck(caller, 'webrtc:offer', { to: mentor.id, sdp: sdp('offer') });
    expect(await offer).toEqual({ from: student.id, callId, sdp: sdp('offer') });

    const accepted = nextEvent(caller, 'call_accepted');
    const answer = nextEvent(caller, 'webrtc:answer');
    await emitWithAck(callee, 'webrtc:answer', { to: student.id, sdp: sdp('answer') });
    expect(await accepted).toMatchObject({ call_id: callId, by_user_id: mentor.id });
    expect(await answer).toEqual({ from: mentor.id, callId, sdp: sdp('answer') });

    const [toCallee, toCaller] = [nextEvent(callee, 'webrtc:ice-candidate'), nextEvent(caller, 'webrtc:ice-candidate')];
    await emitWithAck(caller, 'webrtc:ice-candidate', { to: mentor.id, candidate: candidate('caller') });
    await emitWithAck(callee, 'webrtc:ice-candidate', { to: student.id, candidate: candidate('callee') });
    expect((await toCallee).candidate).toEqual(candidate('caller'));
    expect((await toCaller).candidate).toEqual(candidate('callee'));
  });

  it('a webrtc caller and an instant callee who accepts, then offers first: the caller answers', async () => {
    const [mentor, student] = await Promise.all([user('mentor'), user()]);
    const [caller, callee] = await Promise.all([open(mentor, 'webrtc'), open(student, 'instant')]);
    const ring = nextEvent(callee, 'incoming_call');
    const { call } = await emitWithAck(caller, 'webrtc:call', { to: student.id });
    expect(await ring).toMatchObject({ call_id: call.id, from_user_id: mentor.id });
    const accepted = nextEvent(caller, 'webrtc:call-accepted');
    await emitWithAck(callee, 'accept_call', { call_id: call.id });
    await accepted;

    // The callee's dialect has no words for a relayed signal until it uses the webrtc dialect's.
    const offer = nextEvent(caller, 'webrtc:offer');
    await emitWithAck(callee, 'webrtc:offer', { to: mentor.id, sdp: sdp('offer') });
    expect(await offer).toEqual({ from: student.id, callId: call.id, sdp: sdp('offer') });
    const answer = nextEvent(callee, 'webrtc:answer');
    await emitWithAck(caller, 'webrtc:answer', { to: student.id, sdp: sdp('answer') });
    expect(await answer).toEqual({ from: mentor.id, callId: call.id, sdp: sdp('answer') });

    const [toCallee, toCaller] = [nextEvent(callee, 'webrtc:ice-candidate'), nextEvent(caller, 'webrtc:ice-candidate')];
    await emitWithAck(caller, 'webrtc:ice-candidate', { to: student.id, candidate: candidate('caller') });
    await emitWithAck(callee, 'webrtc:ice-candidate', { to: mentor.id, candidate: candidate('callee') });
    expect((await toCallee).candidate).toEqual(candidate('caller'));
    expect((await toCaller).candidate).toEqual(candidate('callee'));

    const ended = nextEvent(callee, 'call_ended');
    await emitWithAck(caller, 'webrtc:end-call', { to: student.id, callId: call.id });
    expect(await ended).toMatchObject({ call_id: call.id, by_user_id: mentor.id });
  });

  it('an instant socket that has signaled in no dialect hears a relayed offer in every dialect that has words for it', async () => {
    const [mentor, student] = await Promise.all([user('mentor'), user()]);
    const [caller, callee] = await Promise.all([open(mentor, 'webrtc'), open(student)]);
    const ring = nextEvent(callee, 'incoming_call');
    const { call } = await emitWithAck(caller, 'webrtc:call', { to: student.id });
    await ring;
    await emitWithAck(callee, 'accept_call', { call_id: call.id });
    const [inCalls, inWebrtc] = [nextEvent(callee, 'offer'), nextEvent(callee, 'webrtc:offer')];
    await emitWithAck(caller, 'webrtc:offer', { to: student.id, sdp: sdp('offer') });
    expect((await inCalls).offer).toEqual(sdp('offer'));
    expect((await inWebrtc).sdp).toEqual(sdp('offer'));
  });

  it('a calls socket that also relays with webrtc:* events hears each call event in both dialects, callEnded among them', async () => {
    const [student, mentor] = await Promise.all([user(), user('mentor')]);
    const [caller, callee] = await Promise.all([open(student, 'calls'), open(mentor, 'calls')]);
    const ring = nextEvent(callee, 'incomingCall');
    const { call } = await emitWithAck(caller, 'startCall', { recipientUserId: mentor.id });
    await ring;
    const accepted = nextEvent(caller, 'callAccepted');
    await emitWithAck(callee, 'acceptCall', { callId: call.id });
    await accepted;
    const offer = nextEvent(callee, 'offer');
    await emitWithAck(caller, 'webrtc:offer', { to: mentor.id, sdp: sdp('offer') });
    expect((await offer).offer).toEqual(sdp('offer'));

    const ended = Promise.all([nextEvent(caller, 'callEnded'), nextEvent(caller, 'webrtc:end-call')]);
    await api(mentor).delete(`/calls/${call.id}`).expect(200);
    const [inCalls, inWebrtc] = await ended;
    expect(inCalls).toMatchObject({ callId: call.id });
    expect(inWebrtc).toMatchObject({ callId: call.id, reason: 'ended_by_api' });
  });
});
