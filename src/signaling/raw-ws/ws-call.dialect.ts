import { Injectable, Logger, Type } from '@nestjs/common';
import { CallRoomsService } from '../../calls/call-rooms.service';
import { CallsService } from '../../calls/calls.service';
import { OpenCallIndex } from '../../calls/open-call-index';
import { ConnectionRegistry } from '../../realtime/connection-registry.service';
import { AppError, ErrorBody } from '../../common/errors';
import { acceptedAtOnce, validateMessage } from '../../common/validation';
import { NoticeRenderers, RealtimeNotice, renderWith } from '../../realtime/realtime-notice';
import { RelayService } from '../../relay/relay.service';
import type { Signal, SignalKind } from '../../relay/signal';
import type { RawWsConnection } from './raw-ws-connection';
import { describeName, inFieldNames, limitAndReconnectWords, wireUserId, type RawWsDialect } from './raw-ws-dialect';
import {
  AnswerCallMessage,
  AnswerMessage,
  CancelCallMessage,
  HangUpMessage,
  IceCandidateMessage,
  IceRestartMessage,
  OfferMessage,
  RejectCallMessage,
  StartCallMessage,
} from './ws-call.dto';

/** The /ws/call/ dialect's words; it has no rooms, presence or help requests. */
const WS_CALL: NoticeRenderers<object> = {
  ringing: ({ call }) => ({
    type: 'incoming_call',
    call_id: call.id,
    caller_id: wireUserId(call.hostUserId),
    caller_username: call.host.displayName,
  }),
  accepted: (n) => ({ type: 'call_answered', callee_id: wireUserId(n.byUserId), call_id: n.call.id }),
  declined: (n) => ({ type: 'call_rejected', callee_id: wireUserId(n.byUserId), call_id: n.call.id }),
  cancelled: (n) => ({ type: 'call_cancelled', caller_id: wireUserId(n.call.hostUserId), call_id: n.call.id }),
  missed: (n) => ({ type: 'call_missed', call_id: n.call.id }),
  ended: (n) => ({ type: 'call_hanged_up', hanged_up_by: wireUserId(n.byUserId), call_id: n.call.id }),
  // (ext) As a connection arrives: the call its user is placing or is in.
  'current-call': ({ call }) => ({
    type: 'current_call',
    call_id: call.id,
    caller_id: wireUserId(call.hostUserId),
    callee_id: call.recipientUserId === null ? null : wireUserId(call.recipientUserId),
    status: call.status === 'ACTIVE' ? 'active' : 'calling',
  }),
  ...limitAndReconnectWords(''),
  signal: (n) => {
    if (n.kind === 'restart') return { type: 'ice_restart', sender_id: wireUserId(n.fromUserId), call_id: n.callId };
    if (n.kind === 'offer') return { type: 'call_offer', offer: n.payload, caller_id: wireUserId(n.fromUserId), call_id: n.callId };
    if (n.kind === 'answer') return { type: 'call_answer', answer: n.payload, callee_id: wireUserId(n.fromUserId), call_id: n.callId };
    if (n.kind === 'ice') return { type: 'ice_candidate', candidate: n.payload, sender_id: wireUserId(n.fromUserId), call_id: n.callId };
    return null;
  },
};

/** The /ws/call/ signaling messages: each names its peer and its payload in a field of its own. */
interface Relay {
  dto: Type<{ call_id?: string }>;
  kind: SignalKind;
  /** Method syntax: each message's functions take its own DTO. */
  to(message: { call_id?: string }): string;
  payload(message: { call_id?: string }): unknown;
}
const RELAYS = new Map<unknown, Relay>([
  ['offer', { dto: OfferMessage, kind: 'offer', to: (m: OfferMessage) => m.callee_id, payload: (m: OfferMessage) => m.offer }],
  ['answer', { dto: AnswerMessage, kind: 'answer', to: (m: AnswerMessage) => m.caller_id, payload: (m: AnswerMessage) => m.answer }],
  [
    'ice_candidate',
    { dto: IceCandidateMessage, kind: 'ice', to: (m: IceCandidateMessage) => m.peer_id, payload: (m: IceCandidateMessage) => m.candidate },
  ],
  ['ice_restart', { dto: IceRestartMessage, kind: 'restart', to: (m: IceRestartMessage) => m.peer_id, payload: () => null }],
]);

const signalOf = (relay: Relay, message: { call_id?: string }): Signal => ({
  kind: relay.kind,
  payload: relay.payload(message),
  to: { userId: relay.to(message), callId: message.call_id },
});

/** The /ws/call/ dialect: raw WebSocket at /ws/call/, `action` in, `type` out, snake_case (CONTRACT.md §6). */
/** The call core's names for the fields of this protocol's messages. */
const FIELD_NAMES: Record<string, string> = { recipientUserId: 'callee_id', maxDurationS: 'max_duration_s' };

@Injectable()
export class WsCallDialect implements RawWsDialect {
  private readonly logger = new Logger('WsCall');
  readonly name = 'ws-call';
  readonly path = '/ws/call/';

  constructor(
    private readonly calls: CallsService,
    private readonly openCalls: OpenCallIndex,
    private readonly rooms: CallRoomsService,
    private readonly relays: RelayService,
    private readonly registry: ConnectionRegistry,
  ) {}

  handle(connection: RawWsConnection, message: Record<string, unknown>): Promise<void> | undefined {
    const { action, ...fields } = message;
    const relay = RELAYS.get(action);
    if (!relay) return this.handleCall(connection, action, fields);
    const m = acceptedAtOnce(relay.dto, fields);
    const signal = m ? signalOf(relay, m) : () => validateMessage(relay.dto, fields).then((checked) => signalOf(relay, checked));
    return this.relays.relay(connection.actor, signal);
  }

  private async handleCall(connection: RawWsConnection, action: unknown, fields: Record<string, unknown>): Promise<void> {
    const actor = connection.actor;
    switch (action) {
      case 'start_call': {
        const m = await validateMessage(StartCallMessage, fields);
        const { call, created } = await this.calls.start(actor, { recipientUserId: m.callee_id, maxDurationS: m.max_duration_s });
        connection.send({ type: 'call_started', call_id: call.id, callee_id: wireUserId(m.callee_id) });
        // Glare: the start answered the callee's own ringing call.
        if (!created) connection.send({ type: 'call_answered', callee_id: wireUserId(m.callee_id), call_id: call.id });
        if (call.status !== 'MISSED') await this.enterRoom(connection, call.id);
        return;
      }
      case 'answer_call': {
        const callId = (await validateMessage(AnswerCallMessage, fields)).call_id;
        await this.calls.accept(actor, callId);
        await this.enterRoom(connection, callId);
        return;
      }
      case 'reject_call':
        await this.calls.decline(actor, (await validateMessage(RejectCallMessage, fields)).call_id);
        return;
      case 'cancel_call': {
        const m = await validateMessage(CancelCallMessage, fields);
        await this.calls.cancel(actor, m.call_id ?? (await this.openCallWith(actor.userId, m.callee_id)));
        return;
      }
      case 'hang_up': {
        const m = await validateMessage(HangUpMessage, fields);
        await this.calls.hangUp(actor, m.call_id ?? (await this.openCallWith(actor.userId, m.peer_id)));
        return;
      }
      default:
        throw new AppError('validation_failed', `Unknown action ${describeName(action)}`, {
          action: ['must be one of start_call, answer_call, reject_call, cancel_call, offer, answer, ice_candidate, hang_up'],
        });
    }
  }

  /**
   * The call a message without `call_id` means: the sender's open call (a user has at most one),
   * if it is with `peerId` when that is given. The protocol's caller is never told a call id
   * (`call_started` adds it), so its clients cancel and hang up by the peer alone.
   */
  private async openCallWith(userId: string, peerId: string | undefined): Promise<string> {
    const open = await this.openCalls.of(userId);
    if (!open || (peerId !== undefined && open.hostUserId !== peerId && open.recipientUserId !== peerId))
      throw new AppError('not_found', peerId === undefined ? 'You have no open call' : 'You have no open call with this peer');
    return open.callId;
  }

  /**
   * Back mid-call on a new connection (its app reloaded, its network changed): it enters the call's
   * room in place of the one it lost, as it has no joinCall of its own, so the call goes on. While
   * another device of the user is still in the room, the call stays there.
   */
  async arrived(connection: RawWsConnection): Promise<void> {
    try {
      await this.takeLostPlace(connection);
    } catch (error) {
      // Told of its call (current_call) all the same; its next start or answer enters the room.
      this.logger.warn(`a connection back mid-call was not put in its room: ${(error as Error).message}`);
    }
  }

  private async takeLostPlace(connection: RawWsConnection): Promise<void> {
    // Gone again while it was booked: a room entry now would never be taken out.
    if (!this.registry.local(connection.id)) return;
    const open = await this.openCalls.of(connection.userId);
    if (open?.status !== 'ACTIVE') return;
    const mine = (await this.rooms.participants(open.callId)).filter(
      (p) => p.userId === connection.userId && p.connectionId !== connection.id,
    );
    if (mine.length === 0) return;
    for (const { connectionId } of mine) if (await this.registry.userOf(connectionId)) return;
    if (this.registry.local(connection.id)) await this.enterRoom(connection, open.callId);
  }

  /**
   * The /ws/call/ dialect has no rooms: its connections enter the call's room when they start or answer, so
   * peers of room-based dialects see them (userJoined) and can address signaling to them.
   */
  private async enterRoom(connection: RawWsConnection, callId: string): Promise<void> {
    await this.rooms
      .join(connection.actor, callId, { hasVideo: false, hasAudio: true }, connection.user.displayName)
      .catch((error: unknown) => {
        // Closed since (declined at once, hung up): no room to enter, and the step before it stands.
        if (!(error instanceof AppError && error.code === 'invalid_state')) throw error;
      });
  }

  render(notice: RealtimeNotice): object | null {
    return renderWith(WS_CALL, notice);
  }

  /** Fields the call core names in its errors are named as this protocol names them. */
  renderError(error: ErrorBody, message: Record<string, unknown> | undefined): object {
    const action = typeof message?.action === 'string' ? message.action : null;
    return { type: 'error', action, ...inFieldNames(error, FIELD_NAMES) };
  }
}
