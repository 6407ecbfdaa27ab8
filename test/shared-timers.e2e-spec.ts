import { RedisConnections } from '../src/cluster/redis-connections';
import { MemoryTimers, RedisTimers, SharedTimers } from '../src/cluster/shared-timers';
import { startTestRedis, TestRedis } from './helpers/test-redis';

/** Resolves with the id of the timer of `kind` that fires first. */
function firstFiring(timers: SharedTimers, kind: string): Promise<string> {
  return new Promise((done) => timers.handle(kind, (id) => done(id)));
}

describe('shared timers armed unless armed already (e2e)', () => {
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
