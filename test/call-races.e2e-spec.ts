import { collect, OnlineUser } from './helpers/parties';
import { emitWithAck } from './helpers/sockets';
import { useTestApp } from './helpers/suite';

/** Races that really race: the two requests are in flight together. */
describe('call races (e2e)', () => {
  const { online, open, api } = useTestApp();
  const post = (who: OnlineUser, path: string, body: object) => api(who).post(path, body);

  it('20 simultaneous starts to one recipient make exactly one call', async () => {
    const recipient = await online('mentor');
    const callers = await Promise.all(Array.from({ length: 20 }, () => online()));
    const responses = await Promise.all(callers.map((caller) => post(caller, '/calls/start', { recipientUserId: recipient.id })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const r of responses.filter((x) => x.status === 409)) expect(r.body.code).toBe('user_busy');
    const history = await api(recipient).get('/calls/user/history');
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
      const stored = await api(alice).get(`/calls/${callId}`);
      expect(stored.body.status).toBe(acceptWon ? 'ACTIVE' : 'CANCELLED');
      expect(aliceSaw).toHaveLength(acceptWon ? 1 : 0);
      expect(bobSaw).toHaveLength(acceptWon ? 0 : 1);
      if (!acceptWon) expect(accept.error.code).toBe('invalid_state');
      else expect(cancel.body.code).toBe('invalid_state');
      for (const s of [alice.socket, bob.socket]) s.disconnect();
    }
  });

  it("a guest taking a room link's seat as its host ends it: whoever wins, nobody is left busy", async () => {
    for (let round = 0; round < 20; round++) {
      const host = await online();
      const guest = await online();
      const id = (await post(host, '/api/video/calls', {}).expect(201)).body.data.id;
      const [join, end] = await Promise.all([post(guest, `/api/video/calls/${id}/join`, {}), post(host, `/api/video/calls/${id}/end`, {})]);
      // Either may lose its move (invalid_state), not both; if the end lost, the call is on: end it now.
      expect([200, 409]).toContain(end.status);
      expect([200, 409]).toContain(join.status);
      expect(end.status === 409 && join.status === 409).toBe(false);
      if (end.status === 409) await post(host, `/api/video/calls/${id}/end`, {}).expect(200);
      // Both free again: each can call someone at once.
      const other = await online('mentor');
      await post(guest, '/calls/start', { recipientUserId: other.id }).expect(201);
      await post(host, '/calls/start', { recipientUserId: (await online('mentor')).id }).expect(201);
      for (const s of [host.socket, guest.socket]) s.disconnect();
    }
  });

  it('double accept from two devices: one success, one invalid_state', async () => {
    for (let round = 0; round < 8; round++) {
      const alice = await online();
      const bob = await online('mentor');
      const phone = await open(bob);
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
      const current = await api(alice).get('/calls/user/current').expect(200);
      expect(current.body).toMatchObject({ id: a.body.id, status: 'ACTIVE' });
    }
  });
});
