import { ClusterBus, Route } from '../src/cluster/cluster-bus';
import { RedisConnections } from '../src/cluster/redis-connections';
import type { AppConfig } from '../src/config/app-config';
import { eventually } from './helpers/cluster';
import { startTestRedis, TestRedis } from './helpers/test-redis';

const PREFIX = 'bus-test:';

/** The cluster bus of one instance on a real redis-server, reading once `start` is called. */
async function busOf(redis: TestRedis, instanceId: string) {
  const connections = await RedisConnections.connect(redis.setting);
  const config = { redis: { ...redis.setting, prefix: PREFIX } } as AppConfig;
  const bus = new ClusterBus<number>(connections, instanceId, config);
  const received: Array<{ message: number; route: Route }> = [];
  bus.onMessage((message, route) => received.push({ message, route }));
  return {
    bus,
    received,
    connections,
    start: () => bus.onApplicationBootstrap(),
    close: async () => {
      bus.onModuleDestroy();
      await connections.close();
    },
  };
}

describe('the cluster bus on Redis streams (e2e)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  }, 60_000);
  afterAll(() => redis?.destroy());

  it('keeps what is routed to an instance until it reads it, however far behind, then trims what it has read', async () => {
    const sender = await busOf(redis, 'sender');
    const reader = await busOf(redis, 'reader');
    const bystander = await busOf(redis, 'bystander');
    try {
      await Promise.all([sender.start(), bystander.start()]);
      // The reader is not reading: 30 000 wait for it (three times what the stream every instance reads keeps).
      const count = 30_000;
      for (let i = 0; i < count; i++) sender.bus.publish(i, () => ['reader']);
      sender.bus.publish(-1, () => 'everyone');
      await eventually(async () => expect(bystander.received).toEqual([{ message: -1, route: 'everyone' }]));
      await reader.start();
      await eventually(async () => expect(reader.received.length).toBe(count), 30_000);
      // In order, and none of what went to every instance before it started reading.
      expect(reader.received.every(({ message, route }, i) => message === i && route === 'instance')).toBe(true);
      expect(bystander.received).toHaveLength(1);
      // Only the reader reads its stream: what it has read goes, all but the last entry.
      await eventually(async () => expect(await reader.connections.commands.xLen(`${PREFIX}bus:reader`)).toBe(1), 15_000);
    } finally {
      await Promise.all([sender.close(), reader.close(), bystander.close()]);
    }
  }, 60_000);

  it('sends in publishing order even when an earlier message waits longer for its destinations', async () => {
    const sender = await busOf(redis, 'ordered-sender');
    const reader = await busOf(redis, 'ordered-reader');
    try {
      await Promise.all([sender.start(), reader.start()]);
      let findSlowly!: (to: string[]) => void;
      sender.bus.publish(1, () => new Promise((resolve) => (findSlowly = resolve)));
      sender.bus.publish(2, () => ['ordered-reader']);
      sender.bus.publish(3, () => Promise.resolve(['ordered-reader']));
      findSlowly(['ordered-reader']);
      await eventually(async () => expect(reader.received.map((r) => r.message)).toEqual([1, 2, 3]));
    } finally {
      await Promise.all([sender.close(), reader.close()]);
    }
  });

  it('drops the stream of an instance that is gone', async () => {
    const sender = await busOf(redis, 'survivor');
    try {
      sender.bus.publish(1, () => ['gone']);
      const key = `${PREFIX}bus:gone`;
      await eventually(async () => expect(await sender.connections.commands.xLen(key)).toBe(1));
      await sender.bus.forget('gone');
      expect(await sender.connections.commands.exists(key)).toBe(0);
    } finally {
      await sender.close();
    }
  });
});
