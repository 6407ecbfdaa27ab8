import type { NoticeType } from '../../realtime/realtime-notice';
import { CALL_MOVES, callView, NOTICES, noticesOtherThan, SESSION_NOTICES } from '../../../test/helpers/notices';
import { WsSignalingDialect } from './ws-signaling.dialect';

/** What the table has words for: the call's moves; this dialect has no media signaling. */
const RENDERED: NoticeType[] = [...CALL_MOVES, ...SESSION_NOTICES];

describe('the /ws/signaling/ dialect renderer (CONTRACT.md §7)', () => {
  // Rendering reads its table alone: the services it is built with stay unused.
  const dialect = new WsSignalingDialect(...([] as unknown as ConstructorParameters<typeof WsSignalingDialect>));

  it('rings with the room, how the caller asked to be shown, the callee role and the call id (ext)', () => {
    expect(dialect.render(NOTICES.ringing)).toEqual({
      type: 'call.ring',
      from_user_id: 'u-host',
      room_id: 'room-42',
      caller_display: 'Ada: Student',
      target_type: 'mentor',
      call_id: 'call-1',
    });
  });

  it('names a call started on another dialect by its id, and its caller by their name', () => {
    expect(dialect.render({ type: 'ringing', call: callView({ roomName: null, callerDisplay: null }) })).toEqual({
      type: 'call.ring',
      from_user_id: 'u-host',
      room_id: 'call-1',
      caller_display: 'Ada Host',
      target_type: 'mentor',
      call_id: 'call-1',
    });
    expect(dialect.render({ ...NOTICES.accepted, call: callView({ roomName: null }) })).toMatchObject({ room_id: 'call-1' });
  });

  it('answers, and tells how the call went on (ext), by room', () => {
    expect(dialect.render(NOTICES.accepted)).toEqual({
      type: 'call.accepted',
      from_user_id: 'u-recipient',
      room_id: 'room-42',
      call_id: 'call-1',
    });
    expect(dialect.render(NOTICES.declined)).toEqual({
      type: 'call.declined',
      from_user_id: 'u-recipient',
      room_id: 'room-42',
      call_id: 'call-1',
    });
    expect(dialect.render(NOTICES.cancelled)).toEqual({
      type: 'call.cancelled',
      from_user_id: 'u-host',
      room_id: 'room-42',
      call_id: 'call-1',
    });
    expect(dialect.render(NOTICES.missed)).toEqual({ type: 'call.missed', room_id: 'room-42', call_id: 'call-1', reason: 'timeout' });
    expect(dialect.render({ ...NOTICES.missed, reason: 'offline' })).toEqual({
      type: 'call.missed',
      room_id: 'room-42',
      call_id: 'call-1',
      reason: 'offline',
    });
    expect(dialect.render(NOTICES.ended)).toEqual({
      type: 'call.ended',
      from_user_id: 'u-recipient',
      room_id: 'room-42',
      call_id: 'call-1',
      reason: 'hangup',
    });
  });

  it('tells a connection that arrives mid-call of the call, by room (ext)', () => {
    expect(dialect.render({ type: 'current-call', call: callView({ status: 'CALLING', roomName: 'algebra-1' }) })).toEqual({
      type: 'call.current',
      from_user_id: 'u-host',
      to_user_id: 'u-recipient',
      room_id: 'algebra-1',
      call_id: 'call-1',
      status: 'calling',
    });
  });

  it('(ext) tells of the other party reconnecting and back', () => {
    expect(dialect.render(NOTICES['participant-reconnecting'])).toEqual({
      type: 'call.participant_reconnecting',
      user_id: 'u-host',
      call_id: 'call-1',
      grace_ms: 15000,
    });
    expect(dialect.render(NOTICES['participant-reconnected'])).toEqual({
      type: 'call.participant_reconnected',
      user_id: 'u-host',
      call_id: 'call-1',
    });
  });

  it('(ext) warns of the limit, and tells of an extension asked, granted and refused', () => {
    expect(dialect.render(NOTICES['time-warning'])).toMatchObject({ type: 'call.time_warning', seconds_left: 60 });
    expect(dialect.render(NOTICES['extension-requested'])).toMatchObject({
      type: 'call.extension_requested',
      requested_by: 'u-host',
      extra_s: 600,
    });
    expect(dialect.render(NOTICES['extension-answered'])).toMatchObject({
      type: 'call.extended',
      accepted_by: 'u-recipient',
      max_duration_s: 2400,
    });
    expect(
      dialect.render({ ...NOTICES['extension-answered'], accepted: false, endsAt: '2026-01-01T10:30:00.000Z', maxDurationS: 1800 }),
    ).toEqual({ type: 'call.extension_declined', call_id: 'call-1', declined_by: 'u-recipient', extra_s: 600 });
  });

  it.each(noticesOtherThan(RENDERED))('has no words for $type', (notice) => {
    expect(dialect.render(notice)).toBeNull();
  });
});
