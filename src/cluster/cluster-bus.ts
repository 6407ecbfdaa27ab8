import { Inject, Injectable } from '@nestjs/common';
import type { Server } from 'socket.io';
import { APP_CONFIG, AppConfig } from '../config/app-config';

const EVENT = 'cluster:message';

/**
 * Messages to the other instances, carried by the Socket.IO Redis adapter's server-side channel
 * (`serverSideEmit`): the one fan-out path between instances. With one instance there is nobody
 * else, and publishing does nothing.
 */
@Injectable()
export class ClusterBus<Message = unknown> {
  private io?: Server;
  private readonly handlers: Array<(message: Message) => void> = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get clustered(): boolean {
    return this.config.redis !== undefined;
  }

  /** Called once the Socket.IO server (and its Redis adapter) exists. */
  attach(io: Server): void {
    this.io = io;
    if (this.clustered) io.on(EVENT, (message: Message) => this.handlers.forEach((handler) => handler(message)));
  }

  publish(message: Message): void {
    if (this.clustered) this.io?.serverSideEmit(EVENT, message);
  }

  /** Messages published by the other instances. */
  onMessage(handler: (message: Message) => void): void {
    this.handlers.push(handler);
  }
}
