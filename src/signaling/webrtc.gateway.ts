import { ConnectedSocket, MessageBody, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { CallRoomsService } from '../calls/call-rooms.service';
import { CallsService } from '../calls/calls.service';
import { AppError } from '../common/errors';
import { socketActor, socketUser } from '../realtime/socket-auth.service';
import { SocketEvent } from '../realtime/socket-event.decorator';
import { RelayService } from '../relay/relay.service';
import { WebrtcCallDto, WebrtcEndDto, WebrtcIceDto, WebrtcRestartDto, WebrtcSdpDto } from './dto/webrtc.dto';

/** The webrtc dialect's `webrtc:*` Socket.IO events (CONTRACT.md §5): peers addressed by user id. */
@WebSocketGateway()
export class WebrtcGateway {
  constructor(
    private readonly calls: CallsService,
    private readonly rooms: CallRoomsService,
    private readonly relays: RelayService,
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
  @SocketEvent('webrtc:call')
  async call(@ConnectedSocket() socket: Socket, @MessageBody() dto: WebrtcCallDto) {
    const actor = socketActor(socket);
    const call = dto.callId
      ? await this.calls.invite(actor, dto.callId, dto.to)
      : (await this.calls.start(actor, { recipientUserId: dto.to, roomName: dto.room_name ?? null, maxDurationS: dto.maxDurationS })).call;
    if (call.status !== 'MISSED') await this.enterRoom(socket, call.id);
    return { call };
  }

  @SocketEvent('webrtc:offer')
  async offer(@ConnectedSocket() socket: Socket, @MessageBody() dto: WebrtcSdpDto) {
    await this.relays.relay(socketActor(socket), { kind: 'offer', payload: dto.sdp, to: { userId: dto.to, callId: dto.callId } });
  }

  /**
   * Answering the call that rings for the sender accepts it (a core rule); the answer is relayed
   * either way. An answer that cannot be relayed is refused before it accepts anything.
   */
  @SocketEvent('webrtc:answer')
  async answer(@ConnectedSocket() socket: Socket, @MessageBody() dto: WebrtcSdpDto) {
    const actor = socketActor(socket);
    const answer = { kind: 'answer', payload: dto.sdp, to: { userId: dto.to, callId: dto.callId } } as const;
    await this.relays.check(actor, answer);
    const accepted = await this.calls.answerRinging(actor, dto.callId);
    if (accepted) await this.enterRoom(socket, accepted.id);
    await this.relays.relay(actor, answer);
  }

  @SocketEvent('webrtc:ice-candidate')
  async iceCandidate(@ConnectedSocket() socket: Socket, @MessageBody() dto: WebrtcIceDto) {
    await this.relays.relay(socketActor(socket), { kind: 'ice', payload: dto.candidate, to: { userId: dto.to, callId: dto.callId } });
  }

  /** (ext) Asks the other party for an ICE restart (a new offer with fresh ICE credentials). */
  @SocketEvent('webrtc:restart')
  async restart(@ConnectedSocket() socket: Socket, @MessageBody() dto: WebrtcRestartDto) {
    await this.relays.relay(socketActor(socket), { kind: 'restart', payload: null, to: { userId: dto.to, callId: dto.callId } });
  }

  /** Ends, cancels or declines the call, as its state requires. */
  @SocketEvent('webrtc:end-call')
  async endCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: WebrtcEndDto) {
    const actor = socketActor(socket);
    const callId = dto.callId ?? (await this.calls.current(actor.userId))?.id;
    if (!callId) throw new AppError('not_found', 'You have no open call');
    return { call: await this.calls.hangUp(actor, callId) };
  }
}
