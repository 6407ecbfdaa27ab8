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

  isFull(): boolean {
    this.refill();
    return this.tokens >= this.capacity;
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
  private readonly general: TokenBucket;
  private readonly ice: TokenBucket;

  constructor(
    private readonly limits: MessageLimits,
    private readonly onRefused: () => void = () => undefined,
  ) {
    this.general = new TokenBucket(limits.eventsPerSecond, limits.eventsPerSecond);
    this.ice = new TokenBucket(limits.iceBurst, limits.eventsPerSecond);
  }

  /** Throws `rate_limited` when the message `event` is over the allowance. */
  check(event: unknown): void {
    const refusal = this.refusal(event);
    if (refusal) throw refusal;
  }

  /** As check, returning the `rate_limited` error instead of throwing it; undefined when allowed. */
  refusal(event: unknown): AppError | undefined {
    const bucket = typeof event === 'string' && ICE_EVENTS.has(event) ? this.ice : this.general;
    if (bucket.take()) return undefined;
    this.onRefused();
    return new AppError('rate_limited', `Too many messages: at most ${this.limits.eventsPerSecond} a second`);
  }
}
