import { Client } from 'pg';
import request from 'supertest';
import { activeCall, eventually, useCluster } from './helpers/cluster';
import { collect, connectAs } from './helpers/parties';
import { RedisCluster } from './helpers/redis-cluster';
import { emitWithAck, nextEvent, nextMatching, TestSocket } from './helpers/sockets';
import { registerUser } from './helpers/users';

/** Two instances on a Redis Cluster (three masters, a replica each): a master dies under a call. */
describe('a Redis Cluster master killed mid-call (e2e)', () => {
  const fixture = useCluster(2, { RING_TIMEOUT_MS: '3000', RECONNECT_GRACE_MS: '20000' }, () => RedisCluster.start());
  const sockets: TestSocket[] = [];
  afterAll(() => {
    for (const s of sockets) s.disconnect();
  });
  const movesOf = async (callId: string) => {
    const client = new Client({ connectionString: fixture.database.env.DATABASE_URL });
    await client.connect();
    try {
      return (await client.query(`SELECT to_status FROM call_events WHERE call_id = $1 ORDER BY at`, [callId])).rows.map(
        (r) => r.to_status,
      );
    } finally {
      await client.end();
    }
  };

  it('loses no call-state move and leaves nobody busy; relaying and ring timeouts go on once its replica took over', async () => {
    const [a, b] = fixture.instances;
    const { caller, callee, callerSocket: onA, calleeSocket: onB, callId } = await activeCall(a, b, (socket) => sockets.push(socket));

    // The master serving the caller's open call (the relay reads it for every signal) dies, and the
    // caller hangs up at once, before its replica has taken over.
    const { failedOver } = await fixture.redis.killMaster(await fixture.redis.masterOf(`calls:open-call:${caller.id}`));
    const calleeHeard = nextMatching(onB, 'callEnded', (e) => e.callId === callId, 20_000);
    const end = () => request(a.url).delete(`/calls/${callId}`).set('Authorization', `Bearer ${caller.token}`);
    const first = await end();
    // Either the move was made (and is told), or it was refused as briefly unavailable and made when asked again.
    if (first.status !== 200) {
      expect(first.body).toMatchObject({ code: 'unavailable' });
      await eventually(async () => expect((await end()).status).toBe(200), 20_000);
    }
    await calleeHeard;
    await failedOver;
    expect(await movesOf(callId)).toEqual(['CALLING', 'ACTIVE', 'ENDED']);

    // Each instance books its connections again once it finds its heartbeat lapsed with the master.
    await eventually(async () =>
      expect((await request(b.url).get(`/presence/${caller.id}`).set('Authorization', `Bearer ${callee.token}`)).body.online).toBe(true),
    );
    // Nobody is busy: the callee calls the caller back; relaying works; the call's ring timeout fires once.
    // Presence may read a key on a master that lived, while the callee's instance has not yet found
    // the replica serving the caller's books: until then the start is refused as briefly
    // unavailable, having changed nothing, and starts when asked again.
    const rung = nextEvent(onA, 'incomingCall', 30_000);
    const start = () => emitWithAck(onB, 'startCall', { recipientUserId: caller.id });
    let started = await start();
    for (const deadline = Date.now() + 15_000; !started.ok && Date.now() < deadline; started = await start()) {
      expect(started.error).toMatchObject({ code: 'unavailable', details: { retryAfterMs: expect.any(Number) } });
      // As a client would: again after the hint.
      await new Promise((done) => setTimeout(done, (started.error.details as { retryAfterMs: number }).retryAfterMs));
    }
    expect(started).toMatchObject({ ok: true });
    const again = started.call;
    await rung;
    const callerMissed = collect(onA, 'callMissed');
    const calleeMissed = collect(onB, 'callMissed');
    await Promise.all([onA, onB].map((socket) => nextMatching(socket, 'callMissed', (e) => e.callId === again.id, 10_000)));
    expect(await movesOf(again.id)).toEqual(['CALLING', 'MISSED']);

    const third = await emitWithAck(onA, 'startCall', { recipientUserId: callee.id });
    expect(third).toMatchObject({ ok: true });
    await emitWithAck(onB, 'acceptCall', { callId: third.call.id });
    await emitWithAck(onA, 'joinCall', { callId: third.call.id, hasVideo: true, hasAudio: true });
    await emitWithAck(onB, 'joinCall', { callId: third.call.id, hasVideo: true, hasAudio: true });
    const offer = nextEvent(onB, 'offer');
    expect(await emitWithAck(onA, 'offer', { targetSocketId: onB.id!, signal: { sdp: 'after the failover' } })).toEqual({ ok: true });
    expect((await offer).offer).toEqual({ sdp: 'after the failover' });
    // The ring timeout of the call that was missed fired once.
    expect(callerMissed.map((e) => e.callId)).toEqual([again.id]);
    expect(calleeMissed.map((e) => e.callId)).toEqual([again.id]);
    await request(a.url).delete(`/calls/${third.call.id}`).set('Authorization', `Bearer ${caller.token}`).expect(200);
  }, 90_000);
});

describe('a Redis Cluster master killed as a call starts (e2e)', () => {
  const fixture = useCluster(2, { RING_TIMEOUT_MS: '20000' }, () => RedisCluster.start());
  const sockets: TestSocket[] = [];
  afterAll(() => {
    for (const s of sockets) s.disconnect();
  });

  it('stores the call and rings it once the replica took over, rather than refuse a call it stored', async () => {
    const [a, b] = fixture.instances;
    const { redis } = fixture;
    // A caller whose open call's entry lives on a master that serves neither what the start reads
    // before storing the call (the caller's start count, the callee's connections): the start gets
    // past them, stores the call, then finds that master dead.
    let caller, callee, master;
    for (let tries = 0; !master && tries < 20; tries++) {
      [caller, callee] = await Promise.all([registerUser(a.url, 'student'), registerUser(b.url, 'mentor')]);
      const entryOn = await redis.masterOf(`calls:open-call:${caller.id}`);
      const readFrom = await Promise.all([
        redis.masterOf(`calls:call-starts:${caller.id}`),
        redis.masterOf(`calls:user-conns:${callee.id}`),
      ]);
      if (!readFrom.includes(entryOn)) master = entryOn;
    }
    expect(master).toBeDefined();
    const [callerSocket, calleeSocket] = await Promise.all([connectAs(a.url, caller!), connectAs(b.url, callee!)]);
    sockets.push(callerSocket, calleeSocket);

    const { failedOver } = await redis.killMaster(master!);
    const rung = nextEvent(calleeSocket, 'incomingCall', 30_000);
    const started = await emitWithAck(callerSocket, 'startCall', { recipientUserId: callee!.id });
    expect(started).toMatchObject({ ok: true, call: { status: 'CALLING' } });
    expect((await rung).callId).toBe(started.call.id);
    await failedOver;
  }, 90_000);
});
