import type { RedisClient } from './redis-connections';

/**
 * The little live state several instances must share (who is connected where, who is in which
 * room, who is online): a few Redis hash, set and key operations. In-process maps stand in for
 * Redis when there is one instance, so both run the same service code.
 */
export interface SharedState {
  hSet(key: string, field: string, value: string): Promise<void>;
  hGet(key: string, field: string): Promise<string | undefined>;
  hGetAll(key: string): Promise<Record<string, string>>;
  hVals(key: string): Promise<string[]>;
  hLen(key: string): Promise<number>;
  /** Sets a field and gives the value it had, in one step. */
  hSwap(key: string, field: string, value: string): Promise<string | undefined>;
  /** Removes a field and tells how many remain, in one step. */
  hDelCount(key: string, field: string): Promise<{ removed: boolean; remaining: number }>;
  sAdd(key: string, member: string): Promise<boolean>;
  sRem(key: string, member: string): Promise<boolean>;
  sIsMember(key: string, member: string): Promise<boolean>;
  sMembers(key: string): Promise<string[]>;
  sCard(key: string): Promise<number>;
  /** Sets a key that disappears after `ttlMs`; with `onlyIfAbsent`, false when it existed. */
  setExpiring(key: string, value: string, ttlMs: number, onlyIfAbsent?: boolean): Promise<boolean>;
  /**
   * For values that follow one thing through its versions (a JSON `version: [id, rank]`): as
   * setExpiring, unless the value there now is a later version of the same thing, then nothing;
   * a value of another thing is deleted (which of two things is newer cannot be told; the next
   * read asks the source). A write delayed behind a retry so never replaces a newer one. True when
   * written.
   */
  setExpiringVersion(key: string, value: string, version: readonly [string, number], ttlMs: number): Promise<boolean>;
  /** The value of a key set by setExpiring, while it lives. */
  get(key: string): Promise<string | undefined>;
  exists(key: string): Promise<boolean>;
  del(...keys: string[]): Promise<void>;
  /** Adds one to a counter that disappears `windowMs` after its first count; returns the count. */
  countInWindow(key: string, windowMs: number): Promise<number>;
  /** Present when the state lives in this process (one instance): reads that settle at once. */
  readonly local?: LocalReads;
}

/** The hottest reads (the signaling relay's) without a promise, where the state is in-process. */
export interface LocalReads {
  get(key: string): string | undefined;
  hGet(key: string, field: string): string | undefined;
  /** When the value at `key` (set by setExpiring) lapses, in Date.now() time; undefined for none. */
  lapsesAt(key: string): number | undefined;
  /**
   * Goes up with every write these reads could see: while it stands still, each read gives the
   * answer it gave before (but for values that lapse meanwhile), so that answer may be kept.
   */
  writes(): number;
}

export const SHARED_STATE = Symbol('SHARED_STATE');

/** Expiring values are swept of lapsed ones, when there are more than SWEEP_ABOVE, at most every SWEEP_EVERY_MS. */
const SWEEP_ABOVE = 10_000;
const SWEEP_EVERY_MS = 60_000;

export class MemoryState implements SharedState {
  private readonly hashes = new Map<string, Map<string, string>>();
  private readonly sets = new Map<string, Set<string>>();
  private readonly expiring = new Map<string, { value: string; until: number }>();
  private readonly counters = new Map<string, { count: number; until: number }>();
  private writeCount = 0;
  private sweptAt = 0;
  readonly local: LocalReads = {
    get: (key) => this.liveValue(key),
    hGet: (key, field) => this.hashes.get(key)?.get(field),
    lapsesAt: (key) => this.expiring.get(key)?.until,
    writes: () => this.writeCount,
  };

  async hSet(key: string, field: string, value: string) {
    this.writeCount++;
    const hash = this.hashes.get(key) ?? new Map<string, string>();
    hash.set(field, value);
    this.hashes.set(key, hash);
  }

  async hGet(key: string, field: string) {
    return this.hashes.get(key)?.get(field);
  }

  async hGetAll(key: string) {
    return Object.fromEntries(this.hashes.get(key) ?? []);
  }

  async hVals(key: string) {
    return [...(this.hashes.get(key)?.values() ?? [])];
  }

  async hLen(key: string) {
    return this.hashes.get(key)?.size ?? 0;
  }

  async hDelCount(key: string, field: string) {
    this.writeCount++;
    const hash = this.hashes.get(key);
    const removed = hash?.delete(field) ?? false;
    if (hash?.size === 0) this.hashes.delete(key);
    return { removed, remaining: hash?.size ?? 0 };
  }

  async sAdd(key: string, member: string) {
    this.writeCount++;
    const set = this.sets.get(key) ?? new Set<string>();
    this.sets.set(key, set);
    if (set.has(member)) return false;
    set.add(member);
    return true;
  }

  async sRem(key: string, member: string) {
    this.writeCount++;
    const set = this.sets.get(key);
    const removed = set?.delete(member) ?? false;
    if (set?.size === 0) this.sets.delete(key);
    return removed;
  }

  async sIsMember(key: string, member: string) {
    return this.sets.get(key)?.has(member) ?? false;
  }

  async sMembers(key: string) {
    return [...(this.sets.get(key) ?? [])];
  }

  async hSwap(key: string, field: string, value: string) {
    const previous = this.hashes.get(key)?.get(field);
    await this.hSet(key, field, value);
    return previous;
  }

  async sCard(key: string) {
    return this.sets.get(key)?.size ?? 0;
  }

  async setExpiring(key: string, value: string, ttlMs: number, onlyIfAbsent = false) {
    if (onlyIfAbsent && (await this.exists(key))) return false;
    this.writeCount++;
    const now = Date.now();
    // A value that lapses unread (a user's open call, read once as they connect) is dropped once in a while.
    if (this.expiring.size > SWEEP_ABOVE && now - this.sweptAt > SWEEP_EVERY_MS) {
      this.sweptAt = now;
      for (const [k, entry] of this.expiring) if (entry.until <= now) this.expiring.delete(k);
    }
    this.expiring.set(key, { value, until: now + ttlMs });
    return true;
  }

  async setExpiringVersion(key: string, value: string, version: readonly [string, number], ttlMs: number) {
    const current = versionOf(this.liveValue(key));
    if (current && current[0] !== version[0]) {
      await this.del(key);
      return false;
    }
    if (current && current[1] > version[1]) return false;
    return this.setExpiring(key, value, ttlMs);
  }

  async get(key: string) {
    return this.liveValue(key);
  }

  private liveValue(key: string): string | undefined {
    const entry = this.expiring.get(key);
    if (entry && entry.until > Date.now()) return entry.value;
    if (entry) this.expiring.delete(key);
    return undefined;
  }

  async exists(key: string) {
    return (await this.get(key)) !== undefined;
  }

  async del(...keys: string[]) {
    this.writeCount++;
    for (const key of keys) {
      this.hashes.delete(key);
      this.sets.delete(key);
      this.expiring.delete(key);
      this.counters.delete(key);
    }
  }

  async countInWindow(key: string, windowMs: number) {
    const now = Date.now();
    // Counters of users who never come back are dropped once in a while, not kept forever.
    if (this.counters.size > 10_000) for (const [k, c] of this.counters) if (c.until <= now) this.counters.delete(k);
    const counter = this.counters.get(key);
    if (counter && counter.until > now) return ++counter.count;
    this.counters.set(key, { count: 1, until: now + windowMs });
    return 1;
  }
}

/** The `version` of a value written by setExpiringVersion; nothing for any other value. */
function versionOf(value: string | undefined): [string, number] | undefined {
  if (!value?.includes('"version"')) return undefined;
  try {
    const version = (JSON.parse(value) as { version?: unknown } | null)?.version;
    const ok = Array.isArray(version) && typeof version[0] === 'string' && typeof version[1] === 'number';
    return ok ? (version as [string, number]) : undefined;
  } catch {
    return undefined;
  }
}

/** setExpiringVersion's test and write, atomically: 1 written, 0 a later version kept, -1 another thing's value deleted. */
const SET_VERSION = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, value = pcall(cjson.decode, current)
  if ok and type(value) == 'table' and type(value.version) == 'table'
      and type(value.version[1]) == 'string' and type(value.version[2]) == 'number' then
    if value.version[1] ~= ARGV[2] then
      redis.call('DEL', KEYS[1])
      return -1
    end
    if value.version[2] > tonumber(ARGV[3]) then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
return 1`;

/** INCR that sets the expiry with the first count, atomically. */
const COUNT_IN_WINDOW = `local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n`;

/** The same operations on Redis, every key under the configured prefix. */
export class RedisState implements SharedState {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async hSet(key: string, field: string, value: string) {
    await this.redis.hSet(this.prefix + key, field, value);
  }

  async hGet(key: string, field: string) {
    return (await this.redis.hGet(this.prefix + key, field)) ?? undefined;
  }

  hGetAll(key: string) {
    return this.redis.hGetAll(this.prefix + key) as Promise<Record<string, string>>;
  }

  hVals(key: string) {
    return this.redis.hVals(this.prefix + key) as Promise<string[]>;
  }

  hLen(key: string) {
    return this.redis.hLen(this.prefix + key);
  }

  async hSwap(key: string, field: string, value: string) {
    const [previous] = (await this.redis
      .multi()
      .hGet(this.prefix + key, field)
      .hSet(this.prefix + key, field, value)
      .exec()) as unknown as [string | null, number];
    return previous ?? undefined;
  }

  async hDelCount(key: string, field: string) {
    const [removed, remaining] = (await this.redis
      .multi()
      .hDel(this.prefix + key, field)
      .hLen(this.prefix + key)
      .exec()) as unknown as [number, number];
    return { removed: Number(removed) > 0, remaining: Number(remaining) };
  }

  async sAdd(key: string, member: string) {
    return (await this.redis.sAdd(this.prefix + key, member)) > 0;
  }

  async sRem(key: string, member: string) {
    return (await this.redis.sRem(this.prefix + key, member)) > 0;
  }

  async sIsMember(key: string, member: string) {
    return Boolean(await this.redis.sIsMember(this.prefix + key, member));
  }

  sMembers(key: string) {
    return this.redis.sMembers(this.prefix + key);
  }

  sCard(key: string) {
    return this.redis.sCard(this.prefix + key);
  }

  async setExpiring(key: string, value: string, ttlMs: number, onlyIfAbsent = false) {
    const reply = await this.redis.set(this.prefix + key, value, {
      expiration: { type: 'PX', value: ttlMs },
      ...(onlyIfAbsent ? { condition: 'NX' as const } : {}),
    });
    return reply === 'OK';
  }

  async setExpiringVersion(key: string, value: string, version: readonly [string, number], ttlMs: number) {
    const written = await this.redis.eval(SET_VERSION, {
      keys: [this.prefix + key],
      arguments: [value, version[0], String(version[1]), String(ttlMs)],
    });
    return Number(written) === 1;
  }

  async get(key: string) {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }

  async exists(key: string) {
    return (await this.redis.exists(this.prefix + key)) > 0;
  }

  /** One DEL per key: on a Redis Cluster, keys in different slots cannot go in one. */
  async del(...keys: string[]) {
    await Promise.all(keys.map((key) => this.redis.del(this.prefix + key)));
  }

  async countInWindow(key: string, windowMs: number) {
    return Number(await this.redis.eval(COUNT_IN_WINDOW, { keys: [this.prefix + key], arguments: [String(windowMs)] }));
  }
}
