import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { connectSocket, emitWithAck, nextEvent } from './helpers/sockets';
import { spawnServer, ServerProcess } from './helpers/server-process';
import { createTestDatabase, TestDatabase } from './helpers/test-database';
import { TEST_JWT_SECRET } from './helpers/test-app';
import { registerUser } from './helpers/users';

describe('restart after a crash (e2e)', () => {
  let db: TestDatabase;
  let cwd: string;
  let server: ServerProcess | undefined;
  const env = () => ({
    ...db.env,
    JWT_SECRET: TEST_JWT_SECRET,
    PASSWORD_HASH_COST: '1024',
    RING_TIMEOUT_MS: '2000',
    RECONNECT_GRACE_MS: '1000',
    CALL_SWEEP_INTERVAL_MS: '1000',
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    cwd = mkdtempSync(join(tmpdir(), 'calls-cwd-'));
  });
  afterAll(async () => {
    server?.process.kill('SIGKILL');
    await server?.exited;
    await db.drop();
    rmSync(cwd, { recursive: true, force: true });
  });

  /** Alice calls Bob, who answers; both join the room; then the server is killed (SIGKILL) and both sockets drop. */
  async function answeredCallThenKill(running: ServerProcess) {
    const alice = await registerUser(running.url);
    const bob = await registerUser(running.url, 'mentor');
    const aliceSocket = connectSocket(running.url, { token: alice.token });
    const bobSocket = connectSocket(running.url, { token: bob.token });
    await Promise.all([nextEvent(aliceSocket, 'authenticated'), nextEvent(bobSocket, 'authenticated')]);
    const started = await request(running.url)
      .post('/calls/start')
      .set('Authorization', `Bearer ${alice.token}`)
      .send({ recipientUserId: bob.id })
      .expect(201);
    const callId: string = started.body.id;
    await emitWithAck(bobSocket, 'acceptCall', { callId });
    await emitWithAck(aliceSocket, 'joinCall', { callId, hasVideo: true, hasAudio: true });
    await emitWithAck(bobSocket, 'joinCall', { callId, hasVideo: true, hasAudio: true });
    running.process.kill('SIGKILL');
    await running.exited;
    aliceSocket.disconnect();
    bobSocket.disconnect();
    return { alice, bob, callId };
  }

  // Two server processes start (each compiles the project through ts-node): a larger budget.
  it('frees both users after SIGKILL mid-call: a new call goes through within one sweep interval', async () => {
    server = await spawnServer(env(), cwd);
    const { alice, bob, callId } = await answeredCallThenKill(server);

    server = await spawnServer(env(), cwd);
    const bobBack = connectSocket(server.url, { token: bob.token });
    await nextEvent(bobBack, 'authenticated');
    // The start-up sweep gives both parties a grace; Alice is not back by its end, so the call ends.
    const ended = nextEvent(bobBack, 'callEnded', 1000 /* grace */ + 2 * 1000 /* sweep interval */ + 2000);
    ended.catch(() => undefined); // awaited only if the start-up sweep has not settled the call already
    const startAgain = () =>
      request(server!.url).post('/calls/start').set('Authorization', `Bearer ${alice.token}`).send({ recipientUserId: bob.id });
    let again = await startAgain();
    if (again.status === 409) {
      expect(again.body.code).toBe('user_busy');
      expect(await ended).toMatchObject({ callId, reason: 'connection_lost' });
      again = await startAgain();
    }
    expect(again.status).toBe(201);
    const old = await request(server.url).get(`/calls/${callId}`).set('Authorization', `Bearer ${alice.token}`).expect(200);
    expect(old.body).toMatchObject({ status: 'ENDED', endReason: 'connection_lost' });
    bobBack.disconnect();
  }, 120_000);

  it('ends the call after a restart when one party comes back and rejoins, and the other does not', async () => {
    // A grace longer than a restart takes: the call is younger than it when the new process starts.
    const slowGrace = { ...env(), RECONNECT_GRACE_MS: '12000', CALL_SWEEP_INTERVAL_MS: '500' };
    server?.process.kill('SIGKILL'); // the previous test's
    await server?.exited;
    server = await spawnServer(slowGrace, cwd);
    const { alice, bob, callId } = await answeredCallThenKill(server);

    server = await spawnServer(slowGrace, cwd);
    const bobBack = connectSocket(server.url, { token: bob.token });
    // Bob hears Alice is away as he arrives (her grace starts at the first sweep that finds the call
    // older than the grace, before or after he is back); the call ends with the grace.
    const reconnecting = nextEvent(bobBack, 'participantReconnecting', 2 * 12_000 + 5_000);
    const ended = nextEvent(bobBack, 'callEnded', 2 * 12_000 + 5_000);
    await nextEvent(bobBack, 'authenticated');
    const rejoined = await emitWithAck(bobBack, 'joinCall', { callId, hasVideo: true, hasAudio: true });
    expect(rejoined).toMatchObject({ ok: true, callId });
    expect(await reconnecting).toEqual({ callId, userId: alice.id, graceMs: 12_000 });
    expect(await ended).toMatchObject({ callId, reason: 'connection_lost' });
    const old = await request(server.url).get(`/calls/${callId}`).set('Authorization', `Bearer ${bob.token}`).expect(200);
    expect(old.body).toMatchObject({ status: 'ENDED', endReason: 'connection_lost' });
    bobBack.disconnect();
  }, 120_000);
});
