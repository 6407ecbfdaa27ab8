import { ConnectedSocket, MessageBody, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { CallsService } from '../calls/calls.service';
import { OpenCallIndex } from '../calls/open-call-index';
import { ChatService } from '../chat/chat.service';
import { inBackground } from '../common/background';
import { AppError } from '../common/errors';
import { AppEventMap, OnAppEvent } from '../events/app-events';
import { MentorStatusService } from '../presence/mentor-status.service';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import { socketActor, socketUser } from '../realtime/socket-auth.service';
import { SocketEvent } from '../realtime/socket-event.decorator';
import { partyIdsOf } from '../calls/call.presenter';
import { RelayService } from '../relay/relay.service';
import type { Signal, SignalKind } from '../relay/signal';
import { AppRestartDto, AppSignalDto, SessionDto } from './dto/instantmentor.dto';
import { openCallNamed } from './instantmentor.call-id';
import { mayBeInstantMentorApp } from './socket-io-dialects';

/**
 * The InstantMentor app's events that no other dialect has (CONTRACT.md §8, "The InstantMentor
 * app"): its WebRTC relay, sessions, ping, and the mentor list a student gets on connecting.
 */
@WebSocketGateway()
export class InstantMentorGateway {
  constructor(
    private readonly calls: CallsService,
    private readonly openCalls: OpenCallIndex,
    private readonly chat: ChatService,
    private readonly mentors: MentorStatusService,
    private readonly relays: RelayService,
    private readonly registry: ConnectionRegistry,
  ) {}

  /** A student that may be the app hears the mentors available now, as the reference server told it. */
  @OnAppEvent('socket.authenticated')
  authenticated({ socket, user }: AppEventMap['socket.authenticated']): void {
    if (user.role !== 'student' || !mayBeInstantMentorApp(socket)) return;
    inBackground(
      'listing mentors for a student',
      this.mentors.availableForNewcomers().then((statuses) => socket.emit('mentor_statuses', statuses)),
    );
  }

  @SocketEvent('webrtc_offer')
  async offer(@ConnectedSocket() socket: Socket, @MessageBody() dto: AppSignalDto) {
    await this.relay(socket, 'offer', dto);
  }

  @SocketEvent('webrtc_answer')
  async answer(@ConnectedSocket() socket: Socket, @MessageBody() dto: AppSignalDto) {
    await this.relay(socket, 'answer', dto);
  }

  @SocketEvent('webrtc_ice_candidate')
  async iceCandidate(@ConnectedSocket() socket: Socket, @MessageBody() dto: AppSignalDto) {
    await this.relay(socket, 'ice', dto);
  }

  /** Relayed as it is: the call ends with `end_call`, which the app sends too. */
  @SocketEvent('webrtc_hangup')
  async hangup(@ConnectedSocket() socket: Socket, @MessageBody() dto: AppSignalDto) {
    await this.relay(socket, 'hangup', dto);
  }

  /** (ext) Asks the other party for an ICE restart. */
  @SocketEvent('webrtc_restart')
  async restart(@ConnectedSocket() socket: Socket, @MessageBody() dto: AppRestartDto) {
    await this.relay(socket, 'restart', dto);
  }

  @SocketEvent('join_session')
  async joinSession(@ConnectedSocket() socket: Socket, @MessageBody() dto: SessionDto) {
    await this.announceSession(socket, dto.sessionId, true);
  }

  @SocketEvent('leave_session')
  async leaveSession(@ConnectedSocket() socket: Socket, @MessageBody() dto: SessionDto) {
    await this.announceSession(socket, dto.sessionId, false);
  }

  @SocketEvent('ping')
  ping(@ConnectedSocket() socket: Socket) {
    socket.emit('pong', { timestamp: new Date().toISOString() });
    return Promise.resolve();
  }

  /** Presence is the connection's own: the app's announcements of it are taken and change nothing. */
  @SocketEvent('user_online')
  userOnline() {
    return Promise.resolve();
  }

  @SocketEvent('user_offline')
  userOffline() {
    return Promise.resolve();
  }

  /**
   * To the other party of the call `callId` names (an id the server did not issue: the sender's
   * open call), or to `targetUserId` if that is the other party; the relay's rules decide the rest.
   */
  private relay(socket: Socket, kind: SignalKind, dto: AppRestartDto & { payload?: unknown }): Promise<void> | undefined {
    const sender = socketActor(socket);
    return this.relays.relay(sender, async (): Promise<Signal> => {
      const call = await openCallNamed(this.openCalls, sender.userId, dto.callId);
      const other = call && (call.hostUserId === sender.userId ? call.recipientUserId : call.hostUserId);
      if (!call || !other) throw new AppError('not_found', 'You have no open call with this id');
      return { kind, payload: dto.payload ?? null, to: { userId: dto.targetUserId ?? other, callId: call.callId } };
    });
  }

  /** The other members of the sender's call or conversation `sessionId` hear that the sender joined or left it. */
  private async announceSession(socket: Socket, sessionId: string, joined: boolean): Promise<void> {
    const user = socketUser(socket)!;
    const members = await this.sessionMembers(user.id, sessionId);
    this.registry.sendToUsers(
      members.filter((id) => id !== user.id),
      { type: 'session-member', sessionId, userId: user.id, userRole: user.role, joined, at: new Date().toISOString() },
    );
  }

  private async sessionMembers(userId: string, sessionId: string): Promise<string[]> {
    const call = await this.calls.getForParty(userId, sessionId).catch(unlessNotFound);
    if (call) return partyIdsOf(call);
    const conversation = await this.chat.get(userId, sessionId).catch(unlessNotFound);
    if (conversation) return conversation.members.map((member) => member.id);
    throw new AppError('not_found', 'No call or conversation of yours has this id', {
      sessionId: ['must name a call or conversation of yours'],
    });
  }
}

function unlessNotFound(error: unknown): null {
  if (error instanceof AppError && error.code === 'not_found') return null;
  throw error;
}
