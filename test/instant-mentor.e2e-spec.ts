import { emitRaw, emitWithAck, nextEvent, TestSocket } from './helpers/sockets';
import { useTestApp } from './helpers/suite';
import type { RegisteredUser, Role } from './helpers/users';

describe('seed 003 call events on Socket.IO (e2e)', () => {
  const suite = useTestApp({ RING_TIMEOUT_MS: '800' });
  /** A user of `role` with a socket that declares the instant dialect. */
  const online = async (role: Role, name?: string): Promise<[RegisteredUser, TestSocket]> => {
    const { socket, ...user } = await suite.online(role, name, 'instant');
    return [user, socket];
  };

  it('initiates, rings with the caller’s name and role, accepts and ends', async () => {
    const [student, s] = await online('student', 'Stu');
    const [mentor, m] = await online('mentor');
    const ringing = nextEvent(m, 'incoming_call');
    const ack = await emitWithAck(s, 'initiate_call', { to_user_id: mentor.id, call_type: 'audio' });
    expect(ack).toMatchObject({ ok: true, call: { status: 'CALLING', hasVideo: false } });
    const callId = ack.call.id;
    expect(await ringing).toEqual({
      call_id: callId,
      from_user_id: student.id,
      from_name: 'Stu',
      from_role: 'student',
      call_type: 'audio',
    });
    const accepted = nextEvent(s, 'call_accepted');
    expect(await emitWithAck(m, 'accept_call', { call_id: callId })).toMatchObject({ ok: true, call: { status: 'ACTIVE' } });
    expect(await accepted).toEqual({ call_id: callId, by_user_id: mentor.id, callId, acceptedBy: mentor.id });
    const ended = nextEvent(m, 'call_ended');
    await emitWithAck(s, 'end_call', { call_id: callId });
    expect(await ended).toEqual({ call_id: callId, by_user_id: student.id, reason: 'hangup', callId, endedBy: student.id });
  });

  it('rejects with a reason, cancels with end_call, and reports a missed call', async () => {
    const [student, s] = await online('student');
    const [tutor, tu] = await online('tutor');
    const first = (await emitWithAck(s, 'initiate_call', { to_user_id: tutor.id, call_type: 'video' })).call.id;
    const rejected = nextEvent(s, 'call_rejected');
    await emitWithAck(tu, 'reject_call', { call_id: first, reason: 'in a lesson' });
    expect(await rejected).toEqual({ call_id: first, by_user_id: tutor.id, reason: 'in a lesson', callId: first, rejectedBy: tutor.id });

    const second = (await emitWithAck(s, 'initiate_call', { to_user_id: tutor.id, call_type: 'video' })).call.id;
    const cancelled = nextEvent(tu, 'call_ended');
    await emitWithAck(s, 'end_call', { call_id: second });
    expect(await cancelled).toEqual({ call_id: second, by_user_id: student.id, reason: 'cancelled', callId: second, endedBy: student.id });

    const third = (await emitWithAck(s, 'initiate_call', { to_user_id: tutor.id, call_type: 'video' })).call.id;
    expect(await nextEvent(s, 'call_ended', 4000)).toEqual({
      call_id: third,
      by_user_id: null,
      reason: 'missed',
      callId: third,
      endedBy: null,
    });
  });

  it('validates its payloads', async () => {
    const [, s] = await online('student');
    const ack = await emitRaw(s, 'initiate_call', { to_user_id: 'x', call_type: 'hologram' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'validation_failed', details: { call_type: expect.any(Array) } } });
    expect(await emitWithAck(s, 'accept_call', { call_id: 'nope' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});
