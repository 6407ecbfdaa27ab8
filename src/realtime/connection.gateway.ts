import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { SocketAuthService } from './socket-auth.service';
import { SocketEvent } from './socket-event.decorator';

interface EngineSession {
  close(): void;
  once(event: 'close', listener: () => void): void;
}

/** The Socket.IO connection itself: authentication, shared by every Socket.IO dialect. */
@WebSocketGateway()
export class ConnectionGateway implements OnGatewayInit, OnGatewayConnection {
  private server?: Server;

  constructor(private readonly auth: SocketAuthService) {}

  afterInit(server: Server): void {
    this.server = server;
    this.auth.install(server);
  }

  /**
   * Shutting down: every client hears `server_shutdown` (ext), then its transport closes, which a
   * Socket.IO client answers by reconnecting (through the load balancer, to another instance).
   * Resolves when every session is gone.
   */
  async sendAway(): Promise<void> {
    if (!this.server) return;
    for (const socket of this.server.of('/').sockets.values()) {
      socket.emit('server_shutdown', { reconnect: true, message: 'This server is shutting down; reconnect to continue' });
    }
    const sessions = Object.values((this.server.engine as unknown as { clients: Record<string, EngineSession> }).clients);
    await Promise.all(
      sessions.map(
        (session) =>
          new Promise<void>((done) => {
            session.once('close', () => done());
            // Closing waits for the queued notice to be written first.
            session.close();
          }),
      ),
    );
  }

  handleConnection(socket: Socket): void {
    this.auth.onConnection(socket);
  }

  @SocketEvent('authenticate')
  authenticate(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    const token = body && typeof body === 'object' ? (body as { token?: unknown }).token : undefined;
    return this.auth.authenticate(socket, token);
  }
}
