import request from 'supertest';
import { activeCall, eventually, useCluster } from './helpers/cluster';
import { collect, connectAs } from './helpers/parties';
import { parseMetrics, valueOf } from './helpers/prometheus';
import type { ServerProcess } from './helpers/server-process';
import { emitWithAck, nextEvent, TestSocket } from './helpers/sockets';
import { registerUser } from './helpers/users';

const METRICS_TOKEN = 'metrics-scrape-token-for-routing-tests';

/** What an instance has read from the others so far, by route. */
async function deliveriesRead(instance: ServerProcess): Promise<{ instance: number; everyone: number }> {
  const text = (await request(instance.url).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;
  const samples = parseMetrics(text);
  const read = (route: string) => valueOf(samples, 'signaling_cluster_deliveries_received_total', { route });
  return { instance: read('instance'), everyone: read('everyone') };
}

describe('deliveries routed to the instance that holds the connection (e2e)', () => {
  const fixture = useCluster(3, { METRICS_TOKEN });
  const sockets: TestSocket[] = [];
  afterAll(() => {
    for (const s of sockets) s.disconnect();
  });

  it("sends a call's signals and chat between A and B to B alone: C, holding other users, reads none of them", async () => {
    const [a, b, c] = fixture.instances;
    const track = (socket: TestSocket) => sockets.push(socket);
    const { caller: alice, callee: bob, callerSocket: onA, calleeSocket: onB, callId } = await activeCall(a, b, track);
    const carol = await registerUser(c.url, 'student', 'Carol');
    track(await connectAs(c.url, carol));
    const [bBefore, cBefore] = await Promise.all([deliveriesRead(b), deliveriesRead(c)]);

    // 40 signals addressed to Bob's connection and 10 chat messages addressed to Bob.
    const offers = collect(onB, 'offer');
    const messages = collect(onB, 'new_message');
    for (let i = 0; i < 40; i++) {
      expect(await emitWithAck(onA, 'offer', { targetSocketId: onB.id!, signal: { sdp: `o${i}` } })).toEqual({ ok: true });
    }
    for (let i = 0; i < 10; i++) await emitWithAck(onA, 'send_message', { to_user_id: bob.id, text: `m${i}` });
    await eventually(async () => expect([offers.length, messages.length]).toEqual([40, 10]));
    // In the order sent.
    expect(offers.map((o) => o.offer)).toEqual(Array.from({ length: 40 }, (_, i) => ({ sdp: `o${i}` })));
    expect(messages.map((m) => m.message.text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));

    const [bAfter, cAfter] = await Promise.all([deliveriesRead(b), deliveriesRead(c)]);
    expect(bAfter.instance - bBefore.instance).toBeGreaterThanOrEqual(50);
    expect(cAfter.instance - cBefore.instance).toBe(0);
    // Had they gone to every instance, C would have read all 50; it may read a status change.
    expect(cAfter.everyone - cBefore.everyone).toBeLessThan(5);
    await request(a.url).delete(`/calls/${callId}`).set('Authorization', `Bearer ${alice.token}`).expect(200);
  });

  it('still reaches a user whose connection moved from one instance to another', async () => {
    const [a, b, c] = fixture.instances;
    const [dana, eli] = await Promise.all([registerUser(a.url, 'student', 'Dana'), registerUser(b.url, 'student', 'Eli')]);
    const danaOnA = await connectAs(a.url, dana);
    let eliHere = await connectAs(b.url, eli);
    sockets.push(danaOnA, eliHere);
    const heard = nextEvent(eliHere, 'new_message');
    await emitWithAck(danaOnA, 'send_message', { to_user_id: eli.id, text: 'on B' });
    expect((await heard).message.text).toBe('on B');

    eliHere.disconnect();
    eliHere = await connectAs(c.url, eli);
    sockets.push(eliHere);
    const heardOnC = nextEvent(eliHere, 'new_message');
    await emitWithAck(danaOnA, 'send_message', { to_user_id: eli.id, text: 'on C' });
    expect((await heardOnC).message.text).toBe('on C');
  });
});
