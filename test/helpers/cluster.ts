import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestRedis, TestRedis } from './test-redis';
import { spawnServer, ServerProcess } from './server-process';
import { GENEROUS_LIMITS, TEST_JWT_SECRET } from './test-app';
import { createTestDatabase, TestDatabase } from './test-database';
import { connectAs } from './parties';
import { emitWithAck, nextEvent, TestSocket } from './sockets';
import { registerUser } from './users';

/** What every instance of a test cluster runs with; `env` adds or overrides. */
export function clusterEnv(databaseUrl: string, redis: TestRedis, env: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    PASSWORD_HASH_COST: '1024',
    ...GENEROUS_LIMITS,
    DATABASE_URL: databaseUrl,
    ...redis.env,
    ...env,
  };
}

/** N server processes sharing one database and one Redis, each in a directory of its own. */
export class Cluster {
  private readonly dirs: string[] = [];
  readonly instances: ServerProcess[] = [];

  constructor(private readonly env: Record<string, string>) {}

  async start(count: number): Promise<ServerProcess[]> {
    return Promise.all(Array.from({ length: count }, () => this.add()));
  }

  async add(): Promise<ServerProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'cluster-node-'));
    this.dirs.push(dir);
    const instance = await spawnServer({ ...this.env, DATA_DIR: dir }, dir);
    this.instances.push(instance);
    return instance;
  }

  /** SIGKILL: no shutdown hooks, no goodbye to Redis. */
  async kill(instance: ServerProcess): Promise<void> {
    instance.process.kill('SIGKILL');
    await instance.exited;
  }

  /** SIGTERM: a graceful shutdown; resolves with the exit code. */
  async terminate(instance: ServerProcess): Promise<number | null> {
    instance.process.kill('SIGTERM');
    return instance.exited;
  }

  async stop(): Promise<void> {
    for (const instance of this.instances) {
      if (instance.process.exitCode === null && instance.process.signalCode === null) {
        instance.process.kill('SIGTERM');
        await instance.exited;
      }
    }
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls until `check` passes (an assertion that throws until the cluster has settled). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((done) => setTimeout(done, intervalMs));
    }
  }
}

export interface ClusterFixture<R extends TestRedis = TestRedis> {
  database: TestDatabase;
  redis: R;
  cluster: Cluster;
  instances: ServerProcess[];
}

/**
 * For the enclosing describe block: `count` instances on a fresh database of the DATABASE_URL
 * server and a Redis of their own (see startTestRedis), started before its tests and removed
 * after them.
 */
export function useCluster(count: number, env?: Record<string, string>): ClusterFixture;
/** With `redis`: a Redis of that kind whatever TEST_REDIS_CLUSTER says (a suite that restarts one redis-server). */
export function useCluster<R extends TestRedis>(count: number, env: Record<string, string>, redis: () => Promise<R>): ClusterFixture<R>;
export function useCluster(
  count: number,
  env: Record<string, string> = {},
  redis: () => Promise<TestRedis> = startTestRedis,
): ClusterFixture {
  const fixture = {} as ClusterFixture;
  beforeAll(async () => {
    [fixture.database, fixture.redis] = await Promise.all([createTestDatabase(), redis()]);
    fixture.cluster = new Cluster(clusterEnv(fixture.database.env.DATABASE_URL!, fixture.redis, env));
    fixture.instances = await fixture.cluster.start(count);
  }, 120_000);
  afterAll(async () => {
    await fixture.cluster?.stop();
    await fixture.redis?.destroy();
    await fixture.database?.drop();
  });
  return fixture;
}

/**
 * An active call over Socket.IO between two joined parties: a student on `from` calling a mentor on
 * `to`. `track` gets each socket opened, for the suite to close.
 */
export async function activeCall(from: ServerProcess, to: ServerProcess, track: (socket: TestSocket) => void) {
  const [caller, callee] = await Promise.all([registerUser(from.url, 'student'), registerUser(to.url, 'mentor')]);
  const [callerSocket, calleeSocket] = await Promise.all([connectAs(from.url, caller), connectAs(to.url, callee)]);
  track(callerSocket);
  track(calleeSocket);
  const ringing = nextEvent(calleeSocket, 'incomingCall', 15_000);
  const { call } = await emitWithAck(callerSocket, 'startCall', { recipientUserId: callee.id });
  await ringing;
  await emitWithAck(calleeSocket, 'acceptCall', { callId: call.id });
  const media = { hasVideo: true, hasAudio: true };
  expect(await emitWithAck(callerSocket, 'joinCall', { callId: call.id, ...media })).toMatchObject({ ok: true });
  expect(await emitWithAck(calleeSocket, 'joinCall', { callId: call.id, ...media })).toMatchObject({ ok: true });
  return { caller, callee, callerSocket, calleeSocket, callId: call.id as string };
}
