import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisSetting } from '../../src/cluster/redis-connections';
import { RedisCluster } from './redis-cluster';
import { freePort } from './server-process';

/** A Redis a test starts for the servers it runs: one redis-server, or a Redis Cluster. */
export interface TestRedis {
  /** How a server is told of it (REDIS_URL, or REDIS_CLUSTER_NODES). */
  readonly env: Record<string, string>;
  /** How the test itself connects to it (RedisConnections). */
  readonly setting: RedisSetting;
  destroy(): Promise<void>;
}

/**
 * The Redis the cluster suites run on: a Redis Cluster of three masters and three replicas when
 * TEST_REDIS_CLUSTER is set (CI runs them so a second time), else one redis-server.
 */
export function startTestRedis(): Promise<TestRedis> {
  return process.env.TEST_REDIS_CLUSTER ? RedisCluster.start() : RedisServer.start();
}

/** A redis-server of the test's own, on loopback, holding nothing on disk (a restart loses all). */
export class RedisServer implements TestRedis {
  private process?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'redis-test-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.resume();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get env(): Record<string, string> {
    return { REDIS_URL: this.url };
  }

  get setting(): RedisSetting {
    return { urls: [this.url], cluster: false };
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.resume();
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Starts it (again) on the same port, empty. */
  async resume(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.process = child;
    let log = '';
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`redis-server did not start:\n${log}`)), 10_000);
      child.stdout.on('data', (chunk: Buffer) => {
        log += chunk;
        if (log.includes('Ready to accept connections')) {
          clearTimeout(timer);
          ready();
        }
      });
      child.once('error', (error) => (clearTimeout(timer), fail(error)));
      child.once('exit', (code) => (clearTimeout(timer), fail(new Error(`redis-server exited (${code}):\n${log}`))));
    });
  }
}
