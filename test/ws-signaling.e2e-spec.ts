import { CallsService } from '../src/calls/calls.service';
import { emitWithAck, nextEvent } from './helpers/sockets';
import { useTestApp } from './helpers/suite';
import type { RegisteredUser } from './helpers/users';

describe('raw WebSocket /ws/signaling/ (seed 000) (e2e)', () => {
  const { t, user, online, open, raw, api } = useTestApp();
  const connect = (who: RegisteredUser) => raw(who, '/ws/signaling/');

  it('answers a ping at once while an invite before it is still being handled', async () => {
    const calls = t.app.get(CallsService);
    const start = calls.start.bind(calls);
    let release!: () => void;
    const held = new Promise<void>((done) => (release = done));
    jest.spyOn(calls, 'start').mockImplementationOnce(async (...args) => {
      await held;
      return start(...args);
    });
    const s = await connect(await user('student'));
    const mentor = await user('mentor');
    await s.next('connection_established');
    s.send({ type: 'call.invite', to_user_id: mentor.id, target_type: 'mentor', room_id: 'room_held' });
    s.send({ type: 'ping' });
    await s.next('pong');
    expect(s.pending().filter((m) => m.type === 'invite.sent')).toEqual([]);
    release();
    expect(await s.next('invite.sent')).toMatchObject({ room_id: 'room_held' });
  });

  it('greets, invites, rings, accepts, and answers ping', async () => {
    const student = await user('student', 'Samuel Osondu');
    const mentor = await user('mentor');
    const s = await connect(student);
    const m = await connect(mentor);
    expect(await s.next('connection_established')).toEqual({ type: 'connection_established', user_id: student.id });
    await m.next('connection_established');

    s.send({
      type: 'call.invite',
      to_user_id: mentor.id,
      target_type: 'mentor',
      room_id: 'room_abc123',
      caller_display: 'Samuel Osondu: Student!',
    });
    const sent = await s.next('invite.sent');
    expect(sent).toEqual({
      type: 'invite.sent',
      to_user_id: mentor.id,
      room_id: 'room_abc123',
      target_type: 'mentor',
      call_id: expect.any(String),
    });
    expect(await m.next('call.ring')).toEqual({
      type: 'call.ring',
      from_user_id: student.id,
      room_id: 'room_abc123',
      caller_display: 'Samuel Osondu: Student!',
      target_type: 'mentor',
      call_id: sent.call_id,
    });

    m.send({ type: 'call.response', to_user_id: student.id, room_id: 'room_abc123', accept: true });
    expect(await m.next('response.sent')).toEqual({
      type: 'response.sent',
      to_user_id: student.id,
      room_id: 'room_abc123',
      accept: true,
      call_id: sent.call_id,
    });
    expect(await s.next('call.accepted')).toEqual({
      type: 'call.accepted',
      from_user_id: mentor.id,
      room_id: 'room_abc123',
      call_id: sent.call_id,
    });

    s.send({ type: 'ping' });
    expect(await s.next('pong')).toEqual({ type: 'pong' });
  });

  it('answers an invitation to someone whose call to the sender is ringing with that call, accepted', async () => {
    const tutor = await online('tutor');
    const mentor = await user('mentor');
    const m = await connect(mentor);
    await m.next('connection_established');
    const { call } = await emitWithAck(tutor.socket, 'startCall', { recipientUserId: mentor.id });
    const ring = await m.next('call.ring');
    const accepted = nextEvent(tutor.socket, 'callAccepted');
    m.send({ type: 'call.invite', to_user_id: tutor.id, target_type: 'tutor', room_id: 'my-own-room' });
    // The call the mentor is in is the tutor's, known by its room: not the room the invitation named.
    expect(await m.next('invite.sent')).toEqual({
      type: 'invite.sent',
      to_user_id: tutor.id,
      room_id: ring.room_id,
      target_type: 'tutor',
      call_id: call.id,
    });
    expect(await m.next('call.accepted')).toEqual({
      type: 'call.accepted',
      from_user_id: tutor.id,
      room_id: ring.room_id,
      call_id: call.id,
    });
    expect(await accepted).toMatchObject({ callId: call.id, acceptedBy: mentor.id });
    expect((await api(tutor).get(`/calls/${call.id}`).expect(200)).body.status).toBe('ACTIVE');
  });

  it('declines; checks target_type against the role; keeps room_id unique among open calls', async () => {
    const student = await user();
    const tutor = await user('tutor', 'Tia');
    const other = await user();
    const s = await connect(student);
    const tu = await connect(tutor);
    const o = await connect(other);

    s.send({ type: 'call.invite', to_user_id: tutor.id, target_type: 'mentor', room_id: 'r1' });
    expect(await s.next('error')).toMatchObject({ type: 'error', code: 'validation_failed', details: { target_type: expect.any(Array) } });

    s.send({ type: 'call.invite', to_user_id: tutor.id, target_type: 'tutor', room_id: 'r1' });
    await s.next('invite.sent');
    expect(await tu.next('call.ring')).toMatchObject({ caller_display: expect.any(String), target_type: 'tutor' });
    o.send({ type: 'call.invite', to_user_id: tutor.id, target_type: 'tutor', room_id: 'r1' });
    expect(await o.next('error')).toMatchObject({ code: 'invalid_state' });

    tu.send({ type: 'call.response', to_user_id: student.id, room_id: 'r1', accept: false });
    await tu.next('response.sent');
    expect(await s.next('call.declined')).toMatchObject({ from_user_id: tutor.id, room_id: 'r1' });
    // Closed, the room name is free again.
    s.send({ type: 'call.invite', to_user_id: tutor.id, target_type: 'tutor', room_id: 'r1' });
    expect(await s.next('invite.sent')).toMatchObject({ room_id: 'r1' });
  });

  it('answers bad input with an error and stays open', async () => {
    const student = await user();
    const s = await connect(student);
    await s.next('connection_established');
    s.send('{oops');
    expect(await s.next('error')).toEqual({ type: 'error', code: 'validation_failed', message: 'A message must be valid JSON' });
    s.send({ type: 'call.response', room_id: 5, accept: 'yes' });
    expect(await s.next('error')).toMatchObject({
      code: 'validation_failed',
      details: { to_user_id: expect.any(Array), accept: expect.any(Array) },
    });
    s.send({ type: 'call.teleport' });
    expect(await s.next('error')).toMatchObject({ code: 'validation_failed' });
    s.send({ type: 'call.response', to_user_id: 'x', room_id: 'nowhere', accept: true });
    expect(await s.next('error')).toMatchObject({ code: 'not_found' });
    s.send({ type: 'ping' });
    expect(await s.next('pong')).toEqual({ type: 'pong' });
  });

  it('interoperates: a seed-000 invite rings a Socket.IO mentor, and the student goes on over Socket.IO by call_id', async () => {
    const student = await user();
    const mentor = await online('mentor');
    const s = await connect(student);
    const ringing = nextEvent(mentor.socket, 'incomingCall');
    s.send({ type: 'call.invite', to_user_id: mentor.id, target_type: 'mentor', room_id: 'lesson-42' });
    const { call_id: callId } = await s.next('invite.sent');
    expect(await ringing).toMatchObject({ callId, caller: { userId: student.id } });
    await emitWithAck(mentor.socket, 'acceptCall', { callId });
    expect(await s.next('call.accepted')).toMatchObject({ from_user_id: mentor.id, room_id: 'lesson-42', call_id: callId });

    const studentSocket = await open(student);
    const joined = await emitWithAck(studentSocket, 'joinCall', { callId, hasVideo: true, hasAudio: true });
    expect(joined).toMatchObject({ ok: true, callId });
    const ended = s.next('call.ended');
    await api(mentor).delete(`/calls/${callId}`).expect(200);
    expect(await ended).toMatchObject({ from_user_id: mentor.id, room_id: 'lesson-42', reason: 'ended_by_api' });
  });
});
