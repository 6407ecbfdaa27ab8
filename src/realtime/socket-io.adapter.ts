import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import type { AppConfig } from '../config/app-config';
import { corsOrigin } from '../common/cors';

/** Socket.IO with the server's CORS policy applied to its handshake. */
export class SocketIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    return super.createIOServer(port, {
      ...options,
      path: '/socket.io',
      // Other upgrade paths (/ws/call/, /ws/signaling/) belong to the raw-WebSocket server.
      destroyUpgrade: false,
      cors: { origin: corsOrigin(this.config), credentials: true },
    } as ServerOptions);
  }
}
