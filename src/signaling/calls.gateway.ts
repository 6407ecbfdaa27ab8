import { Logger, Type } from '@nestjs/common';
import { ConnectedSocket, MessageBody, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { CallRoomsService } from '../calls/call-rooms.service';
import { CallsService } from '../calls/calls.service';
import { CallIdDto } from '../calls/dto/call-id.dto';
import { StartCallDto } from '../calls/dto/start-call.dto';
import { toRoomParticipantView } from '../calls/room.presenter';
import { logIfUnexpected } from '../common/errors';
import { acceptedAtOnce, validateMessage } from '../common/validation';
import { SocketAuthService, socketActor, socketUser } from '../realtime/socket-auth.service';
import { SocketEvent } from '../realtime/socket-event.decorator';
import { Ack, ackOf, okReply, SocketReplies } from '../realtime/socket-replies';
import { RelayService } from '../relay/relay.service';
import { CallLimits } from '../calls/call-limits.service';
import { ExtensionRequestMessageDto } from '../calls/dto/call-extension.dto';
import type { Signal, SignalKind } from '../relay/signal';
import { IceCandidateDto, IceRestartDto, JoinCallDto, SignalDto, ToggleMediaDto } from './dto/calls.dto';

interface RelayEvent {
  dto: Type<{ targetSocketId: string }>;
  kind: SignalKind;
  /** Method syntax: each event's function takes its own DTO. */
  payload(message: { targetSocketId: string }): unknown;
}

/**
 * The calls dialect's signaling relay, the busiest events by far (an ICE candidate every few ms while a
 * call connects): handled straight on the socket rather than through Nest's per-message pipeline
 * of observables, guards and filters, which cost as much as the relay itself (bench/README.md).
 * Validation, acks and errors are the same as for every other event.
 */
export const RELAY_EVENTS: Record<string, RelayEvent> = {
  offer: { dto: SignalDto, kind: 'offer', payload: (m: SignalDto) => m.signal },
  answer: { dto: SignalDto, kind: 'answer', payload: (m: SignalDto) => m.signal },
  iceCandidate: { dto: IceCandidateDto, kind: 'ice', payload: (m: IceCandidateDto) => m.candidate },
  iceRestart: { dto: IceRestartDto, kind: 'restart', payload: () => null },
};

const relayLogger = new Logger('Socket');

const signalOf = (relayEvent: RelayEvent, valid: { targetSocketId: string }): Signal => ({
  kind: relayEvent.kind,
  payload: relayEvent.payload(valid),
  to: { connectionId: valid.targetSocketId },
});

/** The calls dialect's Socket.IO events (CONTRACT.md §3) on the call core. */
@WebSocketGateway()
export class CallsGateway {
  constructor(
    private readonly calls: CallsService,
    private readonly rooms: CallRoomsService,
    private readonly relays: RelayService,
    private readonly replies: SocketReplies,
    private readonly limits: CallLimits,
    auth: SocketAuthService,
  ) {
    for (const [event, relayEvent] of Object.entries(RELAY_EVENTS)) auth.handleDirectly(event, relayListener(this, event, relayEvent));
  }

  relay(socket: Socket, event: string, relayEvent: RelayEvent, args: unknown[]): void {
    const [message] = args;
    const ack = ackOf(args);
    let pending: Promise<void> | undefined;
    try {
      const valid = acceptedAtOnce(relayEvent.dto, message);
      const signal = valid
        ? signalOf(relayEvent, valid)
        : () => validateMessage(relayEvent.dto, message).then((checked) => signalOf(relayEvent, checked));
      pending = this.relays.relay(socketActor(socket), signal);
    } catch (error) {
      return this.relayFailed(socket, event, ack, error);
    }
    if (!pending) return ack?.(okReply());
    pending.then(
      () => ack?.(okReply()),
      (error: unknown) => this.relayFailed(socket, event, ack, error),
    );
  }

  private relayFailed(socket: Socket, event: string, ack: Ack | undefined, error: unknown): void {
    logIfUnexpected(relayLogger, error);
    this.replies.error(socket, event, ack, error);
  }

  @SocketEvent('startCall')
  async startCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: StartCallDto) {
    return { call: (await this.calls.start(socketActor(socket), dto)).call };
  }

  @SocketEvent('acceptCall')
  async acceptCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: CallIdDto) {
    return { call: await this.calls.accept(socketActor(socket), dto.callId) };
  }

  @SocketEvent('declineCall')
  async declineCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: CallIdDto) {
    return { call: await this.calls.decline(socketActor(socket), dto.callId) };
  }

  @SocketEvent('cancelCall')
  async cancelCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: CallIdDto) {
    return { call: await this.calls.cancel(socketActor(socket), dto.callId) };
  }

  /** (ext) Asks the other party for more time on a call with a limit. */
  @SocketEvent('requestExtension')
  async requestExtension(@ConnectedSocket() socket: Socket, @MessageBody() dto: ExtensionRequestMessageDto) {
    return { extension: await this.limits.requestExtension(socketActor(socket), dto.callId, dto.extraS) };
  }

  @SocketEvent('acceptExtension')
  async acceptExtension(@ConnectedSocket() socket: Socket, @MessageBody() dto: CallIdDto) {
    return { call: await this.limits.answerExtension(socketActor(socket), dto.callId, true) };
  }

  @SocketEvent('declineExtension')
  async declineExtension(@ConnectedSocket() socket: Socket, @MessageBody() dto: CallIdDto) {
    return { call: await this.limits.answerExtension(socketActor(socket), dto.callId, false) };
  }

  @SocketEvent('joinCall')
  async joinCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: JoinCallDto) {
    const user = socketUser(socket)!;
    const joined = await this.rooms.join(socketActor(socket), dto.callId, dto, user.displayName);
    const payload = {
      callId: joined.callId,
      userId: user.id,
      socketId: socket.id,
      participants: joined.participants.map(toRoomParticipantView),
    };
    socket.emit('joinedCall', payload);
    return payload;
  }

  @SocketEvent('leaveCall')
  async leaveCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: CallIdDto) {
    await this.rooms.leave(socketActor(socket), dto.callId);
  }

  @SocketEvent('toggleVideo')
  async toggleVideo(@ConnectedSocket() socket: Socket, @MessageBody() dto: ToggleMediaDto) {
    await this.rooms.toggle(socketActor(socket), dto.callId, 'video', dto.enabled);
  }

  @SocketEvent('toggleAudio')
  async toggleAudio(@ConnectedSocket() socket: Socket, @MessageBody() dto: ToggleMediaDto) {
    await this.rooms.toggle(socketActor(socket), dto.callId, 'audio', dto.enabled);
  }
}

/**
 * Emitters call their listeners with the socket as `this`: one function per event serves every
 * socket, so an idle connection holds no closures of its own.
 */
function relayListener(gateway: CallsGateway, event: string, relayEvent: RelayEvent) {
  return function (this: Socket, ...args: unknown[]) {
    gateway.relay(this, event, relayEvent, args);
  };
}
