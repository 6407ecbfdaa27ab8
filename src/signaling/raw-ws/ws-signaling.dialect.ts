import { Injectable } from '@nestjs/common';
import { CallsService } from '../../calls/calls.service';
import type { CallView } from '../../calls/call.presenter';
import { AppError, ErrorBody } from '../../common/errors';
import { validateMessage } from '../../common/validation';
import { NoticeRenderers, RealtimeNotice, renderWith } from '../../realtime/realtime-notice';
import type { RawWsConnection } from './raw-ws-connection';
import { describeName, inFieldNames, limitAndReconnectWords, wireUserId, type RawWsDialect } from './raw-ws-dialect';
import { InviteMessage, ResponseMessage } from './ws-signaling.dto';

/** The call core's names for the fields of `call.invite` and `call.response`. */
const FIELD_NAMES: Record<string, string> = { recipientUserId: 'to_user_id', recipientRole: 'target_type', roomName: 'room_id' };

/** The room a /ws/signaling/ client knows a call by: its room name, or its id if it was started elsewhere. */
const roomOf = (call: CallView) => call.roomName ?? call.id;

/** The /ws/signaling/ dialect's words. Its protocol stops at the response; cancelled, missed and ended (ext) tell its clients how the call went on. */
const WS_SIGNALING: NoticeRenderers<object> = {
  ringing: ({ call }) => ({
    type: 'call.ring',
    from_user_id: wireUserId(call.hostUserId),
    room_id: roomOf(call),
    caller_display: call.callerDisplay ?? call.host.displayName,
    target_type: call.recipient?.role,
    call_id: call.id,
  }),
  accepted: (n) => ({ type: 'call.accepted', from_user_id: wireUserId(n.byUserId), room_id: roomOf(n.call), call_id: n.call.id }),
  declined: (n) => ({ type: 'call.declined', from_user_id: wireUserId(n.byUserId), room_id: roomOf(n.call), call_id: n.call.id }),
  cancelled: (n) => ({ type: 'call.cancelled', from_user_id: wireUserId(n.byUserId), room_id: roomOf(n.call), call_id: n.call.id }),
  missed: (n) => ({ type: 'call.missed', room_id: roomOf(n.call), call_id: n.call.id, reason: n.reason }),
  ended: (n) => ({
    type: 'call.ended',
    from_user_id: wireUserId(n.byUserId),
    room_id: roomOf(n.call),
    call_id: n.call.id,
    reason: n.reason,
  }),
  // (ext) As a connection arrives: the call its user is placing or is in.
  'current-call': ({ call }) => ({
    type: 'call.current',
    from_user_id: wireUserId(call.hostUserId),
    to_user_id: call.recipientUserId === null ? null : wireUserId(call.recipientUserId),
    room_id: roomOf(call),
    call_id: call.id,
    status: call.status === 'ACTIVE' ? 'active' : 'calling',
  }),
  ...limitAndReconnectWords('call.'),
};

/**
 * The /ws/signaling/ dialect: raw WebSocket at /ws/signaling/ (CONTRACT.md §7): invitations and responses between
 * a student and a mentor or tutor, with `room_id` naming the call. It has no media signaling;
 * `call_id` (ext) lets its clients continue the call on another dialect.
 */
@Injectable()
export class WsSignalingDialect implements RawWsDialect {
  readonly name = 'ws-signaling';
  readonly path = '/ws/signaling/';

  constructor(private readonly calls: CallsService) {}

  answersAtOnce(message: Record<string, unknown>): boolean {
    return message.type === 'ping';
  }

  greeting(connection: RawWsConnection) {
    return { type: 'connection_established', user_id: wireUserId(connection.userId) };
  }

  async handle(connection: RawWsConnection, message: Record<string, unknown>): Promise<void> {
    const { type, ...fields } = message;
    const actor = connection.actor;
    switch (type) {
      case 'ping':
        connection.send({ type: 'pong' });
        return;
      case 'call.invite': {
        const m = await validateMessage(InviteMessage, fields);
        const { call, created } = await this.calls.start(actor, {
          recipientUserId: m.to_user_id,
          recipientRole: m.target_type,
          roomName: m.room_id,
          callerDisplay: m.caller_display ?? null,
          maxDurationS: m.max_duration_s,
        });
        connection.send({
          type: 'invite.sent',
          to_user_id: wireUserId(m.to_user_id),
          room_id: roomOf(call),
          target_type: m.target_type,
          call_id: call.id,
        });
        // Glare: the one invited was calling the sender, whose invitation answered that call. The
        // sender hears it as its invitation accepted by the one invited: the call is on.
        if (!created) connection.send(WS_SIGNALING.accepted!({ type: 'accepted', call, byUserId: call.hostUserId })!);
        return;
      }
      case 'call.response': {
        const m = await validateMessage(ResponseMessage, fields);
        const call = await this.calls.getOpenByRoom(connection.userId, m.room_id);
        if (m.accept) await this.calls.accept(actor, call.id);
        else await this.calls.decline(actor, call.id);
        connection.send({
          type: 'response.sent',
          to_user_id: wireUserId(m.to_user_id),
          room_id: m.room_id,
          accept: m.accept,
          call_id: call.id,
        });
        return;
      }
      default:
        throw new AppError('validation_failed', `Unknown message type ${describeName(type)}`, {
          type: ['must be one of call.invite, call.response, ping'],
        });
    }
  }

  render(notice: RealtimeNotice): object | null {
    return renderWith(WS_SIGNALING, notice);
  }

  /** Fields the call core names in its errors are named as this protocol names them. */
  renderError(error: ErrorBody): object {
    return { type: 'error', ...inFieldNames(error, FIELD_NAMES) };
  }
}
