import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisSetting } from '../../src/cluster/redis-connections';
import type { TestRedis } from './test-redis';
import { freePort } from './server-process';

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
    this.process = await spawnRedisServer(this.port, this.dir);
  }
}

/** A redis-server on loopback at `port`, holding nothing on disk, once it accepts connections. */
export async function spawnRedisServer(port: number, dir: string, extraArgs: string[] = []): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`redis-server did not start:\n${log}`)), 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      log += chunk;
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        ready();
      }
    });
    child.once('error', (error) => (clearTimeout(timer), fail(error)));
    child.once('exit', (code) => (clearTimeout(timer), fail(new Error(`redis-server exited (${code}):\n${log}`))));
  });
  return child;
}
