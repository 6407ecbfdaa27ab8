import { Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { inBackground } from '../common/background';
import { AppEventMap, OnAppEvent } from '../events/app-events';
import type { BroadcastBatch } from '../realtime/broadcast-batch';
import { ConnectionRegistry, RealtimeConnection } from '../realtime/connection-registry.service';
import { SocketAuthService } from '../realtime/socket-auth.service';
import type { RealtimeNotice } from '../realtime/realtime-notice';
import { emitBatchInDialect, emitInDialect, noteDeclaredDialect, readDialectOfPacket } from './socket-io-dialects';

/** A Socket.IO connection as the registry holds it; its methods live on the prototype, not in closures per socket. */
class SocketIoConnection implements RealtimeConnection {
  readonly dialect = 'socket.io';

  constructor(
    private readonly socket: Socket,
    readonly userId: string,
  ) {}

  get id(): string {
    return this.socket.id;
  }

  deliver(notice: RealtimeNotice): void {
    emitInDialect(this.socket, notice);
  }

  deliverBatch(batch: BroadcastBatch): void {
    emitBatchInDialect(this.socket, this.userId, batch);
  }
}

/** Books every authenticated Socket.IO connection, whichever Socket.IO dialect it speaks, in the connection registry. */
@Injectable()
export class SocketIoConnections {
  /** One disconnect listener for every socket (the emitter calls it with the socket as `this`). */
  private readonly unregister: (this: Socket) => void;

  constructor(
    private readonly registry: ConnectionRegistry,
    auth: SocketAuthService,
  ) {
    auth.readEveryPacket(readDialectOfPacket);
    this.unregister = function (this: Socket) {
      inBackground('unregistering a connection', registry.remove(this.id));
    };
  }

  /** Waited for: the socket is told it is authenticated once it is booked. */
  @OnAppEvent('socket.authenticated')
  authenticated({ socket, user }: AppEventMap['socket.authenticated']): Promise<void> {
    noteDeclaredDialect(socket);
    socket.on('disconnect', this.unregister);
    return this.registry.add(new SocketIoConnection(socket, user.id));
  }
}
