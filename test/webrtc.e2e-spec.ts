import request from 'supertest';
import { collect } from './helpers/parties';
import { emitWithAck, nextEvent, TestSocket } from './helpers/sockets';
import { useTestApp } from './helpers/suite';
import type { RegisteredUser } from './helpers/users';

describe('seed 004: webrtc:* events and /api/video/calls (e2e)', () => {
  const { t, user, open, api } = useTestApp();
  const video = (u: RegisteredUser) => ({
    post: (path: string, body: object = {}) => api(u).post(`/api/video/calls${path}`, body),
    get: (path: string) => api(u).get(`/api/video/calls${path}`),
  });

  it('creates a room link, lets one guest join, and ends it, in the {success, data} envelope', async () => {
    const host = await user('mentor');
    const guest = await user();
    const stranger = await user();
    const created = await video(host).post('', { room_name: 'office-hours' }).expect(201);
    expect(created.body).toEqual({
      success: true,
      data: expect.objectContaining({
        id: expect.any(String),
        host_id: host.id,
        guest_id: null,
        status: 'calling',
        room_name: 'office-hours',
      }),
    });
    const id = created.body.data.id;
    expect((await video(guest).get(`/${id}`).expect(200)).body.data.status).toBe('calling');
    const joined = await video(guest).post(`/${id}/join`).expect(200);
    expect(joined.body.data).toMatchObject({ guest_id: guest.id, status: 'active' });
    expect((await video(stranger).post(`/${id}/join`).expect(404)).body).toEqual({
      success: false,
      error: { code: 'not_found', message: expect.any(String) },
    });
    await video(stranger).get(`/${id}`).expect(404);
    const ended = await video(host).post(`/${id}/end`).expect(200);
    expect(ended.body.data.status).toBe('ended');
    expect((await request(t.url).post('/api/video/calls').expect(401)).body).toMatchObject({
      success: false,
      error: { code: 'unauthorized' },
    });
    expect((await video(host).post('', { room_name: 5 }).expect(400)).body.error.code).toBe('validation_failed');
    // A body no parser reads is answered in the envelope too.
    const unreadable = await request(t.url)
      .post('/api/video/calls')
      .set('Authorization', `Bearer ${host.token}`)
      .set('Content-Type', 'application/json')
      .send('{"room_name": ')
      .expect(400);
    expect(unreadable.body).toEqual({ success: false, error: { code: 'validation_failed', message: 'Request body is not valid JSON' } });
  });

  it('signals a whole call with webrtc:* events, the answer accepting it', async () => {
    const caller = await user();
    const callee = await user('tutor');
    const a = await open(caller, 'webrtc');
    const b = await open(callee, 'webrtc');
    const ringing = nextEvent(b, 'webrtc:incoming-call');
    const ack = await emitWithAck(a, 'webrtc:call', { to: callee.id, room_name: 'algebra' });
    const callId = ack.call.id;
    expect(await ringing).toEqual({ from: caller.id, callId, room_name: 'algebra' });

    const offer = nextEvent(b, 'webrtc:offer');
    await emitWithAck(a, 'webrtc:offer', { to: callee.id, sdp: { type: 'offer', sdp: 'o' } });
    expect(await offer).toEqual({ from: caller.id, sdp: { type: 'offer', sdp: 'o' }, callId });
    // An answer that cannot be relayed (too big, or to someone not in the call) is refused and accepts nothing.
    const stranger = await user();
    const tooBig = { type: 'answer', sdp: 'a'.repeat(70_000) };
    expect(await emitWithAck(b, 'webrtc:answer', { to: caller.id, sdp: tooBig, callId })).toMatchObject({
      ok: false,
      error: { code: 'payload_too_large' },
    });
    expect(await emitWithAck(b, 'webrtc:answer', { to: stranger.id, sdp: { type: 'answer', sdp: 'a' }, callId })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect((await api(caller).get(`/api/video/calls/${callId}`)).body.data.status).toBe('calling');

    const answer = nextEvent(a, 'webrtc:answer');
    await emitWithAck(b, 'webrtc:answer', { to: caller.id, sdp: { type: 'answer', sdp: 'a' }, callId });
    expect(await answer).toEqual({ from: callee.id, sdp: { type: 'answer', sdp: 'a' }, callId });
    const status = await api(caller).get(`/api/video/calls/${callId}`);
    expect(status.body.data.status).toBe('active');

    const ice = nextEvent(b, 'webrtc:ice-candidate');
    await emitWithAck(a, 'webrtc:ice-candidate', { to: callee.id, candidate: { candidate: 'c' } });
    expect(await ice).toEqual({ from: caller.id, candidate: { candidate: 'c' }, callId });

    const end = nextEvent(a, 'webrtc:end-call');
    await emitWithAck(b, 'webrtc:end-call', { to: caller.id, callId });
    expect(await end).toEqual({ from: callee.id, callId, reason: 'hangup' });
  });

  it('rings a user into the sender’s own room-link call', async () => {
    const host = await user('mentor');
    const invitee = await user();
    const h = await open(host, 'webrtc');
    const i = await open(invitee, 'webrtc');
    const id = (await video(host).post('').expect(201)).body.data.id;
    const ringing = nextEvent(i, 'webrtc:incoming-call');
    const ack = await emitWithAck(h, 'webrtc:call', { to: invitee.id, callId: id });
    expect(ack.call).toMatchObject({ id, recipientUserId: invitee.id, status: 'CALLING' });
    expect(await ringing).toEqual({ from: host.id, callId: id, room_name: null });
    const accepted = nextEvent(h, 'webrtc:call-accepted');
    await emitWithAck(i, 'webrtc:answer', { to: host.id, sdp: 'answer' });
    expect(await accepted).toEqual({ from: invitee.id, callId: id });
    const stranger = await user();
    const s = await open(stranger, 'webrtc');
    expect(await emitWithAck(s, 'webrtc:offer', { to: host.id, sdp: 'x' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('sends each socket its own dialect only, and every dialect to a socket that has not shown one', async () => {
    const caller = await user();
    const callee = await user('mentor');
    const declared = await open(callee, 'webrtc');
    const undeclared = await open(callee);
    const pinnedByUse = await open(callee);
    await emitWithAck(pinnedByUse, 'webrtc:end-call', { to: caller.id }).catch(() => undefined); // any webrtc:* event pins it
    const seen = (socket: TestSocket) => ({ seed002: collect(socket, 'incomingCall'), seed004: collect(socket, 'webrtc:incoming-call') });
    const [d, u, p] = [seen(declared), seen(undeclared), seen(pinnedByUse)];
    const rings = [
      nextEvent(declared, 'webrtc:incoming-call'),
      nextEvent(undeclared, 'incomingCall'),
      nextEvent(undeclared, 'webrtc:incoming-call'),
      nextEvent(pinnedByUse, 'webrtc:incoming-call'),
    ];
    await api(caller).post('/calls/start', { recipientUserId: callee.id }).expect(201);
    await Promise.all(rings);
    await emitWithAck(declared, 'authenticate', { token: callee.token }); // a round trip: nothing else is in flight
    expect([d.seed002.length, d.seed004.length]).toEqual([0, 1]);
    expect([u.seed002.length, u.seed004.length]).toEqual([1, 1]);
    expect([p.seed002.length, p.seed004.length]).toEqual([0, 1]);
  });
});
