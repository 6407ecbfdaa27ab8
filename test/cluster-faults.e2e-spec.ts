import request from 'supertest';
import { activeCall as startActiveCall, Cluster, clusterEnv, eventually, useCluster } from './helpers/cluster';
import { collect, connectAs } from './helpers/parties';
import { PostgresServer } from './helpers/postgres-server';
import { RawClient } from './helpers/raw-ws';
import { RedisServer } from './helpers/redis-server';
import { startTestRedis, TestRedis } from './helpers/test-redis';
import type { ServerProcess } from './helpers/server-process';
import { emitWithAck, nextEvent, nextMatching, TestSocket } from './helpers/sockets';
import { registerUser, RegisteredUser } from './helpers/users';

const sockets: TestSocket[] = [];
const on = async (instance: ServerProcess, user: RegisteredUser) => {
  const socket = await connectAs(instance.url, user);
  sockets.push(socket);
  return socket;
};
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});

const api = (instance: ServerProcess, user: RegisteredUser) => ({
  start: (recipientUserId: string) =>
    request(instance.url).post('/calls/start').set('Authorization', `Bearer ${user.token}`).send({ recipientUserId }),
  get: (path: string) => request(instance.url).get(path).set('Authorization', `Bearer ${user.token}`),
  end: (callId: string) => request(instance.url).delete(`/calls/${callId}`).set('Authorization', `Bearer ${user.token}`),
});

/** An active call between two joined parties, the caller on `from`, the recipient on `to`. */
const activeCall = (from: ServerProcess, to: ServerProcess) => startActiveCall(from, to, (socket) => sockets.push(socket));

describe('an instance killed with SIGKILL (e2e)', () => {
  const fixture = useCluster(2, { RECONNECT_GRACE_MS: '1000', RING_TIMEOUT_MS: '9000', PRESENCE_GRACE_MS: '300' });

  it('tells the parties on the other instance by the grace rules, fires its timers elsewhere, and leaves nobody busy', async () => {
    const [doomed, survivor] = fixture.instances;
    // Active calls split across the two instances (callers on either side), a ringing call, and a
    // ringing call whose caller has a second device on the survivor.
    const split = [
      ...(await Promise.all([0, 1, 2].map(() => activeCall(doomed, survivor)))),
      ...(await Promise.all([0, 1, 2].map(() => activeCall(survivor, doomed)))),
    ];
    const carol = await registerUser(doomed.url);
    const dave = await registerUser(survivor.url, 'mentor');
    await on(doomed, carol);
    const daveSocket = await on(survivor, dave);
    const ringing = (await api(doomed, carol).start(dave.id).expect(201)).body;
    const erin = await registerUser(doomed.url);
    const frank = await registerUser(survivor.url, 'tutor');
    await on(doomed, erin);
    const erinPhone = await on(survivor, erin);
    const frankSocket = await on(survivor, frank);
    const ringsOn = (await api(doomed, erin).start(frank.id).expect(201)).body;

    // The party left on the survivor hears its call end once the dead instance is noticed and the grace is over.
    const survivors = split.map((call, i) =>
      i < 3 ? { socket: call.calleeSocket, user: call.callee } : { socket: call.callerSocket, user: call.caller },
    );
    const ended = split.map((call, i) => nextMatching(survivors[i].socket, 'callEnded', (e) => e.callId === call.callId, 20_000));
    // Before that, at once when the dead instance is noticed, that the other party is reconnecting.
    const reconnecting = split.map((call, i) =>
      nextMatching(survivors[i].socket, 'participantReconnecting', (e) => e.callId === call.callId, 20_000),
    );
    const cancelled = nextMatching(daveSocket, 'callCancelled', (e) => e.callId === ringing.id, 20_000);
    const missedForFrank = nextMatching(frankSocket, 'callMissed', (e) => e.callId === ringsOn.id, 20_000);
    const missedForErin = nextMatching(erinPhone, 'callMissed', (e) => e.callId === ringsOn.id, 20_000);
    await fixture.cluster.kill(doomed);

    for (const [i, call] of split.entries()) {
      expect(await reconnecting[i]).toEqual({ callId: call.callId, userId: i < 3 ? call.caller.id : call.callee.id, graceMs: 1000 });
    }
    for (const end of await Promise.all(ended)) expect(end).toMatchObject({ endedBy: null, reason: 'connection_lost' });
    for (const call of split) {
      expect((await api(survivor, call.callee).get(`/calls/${call.callId}`).expect(200)).body).toMatchObject({
        status: 'ENDED',
        endReason: 'connection_lost',
      });
    }
    expect(await cancelled).toMatchObject({ callId: ringing.id });
    // The ring timer the dead instance armed fired on the survivor, once; the caller's other device heard it.
    await Promise.all([missedForFrank, missedForErin]);

    // Nobody is busy: the survivors call the dead side's users, who come back on the survivor.
    for (const [i, call] of split.entries()) {
      const gone = i < 3 ? call.caller : call.callee;
      await on(survivor, gone);
      await api(survivor, survivors[i].user).start(gone.id).expect(201);
    }
    await on(survivor, carol);
    await api(survivor, carol).start(dave.id).expect(201);
    await api(survivor, frank).start(erin.id).expect(201);
  }, 60_000);
});

describe('an instance that stalls past its heartbeat and comes back (e2e)', () => {
  const fixture = useCluster(2, { PRESENCE_GRACE_MS: '300' });

  /** Resolves at the first line of `instance`'s output matching `pattern` from now on, in the same turn it arrives. */
  const logLine = (instance: ServerProcess, pattern: RegExp) =>
    new Promise<void>((seen) => {
      let text = '';
      const onData = (chunk: Buffer) => {
        text += chunk.toString();
        const lines = text.split('\n');
        text = lines.pop()!;
        if (!lines.some((line) => pattern.test(line))) return;
        instance.process.stdout!.off('data', onData);
        seen();
      };
      instance.process.stdout!.on('data', onData);
    });

  it('keeps its connections when it comes back while another instance is releasing them', async () => {
    const [other, stalling] = fixture.instances;
    const caller = await registerUser(other.url);
    const mentor = await registerUser(stalling.url, 'mentor');
    const crowd = await registerUser(stalling.url, 'tutor');
    const mentorSocket = await on(stalling, mentor);
    // Enough connections that releasing them takes a while (the release is caught in its first moments).
    const crowdClients = await Promise.all(
      Array.from({ length: 600 }, () => RawClient.connect(stalling.url, '/ws/signaling/', crowd.token)),
    );

    // The other instance starts releasing the stalled one's connections, and stalls itself meanwhile
    // (as soon as it says so); the stalled one comes back and books them again; then the other goes on.
    const releasing = logLine(other, /stopped beating; releasing/).then(() => other.process.kill('SIGSTOP'));
    stalling.process.kill('SIGSTOP');
    await releasing;
    const rebooked = logLine(stalling, /booking connections again/);
    stalling.process.kill('SIGCONT');
    await rebooked;
    const settled = logLine(other, /beating again|connection\(s\) released/);
    other.process.kill('SIGCONT');
    await settled;

    // Both of the stalled instance's users are still reachable: a call to either rings rather than being missed.
    try {
      const ringing = nextEvent(mentorSocket, 'incomingCall', 10_000);
      const toMentor = await api(other, caller).start(mentor.id).expect(201);
      expect(toMentor.body.status).toBe('CALLING');
      await ringing;
      await api(other, caller).end(toMentor.body.id).expect(200);
      const toCrowd = await api(other, caller).start(crowd.id).expect(201);
      expect(toCrowd.body.status).toBe('CALLING');
      expect(await crowdClients.at(-1)!.next('call.ring')).toMatchObject({ call_id: toCrowd.body.id });
      await api(other, caller).end(toCrowd.body.id).expect(200);
    } finally {
      for (const client of crowdClients) client.close();
    }
  }, 60_000);
});

describe('an instance stopped with SIGTERM (e2e)', () => {
  const fixture = useCluster(2, { RECONNECT_GRACE_MS: '4000', SHUTDOWN_TIMEOUT_MS: '8000' });

  it('sends its clients elsewhere; a call whose caller comes back continues, the other is ended by the survivor', async () => {
    const [stopping, survivor] = fixture.instances;
    const back = await activeCall(stopping, survivor);
    const gone = await activeCall(stopping, survivor);
    const endedForGone = nextMatching(gone.calleeSocket, 'callEnded', (e) => e.callId === gone.callId, 20_000);
    const leftForBack = collect(back.calleeSocket, 'participantLeft');
    const endedForBack = collect(back.calleeSocket, 'callEnded');
    const oldSocketId = back.callerSocket.id;
    const told = nextEvent(back.callerSocket, 'server_shutdown');
    const reconnecting = nextMatching(back.calleeSocket, 'participantReconnecting', (e) => e.callId === back.callId, 20_000);

    expect(await fixture.cluster.terminate(stopping)).toBe(0);
    expect(await told).toMatchObject({ reconnect: true });
    // One caller reconnects (as a client would, through the load balancer) and joins again in time.
    expect(await reconnecting).toEqual({ callId: back.callId, userId: back.caller.id, graceMs: 4000 });
    const reconnected = nextMatching(back.calleeSocket, 'participantReconnected', (e) => e.callId === back.callId, 20_000);
    const rejoined = await on(survivor, back.caller);
    expect(await reconnected).toEqual({ callId: back.callId, userId: back.caller.id });
    const joined = nextMatching(back.calleeSocket, 'userJoined', (e) => e.userId === back.caller.id);
    expect(await emitWithAck(rejoined, 'joinCall', { callId: back.callId, hasVideo: true, hasAudio: true })).toMatchObject({ ok: true });
    await joined;
    const offer = nextEvent(back.calleeSocket, 'offer');
    await emitWithAck(rejoined, 'offer', { targetSocketId: back.calleeSocket.id!, signal: { sdp: 'again' } });
    expect((await offer).offer).toEqual({ sdp: 'again' });

    // The other never returns: past the grace the survivor ends that call, by the timer the stopped instance armed.
    expect(await endedForGone).toMatchObject({ callId: gone.callId, endedBy: null, reason: 'connection_lost' });
    // The rejoin replaced the caller's old connection (the peer drops that socket's connection);
    // the call itself never ended.
    expect(leftForBack.map((e) => e.socketId)).toEqual([oldSocketId]);
    expect(endedForBack).toEqual([]);
    expect((await api(survivor, back.callee).get(`/calls/${back.callId}`).expect(200)).body.status).toBe('ACTIVE');
  }, 60_000);
});

describe('Redis restarted empty under a running cluster (e2e)', () => {
  // Restarts one redis-server (a Redis Cluster's failover has a suite of its own).
  const fixture = useCluster(2, { RECONNECT_GRACE_MS: '2000' }, () => RedisServer.start());

  it('reconnects and resumes fan-out; the call in progress continues, then ends cleanly; nothing is lost', async () => {
    const [a, b] = fixture.instances;
    const redis = fixture.redis;
    const { caller, callee, callerSocket, calleeSocket, callId } = await activeCall(a, b);
    const conversationId = (await emitWithAck(callerSocket, 'send_message', { to_user_id: callee.id, text: 'before' })).message
      .conversationId;

    await redis.stop();
    // Sent while Redis is away: stored at once, acknowledged and delivered once Redis is back.
    const heard = nextMatching(calleeSocket, 'new_message', (e) => e.message.text === 'during the outage', 15_000);
    const during = callerSocket.timeout(15_000).emitWithAck('send_message', { conversation_id: conversationId, text: 'during the outage' });
    await new Promise((done) => setTimeout(done, 500));
    await redis.resume();
    expect(await during).toMatchObject({ ok: true, message: { text: 'during the outage' } });
    await heard;

    for (const instance of [a, b]) {
      await eventually(async () =>
        expect((await request(instance.url).get('/health/ready')).body).toEqual({ status: 'ok', database: 'up', redis: 'up' }),
      );
    }
    // The books are rebuilt from the live connections: both parties are online again.
    await eventually(async () => expect((await api(a, caller).get(`/presence/${callee.id}`)).body.online).toBe(true));

    const offer = nextEvent(calleeSocket, 'offer');
    expect(await emitWithAck(callerSocket, 'offer', { targetSocketId: calleeSocket.id!, signal: { sdp: 'after' } })).toEqual({ ok: true });
    expect((await offer).offer).toEqual({ sdp: 'after' });
    // Each instance rebuilds the rooms of its connections at its next heartbeat (within a second).
    await eventually(async () => {
      const { body: room } = await api(b, callee).get(`/calls/${callId}/room`).expect(200);
      expect(room.participants.map((p: { userId: string }) => p.userId).sort()).toEqual([caller.id, callee.id].sort());
    });

    const ended = nextEvent(calleeSocket, 'callEnded');
    await api(a, caller).end(callId).expect(200);
    expect(await ended).toMatchObject({ callId });
    await api(b, callee).start(caller.id).expect(201);
    const { body: history } = await api(b, callee).get(`/chat/conversations/${conversationId}/messages`).expect(200);
    expect(history.items.filter((m: { kind: string }) => m.kind === 'text').map((m: { text: string }) => m.text)).toEqual([
      'during the outage',
      'before',
    ]);
  }, 60_000);
});

describe('Redis down under a running cluster (e2e)', () => {
  const fixture = useCluster(2, { RECONNECT_GRACE_MS: '20000' }, () => RedisServer.start());

  it('refuses a signal it cannot route with unavailable, never late, and relays again once Redis is back', async () => {
    const [a, b] = fixture.instances;
    const { caller, callee, callerSocket, calleeSocket, callId } = await activeCall(a, b);
    const offers = collect(calleeSocket, 'offer');
    const signal = (sdp: string) => emitWithAck(callerSocket, 'offer', { targetSocketId: calleeSocket.id!, signal: { sdp } });

    await fixture.redis.stop();
    // Refused within the relay's 2 s deadline (the ack's own timeout is 5 s), with when to try again.
    const during = await signal('during the outage').finally(() => fixture.redis.resume());
    expect(during).toMatchObject({ ok: false, error: { code: 'unavailable', details: { retryAfterMs: expect.any(Number) } } });
    for (const instance of [a, b]) {
      await eventually(async () => expect((await request(instance.url).get('/health/ready')).body).toMatchObject({ redis: 'up' }));
    }
    // Once the books are rebuilt, signals flow again; the refused one never arrives late.
    await eventually(async () => expect(await signal('after')).toEqual({ ok: true }));
    await eventually(async () => expect(offers.map((o) => o.offer)).toContainEqual({ sdp: 'after' }));
    expect(offers.map((o) => o.offer)).not.toContainEqual({ sdp: 'during the outage' });
    await api(a, caller).end(callId).expect(200);
    await api(b, callee).start(caller.id).expect(201);
  }, 60_000);
});

describe('PostgreSQL restarted under a running server (e2e)', () => {
  let postgres: PostgresServer;
  let redis: TestRedis;
  let cluster: Cluster;
  let server: ServerProcess;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([PostgresServer.start(), startTestRedis()]);
    cluster = new Cluster(clusterEnv(postgres.url, redis));
    [server] = await cluster.start(1);
  }, 120_000);
  afterAll(async () => {
    await cluster.stop();
    await redis.destroy();
    await postgres.destroy();
  });

  it('fails requests during the outage with a clear error, and resumes by itself', async () => {
    const alice = await registerUser(server.url);
    const bob = await registerUser(server.url, 'mentor');
    const aliceSocket = await on(server, alice);
    await on(server, bob);

    await postgres.stopServer();
    const logged = server.output().length;
    const { body: refused } = await api(server, alice).start(bob.id).expect(500);
    expect(refused).toEqual({ statusCode: 500, code: 'internal', message: expect.stringMatching(/database is unavailable/i) });
    const ack = await emitWithAck(aliceSocket, 'startCall', { recipientUserId: bob.id });
    expect(ack).toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringMatching(/database is unavailable/i) } });
    expect((await request(server.url).get('/health/ready').expect(503)).body).toMatchObject({ database: 'down' });
    // Every request fails the same way: the log says so once a kind, not once a request.
    for (let i = 0; i < 40; i += 1) {
      await api(server, alice).start(bob.id).expect(500);
      await emitWithAck(aliceSocket, 'startCall', { recipientUserId: bob.id });
    }
    const errorLines = server
      .output()
      .slice(logged)
      .split('\n')
      .filter((line) => /\bERROR\b|"level":"error"/.test(line));
    expect(errorLines.length).toBeLessThanOrEqual(10);

    await postgres.startServer();
    await eventually(async () => expect((await request(server.url).get('/health/ready')).status).toBe(200));
    const { body: call } = await api(server, alice).start(bob.id).expect(201);
    expect(call.status).toBe('CALLING');
    // Nothing of the failed attempts was left behind.
    const { body: history } = await api(server, alice).get('/calls/user/history').expect(200);
    expect(history.items.map((c: { id: string }) => c.id)).toEqual([call.id]);
  }, 60_000);
});
