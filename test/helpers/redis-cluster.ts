import { ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RedisSetting } from '../../src/cluster/redis-connections';
import { spawnRedisServer } from './redis-server';
import type { TestRedis } from './test-redis';
import { freePort, isFree } from './server-process';

const run = promisify(execFile);

interface ClusterNode {
  port: number;
  dir: string;
  process?: ChildProcess;
}

/**
 * A Redis Cluster of the test's own on loopback: three masters with a replica each, nothing on
 * disk, a node timeout of a second so that a replica takes over from a dead master quickly.
 */
export class RedisCluster implements TestRedis {
  private readonly dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));

  private constructor(private readonly nodes: ClusterNode[]) {}

  static async start(): Promise<RedisCluster> {
    const cluster = new RedisCluster(Array.from({ length: 6 }, () => ({ port: 0, dir: '' })));
    await Promise.all(cluster.nodes.map((node) => cluster.startNode(node)));
    const addresses = cluster.nodes.map((node) => `127.0.0.1:${node.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes']);
    await cluster.untilHealthy();
    return cluster;
  }

  private get urls(): string[] {
    return this.nodes.map((node) => `redis://127.0.0.1:${node.port}`);
  }

  get env(): Record<string, string> {
    return { REDIS_CLUSTER_NODES: this.urls.join(',') };
  }

  get setting(): RedisSetting {
    return { urls: this.urls, cluster: true };
  }

  /** The port of the master that serves `key`'s slot now. */
  async masterOf(key: string): Promise<number> {
    const live = this.liveNodes()[0];
    const { stdout: slot } = await run('redis-cli', ['-p', String(live.port), 'CLUSTER', 'KEYSLOT', key]);
    const { stdout: nodes } = await run('redis-cli', ['-p', String(live.port), 'CLUSTER', 'NODES']);
    const wanted = Number(slot.trim());
    for (const line of nodes.trim().split('\n')) {
      const [, address, flags, , , , , state, ...ranges] = line.split(' ');
      if (!flags.includes('master') || flags.includes('fail') || state !== 'connected') continue;
      const covers = ranges.some((range) => {
        const [from, to = from] = range.split('-').map(Number);
        return wanted >= from && wanted <= to;
      });
      if (covers) return Number(address.split(':')[1].split('@')[0]);
    }
    throw new Error(`no master serves slot ${wanted}`);
  }

  /**
   * SIGKILLs a node; resolves once it is gone, with a promise that resolves once a replica has
   * taken its slots over and the cluster is whole again.
   */
  async killMaster(port: number): Promise<{ failedOver: Promise<void> }> {
    const node = this.nodes.find((n) => n.port === port)!;
    const exited = new Promise((done) => node.process!.once('exit', done));
    node.process!.kill('SIGKILL');
    await exited;
    node.process = undefined;
    return { failedOver: this.untilHealthy() };
  }

  async destroy(): Promise<void> {
    await Promise.all(
      this.liveNodes().map(async (node) => {
        const exited = new Promise((done) => node.process!.once('exit', done));
        node.process!.kill('SIGKILL');
        await exited;
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }

  private liveNodes(): ClusterNode[] {
    return this.nodes.filter((node) => node.process);
  }

  /**
   * Starts a node on a port whose cluster bus port (+10000) is free too. Another process may take
   * either between the check and the start: then it tries other ports.
   */
  private async startNode(node: ClusterNode): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      node.port = await this.freeNodePort();
      try {
        node.process = await this.spawnNode(node);
        return;
      } catch (error) {
        const taken = /Address already in use/.test(String(error));
        if (!taken || attempt === 5) throw error;
      }
    }
  }

  private async freeNodePort(): Promise<number> {
    for (;;) {
      const port = await freePort();
      const used = this.nodes.flatMap((node) => [node.port, node.port + 10_000]);
      const taken = used.includes(port) || used.includes(port + 10_000);
      if (port < 55_000 && !taken && (await isFree(port + 10_000))) return port;
    }
  }

  private spawnNode(node: ClusterNode): Promise<ChildProcess> {
    node.dir = join(this.dir, String(node.port));
    mkdirSync(node.dir, { recursive: true });
    return spawnRedisServer(node.port, node.dir, [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      '1000',
      // A replica takes over however long ago it last heard from its master.
      '--cluster-replica-validity-factor',
      '0',
    ]);
  }

  /** Every live node sees the cluster as ok, every slot served by a live master, every replica in sync with its master. */
  private async untilHealthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const cli = (node: ClusterNode, ...args: string[]) =>
      run('redis-cli', ['-p', String(node.port), ...args]).then(
        ({ stdout }) => stdout,
        () => '',
      );
    for (;;) {
      const states = await Promise.all(
        this.liveNodes().map(async (node) => {
          const info = await cli(node, 'CLUSTER', 'INFO');
          const replication = await cli(node, 'INFO', 'replication');
          const synced = /role:master/.test(replication) || /master_link_status:up/.test(replication);
          return /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info) && synced;
        }),
      );
      if (states.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error('the Redis Cluster did not become healthy');
      await new Promise((done) => setTimeout(done, 200));
    }
  }
}
