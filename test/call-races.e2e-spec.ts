import request from 'supertest';
import { collect, connectAs, onlineUser, OnlineUser } from './helpers/parties';
import { emitWithAck, TestSocket } from './helpers/sockets';
import { startTestApp, TestApp } from './helpers/test-app';

/** Races that really race: the two requests are in flight together. */
describe('call races (e2e)', () => {
  let t: TestApp;
  const sockets: TestSocket[] = [];
  const online = async (role: 'student' | 'mentor' = 'student') => {
    const user = await onlineUser(t.url, role);
    sockets.push(user.socket);
    return user;
  };
  const post = (user: OnlineUser, path: string, body: object) =>
    request(t.url).post(path).set('Authorization', `Bearer ${user.token}`).send(body);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
  });
  afterAll(() => t.close());

  it('20 simultaneous starts to one recipient make exactly one call', async () => {
    const recipient = await online('mentor');
    const callers = await Promise.all(Array.from({ length: 20 }, () => online()));
    const responses = await Promise.all(callers.map((caller) => post(caller, '/calls/start', { recipientUserId: recipient.id })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const r of responses.filter((x) => x.status === 409)) expect(r.body.code).toBe('user_busy');
    const history = await request(t.url).get('/calls/user/history').set('Authorization', `Bearer ${recipient.token}`);
    expect(history.body.items).toHaveLength(1);
    expect(history.body.items[0].status).toBe('CALLING');
  });

  it('accept and cancel at the same instant: one wins, and the store and both parties agree', async () => {
    for (let round = 0; round < 8; round++) {
      const alice = await online();
      const bob = await online('mentor');
      const callId = (await post(alice, '/calls/start', { recipientUserId: bob.id }).expect(201)).body.id;
      const aliceSaw = collect(alice.socket, 'callAccepted');
      const bobSaw = collect(bob.socket, 'callCancelled');
      const [accept, cancel] = await Promise.all([
        emitWithAck(bob.socket, 'acceptCall', { callId }),
        post(alice, '/calls/cancel', { callId }),
      ]);
      const acceptWon = accept.ok === true;
      expect(acceptWon).toBe(cancel.status === 409);
      // A closing round trip on each socket: anything sent before it has arrived.
      await emitWithAck(alice.socket, 'authenticate', { token: alice.token });
      await emitWithAck(bob.socket, 'authenticate', { token: bob.token });
      const stored = await request(t.url).get(`/calls/${callId}`).set('Authorization', `Bearer ${alice.token}`);
      expect(stored.body.status).toBe(acceptWon ? 'ACTIVE' : 'CANCELLED');
      expect(aliceSaw).toHaveLength(acceptWon ? 1 : 0);
      expect(bobSaw).toHaveLength(acceptWon ? 0 : 1);
      if (!acceptWon) expect(accept.error.code).toBe('invalid_state');
      else expect(cancel.body.code).toBe('invalid_state');
      for (const s of [alice.socket, bob.socket]) s.disconnect();
    }
  });

  it('double accept from two devices: one success, one invalid_state', async () => {
    for (let round = 0; round < 8; round++) {
      const alice = await online();
      const bob = await online('mentor');
      const phone = await connectAs(t.url, bob);
      sockets.push(phone);
      const callId = (await post(alice, '/calls/start', { recipientUserId: bob.id }).expect(201)).body.id;
      const acks = await Promise.all([emitWithAck(bob.socket, 'acceptCall', { callId }), emitWithAck(phone, 'acceptCall', { callId })]);
      expect(acks.filter((a) => a.ok)).toHaveLength(1);
      expect(acks.find((a) => !a.ok)!.error.code).toBe('invalid_state');
    }
  });

  it('two users calling each other at the same instant end up in one call', async () => {
    for (let round = 0; round < 8; round++) {
      const alice = await online();
      const bob = await online('mentor');
      const [a, b] = await Promise.all([
        post(alice, '/calls/start', { recipientUserId: bob.id }),
        post(bob, '/calls/start', { recipientUserId: alice.id }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 201]);
      expect(a.body.id).toBe(b.body.id);
      const current = await request(t.url).get('/calls/user/current').set('Authorization', `Bearer ${alice.token}`).expect(200);
      expect(current.body).toMatchObject({ id: a.body.id, status: 'ACTIVE' });
    }
  });
});
