import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { INSTANCE_ID, REDIS } from './cluster.tokens';
import type { RedisConnections } from './redis-connections';
import { retryWhileUnavailable } from './redis-errors';

/** Where a message goes among the other instances: those named, or every one. */
export type Destinations = readonly string[] | 'everyone';

/** How a message reached this instance: on its own stream, or on the one every instance reads. */
export type Route = 'instance' | 'everyone';

/**
 * An instance's own stream is trimmed by its reader as it reads, so nothing waits there unread but
 * what a stalled reader has not reached; past this many (a reader stalled for long, but whose
 * heartbeat lives) the oldest go.
 */
const MAX_UNREAD = 100_000;
/** The stream every instance reads is trimmed past this many, as no single reader can trim it. */
const MAX_EVERYONE_ENTRIES = 10_000;
/** A reader trims what it has read at most this often. */
const TRIM_EVERY_MS = 1_000;
const BLOCK_MS = 5_000;

type StreamReply = Array<{ messages: Array<{ id: string; message: Record<string, string> }> }> | null;

/**
 * Messages to the other instances, on Redis streams: one per instance, read only by that instance,
 * for what its own connections receive, and one that every instance reads, for what must go
 * everywhere. A stream is kept while its reader is away: an instance that loses Redis for a while
 * (or a Redis that restarts) reads on from where it was, so nothing is dropped the way a pub/sub
 * message published during a reconnection would be. With one instance there is nobody else, and
 * publishing does nothing.
 */
@Injectable()
export class ClusterBus<Message = unknown> implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ClusterBus');
  private readonly handlers: Array<(message: Message, route: Route) => void> = [];
  private readonly prefix: string;
  private readonly everyoneKey: string;
  private readonly ownKey: string;
  private reading = false;
  /** Messages leave in the order they were published, whenever their destinations become known. */
  private previous: Promise<void> = Promise.resolve();
  /** Appends issued and not yet answered, and who waits for them to be none (settle). */
  private unanswered = 0;
  private allAnswered?: () => void;

  constructor(
    @Inject(REDIS) private readonly redis: RedisConnections | null,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.prefix = `${config.redis?.prefix ?? ''}bus:`;
    this.everyoneKey = `${this.prefix}everyone`;
    this.ownKey = this.streamOf(instanceId);
  }

  get clustered(): boolean {
    return this.redis !== null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.redis) return;
    const [newest] = await this.redis.commands.xRevRange(this.everyoneKey, '+', '-', { COUNT: 1 });
    this.reading = true;
    void this.read('instance', '0-0');
    void this.read('everyone', newest?.id ?? '0-0');
  }

  onModuleDestroy(): void {
    this.reading = false;
  }

  /**
   * Sends `message` to the instances `destinations` finds (this instance is never one: it handles
   * its own). The lookup starts at once, and the message waits for it; the messages published
   * after it wait for it in turn, so each stream gets them in publishing order. A lookup or an
   * append that fails because Redis is briefly away is tried again (a Redis Cluster failover).
   */
  publish(message: Message, destinations: () => Destinations | Promise<Destinations>): void {
    if (!this.redis) return;
    const data = JSON.stringify(message);
    // The lookup starts now (retryWhileUnavailable calls it at once), and settles either way before
    // anything waits for it: a rejection nobody handled yet would be fatal.
    const found = retryWhileUnavailable(async () => destinations()).catch((error: Error) => {
      this.logger.warn(`publishing failed: ${error.message}`);
      return null;
    });
    this.previous = this.previous
      .then(() => found)
      .then((to) => {
        if (to) this.append(data, to);
      });
  }

  /**
   * Resolves once what was published so far has been appended (or given up on): a graceful
   * shutdown waits for it before Redis closes (DrainService), so a notice sent while draining,
   * such as a party reconnecting, still goes out.
   */
  async settle(): Promise<void> {
    await this.previous;
    if (this.unanswered > 0) await new Promise<void>((done) => (this.allAnswered = done));
  }

  /** Messages published by the other instances to this one or to every one. */
  onMessage(handler: (message: Message, route: Route) => void): void {
    this.handlers.push(handler);
  }

  /** Drops the stream of an instance that is gone. */
  async forget(instanceId: string): Promise<void> {
    await this.redis?.commands.del(this.streamOf(instanceId));
  }

  private readonly answered = (): void => {
    if (--this.unanswered === 0) this.allAnswered?.();
  };

  private streamOf(instanceId: string): string {
    return `${this.prefix}${instanceId}`;
  }

  /**
   * Issues the appends without waiting for them (node-redis sends commands in the order issued).
   * One that fails because Redis is briefly away is issued again, after those that followed it.
   */
  private append(data: string, to: Destinations): void {
    const fields = { from: this.instanceId, data };
    const streams =
      to === 'everyone'
        ? [{ key: this.everyoneKey, keep: MAX_EVERYONE_ENTRIES }]
        : to.filter((id) => id !== this.instanceId).map((id) => ({ key: this.streamOf(id), keep: MAX_UNREAD }));
    for (const { key, keep } of streams) {
      const add = () =>
        this.redis!.commands.xAdd(key, '*', fields, { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: keep } });
      this.unanswered++;
      retryWhileUnavailable(add).then(this.answered, (error: Error) => {
        this.logger.warn(`publishing failed: ${error.message}`);
        this.answered();
      });
    }
  }

  /**
   * Reads one stream, each on a connection of its own (a blocking read holds its connection, and
   * on a Redis Cluster the two streams live on different nodes). Its own stream from the start:
   * nothing is routed to an instance before it exists.
   */
  private async read(route: Route, after: string): Promise<void> {
    const own = route === 'instance';
    const key = own ? this.ownKey : this.everyoneKey;
    const client = own ? this.redis!.reader : this.redis!.everyoneReader;
    let offset = after;
    let trimmedAt = 0;
    let trimmedTo = offset;
    while (this.reading) {
      try {
        const streams = (await client.xRead({ key, id: offset }, { COUNT: 100, BLOCK: BLOCK_MS })) as StreamReply;
        for (const { id, message } of streams?.[0]?.messages ?? []) {
          offset = id;
          if (message.from !== this.instanceId) this.dispatch(message.data, route);
        }
        if (own && offset !== trimmedTo && Date.now() - trimmedAt >= TRIM_EVERY_MS) {
          trimmedAt = Date.now();
          trimmedTo = offset;
          // Only this instance reads its stream: what it has read is not needed again. Exactly, as
          // approximate trimming removes at most 10 000 entries a call.
          void this.redis!.commands.xTrim(key, 'MINID', trimmedTo).catch(() => undefined);
        }
      } catch (error) {
        if (!this.reading) return;
        this.logger.warn(`reading failed: ${(error as Error).message}`);
        await new Promise((done) => setTimeout(done, 500));
      }
    }
  }

  private dispatch(data: string, route: Route): void {
    const message = JSON.parse(data) as Message;
    for (const handler of this.handlers) {
      try {
        handler(message, route);
      } catch (error) {
        this.logger.error(`handling a message failed: ${(error as Error).stack ?? String(error)}`);
      }
    }
  }
}
