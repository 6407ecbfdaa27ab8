import { RedisConnections } from '../src/cluster/redis-connections';
import { MemoryState, RedisState, SharedState } from '../src/cluster/shared-state';
import { MemoryTimers, RedisTimers, SharedTimers } from '../src/cluster/shared-timers';
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

describe('shared state written in order (e2e)', () => {
  const kinds: Array<[string, () => SharedState]> = [
    ['in one process', () => new MemoryState()],
    ['in Redis', () => new RedisState(connections.commands, `state-test-${Date.now()}:`)],
  ];

  it.each(kinds)('%s: a write carrying an earlier order than the value there changes nothing', async (_, make) => {
    const state = make();
    const entry = (name: string, order: [number, number]) => JSON.stringify({ name, order });
    // What no ordered write made (a fill of "none", say) is replaced by any.
    await state.setExpiring('k', 'null', 60_000);
    expect(await state.setExpiringInOrder('k', entry('answered', [10, 2]), [10, 2], 60_000)).toBe(true);
    expect(await state.setExpiringInOrder('k', entry('rang', [10, 1]), [10, 1], 60_000)).toBe(false);
    expect(await state.setExpiringInOrder('k', entry('earlier call', [9, 3]), [9, 3], 60_000)).toBe(false);
    expect(JSON.parse((await state.get('k'))!).name).toBe('answered');
    // The same order is newer (the last write wins); a later one, of course.
    expect(await state.setExpiringInOrder('k', entry('answered again', [10, 2]), [10, 2], 60_000)).toBe(true);
    expect(await state.setExpiringInOrder('k', entry('next call', [11, 1]), [11, 1], 60_000)).toBe(true);
    expect(JSON.parse((await state.get('k'))!).name).toBe('next call');
  });
});
