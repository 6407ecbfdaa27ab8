import type { RedisSetting } from '../../src/cluster/redis-connections';
import { RedisCluster } from './redis-cluster';
import { RedisServer } from './redis-server';

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
