import { AppError } from '../common/errors';

/** Holds up to `capacity` tokens and gains `perSecond` of them a second; each message takes one (or `cost`). */
export class TokenBucket {
  private tokens: number;
  private updatedAt = performance.now();

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
  ) {
    this.tokens = capacity;
  }

  take(cost = 1): boolean {
    this.refill();
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** How long until `cost` tokens are there. */
  msUntil(cost = 1): number {
    this.refill();
    return Math.max(0, Math.ceil(((cost - this.tokens) / this.perSecond) * 1000));
  }

  isFull(): boolean {
    this.refill();
    return this.tokens >= this.capacity;
  }

  /** Keeps at most `tokens`: what is left beyond them is spent. */
  keepAtMost(tokens: number): void {
    this.refill();
    this.tokens = Math.min(this.tokens, tokens);
  }

  /** Takes `cost` whatever is left: the bucket may go below empty, and refills from there. */
  takeEvenIntoDebt(cost: number): void {
    this.refill();
    this.tokens -= cost;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
  }
}

/** Past this many keys held, those whose bucket is full again (quiet for a while) are dropped. */
const TIDY_ABOVE = 10_000;

/** A token bucket per key (a user, an address), made on first use; full ones go when there are many. */
export class BucketsByKey {
  private readonly byKey = new Map<string, TokenBucket>();

  constructor(private readonly make: () => TokenBucket) {}

  of(key: string): TokenBucket {
    let bucket = this.byKey.get(key);
    if (!bucket) {
      if (this.byKey.size >= TIDY_ABOVE) this.dropFull();
      bucket = this.make();
      this.byKey.set(key, bucket);
    }
    return bucket;
  }

  /** The key's bucket if it has one: a key never seen has a full one. */
  peek(key: string): TokenBucket | undefined {
    return this.byKey.get(key);
  }

  private dropFull(): void {
    for (const [key, bucket] of this.byKey) if (bucket.isFull()) this.byKey.delete(key);
  }
}

/** ICE candidates of every dialect: a browser gathers a burst of them at the start of a call. */
const ICE_EVENTS = new Set(['iceCandidate', 'webrtc:ice-candidate', 'webrtc_ice_candidate', 'ice_candidate']);

export interface MessageLimits {
  eventsPerSecond: number;
  iceBurst: number;
}

/**
 * One connection's allowance of realtime messages (CONTRACT.md §9): RATE_LIMIT_EVENTS_PER_S a
 * second, in bursts of as many; ICE candidates draw on a bucket of their own that holds
 * RATE_LIMIT_ICE_BURST, so a candidate burst neither is refused nor starves other messages.
 */
export class MessageRateLimit {
  /** Made on the first message that needs them: an idle connection keeps none. */
  private general?: TokenBucket;
  private ice?: TokenBucket;

  constructor(
    private readonly limits: MessageLimits,
    private readonly onRefused: () => void = () => undefined,
  ) {}

  /** Throws `rate_limited` when the message `event` is over the allowance. */
  check(event: unknown): void {
    const refusal = this.refusal(event);
    if (refusal) throw refusal;
  }

  /** As check, returning the `rate_limited` error instead of throwing it; undefined when allowed. */
  refusal(event: unknown): AppError | undefined {
    const { eventsPerSecond, iceBurst } = this.limits;
    const bucket =
      typeof event === 'string' && ICE_EVENTS.has(event)
        ? (this.ice ??= new TokenBucket(iceBurst, eventsPerSecond))
        : (this.general ??= new TokenBucket(eventsPerSecond, eventsPerSecond));
    if (bucket.take()) return undefined;
    this.onRefused();
    return new AppError('rate_limited', `Too many messages: at most ${this.limits.eventsPerSecond} a second`);
  }
}
