import { StartupError } from '../config/startup-error';
import { Logger } from '@nestjs/common';
import { createClient } from 'redis';

export type RedisClient = ReturnType<typeof createClient>;

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The server's Redis connections: one for commands (shared state, timers, the cache, publishing
 * on the cluster bus), one that blocks reading the bus, and a publisher/subscriber pair for the
 * Socket.IO Redis adapter. Each reconnects by itself; while Redis is away their commands wait in
 * node-redis's offline queue.
 */
export class RedisConnections {
  private readonly logger = new Logger('Redis');

  private constructor(
    readonly commands: RedisClient,
    readonly reader: RedisClient,
    readonly publisher: RedisClient,
    readonly subscriber: RedisClient,
  ) {
    this.watch(commands, 'commands');
    this.watch(reader, 'bus reader');
    this.watch(publisher, 'publisher');
    this.watch(subscriber, 'subscriber');
  }

  static async connect(url: string): Promise<RedisConnections> {
    const commands = createClient({ url });
    const connections = new RedisConnections(commands, commands.duplicate(), commands.duplicate(), commands.duplicate());
    const all = Promise.all(connections.all().map((c) => c.connect()));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    });
    try {
      await Promise.race([all, timeout]);
    } catch (error) {
      await connections.close();
      throw new StartupError('REDIS_URL', `cannot reach Redis at ${redactUrl(url)}: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    return connections;
  }

  /** Every connection is up (readiness). */
  get isReady(): boolean {
    return this.all().every((client) => client.isReady);
  }

  private all(): RedisClient[] {
    return [this.commands, this.reader, this.publisher, this.subscriber];
  }

  /** Waits for replies still due, then closes; a connection that is down is dropped. */
  async close(): Promise<void> {
    await Promise.all(
      this.all().map(async (client) => {
        try {
          // The bus reader sits in a blocking read: waiting for its reply would hold shutdown up.
          if (client.isReady && client !== this.reader) await client.close();
          else if (client.isOpen) client.destroy();
        } catch {
          // Closed already.
        }
      }),
    );
  }

  /**
   * One line when a connection is lost and one when it is back, not one per retry. Before it was
   * ever up, connect() reports the failure (in one line naming REDIS_URL).
   */
  private watch(client: RedisClient, name: string): void {
    let down = false;
    let wasUp = false;
    client.on('error', (error: Error) => {
      if (down || !wasUp) return;
      down = true;
      this.logger.warn(`${name} connection lost: ${error.message}; reconnecting`);
    });
    client.on('ready', () => {
      wasUp = true;
      if (!down) return;
      down = false;
      this.logger.log(`${name} connection restored`);
    });
  }
}

/** A Redis URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured URL';
  }
}
