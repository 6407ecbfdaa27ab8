import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/errors';
import { SHARED_STATE, SharedState } from '../cluster/shared-state';
import { SHARED_TIMERS, SharedTimers } from '../cluster/shared-timers';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import type { RoomParticipant } from '../realtime/realtime-notice';
import { isOpen } from './call-state';
import { CallsRepository, Departure, NewParticipant } from './calls.repository';
import { Actor, CallsService } from './calls.service';
import type { OpenCallParties } from './open-call-index';
import { inBackground } from '../common/background';
import { GroupedWrites } from '../common/grouped-writes';
import { KeyedQueue } from '../common/keyed-queue';
import { jsonSurelyFits } from '../common/json-size';
import { RelayRoute, RelayRoutes, TargetKind } from './relay-routes';

export interface JoinRequest {
  userName?: string;
  hasVideo: boolean;
  hasAudio: boolean;
}

export type SignalKind = 'offer' | 'answer' | 'ice';

const DEPARTURE = 'room-departure';
const isPartyOf = (call: OpenCallParties, userId: string) => call.hostUserId === userId || call.recipientUserId === userId;
/** The target is the sender's peer in that call (and it is the call named, when one is). */
const isOtherParty = (call: OpenCallParties, actor: Actor, targetUserId: string, callId?: string) =>
  targetUserId !== actor.userId && isPartyOf(call, targetUserId) && (callId === undefined || callId === call.callId);
/** The connection the target is in the call from, while it is still theirs; else all the target's connections. */
const destination = (targetUserId: string, engaged: string | null | undefined, engagedUser: string | null | undefined) =>
  engaged && engagedUser === targetUserId ? { connectionId: engaged } : { userId: targetUserId };
const roomKey = (callId: string) => `room:${callId}`;
const roomsOfKey = (connectionId: string) => `conn-rooms:${connectionId}`;

/**
 * Who is in each call's room right now (by connection, on any instance), and the signaling relay
 * between them. A dropped connection stays in its rooms for RECONNECT_GRACE_MS, so a reconnect
 * resumes.
 */
@Injectable()
export class CallRoomsService {
  /** Each sender's signals are relayed in the order they came (an offer before its ICE candidates). */
  private readonly inSendOrder = new KeyedQueue();
  /** With the state in this process: each sender's last route, so that a run of signals finds it once. */
  private readonly routes?: RelayRoutes;
  /** Participant records, written in groups: many joins or leaves at once share one statement. */
  private readonly records = new GroupedWrites<'join' | 'leave', NewParticipant | Departure>((kind, items) =>
    kind === 'join'
      ? this.repository.addParticipants(items as NewParticipant[])
      : this.repository.markParticipantsLeft(items as Departure[]),
  );

  constructor(
    private readonly calls: CallsService,
    private readonly repository: CallsRepository,
    private readonly registry: ConnectionRegistry,
    @Inject(SHARED_STATE) private readonly state: SharedState,
    @Inject(SHARED_TIMERS) private readonly timers: SharedTimers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.routes = state.local && new RelayRoutes(state.local);
    calls.onMoved((call) => {
      if (!isOpen(call.status)) inBackground('closing a room', this.state.del(roomKey(call.id)));
    });
    calls.useRoomOccupancy(async (callId) => (await this.state.hLen(roomKey(callId))) > 0);
    registry.onDisconnect((connectionId) => {
      this.routes?.forget(connectionId);
      inBackground('room departure', this.connectionGone(connectionId));
    });
    timers.handle(DEPARTURE, (connectionId) => this.depart(connectionId));
    registry.onStateLost((connections) => inBackground('rebuilding rooms', this.rebuild(connections.map((c) => c.id))));
  }

  /** Rooms lost with the shared state come back from the participant records of the database. */
  private async rebuild(connectionIds: string[]): Promise<void> {
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
    const open = await this.calls.openCallOf(actor.userId);
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
      await this.records.run('join', { callId, ...self, joinedAt: new Date() });
      for (const other of others)
        this.registry.sendToConnection(other.connectionId, { type: 'participant-joined', callId, participant: self });
    }
    return { callId, self, participants: others };
  }

  async leave(actor: Required<Actor>, callId: string): Promise<void> {
    // A party of an open call is known without reading it; anyone else learns why not from the database.
    if ((await this.calls.openCallOf(actor.userId))?.callId !== callId) await this.calls.getForParty(actor.userId, callId);
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
    await this.repository.updateParticipantMedia(
      callId,
      actor.connectionId,
      kind === 'video' ? { hasVideo: enabled } : { hasAudio: enabled },
    );
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

  /**
   * Relays an offer, answer or ICE candidate to one connection, only when the sender and that
   * connection's user are the two parties of one CALLING or ACTIVE call.
   */
  relay(actor: Required<Actor>, targetConnectionId: string, kind: SignalKind, payload: unknown): Promise<void> {
    return this.inSendOrder.run(actor.connectionId, () => this.relayNow(actor, targetConnectionId, kind, payload));
  }

  /**
   * As relay, done here and now when all it checks is known in this process and nothing of the
   * sender's is queued: the common case, without a promise per message. False when it did nothing
   * (then call relay, which also gives the errors).
   */
  relayAtOnce(actor: Required<Actor>, targetConnectionId: string, kind: SignalKind, payload: unknown): boolean {
    if (!this.mayRelayAtOnce(actor, payload)) return false;
    const route =
      this.routes?.recall(actor.connectionId, 'connection', targetConnectionId, undefined) ??
      this.routeToConnectionAtOnce(actor, targetConnectionId);
    return this.sendAlong(route, actor, kind, payload);
  }

  private routeToConnectionAtOnce(actor: Required<Actor>, targetConnectionId: string): RelayRoute | undefined {
    const targetUserId = this.registry.userOfAtOnce(targetConnectionId);
    const call = this.calls.openCallOfAtOnce(actor.userId);
    if (!targetUserId || !call || !isOtherParty(call, actor, targetUserId)) return undefined;
    return this.keepRoute(actor, 'connection', targetConnectionId, undefined, { call, to: { connectionId: targetConnectionId } });
  }

  private async relayNow(actor: Required<Actor>, targetConnectionId: string, kind: SignalKind, payload: unknown): Promise<void> {
    this.checkSignalSize(payload);
    const targetUserId = await this.registry.userOf(targetConnectionId);
    const call = targetUserId ? await this.calls.openCallOf(actor.userId) : null;
    if (!targetUserId || !call || !isOtherParty(call, actor, targetUserId)) {
      throw new AppError('not_found', 'No such connection in a call of yours');
    }
    this.sendSignal(actor, call, kind, payload, { connectionId: targetConnectionId });
  }

  /**
   * Relays to a user rather than a connection (dialects that address peers by user id): to the
   * connection that user is in the call from, or to all their connections if none is known.
   */
  relayToUser(actor: Required<Actor>, targetUserId: string, kind: SignalKind, payload: unknown, callId?: string): Promise<void> {
    return this.inSendOrder.run(actor.connectionId, () => this.relayToUserNow(actor, targetUserId, kind, payload, callId));
  }

  /** As relayToUser, done at once or not at all, like relayAtOnce. */
  relayToUserAtOnce(actor: Required<Actor>, targetUserId: string, kind: SignalKind, payload: unknown, callId?: string): boolean {
    if (!this.mayRelayAtOnce(actor, payload)) return false;
    const route =
      this.routes?.recall(actor.connectionId, 'user', targetUserId, callId) ?? this.routeToUserAtOnce(actor, targetUserId, callId);
    return this.sendAlong(route, actor, kind, payload);
  }

  private routeToUserAtOnce(actor: Required<Actor>, targetUserId: string, callId: string | undefined): RelayRoute | undefined {
    const call = this.calls.openCallOfAtOnce(actor.userId);
    if (!call || !isOtherParty(call, actor, targetUserId, callId)) return undefined;
    const engaged = this.calls.engagedConnectionAtOnce(call.callId, targetUserId);
    const engagedUser = engaged && this.registry.userOfAtOnce(engaged);
    if (engaged === undefined || engagedUser === undefined) return undefined;
    return this.keepRoute(actor, 'user', targetUserId, callId, { call, to: destination(targetUserId, engaged, engagedUser) });
  }

  /** Sends the signal along a route found at once; false when none was (the caller takes the asynchronous path). */
  private sendAlong(route: RelayRoute | undefined, actor: Required<Actor>, kind: SignalKind, payload: unknown): boolean {
    if (!route) return false;
    this.sendSignal(actor, route.call, kind, payload, route.to);
    return true;
  }

  /** A route just read at once, kept for the sender's next signals while it holds. */
  private keepRoute(actor: Required<Actor>, by: TargetKind, target: string, callId: string | undefined, route: RelayRoute): RelayRoute {
    const lapsesAt = this.calls.openCallLapsesAtOnce(actor.userId);
    if (lapsesAt !== undefined) this.routes?.keep(actor.connectionId, by, target, callId, route, lapsesAt);
    return route;
  }

  private async relayToUserNow(
    actor: Required<Actor>,
    targetUserId: string,
    kind: SignalKind,
    payload: unknown,
    callId?: string,
  ): Promise<void> {
    this.checkSignalSize(payload);
    const call = await this.calls.openCallOf(actor.userId);
    if (!call || !isOtherParty(call, actor, targetUserId, callId)) {
      throw new AppError('not_found', 'That user is not in a call with you');
    }
    const engaged = await this.calls.engagedConnection(call.callId, targetUserId);
    const engagedUser = engaged && (await this.registry.userOf(engaged));
    this.sendSignal(actor, call, kind, payload, destination(targetUserId, engaged, engagedUser));
  }

  /** Nothing of the sender's is queued (order holds), and the payload surely fits without serializing it. */
  private mayRelayAtOnce(actor: Required<Actor>, payload: unknown): boolean {
    return this.inSendOrder.idle(actor.connectionId) && jsonSurelyFits(payload, this.config.calls.maxSignalBytes);
  }

  private sendSignal(
    actor: Required<Actor>,
    call: OpenCallParties,
    kind: SignalKind,
    payload: unknown,
    to: { connectionId: string } | { userId: string },
  ): void {
    const notice = {
      type: 'signal',
      kind,
      callId: call.callId,
      fromConnectionId: actor.connectionId,
      fromUserId: actor.userId,
      payload,
    } as const;
    if ('connectionId' in to) this.registry.sendToConnection(to.connectionId, notice);
    else this.registry.sendToUsers([to.userId], notice);
    this.metrics.signalRelayed(kind);
  }

  private checkSignalSize(payload: unknown): void {
    const limit = this.config.calls.maxSignalBytes;
    // Most signals are a few KB: a bound settles them without serializing.
    if (jsonSurelyFits(payload, limit)) return;
    if (Buffer.byteLength(JSON.stringify(payload ?? null)) > limit) {
      throw new AppError('payload_too_large', `Signaling payloads are limited to ${this.config.calls.maxSignalBytes} bytes`);
    }
  }

  /** A connection dropped: it leaves its rooms unless its user rejoins within the grace. */
  private async connectionGone(connectionId: string): Promise<void> {
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
    await this.records.run('leave', { callId, connectionId, at: new Date() });
    if ((await this.state.hLen(roomKey(callId))) > 0) return;
    // Only an ACTIVE call ends (a caller may wait alone in a ringing one): the move checks that itself.
    await this.calls.endEmpty(callId, reason);
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
