import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { MetricsService } from '../src/observability/metrics.service';
import type { OnlineUser } from './helpers/parties';
import { parseMetrics, Sample, valueOf } from './helpers/prometheus';
import { RawClient } from './helpers/raw-ws';
import { spawnServer, ServerProcess } from './helpers/server-process';
import { connectSocket, emitWithAck, nextEvent, TestSocket } from './helpers/sockets';
import { useTestApp } from './helpers/suite';
import { startTestApp, TEST_JWT_SECRET } from './helpers/test-app';
import { createTestDatabase, TestDatabase } from './helpers/test-database';
import { registerUser } from './helpers/users';

const METRICS_TOKEN = 'metrics-scrape-token-for-tests';

describe('GET /metrics (e2e)', () => {
  const { t, user, online, raw, api } = useTestApp({ METRICS_TOKEN });
  const scrape = async (baseUrl = t.url): Promise<Sample[]> => {
    const response = await request(baseUrl).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    return parseMetrics(response.text);
  };

  it("counts connections by dialect, a call's moves, its setup time, relayed signaling and errors", async () => {
    const before = await scrape();
    const alice = await online('student');
    const bob: OnlineUser = await online('mentor');
    const carol = await user();
    const dave = await user('mentor');
    await raw(carol, '/ws/call/');
    const signaling = await raw(dave, '/ws/signaling/');
    await signaling.next('connection_established');

    const during = await scrape();
    const connections = (dialect: string, samples: Sample[]) => valueOf(samples, 'signaling_connections', { dialect });
    expect(connections('socket.io', during) - connections('socket.io', before)).toBe(2);
    expect(connections('ws-call', during) - connections('ws-call', before)).toBe(1);
    expect(connections('ws-signaling', during) - connections('ws-signaling', before)).toBe(1);

    // A whole call: ring, accept, join, offer/answer/ICE, hang up.
    const ringing = nextEvent(bob.socket, 'incomingCall');
    const callId: string = (await api(alice).post('/calls/start', { recipientUserId: bob.id }).expect(201)).body.id;
    await ringing;
    expect(await emitWithAck(bob.socket, 'acceptCall', { callId })).toMatchObject({ ok: true });
    await emitWithAck(alice.socket, 'joinCall', { callId, hasVideo: true, hasAudio: true });
    await emitWithAck(bob.socket, 'joinCall', { callId, hasVideo: true, hasAudio: true });
    const offer = nextEvent(bob.socket, 'offer');
    expect(await emitWithAck(alice.socket, 'offer', { targetSocketId: bob.socket.id!, signal: { type: 'offer', sdp: 'v=0' } })).toEqual({
      ok: true,
    });
    await offer;
    const answer = nextEvent(alice.socket, 'answer');
    expect(await emitWithAck(bob.socket, 'answer', { targetSocketId: alice.socket.id!, signal: { type: 'answer', sdp: 'v=0' } })).toEqual({
      ok: true,
    });
    await answer;
    const ice = nextEvent(bob.socket, 'iceCandidate');
    expect(
      await emitWithAck(alice.socket, 'iceCandidate', { targetSocketId: bob.socket.id!, candidate: { candidate: 'candidate:1' } }),
    ).toEqual({ ok: true });
    await ice;
    const ended = nextEvent(bob.socket, 'callEnded');
    await api(alice).delete(`/calls/${callId}`).expect(200);
    await ended;

    // One not_found on each Socket.IO and HTTP.
    expect(await emitWithAck(alice.socket, 'offer', { targetSocketId: 'no-such-socket', signal: {} })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    await api(alice).get('/calls/no-such-call').expect(404);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta('signaling_call_moves_total', { status: 'ACTIVE' })).toBe(1);
    expect(delta('signaling_call_moves_total', { status: 'ENDED' })).toBe(1);
    expect(delta('signaling_call_moves_total', { status: 'CANCELLED' })).toBe(0);
    expect(delta('signaling_call_setup_seconds_count')).toBe(1);
    // The acceptance came after the ring, so the observed setup time is positive and under the test's length.
    expect(delta('signaling_call_setup_seconds_sum')).toBeGreaterThan(0);
    expect(delta('signaling_call_setup_seconds_sum')).toBeLessThan(30);
    expect(delta('signaling_relayed_messages_total', { kind: 'offer' })).toBe(1);
    expect(delta('signaling_relayed_messages_total', { kind: 'answer' })).toBe(1);
    expect(delta('signaling_relayed_messages_total', { kind: 'ice' })).toBe(1);
    expect(delta('signaling_errors_total', { transport: 'socket.io', code: 'not_found' })).toBe(1);
    expect(delta('signaling_errors_total', { transport: 'http', code: 'not_found' })).toBe(1);
    expect(delta('signaling_errors_total', { transport: 'http', code: 'unauthorized' })).toBe(0);
  });

  it('has every series the Grafana dashboard (ops/grafana-dashboard.json) queries', async () => {
    const dashboard = JSON.parse(readFileSync(join(__dirname, '..', 'ops', 'grafana-dashboard.json'), 'utf8')) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    const queried = new Set(
      dashboard.panels.flatMap((panel) =>
        panel.targets.flatMap((target) => [...target.expr.matchAll(/\b((?:signaling|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1])),
      ),
    );
    // A family the server declares (a counter with no hit yet has no sample), or a histogram's series.
    const text = (await request(t.url).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;
    const served = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]).concat(parseMetrics(text).map((sample) => sample.name)));
    expect(queried.size).toBeGreaterThan(5);
    expect([...queried].filter((name) => !served.has(name))).toEqual([]);
  });

  it('counts rate-limit hits by the surface the limiter names', async () => {
    // The limiters call MetricsService.rateLimited(surface); the surface shows up as a label.
    t.app.get(MetricsService).rateLimited('socket-events');
    t.app.get(MetricsService).rateLimited('socket-events');
    expect(valueOf(await scrape(), 'signaling_rate_limited_total', { surface: 'socket-events' })).toBe(2);
  });

  it("wants METRICS_TOKEN as a bearer token when it is set, and answers 401 in the contract's shape", async () => {
    const missing = await request(t.url).get('/metrics').expect(401);
    expect(missing.body).toEqual({ statusCode: 401, code: 'unauthorized', message: expect.any(String) });
    await request(t.url).get('/metrics').set('Authorization', 'Bearer not-the-metrics-token').expect(401);
    // A user's access token is not the metrics token.
    const someone = await user();
    await request(t.url).get('/metrics').set('Authorization', `Bearer ${someone.token}`).expect(401);
    const ok = await request(t.url).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    expect(ok.text).toContain('# TYPE signaling_connections gauge');
    expect(ok.text).toContain('# TYPE signaling_call_setup_seconds histogram');
  });

  it('is open without METRICS_TOKEN, with process metrics, and each app has its own registry', async () => {
    const other = await startTestApp();
    try {
      t.app.get(MetricsService).rateLimited('first-app-only');
      const response = await request(other.url).get('/metrics').expect(200);
      const samples = parseMetrics(response.text);
      expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(valueOf(samples, 'signaling_connections', { dialect: 'socket.io' })).toBe(0);
      // Two apps in one process: what one counts, the other does not show.
      expect(valueOf(await scrape(), 'signaling_rate_limited_total', { surface: 'first-app-only' })).toBe(1);
      expect(samples.some((s) => s.labels.surface === 'first-app-only')).toBe(false);
    } finally {
      await other.close();
    }
  });
});

describe('logs (e2e, a server process with LOG_FORMAT=json)', () => {
  let db: TestDatabase;
  let cwd: string;
  let server: ServerProcess | undefined;
  const sockets: TestSocket[] = [];
  const raws: RawClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    cwd = mkdtempSync(join(tmpdir(), 'calls-cwd-'));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    for (const raw of raws) raw.close();
    server?.process.kill('SIGKILL');
    await server?.exited;
    await db.drop();
    rmSync(cwd, { recursive: true, force: true });
  });

  /** The complete lines written so far (the last one may still be on its way). */
  const lines = () => {
    const output = server!.output();
    return output
      .slice(0, output.lastIndexOf('\n'))
      .split('\n')
      .filter((line) => line.trim() !== '');
  };
  /** Resolves once a logged line satisfies `match`: logs are written as things happen, not on demand. */
  const logged = async (match: (entry: any) => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const entry = lines()
        .map(parseOrNull)
        .find((e) => e !== null && match(e));
      if (entry) return entry;
      if (Date.now() > deadline) throw new Error(`no log line for ${what} in:\n${server!.output()}`);
      await moreOutput(server!, deadline - Date.now());
    }
  };

  // A server process starts (ts-node compiles the project): a larger budget.
  it('writes one JSON object per line, a line per call move and per request, and never a token or a password', async () => {
    server = await spawnServer(
      { ...db.env, JWT_SECRET: TEST_JWT_SECRET, PASSWORD_HASH_COST: '1024', LOG_FORMAT: 'json', LOG_LEVEL: 'log' },
      cwd,
    );
    const url = server.url;
    const alice = await registerUser(url, 'student');
    const bob = await registerUser(url, 'mentor');
    const wrongPassword = `wrong-${alice.password}-guess`;
    const forged = `${alice.token.slice(0, -4)}AAAA`;

    // Every way a secret travels: login bodies (good and bad), Authorization headers, ?token= on
    // HTTP, Socket.IO auth and query and header, Socket.IO polling, raw-WebSocket ?token=.
    await request(url).post('/auth/login').send({ email: alice.email, password: wrongPassword }).expect(401);
    await request(url).post('/auth/login').send({ email: 'nobody@example.test', password: wrongPassword }).expect(401);
    await request(url).post('/auth/login').send({ email: alice.email, password: alice.password }).expect(200);
    await request(url).get('/auth/me').set('Authorization', `Bearer ${alice.token}`).expect(200);
    await request(url).get('/auth/me').set('Authorization', `Bearer ${forged}`).expect(401);
    await request(url).get(`/auth/me?token=${alice.token}`).expect(401);
    const aliceSocket = connectSocket(url, { token: alice.token });
    const bobSocket = connectSocket(url, { query: { token: bob.token } });
    const bobHeader = connectSocket(url, { extraHeaders: { Authorization: `Bearer ${bob.token}` } });
    sockets.push(aliceSocket, bobSocket, bobHeader);
    await Promise.all(sockets.map((socket) => nextEvent(socket, 'authenticated')));
    // A long-polling handshake, by hand: a polling client would still be polling when the server is killed.
    const polling = await request(url).get('/socket.io/').query({ EIO: '4', transport: 'polling', token: bob.token }).expect(200);
    expect(polling.text).toMatch(/^0\{"sid"/);
    const refused = connectSocket(url, { token: forged });
    sockets.push(refused);
    expect((await nextEvent(refused, 'connect_error')).data).toMatchObject({ code: 'unauthorized' });
    raws.push(await RawClient.connect(url, '/ws/call/', alice.token));
    await expect(RawClient.connect(url, '/ws/call/', forged)).rejects.toMatchObject({ status: 401 });

    // A call: started over REST, accepted over Socket.IO, ended over REST.
    const callId: string = (
      await request(url).post('/calls/start').set('Authorization', `Bearer ${alice.token}`).send({ recipientUserId: bob.id }).expect(201)
    ).body.id;
    expect(await emitWithAck(bobSocket, 'acceptCall', { callId })).toMatchObject({ ok: true });
    await request(url).delete(`/calls/${callId}`).set('Authorization', `Bearer ${alice.token}`).expect(200);

    const accepted = await logged((e) => e.msg === 'call moved' && e.callId === callId && e.to === 'ACTIVE', 'the accept');
    expect(accepted).toMatchObject({ level: 'log', context: 'Calls', hostUserId: alice.id, recipientUserId: bob.id, from: 'CALLING' });
    const ended = await logged((e) => e.msg === 'call moved' && e.callId === callId && e.to === 'ENDED', 'the end');
    expect(ended).toMatchObject({ hostUserId: alice.id, recipientUserId: bob.id, from: 'ACTIVE', reason: 'ended_by_api' });

    const access = (match: (e: any) => boolean, what: string) => logged((e) => e.context === 'Access' && match(e), what);
    expect(await access((e) => e.method === 'GET' && e.path === '/auth/me' && e.status === 200, 'GET /auth/me')).toMatchObject({
      userId: alice.id,
      ip: expect.any(String),
      durationMs: expect.any(Number),
    });
    expect(await access((e) => e.path === '/auth/me?token=[REDACTED]', '?token= on HTTP')).toMatchObject({ status: 401 });
    expect(await access((e) => e.path.startsWith('/ws/call/') && e.status === 101, 'the raw-WebSocket upgrade')).toMatchObject({
      path: '/ws/call/?token=[REDACTED]',
      upgrade: true,
    });
    await access((e) => e.path.startsWith('/ws/call/') && e.status === 401, 'the refused upgrade');
    await access(
      (e) =>
        e.path.startsWith('/socket.io/') && e.path.includes('transport=polling') && e.path.includes('token=[REDACTED]') && e.status === 200,
      'Socket.IO polling',
    );
    await access(
      (e) => e.path.startsWith('/socket.io/') && e.path.includes('transport=websocket') && e.status === 101,
      'the Socket.IO upgrade',
    );

    const all = lines();
    const unparsable = all.filter((line) => parseOrNull(line) === null);
    expect(unparsable).toEqual([]);
    for (const entry of all.map((line) => JSON.parse(line))) {
      expect(entry).toMatchObject({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: expect.any(String), msg: expect.any(String) });
    }
    const output = server.output();
    for (const secret of [alice.token, bob.token, forged, alice.password, wrongPassword]) expect(output).not.toContain(secret);
    // Not even a token's signature on its own.
    for (const token of [alice.token, bob.token]) expect(output).not.toContain(token.split('.')[2]);
  }, 120_000);
});

/** Resolves when the process writes again (or at the deadline, to report what it did write). */
function moreOutput(server: ServerProcess, timeoutMs: number): Promise<void> {
  const streams = [server.process.stdout!, server.process.stderr!];
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const stream of streams) stream.off('data', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(timeoutMs, 0));
    for (const stream of streams) stream.on('data', done);
  });
}

function parseOrNull(line: string): any {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}
