import { UseFilters, UsePipes } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { CallRoomsService } from '../calls/call-rooms.service';
import { CallsService } from '../calls/calls.service';
import { AppError } from '../common/errors';
import { createValidationPipe } from '../common/validation';
import { socketActor, socketUser } from '../realtime/socket-auth.service';
import { SocketExceptionFilter } from '../realtime/socket-exception.filter';
import { okReply } from '../realtime/socket-replies';
import { tellStarterIfMissed } from './socket-io-dialects';
import { WebrtcCallDto, WebrtcEndDto, WebrtcIceDto, WebrtcSdpDto } from './dto/webrtc.dto';

/** The webrtc dialect's `webrtc:*` Socket.IO events (CONTRACT.md §5): peers addressed by user id. */
@WebSocketGateway()
@UseFilters(SocketExceptionFilter)
@UsePipes(createValidationPipe())
export class WebrtcGateway {
  constructor(
    private readonly calls: CallsService,
    private readonly rooms: CallRoomsService,
  ) {}

  /**
   * The webrtc dialect has no rooms: a socket enters its call's room when it calls or answers, so peers of
   * room-based dialects see it (userJoined) and can address signaling to it.
   */
  private async enterRoom(socket: Socket, callId: string): Promise<void> {
    const user = socketUser(socket)!;
    await this.rooms.join(socketActor(socket), callId, { hasVideo: true, hasAudio: true }, user.displayName);
  }

  /** Starts a call to `to`, or with the sender's own room-link call id, rings `to` into it. */
  @SubscribeMessage('webrtc:call')
  async call(@ConnectedSocket() socket: Socket, @MessageBody() dto: WebrtcCallDto) {
    const actor = socketActor(socket);
    const call = dto.callId
      ? await this.calls.invite(actor, dto.callId, dto.to)
      : (await this.calls.start(actor, { recipientUserId: dto.to, roomName: dto.room_name ?? null })).call;
    tellStarterIfMissed(socket, call);
    if (call.status !== 'MISSED') await this.enterRoom(socket, call.id);
    return okReply({ call });
  }

  @SubscribeMessage('webrtc:offer')
  async offer(@ConnectedSocket() socket: Socket, @MessageBody() dto: WebrtcSdpDto) {
    await this.rooms.relayToUser(socketActor(socket), dto.to, 'offer', dto.sdp, dto.callId);
    return okReply();
  }

  /** The callee's answer to a ringing call accepts it first. */
  @SubscribeMessage('webrtc:answer')
  async answer(@ConnectedSocket() socket: Socket, @MessageBody() dto: WebrtcSdpDto) {
    const actor = socketActor(socket);
    const current = await this.calls.current(actor.userId);
    if (current?.status === 'CALLING' && current.recipientUserId === actor.userId && (!dto.callId || dto.callId === current.id)) {
      await this.calls.accept(actor, current.id);
      await this.enterRoom(socket, current.id);
    }
    await this.rooms.relayToUser(actor, dto.to, 'answer', dto.sdp, dto.callId);
    return okReply();
  }

  @SubscribeMessage('webrtc:ice-candidate')
  async iceCandidate(@ConnectedSocket() socket: Socket, @MessageBody() dto: WebrtcIceDto) {
    await this.rooms.relayToUser(socketActor(socket), dto.to, 'ice', dto.candidate, dto.callId);
    return okReply();
  }

  /** Ends, cancels or declines the call, as its state requires. */
  @SubscribeMessage('webrtc:end-call')
  async endCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: WebrtcEndDto) {
    const actor = socketActor(socket);
    const callId = dto.callId ?? (await this.calls.current(actor.userId))?.id;
    if (!callId) throw new AppError('not_found', 'You have no open call');
    return okReply({ call: await this.calls.hangUp(actor, callId) });
  }
}
