import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/errors';
import { AppEventMap, AppEvents, OnAppEvent } from '../events/app-events';
import { retryWhileUnavailable } from '../cluster/redis-errors';
import { SHARED_STATE, SharedState } from '../cluster/shared-state';
import { SHARED_TIMERS, SharedTimers } from '../cluster/shared-timers';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { CallEndReason, CallStatus, UserRole } from '../generated/prisma/client';
import { MetricsService } from '../observability/metrics.service';
import { ConnectionRegistry, RealtimeConnection } from '../realtime/connection-registry.service';
import type { RealtimeNotice } from '../realtime/realtime-notice';
import { UsersRepository } from '../users/users.repository';
import { isOpen, sourcesOf } from './call-state';
import type { CallMove, CallNotice, MissedReason } from './call-notices';
import { CallView, CallWithParties, Party, partyIdsOf, toCallView, toParticipantRecordView } from './call.presenter';
import { BusyError, CallsRepository, HistoryPage, Move, RoomTakenError, Seat, UnknownUserError } from './calls.repository';
import { ParticipantRecords } from './participant-records';
import { inBackground } from '../common/background';
import { OpenCallIndex } from './open-call-index';

export interface StartCall {
  recipientUserId: string;
  title?: string | null;
  isPrivate?: boolean;
  hasVideo?: boolean;
  /** A room name the call is known by for its whole life; unique among open calls. */
  roomName?: string | null;
  callerDisplay?: string | null;
  /** The role the caller expects the recipient to have (the /ws/signaling/ protocol names it). */
  recipientRole?: UserRole;
  /** (ext) How long the call may last once answered, in seconds (default: CALL_MAX_DURATION_S). */
  maxDurationS?: number;
}

/** Who asked, and from which connection (that connection gets an ack instead of the event). */
export interface Actor {
  userId: string;
  connectionId?: string;
}

export interface StartResult {
  call: CallView;
  /** False when the start answered the other user's ringing call instead (glare). */
  created: boolean;
}

const RING = 'ring';
/** A party's last connection went: the call is left unless they are back within RECONNECT_GRACE_MS (the key keeps its first name). */
const PARTY_GRACE = 'caller-grace';
/** A call rings each connection once, whether its start or the connection's arrival rang it. */
const ringOnce = (callId: string) => `ring:${callId}`;
const partiesOf = (call: CallWithParties): Party[] => (call.recipient ? [call.host, call.recipient] : [call.host]);
const cannotMove = (status: CallStatus | undefined, to: CallStatus) =>
  new AppError('invalid_state', `The call is ${status ?? 'gone'}; it cannot become ${to}`);

/**
 * The call core: rules, state moves, busy detection and timers. It knows no wire format;
 * it tells the parties what happened through the connection registry. Its timers and live
 * state are shared, so any instance may act on any call.
 */
@Injectable()
export class CallsService {
  private readonly logger = new Logger('Calls');

  constructor(
    private readonly calls: CallsRepository,
    private readonly participantRecords: ParticipantRecords,
    private readonly users: UsersRepository,
    private readonly openCalls: OpenCallIndex,
    private readonly registry: ConnectionRegistry,
    private readonly events: AppEvents,
    @Inject(SHARED_TIMERS) private readonly timers: SharedTimers,
    @Inject(SHARED_STATE) private readonly state: SharedState,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    timers.handle(RING, (callId) => this.moveCall(callId, { to: 'MISSED', actorUserId: null, reason: 'timeout' }).then(() => undefined));
    timers.handle(PARTY_GRACE, (userId) => this.leaveAbandoned(userId));
  }

  /**
   * A party who is back is no longer leaving; their new connection rings if the call rings for
   * them, else hears of the call they are placing or are in (CONTRACT.md §2). Waited for: the
   * connection is told it is authenticated after this, so what it starts itself is not news to it.
   */
  @OnAppEvent('connection.added')
  connected(connection: AppEventMap['connection.added']): Promise<void> {
    return this.tellNewConnection(connection);
  }

  /**
   * A user's last connection dropped (or the instance holding it died): a call they are placing is
   * cancelled, and one they are in ends, unless they return in time.
   */
  @OnAppEvent('user.disconnected')
  disconnected({ userId }: AppEventMap['user.disconnected']): void {
    inBackground('reconnect grace', this.timers.schedule(PARTY_GRACE, userId, this.config.calls.reconnectGraceMs));
    this.tellReconnecting(userId);
  }

  /** (ext) The other party of the user's active call hears that the user's grace has begun. */
  private tellReconnecting(userId: string): void {
    const graceMs = this.config.calls.reconnectGraceMs;
    inBackground(
      'reconnecting notice',
      this.tellOtherParty(userId, (callId) => ({ type: 'participant-reconnecting', callId, userId, graceMs })),
    );
  }

  /** (ext) The other party of the user's active call hears how the user's connection is doing. */
  private async tellOtherParty(userId: string, notice: (callId: string) => RealtimeNotice): Promise<void> {
    const call = await this.openCalls.of(userId);
    if (call?.status !== 'ACTIVE') return;
    this.registry.sendToUsers(
      partyIdsOf(call).filter((id) => id !== userId),
      notice(call.callId),
    );
  }

  async start(actor: Actor, request: StartCall): Promise<StartResult> {
    const recipientUserId = request.recipientUserId;
    if (recipientUserId === actor.userId) {
      throw new AppError('validation_failed', 'You cannot call yourself', { recipientUserId: ['must be another user'] });
    }
    await this.checkStartRate(actor.userId);
    if (request.recipientRole) await this.checkRecipientRole(recipientUserId, request.recipientRole);
    // With a push gateway, an offline recipient's devices are woken and the call rings meanwhile.
    const reachable = this.config.push !== undefined || (await this.registry.isOnline(recipientUserId));
    let call: CallWithParties;
    try {
      call = await this.calls.create(
        {
          hostUserId: actor.userId,
          recipientUserId,
          title: request.title ?? null,
          isPrivate: request.isPrivate ?? false,
          hasVideo: request.hasVideo ?? true,
          roomName: request.roomName ?? null,
          callerDisplay: request.callerDisplay ?? null,
          maxDurationS: request.maxDurationS ?? this.config.calls.defaultMaxDurationS,
        },
        { missedReason: reachable ? undefined : 'offline' },
      );
    } catch (error) {
      if (!(error instanceof BusyError)) throw this.startError(error);
      return { call: await this.answerGlare(actor, recipientUserId), created: false };
    }
    const view = toCallView(call);
    // The call is stored: as after a move (moveCall), its bookkeeping in Redis waits out a brief
    // outage rather than leave a call that never rings and a caller told it failed.
    await retryWhileUnavailable(() => this.openCalls.moved(view));
    this.announceMove(view, {
      from: null,
      to: view.status,
      actorUserId: actor.userId,
      reason: view.status === 'MISSED' ? 'offline' : null,
      parties: partiesOf(call),
    });
    if (view.status === 'MISSED') {
      // CONTRACT.md §2: the caller is told in the start's reply and by a missed event; the starting
      // connection gets the event after that reply, so a client that reads the reply first hears it.
      // Every adapter replies in the same turn as this start returns (no I/O in between): keep it so.
      const missed: CallNotice = { type: 'missed', call: view, reason: 'offline' };
      this.notify([actor.userId, recipientUserId], missed, actor.connectionId);
      if (actor.connectionId) this.registry.sendToConnectionAfterReply(actor.connectionId, missed);
    } else {
      await Promise.all([
        retryWhileUnavailable(() => this.engage(view.id, actor)),
        retryWhileUnavailable(() => this.armRingTimer(view.id)),
      ]);
      this.notify([recipientUserId], { type: 'ringing', call: view });
    }
    return { call: view, created: true };
  }

  /**
   * A call with no recipient yet (the webrtc dialect's room link): CALLING while it waits for a guest, who
   * takes the seat with joinAsGuest or is invited with invite.
   */
  async createRoom(actor: Actor, request: { roomName?: string | null; hasVideo?: boolean }): Promise<CallView> {
    let call: CallWithParties;
    try {
      call = await this.calls.create({
        hostUserId: actor.userId,
        recipientUserId: null,
        title: null,
        isPrivate: false,
        hasVideo: request.hasVideo ?? true,
        roomName: request.roomName ?? null,
        callerDisplay: null,
        maxDurationS: this.config.calls.defaultMaxDurationS,
      });
    } catch (error) {
      throw this.startError(error);
    }
    const view = toCallView(call);
    await Promise.all([
      retryWhileUnavailable(() => this.engage(view.id, actor)),
      retryWhileUnavailable(() => this.armRingTimer(view.id)),
      retryWhileUnavailable(() => this.openCalls.moved(view)),
    ]);
    return view;
  }

  /** The host of a room-link call rings a user into its empty seat. */
  async invite(actor: Actor, callId: string, recipientUserId: string): Promise<CallView> {
    const call = await this.getForParty(actor.userId, callId);
    if (call.hostUserId !== actor.userId) throw new AppError('forbidden', 'Only the host can invite into this call');
    if (call.recipientUserId === recipientUserId && call.status === 'CALLING') return call;
    if (recipientUserId === actor.userId)
      throw new AppError('validation_failed', 'You cannot call yourself', { to: ['must be another user'] });
    // Asked first, so an unknown user is not_found whatever the seat's state.
    if (!(await this.users.findById(recipientUserId))) throw new AppError('not_found', 'Recipient not found');
    const seated = await this.seat(callId, recipientUserId);
    const view = toCallView(seated);
    await this.openCalls.moved(view);
    this.notify([recipientUserId], { type: 'ringing', call: view });
    return view;
  }

  /** Whoever holds a room-link call's id takes its empty seat, and the call becomes ACTIVE. */
  async joinAsGuest(actor: Actor, callId: string): Promise<CallView> {
    const call = await this.calls.findById(callId);
    if (call && call.recipientUserId === actor.userId && call.status === 'CALLING') return this.accept(actor, callId);
    if (!call || call.recipientUserId !== null || call.hostUserId === actor.userId) {
      if (call && (call.hostUserId === actor.userId || call.recipientUserId === actor.userId)) {
        throw new AppError('invalid_state', `You are already in this call (${call.status})`);
      }
      throw new AppError('not_found', 'Call not found');
    }
    await this.seat(callId, actor.userId);
    return this.mustMove(callId, { to: 'ACTIVE', actorUserId: actor.userId }, actor);
  }

  /** A caller may name the role it expects to reach (a student calling "a mentor"): another role is refused. */
  private async checkRecipientRole(recipientUserId: string, role: UserRole): Promise<void> {
    const recipient = await this.users.findById(recipientUserId);
    if (recipient && recipient.role !== role) {
      throw new AppError('validation_failed', `User ${recipientUserId} is not a ${role}`, {
        recipientRole: [`must match the recipient's role (${recipient.role})`],
      });
    }
  }

  /** RATE_LIMIT_CALL_STARTS_PER_MIN per user, whichever dialect or instance the attempts come through. */
  private async checkStartRate(userId: string): Promise<void> {
    const perMinute = this.config.limits.callStartsPerMinute;
    if ((await this.state.countInWindow(`call-starts:${userId}`, 60_000)) > perMinute) {
      this.metrics.rateLimited('call-starts');
      throw new AppError('rate_limited', `Too many calls started: at most ${perMinute} a minute`);
    }
  }

  private async seat(callId: string, userId: string): Promise<CallWithParties> {
    try {
      const seated = await this.calls.seatRecipient(callId, userId);
      if (!seated) throw new AppError('invalid_state', 'The call is no longer waiting for a guest');
      return seated;
    } catch (error) {
      throw this.startError(error);
    }
  }

  private startError(error: unknown): unknown {
    if (error instanceof UnknownUserError) return new AppError('not_found', 'Recipient not found');
    if (error instanceof RoomTakenError) {
      return new AppError('invalid_state', 'Another open call already uses this room', { roomName: ['is in use by an open call'] });
    }
    if (error instanceof BusyError) return new AppError('user_busy', 'You or the recipient are already in a call');
    return error;
  }

  /** Busy because the other user is calling us right now: both want this conversation. */
  private async answerGlare(actor: Actor, otherUserId: string): Promise<CallView> {
    const theirs = await this.calls.findRinging(otherUserId, actor.userId);
    if (theirs) {
      const accepted = await this.moveCall(theirs.id, { to: 'ACTIVE', actorUserId: actor.userId }, actor);
      if (accepted) return accepted;
    }
    throw new AppError('user_busy', 'You or the recipient are already in a call');
  }

  accept(actor: Actor, callId: string): Promise<CallView> {
    return this.moveFromSeat(
      actor,
      'recipient',
      callId,
      { to: 'ACTIVE', actorUserId: actor.userId },
      'Only the recipient can accept this call',
    );
  }

  /**
   * The recipient's answer to the call ringing for them accepts it, in dialects where answering is
   * accepting (`webrtc:answer`); `callId`, when given, must name that call. Null when no call rings
   * for them (the answer is then only relayed). Most answers come in an accepted call: the
   * open-call index tells so without reading the call.
   */
  async answerRinging(actor: Actor, callId?: string): Promise<CallView | null> {
    const open = await this.openCalls.of(actor.userId);
    if (open?.status !== 'CALLING' || open.recipientUserId !== actor.userId || (callId && callId !== open.callId)) return null;
    return this.accept(actor, open.callId);
  }

  decline(actor: Actor, callId: string, reason?: string): Promise<CallView> {
    return this.moveFromSeat(
      actor,
      'recipient',
      callId,
      { to: 'DECLINED', actorUserId: actor.userId, reason },
      'Only the recipient can decline this call',
    );
  }

  cancel(actor: Actor, callId: string): Promise<CallView> {
    return this.moveFromSeat(actor, 'host', callId, { to: 'CANCELLED', actorUserId: actor.userId }, 'Only the caller can cancel this call');
  }

  /** A move only one party may make, in one statement; when it does not happen, the call is read to say why. */
  private async moveFromSeat(actor: Actor, seat: Seat['seat'], callId: string, move: Move, forbidden: string): Promise<CallView> {
    const moved = await this.moveCall(callId, move, actor, { seat, userId: actor.userId });
    if (moved) return moved;
    const call = await this.getForParty(actor.userId, callId);
    if ((seat === 'host' ? call.hostUserId : call.recipientUserId) !== actor.userId) throw new AppError('forbidden', forbidden);
    throw cannotMove(call.status, move.to);
  }

  /**
   * Hang up, whatever the state: an active call ends, a ringing one is cancelled by the caller
   * or declined by the recipient. DELETE /calls/:id and the dialects' end/hang-up events use it.
   */
  async hangUp(actor: Actor, callId: string, endReason: CallEndReason = 'hangup'): Promise<CallView> {
    const call = await this.getForParty(actor.userId, callId);
    if (call.status === 'ACTIVE') return this.mustMove(callId, { to: 'ENDED', actorUserId: actor.userId, endReason }, actor);
    if (call.status === 'CALLING') {
      const to: CallStatus = call.hostUserId === actor.userId ? 'CANCELLED' : 'DECLINED';
      return this.mustMove(callId, { to, actorUserId: actor.userId }, actor);
    }
    throw new AppError('invalid_state', `The call is already ${call.status}`);
  }

  /** Ends an active call for a reason of the server's own (nobody is left in it, its time is up); whether it did. */
  async endByServer(callId: string, endReason: CallEndReason): Promise<boolean> {
    return (await this.moveCall(callId, { to: 'ENDED', actorUserId: null, endReason })) !== null;
  }

  /** The open call known by `room` (a room name, or a call id) that `userId` is a party of. */
  async getOpenByRoom(userId: string, room: string): Promise<CallView> {
    const call = (await this.calls.findOpenByRoom(room)) ?? (await this.calls.findById(room));
    if (!call || (call.hostUserId !== userId && call.recipientUserId !== userId)) {
      throw new AppError('not_found', 'No open call in this room');
    }
    return toCallView(call);
  }

  /** As getForParty, but an open call with an empty seat is readable by whoever holds its id (a room link). */
  async getForLinkHolder(userId: string, callId: string): Promise<CallView> {
    const call = await this.calls.findById(callId);
    if (call && call.recipientUserId === null && isOpen(call.status)) return toCallView(call);
    return this.getForParty(userId, callId);
  }

  async getForParty(userId: string, callId: string): Promise<CallView> {
    const call = await this.calls.findById(callId);
    if (!call || (call.hostUserId !== userId && call.recipientUserId !== userId)) {
      throw new AppError('not_found', 'Call not found');
    }
    return toCallView(call);
  }

  async getWithParticipants(userId: string, callId: string) {
    const call = await this.getForParty(userId, callId);
    await this.participantRecords.flush();
    const participants = await this.calls.findParticipants(callId);
    return { ...call, participants: participants.map(toParticipantRecordView) };
  }

  /** Calls ringing or in progress, on every instance. */
  openCount(): Promise<number> {
    return this.calls.countOpen();
  }

  async current(userId: string): Promise<CallView | null> {
    const call = await this.calls.findOpenCallOf(userId);
    return call ? toCallView(call) : null;
  }

  async history(userId: string, options: { limit: number; cursor?: string; status?: CallStatus }) {
    const page: HistoryPage = await this.calls.history(userId, options);
    return { items: page.items.map(toCallView), nextCursor: page.nextCursor };
  }

  private async mustMove(callId: string, move: Move, actor?: Actor): Promise<CallView> {
    const moved = await this.moveCall(callId, move, actor);
    if (moved) return moved;
    const call = await this.calls.findById(callId);
    throw cannotMove(call?.status, move.to);
  }

  /** Applies a move once and tells both parties; null when the call was no longer movable. */
  private async moveCall(callId: string, move: Move, actor?: Actor, seat?: Seat): Promise<CallView | null> {
    const moved = await this.calls.move(callId, move, seat);
    if (!moved) return null;
    const call = toCallView(moved);
    // The move is stored: its bookkeeping in Redis must follow, so a brief outage (a Redis Cluster
    // failover) delays it rather than leaving the move untold and its caller told it failed.
    if (move.to !== 'CALLING') await retryWhileUnavailable(() => this.timers.cancel(RING, callId));
    if (actor && isOpen(call.status)) await retryWhileUnavailable(() => this.engage(callId, actor));
    await retryWhileUnavailable(() => this.openCalls.moved(call));
    const parties = partyIdsOf(call);
    const by = move.actorUserId;
    const notice = ((): CallNotice => {
      switch (move.to) {
        case 'ACTIVE':
          return { type: 'accepted', call, byUserId: by ?? call.recipientUserId ?? call.hostUserId };
        case 'DECLINED':
          return { type: 'declined', call, byUserId: by ?? call.recipientUserId ?? '', reason: move.reason };
        case 'CANCELLED':
          return { type: 'cancelled', call, byUserId: by };
        case 'MISSED':
          return { type: 'missed', call, reason: (move.reason as MissedReason) ?? 'timeout' };
        default:
          return { type: 'ended', call, byUserId: by, reason: move.endReason ?? 'hangup' };
      }
    })();
    this.notify(parties, notice, actor?.connectionId);
    const from = sourcesOf(move.to).length === 1 ? sourcesOf(move.to)[0] : null;
    this.announceMove(call, {
      from,
      to: move.to,
      actorUserId: move.actorUserId,
      reason: move.reason ?? move.endReason ?? null,
      parties: partiesOf(moved),
    });
    return call;
  }

  /**
   * Records the connection a party is in the call from (it started, accepted or joined there):
   * waited for, so that the other party's next signal finds it.
   */
  async engage(callId: string, actor: Actor): Promise<void> {
    if (actor.connectionId)
      await this.events.emitAndWait('call.engaged', { callId, userId: actor.userId, connectionId: actor.connectionId });
  }

  private announceMove(call: CallView, move: CallMove): void {
    this.events.emit('call.moved', { call, move });
  }

  private notify(userIds: string[], notice: CallNotice, exceptConnectionId?: string): void {
    if (notice.type === 'accepted') {
      // The accepting user's other connections are told apart: there the call was answered elsewhere.
      this.registry.sendToUsers(
        userIds.filter((id) => id !== notice.byUserId),
        notice,
        exceptConnectionId,
      );
      this.registry.sendToUsers([notice.byUserId], { ...notice, elsewhere: true }, exceptConnectionId);
    } else {
      this.registry.sendToUsers(userIds, notice, exceptConnectionId, notice.type === 'ringing' ? ringOnce(notice.call.id) : undefined);
    }
    this.events.emit('call.notice', { userIds, notice });
  }

  private async armRingTimer(callId: string): Promise<void> {
    await this.timers.schedule(RING, callId, this.config.calls.ringTimeoutMs);
  }

  private async tellNewConnection(connection: RealtimeConnection): Promise<void> {
    const { userId } = connection;
    // The first connection back within the grace ends it: the other party hears they are back.
    if (await this.timers.cancel(PARTY_GRACE, userId)) {
      inBackground(
        'reconnected notice',
        this.tellOtherParty(userId, (callId) => ({ type: 'participant-reconnected', callId, userId })),
      );
    }
    // Most connections' users are in no call: the index says so without loading one.
    if (!(await this.openCalls.of(userId))) return;
    const call = await this.calls.findOpenCallOf(userId);
    if (!call || (call.status !== 'CALLING' && call.status !== 'ACTIVE')) return;
    const view = toCallView(call);
    // The other party away (their grace running, or about to: a restart) is news to this connection too.
    const other = call.hostUserId === userId ? call.recipientUserId : call.hostUserId;
    const otherAway = call.status === 'ACTIVE' && other !== null && !(await this.registry.isOnline(other));
    // Looked up before the connection is told it is authenticated (so a call it starts itself is
    // not news to it), and sent after, in the same turn.
    setImmediate(() => {
      if (call.status === 'CALLING' && call.recipientUserId === connection.userId) {
        this.registry.deliverOnce(connection, { type: 'ringing', call: view }, ringOnce(call.id));
      } else {
        connection.deliver({ type: 'current-call', call: view });
      }
      if (otherAway) {
        connection.deliver({
          type: 'participant-reconnecting',
          callId: call.id,
          userId: other,
          graceMs: this.config.calls.reconnectGraceMs,
        });
      }
    });
  }

  /** Gone past the grace (CONTRACT.md §2): a call they are placing is cancelled, one they are in ends, and both parties are free. */
  private async leaveAbandoned(userId: string): Promise<void> {
    if (await this.registry.isOnline(userId)) return;
    const call = await this.calls.findOpenCallOf(userId);
    if (call?.status === 'CALLING' && call.hostUserId === userId) {
      await this.moveCall(call.id, { to: 'CANCELLED', actorUserId: userId, reason: 'connection_lost' });
    } else if (call?.status === 'ACTIVE') {
      await this.moveCall(call.id, { to: 'ENDED', actorUserId: null, endReason: 'connection_lost' });
    }
  }

  /** Calls left ringing past the ring timeout (their timer lost to a restart) become MISSED. */
  async sweepRinging(): Promise<void> {
    for (const call of await this.calls.findRingingSince(new Date(Date.now() - this.config.calls.ringTimeoutMs))) {
      await this.moveCall(call.id, { to: 'MISSED', actorUserId: null, reason: 'timeout' });
    }
  }

  /** Nobody stays busy with a call that is over, whatever left their slot behind. */
  async sweepClosedSlots(): Promise<void> {
    const freed = await this.calls.freeSlotsOfClosedCalls();
    if (freed > 0) this.logger.warn(`freed ${freed} busy slot(s) of calls that were over`);
  }

  /**
   * A party gone from an active call with no grace running for them (its timer lost with a restart
   * of the server or of Redis, or not armed while Redis was away): their grace starts now, and the
   * call ends when it runs out with them still gone, whatever the other party does (CONTRACT.md §2).
   */
  async sweepAbandoned(): Promise<void> {
    const graceMs = this.config.calls.reconnectGraceMs;
    const before = new Date(Date.now() - graceMs);
    for (
      let page = await this.calls.findActiveUpdatedBefore(before);
      page.length > 0;
      page = await this.calls.findActiveUpdatedBefore(before, page.at(-1)!.id)
    ) {
      for (const call of page) {
        for (const userId of [call.hostUserId, call.recipientUserId]) {
          if (!userId || (await this.registry.isOnline(userId))) continue;
          if (await this.timers.schedule(PARTY_GRACE, userId, graceMs, { unlessArmed: true })) this.tellReconnecting(userId);
        }
      }
    }
  }
}
