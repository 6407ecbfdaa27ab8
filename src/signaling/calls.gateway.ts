import { Logger, Type, UseFilters, UsePipes } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { CallRoomsService, SignalKind } from '../calls/call-rooms.service';
import { CallsService } from '../calls/calls.service';
import { CallIdDto } from '../calls/dto/call-id.dto';
import { StartCallDto } from '../calls/dto/start-call.dto';
import { toRoomParticipantView } from '../calls/room.presenter';
import { AppError } from '../common/errors';
import { acceptedAtOnce, createValidationPipe, validateMessage } from '../common/validation';
import { KeyedQueue } from '../common/keyed-queue';
import type { BroadcastBatch } from '../realtime/broadcast-batch';
import { ConnectionRegistry, RealtimeConnection } from '../realtime/connection-registry.service';
import type { RealtimeNotice } from '../realtime/realtime-notice';
import { SocketAuthService, socketActor, socketUser } from '../realtime/socket-auth.service';
import { SocketExceptionFilter } from '../realtime/socket-exception.filter';
import { ackOf, okReply, replyError } from '../realtime/socket-replies';
import { IceCandidateDto, JoinCallDto, SignalDto, ToggleMediaDto } from './dto/calls.dto';
import { emitBatchInDialect, emitInDialect, tellStarterIfMissed, trackDialect } from './socket-io-dialects';
import { inBackground } from '../common/background';

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
};

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

interface RelayEvent {
  dto: Type<{ targetSocketId: string }>;
  kind: SignalKind;
  /** Method syntax: each event's function takes its own DTO. */
  payload(message: { targetSocketId: string }): unknown;
}

/**
 * The calls dialect's Socket.IO events (CONTRACT.md §3) on the call core; it also registers every
 * authenticated Socket.IO connection, whichever Socket.IO dialect it speaks.
 */
const relayLogger = new Logger('Socket');

@WebSocketGateway()
@UseFilters(SocketExceptionFilter)
@UsePipes(createValidationPipe())
export class CallsGateway {
  private readonly inArrivalOrder = new KeyedQueue();

  constructor(
    private readonly calls: CallsService,
    private readonly rooms: CallRoomsService,
    registry: ConnectionRegistry,
    auth: SocketAuthService,
  ) {
    const relayListeners = Object.entries(RELAY_EVENTS).map(
      ([event, relayEvent]) => [event, relayListener(this, event, relayEvent)] as const,
    );
    const unregister = function (this: Socket) {
      inBackground('unregistering a connection', registry.remove(this.id));
    };
    auth.onAuthenticated((socket, user) => {
      trackDialect(socket);
      inBackground('registering a connection', registry.add(new SocketIoConnection(socket, user.id)));
      socket.on('disconnect', unregister);
      for (const [event, listener] of relayListeners) socket.on(event, listener);
    });
  }

  relay(socket: Socket, event: string, relayEvent: RelayEvent, args: unknown[]): void {
    const { dto, kind } = relayEvent;
    const payload = (message: { targetSocketId: string }) => relayEvent.payload(message);
    const [message] = args;
    const ack = ackOf(args);
    // With nothing of this socket's queued, the common case is done at once; anything else
    // (and its errors) waits its turn, so signals keep the order they were sent in.
    try {
      const valid = this.inArrivalOrder.idle(socket.id) ? acceptedAtOnce(dto, message) : undefined;
      if (valid && this.rooms.relayAtOnce(socketActor(socket), valid.targetSocketId, kind, payload(valid))) return ack?.(okReply());
    } catch (error) {
      return this.relayFailed(socket, event, ack, error);
    }
    this.inArrivalOrder
      .run(socket.id, () =>
        validateMessage(dto, message).then((checked) =>
          this.rooms.relay(socketActor(socket), checked.targetSocketId, kind, payload(checked)),
        ),
      )
      .then(
        () => ack?.(okReply()),
        (error: unknown) => this.relayFailed(socket, event, ack, error),
      );
  }

  private relayFailed(socket: Socket, event: string, ack: ReturnType<typeof ackOf>, error: unknown): void {
    if (!(error instanceof AppError)) relayLogger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    replyError(socket, event, ack, error);
  }

  @SubscribeMessage('startCall')
  async startCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: StartCallDto) {
    const { call } = await this.calls.start(socketActor(socket), dto);
    tellStarterIfMissed(socket, call);
    return okReply({ call });
  }

  @SubscribeMessage('acceptCall')
  async acceptCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: CallIdDto) {
    return okReply({ call: await this.calls.accept(socketActor(socket), dto.callId) });
  }

  @SubscribeMessage('declineCall')
  async declineCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: CallIdDto) {
    return okReply({ call: await this.calls.decline(socketActor(socket), dto.callId) });
  }

  @SubscribeMessage('cancelCall')
  async cancelCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: CallIdDto) {
    return okReply({ call: await this.calls.cancel(socketActor(socket), dto.callId) });
  }

  @SubscribeMessage('joinCall')
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
    return okReply(payload);
  }

  @SubscribeMessage('leaveCall')
  async leaveCall(@ConnectedSocket() socket: Socket, @MessageBody() dto: CallIdDto) {
    await this.rooms.leave(socketActor(socket), dto.callId);
    return okReply();
  }

  @SubscribeMessage('toggleVideo')
  async toggleVideo(@ConnectedSocket() socket: Socket, @MessageBody() dto: ToggleMediaDto) {
    await this.rooms.toggle(socketActor(socket), dto.callId, 'video', dto.enabled);
    return okReply();
  }

  @SubscribeMessage('toggleAudio')
  async toggleAudio(@ConnectedSocket() socket: Socket, @MessageBody() dto: ToggleMediaDto) {
    await this.rooms.toggle(socketActor(socket), dto.callId, 'audio', dto.enabled);
    return okReply();
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
