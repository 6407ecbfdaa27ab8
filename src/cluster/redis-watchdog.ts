import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { RedisClient } from './redis-connections';

/** How often each connection is asked for a PING. */
const PROBE_EVERY_MS = 2_000;

/**
 * A PING unanswered this long means the connection is dead. Past a bus reader's blocking read
 * (5 s), which its PING waits behind.
 */
export const SILENCE_LIMIT_MS = 10_000;

/**
 * An idle time no connection reaches (each is asked for a PING every 2 s). node-redis watches a
 * socket's timeout only when one is set, and the watchdog drops a socket through that watch.
 */
export const NEVER_IDLE_MS = 2 ** 31 - 1;

/** What the watchdog needs of a node-redis client: its own internal hook to set a socket's timeout. */
interface DroppableClient {
  _maintenanceUpdate(update: { relaxedSocketTimeout?: number }): void;
}

/**
 * A Redis that stops answering without closing its connections (a host gone without a reset, a
 * dropped NAT entry, a frozen VM) leaves node-redis waiting on TCP's retransmissions, about 15
 * minutes, with every shared timer and the bus stopped. The watchdog asks each connection for a
 * PING; one silent for SILENCE_LIMIT_MS has its socket dropped, which node-redis handles as any lost
 * connection: the commands waiting on it fail (as the shared state briefly unavailable) and it
 * connects again (on a Redis Cluster, to the replica that took over). A connection being made
 * that long (a Redis that accepts but does not answer, as a frozen one) is dropped too, and made again.
 */
export class RedisWatchdog {
  private readonly logger = new Logger('Redis');
  private readonly probing = new WeakSet<RedisClient>();
  /** When each connection being made was first seen not ready. */
  private readonly connectingSince = new WeakMap<RedisClient, number>();
  private readonly timer: NodeJS.Timeout;

  /** `clients`: the connections to watch now (a Redis Cluster's change as it fails over). */
  constructor(private readonly clients: () => RedisClient[]) {
    this.timer = setInterval(() => this.probeAll(), PROBE_EVERY_MS).unref();
  }

  /** Throws when this node-redis has not the hook the watchdog drops a socket with. */
  static check(client: RedisClient): void {
    if (typeof (client as unknown as Partial<DroppableClient>)._maintenanceUpdate !== 'function') {
      throw new Error('this node-redis cannot drop a silent connection');
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private probeAll(): void {
    const now = performance.now();
    for (const client of this.clients()) {
      if (client.isReady) {
        this.connectingSince.delete(client);
        if (!this.probing.has(client)) void this.probe(client);
      } else if (client.isOpen) {
        const since = this.connectingSince.get(client) ?? now;
        if (now - since < SILENCE_LIMIT_MS) {
          this.connectingSince.set(client, since);
        } else {
          this.drop(client);
          this.connectingSince.delete(client);
        }
      }
    }
  }

  private async probe(client: RedisClient): Promise<void> {
    this.probing.add(client);
    // Checked again once pending I/O has been read: after the process itself stalled (a long GC
    // pause), the deadline fires before the answer already waiting in the socket is read.
    const deadline = setTimeout(() => setImmediate(() => this.dropIfSilent(client)), SILENCE_LIMIT_MS).unref();
    try {
      await client.ping();
    } catch {
      // Lost, and reported, by the connection itself.
    } finally {
      clearTimeout(deadline);
      this.probing.delete(client);
    }
  }

  private dropIfSilent(client: RedisClient): void {
    if (this.probing.has(client)) this.drop(client);
  }

  /**
   * Drops a connection's socket: a timeout of 1 ms fires at once and node-redis destroys the socket
   * with a TimeoutError, then reconnects. Cleared first, or a second drop would set what is set.
   */
  private drop(client: RedisClient): void {
    const droppable = client as unknown as DroppableClient;
    try {
      droppable._maintenanceUpdate({ relaxedSocketTimeout: undefined });
      droppable._maintenanceUpdate({ relaxedSocketTimeout: 1 });
    } catch (error) {
      this.logger.error(`could not drop a silent Redis connection: ${(error as Error).message}`);
    }
  }
}
