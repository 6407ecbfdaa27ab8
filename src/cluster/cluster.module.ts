import KeyvRedis from '@keyv/redis';
import { Global, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { createCache } from 'cache-manager';
import Keyv from 'keyv';
import { randomUUID } from 'node:crypto';
import { settleBackground } from '../common/background';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ClusterBus } from './cluster-bus';
import { CACHE, INSTANCE_ID, REDIS } from './cluster.tokens';
import { RedisConnections } from './redis-connections';
import { MemoryState, RedisState, SHARED_STATE } from './shared-state';
import { MemoryTimers, RedisTimers, SHARED_TIMERS, SharedTimers } from './shared-timers';

/** Closes Redis last, after everything that uses it has stopped. */
class RedisLifecycle implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: RedisConnections | null,
    @Inject(SHARED_TIMERS) private readonly timers: SharedTimers,
  ) {}

  /** Due timers fire only once their handlers and the event listeners are in place. */
  onApplicationBootstrap(): void {
    this.timers.start();
  }

  onModuleDestroy(): void {
    this.timers.stop();
  }

  /** After the sockets have closed: what their closing started (departures, graces) finishes first. */
  async onApplicationShutdown(): Promise<void> {
    await settleBackground();
    await this.redis?.close();
  }
}

/**
 * What several instances share: Redis connections, live state, timers, the cache and the
 * message bus between instances. Without REDIS_URL each has an in-process stand-in.
 */
@Global()
@Module({
  providers: [
    { provide: INSTANCE_ID, useFactory: () => randomUUID() },
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => (config.redis ? RedisConnections.connect(config.redis) : null),
    },
    {
      provide: SHARED_STATE,
      inject: [REDIS, APP_CONFIG],
      useFactory: (redis: RedisConnections | null, config: AppConfig) =>
        redis ? new RedisState(redis.commands, config.redis!.prefix) : new MemoryState(),
    },
    {
      provide: SHARED_TIMERS,
      inject: [REDIS, APP_CONFIG],
      useFactory: (redis: RedisConnections | null, config: AppConfig) => {
        return redis ? new RedisTimers(redis, config.redis!.prefix) : new MemoryTimers();
      },
    },
    {
      provide: CACHE,
      inject: [REDIS, APP_CONFIG],
      useFactory: (redis: RedisConnections | null, config: AppConfig) =>
        redis
          ? createCache({ stores: [new Keyv({ store: new KeyvRedis(redis.commands), namespace: `${config.redis!.prefix}cache` })] })
          : createCache(),
    },
    ClusterBus,
    RedisLifecycle,
  ],
  exports: [INSTANCE_ID, REDIS, SHARED_STATE, SHARED_TIMERS, CACHE, ClusterBus],
})
export class ClusterModule {}
