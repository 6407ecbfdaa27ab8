import * as redis from 'redis';

/** node-redis's errors for a connection that failed under a command (as opposed to a command Redis refused). */
const UNREACHABLE = [
  redis.ClientClosedError,
  redis.ClientOfflineError,
  redis.ConnectionTimeoutError,
  redis.DisconnectsClientError,
  redis.ReconnectStrategyError,
  redis.SocketClosedUnexpectedlyError,
  redis.SocketTimeoutError,
  // A command on a connection the watchdog dropped (RedisWatchdog).
  redis.TimeoutError,
];
/** A socket that broke under a command, as Node reports it. */
const SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);
/** What a Redis Cluster answers while a master is down or its slots are moving. */
const CLUSTER_BUSY = /^(CLUSTERDOWN|TRYAGAIN|MASTERDOWN|LOADING)\b/;

/** Redis went away under a command (a lost connection, a Redis Cluster failover), as opposed to refusing it. */
export function isSharedStateUnavailable(error: unknown): boolean {
  if (UNREACHABLE.some((kind) => error instanceof kind)) return true;
  return error instanceof redis.ErrorReply && CLUSTER_BUSY.test(error.message);
}

/**
 * As isSharedStateUnavailable, or a socket that broke under a command, which node-redis passes on
 * as Node reports it (a killed node's in-flight commands): only for work that touches Redis alone,
 * as PostgreSQL's failures look the same.
 */
function isRedisAway(error: unknown): boolean {
  return isSharedStateUnavailable(error) || (error instanceof Error && SOCKET_CODES.has((error as NodeJS.ErrnoException).code ?? ''));
}

/**
 * Past a Redis Cluster failover: the node timeout, the replica's election, and the client's next
 * look at the cluster's shape take a few seconds.
 */
const OUTLAST_MS = 15_000;

/**
 * `work` (Redis work alone), tried again while it fails because Redis is briefly away, for up to
 * `forMs`: for what must be done once something else is (a call's bookkeeping after its move is
 * stored, a delivery). The first try starts at once, before this returns.
 */
export async function retryWhileUnavailable<T>(work: () => Promise<T>, forMs = OUTLAST_MS): Promise<T> {
  const deadline = Date.now() + forMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      return await work();
    } catch (error) {
      if (!isRedisAway(error) || Date.now() + delay > deadline) throw error;
      await new Promise((done) => setTimeout(done, delay));
    }
  }
}
