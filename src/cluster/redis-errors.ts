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
];

/** The Redis connection failed under a command (Redis went away mid-request). */
export function isSharedStateUnavailable(error: unknown): boolean {
  return UNREACHABLE.some((kind) => error instanceof kind);
}
