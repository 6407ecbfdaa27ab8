import { Logger } from '@nestjs/common';
import type { RedisConnections } from './redis-connections';
import { shardOf } from './shards';

export type TimerHandler = (id: string) => Promise<void> | void;

/**
 * Named timers (a ring timeout, a disconnect grace, a help request's expiry) that fire once in
 * the whole deployment. A kind's handler is registered by every instance; whichever holds the
 * timer when it is due runs it.
 */
export interface SharedTimers {
  /**
   * Arms the timer, or re-arms it for `delayMs` from now (`unlessArmed`: leaves an armed one as it
   * is); true when it was not armed.
   */
  schedule(kind: string, id: string, delayMs: number, options?: { unlessArmed?: boolean }): Promise<boolean>;
  /** Disarms the timer; true when it was armed. */
  cancel(kind: string, id: string): Promise<boolean>;
  handle(kind: string, handler: TimerHandler): void;
  /** Starts firing due timers: at start-up, once every handler and event listener is in place. */
  start(): void;
  /** Stops firing (shutdown); armed Redis timers stay for the other instances. */
  stop(): void;
}

export const SHARED_TIMERS = Symbol('SHARED_TIMERS');

const keyOf = (kind: string, id: string) => `${kind}|${id}`;

abstract class TimerHandlers {
  protected readonly logger = new Logger('Timers');
  private readonly handlers = new Map<string, TimerHandler>();

  handle(kind: string, handler: TimerHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Runs the handler of `key`: `failed` when it should be tried again, `unknown` when this instance has none for its kind. */
  protected async fire(key: string): Promise<'fired' | 'failed' | 'unknown'> {
    const split = key.indexOf('|');
    const handler = this.handlers.get(key.slice(0, split));
    if (!handler) return 'unknown';
    try {
      await handler(key.slice(split + 1));
      return 'fired';
    } catch (error) {
      this.logger.error(`timer ${key} failed: ${(error as Error).stack ?? String(error)}`);
      return 'failed';
    }
  }
}

/** setTimeout, for one instance. A timer dies with its process; the call sweeper settles what it left. */
export class MemoryTimers extends TimerHandlers implements SharedTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  async schedule(kind: string, id: string, delayMs: number, { unlessArmed = false } = {}): Promise<boolean> {
    if (this.stopped) return false;
    const key = keyOf(kind, id);
    const armed = this.timers.has(key);
    if (armed && unlessArmed) return false;
    clearTimeout(this.timers.get(key));
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        void this.fire(key);
      },
      Math.max(delayMs, 0),
    );
    timer.unref();
    this.timers.set(key, timer);
    return !armed;
  }

  async cancel(kind: string, id: string): Promise<boolean> {
    const key = keyOf(kind, id);
    clearTimeout(this.timers.get(key));
    return this.timers.delete(key);
  }

  /** Nothing to wait for: a timer in this process was armed by this process, after start-up began. */
  start(): void {}

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

/** Moves due timers to a lease and returns them: whoever gets a timer back runs it. */
const CLAIM = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[2], member) end
return due`;

/** Removes a fired timer unless it was re-armed meanwhile (its score is no longer the lease's). */
const SETTLE = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0`;

/** Puts a claimed timer back, due at ARGV[3], unless it was re-armed meanwhile. */
const DEFER = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1]) end
return 0`;

const POLL_MS = 100;
/** A timer of a kind this instance does not handle is due again after this long, for another instance. */
const DEFER_MS = 1_000;
/** A claimed timer whose instance died before settling it is due again after this long. */
const LEASE_MS = 15_000;
const BATCH = 100;

/** On a Redis Cluster, timers are spread over this many sorted sets, each in a slot of its own. */
const CLUSTER_SHARDS = 16;

/**
 * Timers in Redis sorted sets (member "kind|id", score = due time): one on one Redis; on a Redis
 * Cluster, one per shard, each hash-tagged into a slot of its own, so no master holds them all.
 * Every instance polls every shard; claiming is atomic, so each due timer runs on exactly one
 * instance, and one that dies mid-way leaves the timer to be claimed again when its lease runs out
 * (handlers are idempotent). A timer of a kind an instance has no handler for (armed by a newer
 * version during a rolling deploy) is put back for a second, not dropped.
 */
export class RedisTimers extends TimerHandlers implements SharedTimers {
  private readonly shards: string[];
  private poller?: NodeJS.Timeout;
  private polling = false;

  constructor(
    private readonly redis: RedisConnections,
    prefix: string,
  ) {
    super();
    this.shards = redis.cluster ? Array.from({ length: CLUSTER_SHARDS }, (_, n) => `${prefix}timers:{${n}}`) : [`${prefix}timers`];
  }

  start(): void {
    this.poller = setInterval(() => void this.poll(), POLL_MS);
    this.poller.unref();
  }

  async schedule(kind: string, id: string, delayMs: number, { unlessArmed = false } = {}): Promise<boolean> {
    const member = keyOf(kind, id);
    const timer = { score: Date.now() + Math.max(delayMs, 0), value: member };
    return (await this.redis.commands.zAdd(this.shardOf(member), timer, unlessArmed ? { condition: 'NX' } : undefined)) > 0;
  }

  async cancel(kind: string, id: string): Promise<boolean> {
    const member = keyOf(kind, id);
    return (await this.redis.commands.zRem(this.shardOf(member), member)) > 0;
  }

  stop(): void {
    clearInterval(this.poller);
  }

  /** A timer always lives in the same shard: re-arming and cancelling find it there. */
  private shardOf(member: string): string {
    return this.shards[shardOf(member, this.shards.length)];
  }

  private async poll(): Promise<void> {
    if (this.polling || !this.redis.isReady) return;
    this.polling = true;
    try {
      await Promise.all(this.shards.map((shard) => this.pollShard(shard)));
    } finally {
      this.polling = false;
    }
  }

  private async pollShard(shard: string): Promise<void> {
    try {
      const now = Date.now();
      const lease = String(now + LEASE_MS);
      const { commands } = this.redis;
      const due = (await commands.eval(CLAIM, { keys: [shard], arguments: [String(now), lease, String(BATCH)] })) as string[];
      await Promise.all(
        due.map(async (member) => {
          const outcome = await this.fire(member);
          if (outcome === 'fired') await commands.eval(SETTLE, { keys: [shard], arguments: [member, lease] });
          // Armed by a newer version (a rolling deploy): left for an instance that knows its kind.
          // Due again at a random point of the poll interval: at its own poll's phase, this instance would claim it first every time.
          const dueAgain = now + DEFER_MS + Math.floor(Math.random() * POLL_MS);
          if (outcome === 'unknown') await commands.eval(DEFER, { keys: [shard], arguments: [member, lease, String(dueAgain)] });
        }),
      );
    } catch (error) {
      this.logger.warn(`polling timers failed: ${(error as Error).message}`);
    }
  }
}
