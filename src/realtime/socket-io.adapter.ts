import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Server, ServerOptions } from 'socket.io';
import { REDIS } from '../cluster/cluster.tokens';
import type { RedisConnections } from '../cluster/redis-connections';
import type { AppConfig } from '../config/app-config';
import { corsOrigin } from '../common/cors';

/**
 * Socket.IO with the server's CORS policy applied to its handshake, and, with Redis, the official
 * Redis adapter, so Socket.IO's own broadcasts and rooms span the instances.
 */
export class SocketIoAdapter extends IoAdapter {
  constructor(
    private readonly app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server: Server = super.createIOServer(port, {
      ...options,
      path: '/socket.io',
      // Other upgrade paths (/ws/call/, /ws/signaling/) belong to the raw-WebSocket server.
      destroyUpgrade: false,
      cors: { origin: corsOrigin(this.config), credentials: true },
    } as ServerOptions);
    const redis = this.app.get<RedisConnections | null>(REDIS);
    if (redis && this.config.redis) {
      server.adapter(createAdapter(redis.publisher, redis.subscriber, { key: `${this.config.redis.prefix}socket.io` }));
    }
    return server;
  }
}
