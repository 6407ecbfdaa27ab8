import { Logger } from '@nestjs/common';
import request from 'supertest';
import { connectAs, onlineUser } from './helpers/parties';
import { RawClient } from './helpers/raw-ws';
import { emitWithAck } from './helpers/sockets';
import { startTestApp } from './helpers/test-app';
import { registerUser } from './helpers/users';

/**
 * app.close() without a SIGTERM drain (an embedding host, a test): the app closes the connections
 * still open, and what each close starts (unregistering it, a room departure, a presence grace, a
 * call's end and its chat record) must finish before Redis and the database close.
 */
describe('closing the app with clients connected (e2e)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('closes Socket.IO and raw-WebSocket clients in calls first, and nothing they start fails', async () => {
    const t = await startTestApp();
    const alice = await onlineUser(t.url, 'student');
    const bob = await onlineUser(t.url, 'mentor');
    const { body: call } = await request(t.url)
      .post('/calls/start')
      .set('Authorization', `Bearer ${alice.token}`)
      .send({ recipientUserId: bob.id })
      .expect(201);
    await emitWithAck(bob.socket, 'acceptCall', { callId: call.id });
    await emitWithAck(alice.socket, 'joinCall', { callId: call.id, hasVideo: true, hasAudio: true });
    await emitWithAck(bob.socket, 'joinCall', { callId: call.id, hasVideo: true, hasAudio: true });
    const secondDevice = await connectAs(t.url, alice);

    const [carol, dave] = await Promise.all([registerUser(t.url, 'student'), registerUser(t.url, 'mentor')]);
    const caller = await RawClient.connect(t.url, '/ws/signaling/', carol.token);
    const callee = await RawClient.connect(t.url, '/ws/signaling/', dave.token);
    await Promise.all([caller.next('connection_established'), callee.next('connection_established')]);
    caller.send({ type: 'call.invite', to_user_id: dave.id, target_type: 'mentor', room_id: 'room_close', caller_display: 'Carol' });
    await callee.next('call.ring');
    callee.send({ type: 'call.response', to_user_id: carol.id, room_id: 'room_close', accept: true });
    await caller.next('call.accepted');

    const errors = jest.spyOn(Logger.prototype, 'error');
    const closed = [caller, callee].map((client) => client.closed);
    await t.close();

    expect(errors.mock.calls).toEqual([]);
    expect((await Promise.all(closed)).map(({ code }) => code)).toEqual([1001, 1001]);
    for (const socket of [alice.socket, bob.socket, secondDevice]) socket.disconnect();
  });
});
