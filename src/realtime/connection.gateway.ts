import { UseFilters, UsePipes } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { createValidationPipe } from '../common/validation';
import { SocketAuthService } from './socket-auth.service';
import { SocketExceptionFilter } from './socket-exception.filter';
import { okReply } from './socket-replies';

/** The Socket.IO connection itself: authentication, shared by every Socket.IO dialect. */
@WebSocketGateway()
@UseFilters(SocketExceptionFilter)
@UsePipes(createValidationPipe())
export class ConnectionGateway implements OnGatewayInit, OnGatewayConnection {
  constructor(private readonly auth: SocketAuthService) {}

  afterInit(server: Server): void {
    this.auth.install(server);
  }

  handleConnection(socket: Socket): void {
    this.auth.onConnection(socket);
  }

  @SubscribeMessage('authenticate')
  async authenticate(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    const token = body && typeof body === 'object' ? (body as { token?: unknown }).token : undefined;
    return okReply(await this.auth.authenticate(socket, token));
  }
}
