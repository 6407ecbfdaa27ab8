import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Duplex } from 'node:stream';
import type { ConnectionUser } from '../../auth/auth-user';
import type { BroadcastBatch } from '../../realtime/broadcast-batch';
import type { RealtimeConnection } from '../../realtime/connection-registry.service';
import type { RealtimeNotice } from '../../realtime/realtime-notice';
import type { MessageRateLimit } from '../../realtime/message-rate-limit';
import type { RawWsDialect } from './raw-ws-dialect';

/** A raw-WebSocket client, first-class in the connection registry like a Socket.IO one. */
export class RawWsConnection implements RealtimeConnection {
  readonly id = `ws_${randomBytes(9).toString('base64url')}`;
  readonly userId: string;
  readonly dialect: string;
  /** The user and this connection, as the call core takes them (one object: every message uses it). */
  readonly actor: { userId: string; connectionId: string };
  /** Cleared by each pong; a peer that misses one ping interval is dropped. */
  alive = true;
  /** Booked and greeted: from then on, what the dialect answers at once skips the queue. */
  greeted = false;

  constructor(
    readonly socket: WebSocket,
    readonly user: ConnectionUser,
    readonly wire: RawWsDialect,
    readonly rateLimit: MessageRateLimit,
    /** The TCP socket under the WebSocket: corked while a batch is written, so it goes out in one write. */
    private readonly transport: Duplex,
  ) {
    this.userId = user.id;
    this.dialect = wire.name;
    this.actor = { userId: this.userId, connectionId: this.id };
  }

  send(message: object): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  deliver(notice: RealtimeNotice): void {
    const rendered = this.wire.render(notice);
    if (rendered) this.send(rendered);
  }

  deliverBatch(batch: BroadcastBatch): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const messages = batch.encodedFor(this.userId, `ws:${this.dialect}`, (notice) => {
      const rendered = this.wire.render(notice);
      return rendered ? JSON.stringify(rendered) : null;
    });
    this.transport.cork();
    for (const message of messages) this.socket.send(message);
    this.transport.uncork();
  }
}
