import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AppError } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import type { RoomParticipant } from '../realtime/realtime-notice';
import { isOpen } from './call-state';
import { CallsRepository } from './calls.repository';
import { Actor, CallsService } from './calls.service';

export interface JoinRequest {
  userName?: string;
  hasVideo: boolean;
  hasAudio: boolean;
}

export type SignalKind = 'offer' | 'answer' | 'ice';

/**
 * Who is in each call's room right now (by connection), and the signaling relay between them.
 * A dropped connection stays in its rooms for RECONNECT_GRACE_MS, so a reconnect resumes.
 */
@Injectable()
export class CallRoomsService implements OnModuleDestroy {
  private readonly logger = new Logger('CallRooms');
  private readonly rooms = new Map<string, Map<string, RoomParticipant>>();
  private readonly departures = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly calls: CallsService,
    private readonly repository: CallsRepository,
    private readonly registry: ConnectionRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    calls.onMoved((call) => {
      if (!isOpen(call.status)) this.rooms.delete(call.id);
    });
    calls.useRoomOccupancy((callId) => (this.rooms.get(callId)?.size ?? 0) > 0);
  }

  onModuleDestroy(): void {
    this.stopped = true;
    for (const timer of this.departures.values()) clearTimeout(timer);
  }

  participants(callId: string): RoomParticipant[] {
    return [...(this.rooms.get(callId)?.values() ?? [])];
  }

  async participantsFor(userId: string, callId: string): Promise<RoomParticipant[]> {
    await this.calls.getForParty(userId, callId);
    return this.participants(callId);
  }

  /** The recipient joining a ringing call accepts it; the caller may wait in the room. */
  async join(actor: Required<Actor>, callId: string, request: JoinRequest, displayName: string) {
    let call = await this.calls.getForParty(actor.userId, callId);
    if (call.status === 'CALLING' && call.recipientUserId === actor.userId) call = await this.calls.accept(actor, callId);
    if (call.status !== 'CALLING' && call.status !== 'ACTIVE') {
      throw new AppError('invalid_state', `The call is ${call.status}; it cannot be joined`);
    }
    const room = this.rooms.get(callId) ?? new Map<string, RoomParticipant>();
    this.rooms.set(callId, room);
    // The same user back on a new connection replaces the connections it lost.
    for (const stale of [...room.values()]) {
      if (stale.userId === actor.userId && stale.connectionId !== actor.connectionId && !this.registry.get(stale.connectionId)) {
        this.removeParticipant(callId, stale.connectionId);
      }
    }
    const others = [...room.values()].filter((p) => p.connectionId !== actor.connectionId);
    const self: RoomParticipant = {
      connectionId: actor.connectionId,
      userId: actor.userId,
      userName: request.userName?.trim() || displayName,
      hasVideo: request.hasVideo,
      hasAudio: request.hasAudio,
    };
    const rejoin = room.has(actor.connectionId);
    room.set(actor.connectionId, self);
    this.calls.engage(callId, actor);
    if (!rejoin) {
      await this.repository.addParticipant({ callId, ...self });
      for (const other of others) this.registry.sendToConnection(other.connectionId, { type: 'participant-joined', callId, participant: self });
    }
    return { callId, self, participants: others };
  }

  async leave(actor: Required<Actor>, callId: string): Promise<void> {
    await this.calls.getForParty(actor.userId, callId);
    if (!this.rooms.get(callId)?.has(actor.connectionId)) throw new AppError('invalid_state', 'You are not in this call');
    await this.removeAndMaybeEnd(callId, actor.connectionId, 'last_participant_left');
  }

  async toggle(actor: Required<Actor>, callId: string, kind: 'video' | 'audio', enabled: boolean): Promise<void> {
    await this.calls.getForParty(actor.userId, callId);
    const self = this.rooms.get(callId)?.get(actor.connectionId);
    if (!self) throw new AppError('invalid_state', 'Join the call before toggling media');
    if (kind === 'video') self.hasVideo = enabled;
    else self.hasAudio = enabled;
    await this.repository.updateParticipantMedia(callId, actor.connectionId, kind === 'video' ? { hasVideo: enabled } : { hasAudio: enabled });
    for (const other of this.participants(callId)) {
      if (other.connectionId !== actor.connectionId) {
        this.registry.sendToConnection(other.connectionId, {
          type: 'media-toggled',
          callId,
          connectionId: actor.connectionId,
          userId: actor.userId,
          kind,
          enabled,
        });
      }
    }
  }

  /**
   * Relays an offer, answer or ICE candidate to one connection, only when the sender and that
   * connection's user are the two parties of one CALLING or ACTIVE call.
   */
  async relay(actor: Required<Actor>, targetConnectionId: string, kind: SignalKind, payload: unknown): Promise<void> {
    this.checkSignalSize(payload);
    const target = this.registry.get(targetConnectionId);
    const call = target ? await this.calls.current(actor.userId) : null;
    const parties = call ? [call.hostUserId, call.recipientUserId] : [];
    if (!target || !call || target.userId === actor.userId || !parties.includes(target.userId)) {
      throw new AppError('not_found', 'No such connection in a call of yours');
    }
    target.deliver({ type: 'signal', kind, callId: call.id, fromConnectionId: actor.connectionId, fromUserId: actor.userId, payload });
  }

  /**
   * Relays to a user rather than a connection (dialects that address peers by user id): to the
   * connection that user is in the call from, or to all their connections if none is known.
   */
  async relayToUser(actor: Required<Actor>, targetUserId: string, kind: SignalKind, payload: unknown, callId?: string) {
    this.checkSignalSize(payload);
    const call = await this.calls.current(actor.userId);
    const isOtherParty = call && targetUserId !== actor.userId && [call.hostUserId, call.recipientUserId].includes(targetUserId);
    if (!call || !isOtherParty || (callId !== undefined && callId !== call.id)) {
      throw new AppError('not_found', 'That user is not in a call with you');
    }
    const engaged = this.calls.engagedConnection(call.id, targetUserId);
    const targets = engaged && this.registry.get(engaged) ? [this.registry.get(engaged)!] : this.registry.connectionsOf(targetUserId);
    const notice = { type: 'signal', kind, callId: call.id, fromConnectionId: actor.connectionId, fromUserId: actor.userId, payload } as const;
    for (const target of targets) target.deliver(notice);
    return call;
  }

  private checkSignalSize(payload: unknown): void {
    const size = Buffer.byteLength(JSON.stringify(payload ?? null));
    if (size > this.config.calls.maxSignalBytes) {
      throw new AppError('payload_too_large', `Signaling payloads are limited to ${this.config.calls.maxSignalBytes} bytes`);
    }
  }

  /** A connection dropped: it leaves its rooms unless its user rejoins within the grace. */
  connectionGone(connectionId: string): void {
    const callIds = [...this.rooms.entries()].filter(([, room]) => room.has(connectionId)).map(([id]) => id);
    if (callIds.length === 0 || this.stopped) return;
    const timer = setTimeout(() => {
      this.departures.delete(connectionId);
      for (const callId of callIds) {
        void this.removeAndMaybeEnd(callId, connectionId, 'connection_lost').catch((e) => this.logger.error(e));
      }
    }, this.config.calls.reconnectGraceMs);
    timer.unref();
    this.departures.set(connectionId, timer);
  }

  private async removeAndMaybeEnd(callId: string, connectionId: string, reason: 'last_participant_left' | 'connection_lost') {
    if (!this.removeParticipant(callId, connectionId)) return;
    await this.repository.markParticipantLeft(callId, connectionId);
    if (this.participants(callId).length > 0) return;
    this.rooms.delete(callId);
    const call = await this.repository.findById(callId);
    if (call?.status === 'ACTIVE') await this.calls.endEmpty(callId, reason);
  }

  private removeParticipant(callId: string, connectionId: string): boolean {
    const room = this.rooms.get(callId);
    const leaving = room?.get(connectionId);
    if (!room || !leaving) return false;
    room.delete(connectionId);
    clearTimeout(this.departures.get(connectionId));
    this.departures.delete(connectionId);
    for (const other of room.values()) {
      this.registry.sendToConnection(other.connectionId, { type: 'participant-left', callId, connectionId, userId: leaving.userId });
    }
    return true;
  }
}
