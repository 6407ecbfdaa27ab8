import { ArgumentsHost, Catch, Injectable, Logger, WsExceptionFilter } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { logIfUnexpected } from '../common/errors';
import { ackOf, SocketReplies } from './socket-replies';

/** Renders any error thrown by a gateway handler as the contract's ack or `error` event. */
@Catch()
@Injectable()
export class SocketExceptionFilter implements WsExceptionFilter {
  private readonly logger = new Logger('Socket');

  constructor(private readonly replies: SocketReplies) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ws = host.switchToWs();
    const socket = ws.getClient<Socket>();
    // Nest passes (socket, data, ack, pattern); the ack is there only if the client sent one.
    const args = host.getArgs();
    const ack = ackOf(args.slice(0, -1));
    logIfUnexpected(this.logger, exception);
    this.replies.error(socket, ws.getPattern(), ack, exception);
  }
}
