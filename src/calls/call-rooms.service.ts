import { Inject, Injectable } from '@nestjs/common';
import { SHARED_STATE, SharedState } from '../cluster/shared-state';
import { SHARED_TIMERS, SharedTimers } from '../cluster/shared-timers';
import { inBackground } from '../common/background';
import { AppError } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppEventMap, OnAppEvent } from '../events/app-events';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import type { RoomParticipant } from '../realtime/realtime-notice';
import { isOpen } from './call-state';
import { CallsRepository } from './calls.repository';
import { ParticipantRecords } from './participant-records';
import { Actor, CallsService } from './calls.service';
import { OpenCallIndex } from './open-call-index';

export interface JoinRequest {
  userName?: string;
  hasVideo: boolean;
  hasAudio: boolean;
}

const DEPARTURE = 'room-departure';
const roomKey = (callId: string) => `room:${callId}`;
const roomsOfKey = (connectionId: string) => `conn-rooms:${connectionId}`;

/**
 * Who is in each call's room right now (by connection, on any instance). A dropped connection
 * stays in its rooms for RECONNECT_GRACE_MS, so a reconnect resumes; an active call whose room
 * stays empty past that grace ends.
 */
@Injectable()
export class CallRoomsService {
  constructor(
    private readonly calls: CallsService,
    private readonly openCalls: OpenCallIndex,
    private readonly repository: CallsRepository,
    private readonly records: ParticipantRecords,
    private readonly registry: ConnectionRegistry,
    @Inject(SHARED_STATE) private readonly state: SharedState,
    @Inject(SHARED_TIMERS) private readonly timers: SharedTimers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    timers.handle(DEPARTURE, (connectionId) => this.depart(connectionId));
  }

  @OnAppEvent('call.moved')
  closeRoom({ call }: AppEventMap['call.moved']): void {
    if (!isOpen(call.status)) inBackground('closing a room', this.state.del(roomKey(call.id)));
  }

  /** A connection dropped: it leaves its rooms unless its user rejoins within the grace. */
  @OnAppEvent('connection.removed')
  connectionGone({ connectionId }: AppEventMap['connection.removed']): void {
    inBackground('room departure', this.scheduleDeparture(connectionId));
  }

  @OnAppEvent('connections.rebooked')
  rebooked({ connections }: AppEventMap['connections.rebooked']): void {
    inBackground('rebuilding rooms', this.rebuild(connections.map((c) => c.id)));
  }

  /** Rooms lost with the shared state come back from the participant records of the database. */
  private async rebuild(connectionIds: string[]): Promise<void> {
    await this.records.flush();
    for (const p of await this.repository.presentParticipants(connectionIds)) {
      const participant: RoomParticipant = {
        connectionId: p.connectionId,
        userId: p.userId,
        userName: p.userName,
        hasVideo: p.hasVideo,
        hasAudio: p.hasAudio,
      };
      await Promise.all([
        this.state.hSet(roomKey(p.callId), p.connectionId, JSON.stringify(participant)),
        this.state.sAdd(roomsOfKey(p.connectionId), p.callId),
      ]);
    }
  }

  async participants(callId: string): Promise<RoomParticipant[]> {
    return Object.values(await this.state.hGetAll(roomKey(callId))).map((json) => JSON.parse(json) as RoomParticipant);
  }

  async participantsFor(userId: string, callId: string): Promise<RoomParticipant[]> {
    await this.calls.getForParty(userId, callId);
    return this.participants(callId);
  }

  /** The recipient joining a ringing call accepts it; the caller may wait in the room. */
  async join(actor: Required<Actor>, callId: string, request: JoinRequest, displayName: string) {
    // Joining an accepted call, the common case, needs no database read: the index knows it is open.
    const open = await this.openCalls.of(actor.userId);
    if (open?.callId !== callId || open.status !== 'ACTIVE') {
      let call = await this.calls.getForParty(actor.userId, callId);
      if (call.status === 'CALLING' && call.recipientUserId === actor.userId) call = await this.calls.accept(actor, callId);
      if (call.status !== 'CALLING' && call.status !== 'ACTIVE') {
        throw new AppError('invalid_state', `The call is ${call.status}; it cannot be joined`);
      }
    }
    const room = await this.participants(callId);
    // The same user back on a new connection replaces the connections it lost.
    for (const stale of room) {
      if (stale.userId === actor.userId && stale.connectionId !== actor.connectionId && !(await this.registry.userOf(stale.connectionId))) {
        await this.removeParticipant(callId, stale.connectionId);
      }
    }
    const others = (await this.participants(callId)).filter((p) => p.connectionId !== actor.connectionId);
    const self: RoomParticipant = {
      connectionId: actor.connectionId,
      userId: actor.userId,
      userName: request.userName?.trim() || displayName,
      hasVideo: request.hasVideo,
      hasAudio: request.hasAudio,
    };
    const rejoin = room.some((p) => p.connectionId === actor.connectionId);
    await Promise.all([
      this.state.hSet(roomKey(callId), actor.connectionId, JSON.stringify(self)),
      this.state.sAdd(roomsOfKey(actor.connectionId), callId),
      this.calls.engage(callId, actor),
    ]);
    if (!rejoin) {
      this.records.joined({ callId, ...self, joinedAt: new Date() });
      for (const other of others)
        this.registry.sendToConnection(other.connectionId, { type: 'participant-joined', callId, participant: self });
    }
    return { callId, self, participants: others };
  }

  async leave(actor: Required<Actor>, callId: string): Promise<void> {
    // A party of an open call is known without reading it; anyone else learns why not from the database.
    if ((await this.openCalls.of(actor.userId))?.callId !== callId) await this.calls.getForParty(actor.userId, callId);
    if (!(await this.state.hGet(roomKey(callId), actor.connectionId))) throw new AppError('invalid_state', 'You are not in this call');
    await this.removeAndMaybeEnd(callId, actor.connectionId, 'last_participant_left');
  }

  async toggle(actor: Required<Actor>, callId: string, kind: 'video' | 'audio', enabled: boolean): Promise<void> {
    await this.calls.getForParty(actor.userId, callId);
    const json = await this.state.hGet(roomKey(callId), actor.connectionId);
    if (!json) throw new AppError('invalid_state', 'Join the call before toggling media');
    const self = JSON.parse(json) as RoomParticipant;
    if (kind === 'video') self.hasVideo = enabled;
    else self.hasAudio = enabled;
    await this.state.hSet(roomKey(callId), actor.connectionId, JSON.stringify(self));
    await this.records.mediaChanged(callId, actor.connectionId, kind === 'video' ? { hasVideo: enabled } : { hasAudio: enabled });
    for (const other of await this.participants(callId)) {
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

  private async scheduleDeparture(connectionId: string): Promise<void> {
    if ((await this.state.sMembers(roomsOfKey(connectionId))).length === 0) return;
    await this.timers.schedule(DEPARTURE, connectionId, this.config.calls.reconnectGraceMs);
  }

  private async depart(connectionId: string): Promise<void> {
    if (await this.registry.userOf(connectionId)) return; // booked again: its instance was only presumed dead
    for (const callId of await this.state.sMembers(roomsOfKey(connectionId))) {
      await this.removeAndMaybeEnd(callId, connectionId, 'connection_lost');
    }
    await this.state.del(roomsOfKey(connectionId));
  }

  private async removeAndMaybeEnd(callId: string, connectionId: string, reason: 'last_participant_left' | 'connection_lost') {
    if (!(await this.removeParticipant(callId, connectionId))) return;
    // The last one out of an ACTIVE call ends it, and that move marks every seat left in its own
    // statement. Only an ACTIVE call ends (a caller may wait alone in a ringing one): the move checks that itself.
    if ((await this.state.hLen(roomKey(callId))) === 0 && (await this.calls.endByServer(callId, reason))) return;
    this.records.left({ callId, connectionId, at: new Date() });
  }

  /** Takes the connection out of the room (once, whoever races) and tells those who remain. */
  private async removeParticipant(callId: string, connectionId: string): Promise<boolean> {
    const json = await this.state.hGet(roomKey(callId), connectionId);
    const { removed } = await this.state.hDelCount(roomKey(callId), connectionId);
    if (!removed || !json) return false;
    await Promise.all([this.state.sRem(roomsOfKey(connectionId), callId), this.timers.cancel(DEPARTURE, connectionId)]);
    const leaving = JSON.parse(json) as RoomParticipant;
    for (const other of await this.participants(callId)) {
      this.registry.sendToConnection(other.connectionId, { type: 'participant-left', callId, connectionId, userId: leaving.userId });
    }
    return true;
  }
}
