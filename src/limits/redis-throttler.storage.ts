import type { ThrottlerStorage } from '@nestjs/throttler';
import type { RedisConnections } from '../cluster/redis-connections';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** What a request gets while Redis is unreachable. */
const NOT_COUNTED: ThrottlerStorageRecord = { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };

/**
 * One fixed window per key, in one atomic step on the Redis server (its clock, so instances with
 * skewed clocks agree). KEYS[1] counts the window's hits, KEYS[2] marks a block; ARGV: window ms,
 * limit, block ms. Returns {totalHits, window ms left, blocked 0/1, block ms left}.
 *
 * With block ms 0 (what the server uses) a request over the limit is refused and not counted, so
 * the window ends when it would have anyway. With block ms > 0 the request over the limit starts
 * a block of that length and the count starts afresh after it, as @nestjs/throttler's memory
 * storage does.
 */
const INCREMENT = `
local ttl, limit, block = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then return {limit + 1, blockLeft, 1, blockLeft} end
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
if block <= 0 and hits >= limit then
  local left = redis.call('PTTL', KEYS[1])
  if left < 0 then redis.call('PEXPIRE', KEYS[1], ttl) left = ttl end
  return {hits + 1, left, 1, left}
end
hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then redis.call('PEXPIRE', KEYS[1], ttl) left = ttl end
if block > 0 and hits > limit then
  redis.call('SET', KEYS[2], '1', 'PX', block)
  redis.call('DEL', KEYS[1])
  return {hits, left, 1, block}
end
return {hits, left, 0, 0}
`;

/** Rate-limit counts in Redis, so every instance behind the load balancer shares them. */
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly redis: RedisConnections,
    private readonly prefix: string,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<ThrottlerStorageRecord> {
    // While Redis is away, limits lapse rather than every request waiting in the offline queue
    // (RedisConnections already logs the outage).
    if (!this.redis.isReady) return NOT_COUNTED;
    // Both keys share a hash tag: one slot on a Redis Cluster.
    const base = `${this.prefix}ratelimit:{${key}}`;
    let reply: number[];
    try {
      reply = (await this.redis.commands.eval(INCREMENT, {
        keys: [base, `${base}:block`],
        arguments: [String(ttl), String(limit), String(blockDuration)],
      })) as number[];
    } catch (error) {
      // The connection dropped mid-command: the same outage.
      if (!this.redis.isReady) return NOT_COUNTED;
      throw error;
    }
    const [totalHits, windowLeftMs, blocked, blockLeftMs] = reply.map(Number);
    return {
      totalHits,
      timeToExpire: Math.ceil(windowLeftMs / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(blockLeftMs / 1000),
    };
  }
}
