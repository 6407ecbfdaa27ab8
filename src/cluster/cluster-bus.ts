import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { INSTANCE_ID, REDIS } from './cluster.tokens';
import type { RedisConnections } from './redis-connections';

/** Old entries are trimmed past this many; a reader further behind than that has lost its place anyway. */
const MAX_ENTRIES = 10_000;
const BLOCK_MS = 5_000;

/**
 * Messages to the other instances, on a Redis stream: an instance that loses Redis for a while
 * (or a Redis that restarts) reads on from where it was, so no delivery is dropped the way a
 * pub/sub message published during a reconnection would be. With one instance there is nobody
 * else, and publishing does nothing.
 */
@Injectable()
export class ClusterBus<Message = unknown> implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ClusterBus');
  private readonly handlers: Array<(message: Message) => void> = [];
  private readonly key: string;
  private reading = false;

  constructor(
    @Inject(REDIS) private readonly redis: RedisConnections | null,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.key = `${config.redis?.prefix ?? ''}bus`;
  }

  get clustered(): boolean {
    return this.redis !== null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.redis) return;
    const [newest] = await this.redis.commands.xRevRange(this.key, '+', '-', { COUNT: 1 });
    this.reading = true;
    void this.read(newest?.id ?? '0-0');
  }

  onModuleDestroy(): void {
    this.reading = false;
  }

  publish(message: Message): void {
    if (!this.redis) return;
    this.redis.commands
      .xAdd(
        this.key,
        '*',
        { from: this.instanceId, data: JSON.stringify(message) },
        { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: MAX_ENTRIES } },
      )
      .catch((error: Error) => this.logger.warn(`publishing failed: ${error.message}`));
  }

  /** Messages published by the other instances. */
  onMessage(handler: (message: Message) => void): void {
    this.handlers.push(handler);
  }

  private async read(after: string): Promise<void> {
    let offset = after;
    while (this.reading) {
      try {
        const streams = await this.redis!.reader.xRead({ key: this.key, id: offset }, { COUNT: 100, BLOCK: BLOCK_MS });
        for (const { messages } of (streams as Array<{ messages: Array<{ id: string; message: Record<string, string> }> }> | null) ?? []) {
          for (const { id, message } of messages) {
            offset = id;
            if (message.from !== this.instanceId) this.dispatch(message.data);
          }
        }
      } catch (error) {
        if (!this.reading) return;
        this.logger.warn(`reading failed: ${(error as Error).message}`);
        await new Promise((done) => setTimeout(done, 500));
      }
    }
  }

  private dispatch(data: string): void {
    const message = JSON.parse(data) as Message;
    for (const handler of this.handlers) {
      try {
        handler(message);
      } catch (error) {
        this.logger.error(`handling a message failed: ${(error as Error).stack ?? String(error)}`);
      }
    }
  }
}
