import { RedisConnections } from '../src/cluster/redis-connections';
import { isSharedStateUnavailable } from '../src/cluster/redis-errors';
import { RedisServer } from './helpers/redis-server';
import { SilencingProxy } from './helpers/silencing-proxy';

/**
 * A Redis that stops answering without closing its connections leaves a client waiting on TCP's
 * retransmissions (about 15 minutes): every shared timer, the bus and each request would stop
 * with it. Its own redis-server behind a proxy that silences the connections open.
 */
describe('Redis connections that go silent (e2e)', () => {
  let redis: RedisServer;
  let proxy: SilencingProxy;
  let connections: RedisConnections;

  beforeAll(async () => {
    redis = await RedisServer.start();
    proxy = await SilencingProxy.start(redis.port);
    connections = await RedisConnections.connect({ urls: [`redis://127.0.0.1:${proxy.port}`], cluster: false });
  }, 30_000);
  afterAll(async () => {
    await connections?.close();
    await proxy?.close();
    await redis?.destroy();
  });

  it('are kept while they answer, a bus read blocked for 5 s included', async () => {
    const open = proxy.openConnections;
    expect(await connections.reader.xRead({ key: 'quiet', id: '$' }, { BLOCK: 5_000 })).toBeNull();
    expect(await connections.commands.ping()).toBe('PONG');
    expect(proxy.openConnections).toBe(open);
  }, 30_000);

  it('are dropped and made again: what waited on them fails as unavailable, and commands, the bus and subscriptions work again', async () => {
    await connections.commands.set('greeting', 'before');
    const heard: string[] = [];
    await connections.subscriber.subscribe('news', (message) => heard.push(message));
    const reading = connections.reader.xRead({ key: 'stream', id: '$' }, { BLOCK: 5_000 });

    proxy.silenceAll();
    const waiting = connections.commands.get('greeting');
    const failures = await Promise.all(
      [waiting, reading].map((command) =>
        command.then(
          () => undefined,
          (error: unknown) => error,
        ),
      ),
    );
    for (const failure of failures) expect(isSharedStateUnavailable(failure)).toBe(true);

    // Made again through the proxy, as to a Redis that took the address over.
    expect(await connections.commands.get('greeting')).toBe('before');
    await connections.commands.xAdd('stream', '*', { n: '1' });
    const [stream] = (await connections.reader.xRead({ key: 'stream', id: '0' })) as Array<{ messages: unknown[] }>;
    expect(stream.messages).toHaveLength(1);
    // The subscriber subscribes again once it is back: publish until it hears.
    while (!heard.includes('after')) {
      await connections.commands.publish('news', 'after');
      await new Promise((done) => setTimeout(done, 200));
    }
  }, 60_000);

  it('are made again until one is answered, however long Redis accepts connections without answering', async () => {
    await connections.commands.set('greeting', 'hello');
    proxy.silenceAll();
    proxy.silenceNew = true;
    // All five connections dropped and made again into the silence, stuck there as they are made.
    const remade = proxy.nextConnections(5);
    const first = connections.commands.get('greeting');
    await remade;
    proxy.silenceNew = false;
    // What was sent on a silent connection fails as unavailable, until one that answers is made.
    for (let attempt = first; ; attempt = connections.commands.get('greeting')) {
      const answer = await attempt.catch((error: unknown) => expect(isSharedStateUnavailable(error)).toBe(true));
      if (answer !== undefined) {
        expect(answer).toBe('hello');
        break;
      }
    }
  }, 60_000);
});
