import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { io } from 'socket.io-client';
import request from 'supertest';
import { clusterEnv } from './helpers/cluster';
import { RawClient } from './helpers/raw-ws';
import { startTestRedis, TestRedis } from './helpers/test-redis';
import { freePort } from './helpers/server-process';
import { emitWithAck, nextEvent, TestSocket } from './helpers/sockets';
import { createTestDatabase, TestDatabase } from './helpers/test-database';
import { registerUser, type Role } from './helpers/users';

const ROOT = resolve(__dirname, '..');

/**
 * The deployment recipe, run as a team would run it: deploy/haproxy/start.sh starts two instances
 * and HAProxy with TLS in front; every client here goes through HAProxy, trusting its self-signed
 * certificate and nothing else.
 */
describe('two instances behind HAProxy with TLS, started by deploy/haproxy/start.sh (e2e)', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let dir: string;
  let recipe: ChildProcess;
  let output = '';
  let url: string;
  let ca: string;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
    dir = mkdtempSync(join(tmpdir(), 'haproxy-recipe-'));
    const [httpsPort, port1, port2] = [await freePort(), await freePort(), await freePort()];
    recipe = spawn('bash', [join(ROOT, 'deploy/haproxy/start.sh')], {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        ...clusterEnv(database.env.DATABASE_URL!, redis),
        HTTPS_PORT: String(httpsPort),
        INSTANCE_PORTS: `${port1} ${port2}`,
        CERT_FILE: join(dir, 'localhost.pem'),
        SERVER_COMMAND: `${process.execPath} -r ${require.resolve('ts-node/register/transpile-only')} ${join(ROOT, 'src/main.ts')}`,
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
      },
    });
    const ready = new Promise<void>((done, fail) => {
      const read = (chunk: Buffer) => {
        output += chunk;
        if (output.includes('Ready: https://localhost:')) done();
      };
      recipe.stdout!.on('data', read);
      recipe.stderr!.on('data', read);
      recipe.once('exit', (code) => fail(new Error(`start.sh exited (${code}):\n${output}`)));
    });
    await ready;
    url = `https://127.0.0.1:${httpsPort}`;
    // The PEM holds the certificate and its key (HAProxy's format); clients trust the certificate alone.
    ca = readFileSync(join(dir, 'localhost.pem'), 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0];
  }, 150_000);

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
  });

  afterAll(async () => {
    if (recipe?.exitCode === null) {
      // 'close': the script and everything it started (which share its output) are gone.
      const closed = new Promise((done) => recipe.once('close', done));
      process.kill(-recipe.pid!, 'SIGTERM');
      await closed;
    }
    await redis?.destroy();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const register = (role: Role, name: string) => registerUser(url, role, name, ca);

  /** A Socket.IO client of the calls protocol through HAProxy; `polling` keeps HAProxy's cookie, as a browser does. */
  const connect = async (token: string, transport: 'polling' | 'websocket'): Promise<TestSocket> => {
    const socket: TestSocket = io(url, {
      transports: [transport],
      withCredentials: transport === 'polling',
      ca,
      auth: { token, dialect: 'calls' },
      reconnection: false,
      forceNew: true,
    });
    sockets.push(socket);
    await nextEvent(socket, 'authenticated', 10_000);
    return socket;
  };

  it('answers over TLS only to a client that trusts the certificate, from both instances', async () => {
    const servedBy = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const response = await request(url).get('/health').ca(ca).expect(200);
      servedBy.add(response.headers['x-served-by']);
    }
    expect([...servedBy].sort()).toEqual(['app1', 'app2']);
    await expect(fetch(`${url}/health`)).rejects.toThrow(); // self-signed: refused without the CA
  });

  it('runs a call between a long-polling client and a WebSocket client, signals relayed, ended over REST', async () => {
    const student = await register('student', 'Student');
    const mentor = await register('mentor', 'Mentor');
    const caller = await connect(student.token, 'polling');
    const callee = await connect(mentor.token, 'websocket');

    const ringing = nextEvent(callee, 'incomingCall');
    const { call } = await emitWithAck(caller, 'startCall', { recipientUserId: mentor.id });
    expect(await ringing).toMatchObject({ callId: call.id });
    const accepted = nextEvent(caller, 'callAccepted');
    expect(await emitWithAck(callee, 'acceptCall', { callId: call.id })).toMatchObject({ ok: true });
    await accepted;
    await emitWithAck(caller, 'joinCall', { callId: call.id, hasVideo: true, hasAudio: true });
    const joined = await emitWithAck(callee, 'joinCall', { callId: call.id, hasVideo: true, hasAudio: true });
    expect(joined.participants.map((p: { userId: string }) => p.userId)).toEqual([student.id]);

    const offer = nextEvent(callee, 'offer');
    await emitWithAck(caller, 'offer', { targetSocketId: callee.id!, signal: { type: 'offer', sdp: 'v=0 polling' } });
    expect(await offer).toMatchObject({ offer: { sdp: 'v=0 polling' }, senderId: caller.id });
    const answer = nextEvent(caller, 'answer');
    await emitWithAck(callee, 'answer', { targetSocketId: caller.id!, signal: { type: 'answer', sdp: 'v=0 ws' } });
    expect(await answer).toMatchObject({ answer: { sdp: 'v=0 ws' }, senderId: callee.id });

    const ended = [nextEvent(caller, 'callEnded'), nextEvent(callee, 'callEnded')];
    await request(url).delete(`/calls/${call.id}`).ca(ca).auth(student.token, { type: 'bearer' }).expect(200);
    expect(await Promise.all(ended)).toEqual([expect.objectContaining({ callId: call.id }), expect.objectContaining({ callId: call.id })]);
  });

  it('keeps long-polling sessions on their instance by cookie: one that drops the cookie is refused', async () => {
    const student = await register('student', 'Forgetful');
    // No cookie jar: HAProxy spreads its requests, and an instance that does not hold the session refuses them.
    const forgetful: TestSocket = io(url, {
      transports: ['polling'],
      withCredentials: false,
      ca,
      auth: { token: student.token },
      reconnection: false,
      forceNew: true,
    });
    sockets.push(forgetful);
    const outcome = await new Promise<string>((done) => {
      forgetful.once('authenticated', () => done('authenticated'));
      forgetful.once('connect_error', () => done('refused'));
      forgetful.once('disconnect', () => done('refused'));
    });
    expect(outcome).toBe('refused');
    // The same user with the cookie kept gets in.
    expect((await connect(student.token, 'polling')).connected).toBe(true);
  });

  it('carries a raw WebSocket call (/ws/call/) over wss', async () => {
    const student = await register('student', 'RawStudent');
    const mentor = await register('mentor', 'RawMentor');
    const caller = await RawClient.connect(url, '/ws/call/', student.token, { ca });
    const callee = await RawClient.connect(url, '/ws/call/', mentor.token, { ca });
    try {
      caller.send({ action: 'start_call', callee_id: mentor.id });
      const callId = (await callee.next('incoming_call', 10_000)).call_id;
      callee.send({ action: 'answer_call', call_id: callId });
      await caller.next('call_answered', 10_000);
      caller.send({ action: 'offer', callee_id: mentor.id, offer: { type: 'offer', sdp: 'v=0 raw' } });
      expect(await callee.next('call_offer', 10_000)).toMatchObject({ offer: { sdp: 'v=0 raw' } });
      caller.send({ action: 'hang_up', call_id: callId });
      await callee.next('call_hanged_up', 10_000);
    } finally {
      caller.close();
      callee.close();
    }
  });
});
