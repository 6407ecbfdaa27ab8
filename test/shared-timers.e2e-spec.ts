import { RedisConnections } from '../src/cluster/redis-connections';
import { MemoryState, RedisState, SharedState } from '../src/cluster/shared-state';
import { MemoryTimers, RedisTimers, SharedTimers } from '../src/cluster/shared-timers';
import { eventually } from './helpers/cluster';
import { startTestRedis, TestRedis } from './helpers/test-redis';

/** Resolves with the id of the timer of `kind` that fires first. */
function firstFiring(timers: SharedTimers, kind: string): Promise<string> {
  return new Promise((done) => timers.handle(kind, (id) => done(id)));
}

// One redis-server for the file: each case runs on the in-process kind and on the Redis kind.
let redis: TestRedis;
let connections: RedisConnections;
beforeAll(async () => {
  redis = await startTestRedis();
  connections = await RedisConnections.connect(redis.setting);
}, 60_000);
afterAll(async () => {
  await connections.close();
  await redis.destroy();
});

describe('shared timers armed unless armed already (e2e)', () => {
  const kinds: Array<[string, () => SharedTimers]> = [
    ['in one process', () => new MemoryTimers()],
    ['in Redis', () => new RedisTimers(connections, `timers-test-${Date.now()}:`)],
  ];

  it.each(kinds)('%s: leave an armed timer as it is, and arm one that is not', async (_, make) => {
    const timers = make();
    timers.start();
    try {
      const fired = firstFiring(timers, 'grace');
      expect(await timers.schedule('grace', 'a', 200)).toBe(true);
      // Re-armed for a minute, this would not fire within the test; left as it was, it fires in 200 ms.
      expect(await timers.schedule('grace', 'a', 60_000, { unlessArmed: true })).toBe(false);
      expect(await fired).toBe('a');

      const next = firstFiring(timers, 'grace');
      expect(await timers.schedule('grace', 'b', 100, { unlessArmed: true })).toBe(true);
      expect(await next).toBe('b');
    } finally {
      timers.stop();
    }
  });
});

describe('shared timers across versions (e2e)', () => {
  it('leave a timer of a kind an instance does not handle to one that does (a rolling deploy), within seconds', async () => {
    const prefix = `timers-test-${Date.now()}-versions:`;
    const older = new RedisTimers(connections, prefix);
    older.start();
    const newer = new RedisTimers(connections, prefix);
    try {
      await older.schedule('new-kind', 'a', 0);
      const armedAt = Number(await connections.commands.zScore(`${prefix}timers`, 'new-kind|a'));
      // The older instance, alone, has claimed it (it is no longer due as armed).
      await eventually(async () => expect(Number(await connections.commands.zScore(`${prefix}timers`, 'new-kind|a'))).not.toBe(armedAt));
      const fired = firstFiring(newer, 'new-kind');
      // Polling half an interval after the older one: started now, at the older one's reply, it
      // would poll just after it each time, as two independent processes rarely do.
      await new Promise((done) => setTimeout(done, 50));
      newer.start();
      expect(await fired).toBe('a');
    } finally {
      older.stop();
      newer.stop();
    }
  });
});

describe('shared state written by versions (e2e)', () => {
  const kinds: Array<[string, () => SharedState]> = [
    ['in one process', () => new MemoryState()],
    ['in Redis', () => new RedisState(connections.commands, `state-test-${Date.now()}:`)],
  ];

  it.each(kinds)("%s: an earlier version changes nothing; another thing's value is deleted", async (_, make) => {
    const state = make();
    const entry = (name: string, version: [string, number]) => JSON.stringify({ name, version });
    const write = (name: string, version: [string, number]) => state.setExpiringVersion('k', entry(name, version), version, 60_000);
    // What no versioned write made (a fill of "none", say), or no JSON at all, is replaced by any.
    await state.setExpiring('k', 'null', 60_000);
    expect(await write('answered', ['call-1', 2])).toBe(true);
    expect(await write('rang', ['call-1', 1])).toBe(false);
    expect(JSON.parse((await state.get('k'))!).name).toBe('answered');
    // The same version is newer (the last write wins); a later one, of course.
    expect(await write('answered again', ['call-1', 2])).toBe(true);
    expect(await write('ended', ['call-1', 3])).toBe(true);
    // Another call's: which is newer cannot be told, so neither is kept.
    expect(await write('another call', ['call-2', 1])).toBe(false);
    expect(await state.get('k')).toBeUndefined();
    expect(await write('another call', ['call-2', 1])).toBe(true);
    await state.setExpiring('k', '{"version": "not a version"', 60_000);
    expect(await write('over garbage', ['call-3', 1])).toBe(true);
    expect(JSON.parse((await state.get('k'))!).name).toBe('over garbage');
  });
});
