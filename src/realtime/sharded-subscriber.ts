import { Logger } from '@nestjs/common';
import { ClientClosedError } from 'redis';
import type { RedisClient } from '../cluster/redis-connections';

const logger = new Logger('SocketIoAdapter');
const SUBSCRIBING = new Set<string | symbol>(['sSubscribe', 'sUnsubscribe']);

/**
 * The subscriber the sharded Socket.IO Redis adapter is given. The adapter (8.3) neither waits for
 * nor handles what sSubscribe and sUnsubscribe return, so one that fails (a node down during a
 * Redis Cluster failover, the connection closed at shutdown) would be an unhandled rejection, which
 * ends the process. Here such a failure is logged (at shutdown, not even that).
 */
export function withHandledSubscriptions(client: RedisClient): RedisClient {
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (!SUBSCRIBING.has(property)) return (value as (...args: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) =>
        (value.apply(target, args) as Promise<unknown>).catch((error: Error) => {
          if (!(error instanceof ClientClosedError)) logger.warn(`${String(property)} failed: ${error.message}`);
        });
    },
  });
}
