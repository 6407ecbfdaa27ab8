import type { NoticeType } from '../realtime/realtime-notice';
import { CALL_MOVES, callView, NOTICES, noticesOtherThan, SESSION_NOTICES } from '../../test/helpers/notices';
import { renderInstant } from './instant.renderer';

/** What the table has words for: the call's moves only; rooms and relays are not in this dialect. */
const RENDERED: NoticeType[] = [...CALL_MOVES, ...SESSION_NOTICES];

describe("the instant dialect renderer (CONTRACT.md §8), whose closing events carry the InstantMentor app's fields too", () => {
  it("rings with the caller's name and role, and the call type", () => {
    expect(renderInstant(NOTICES.ringing)).toEqual([
      'incoming_call',
      { call_id: 'call-1', from_user_id: 'u-host', from_name: 'Ada Host', from_role: 'student', call_type: 'video' },
    ]);
    expect(renderInstant({ type: 'ringing', call: callView({ hasVideo: false }) })).toEqual([
      'incoming_call',
      expect.objectContaining({ call_type: 'audio' }),
    ]);
  });

  it("accepts and rejects by user, with the decliner's reason or null", () => {
    expect(renderInstant(NOTICES.accepted)).toEqual([
      'call_accepted',
      { call_id: 'call-1', by_user_id: 'u-recipient', callId: 'call-1', acceptedBy: 'u-recipient' },
    ]);
    expect(renderInstant(NOTICES.declined)).toEqual([
      'call_rejected',
      { call_id: 'call-1', by_user_id: 'u-recipient', reason: 'In a lesson', callId: 'call-1', rejectedBy: 'u-recipient' },
    ]);
    expect(renderInstant({ ...NOTICES.declined, reason: undefined })).toEqual([
      'call_rejected',
      { call_id: 'call-1', by_user_id: 'u-recipient', reason: null, callId: 'call-1', rejectedBy: 'u-recipient' },
    ]);
  });

  it('closes every other way with one call_ended, saying why in reason', () => {
    const ended = (by: string | null, reason: string) => [
      'call_ended',
      { call_id: 'call-1', by_user_id: by, reason, callId: 'call-1', endedBy: by },
    ];
    expect(renderInstant(NOTICES.cancelled)).toEqual(ended('u-host', 'cancelled'));
    expect(renderInstant(NOTICES.missed)).toEqual(ended(null, 'missed'));
    expect(renderInstant({ ...NOTICES.missed, reason: 'offline' })).toEqual(ended(null, 'missed'));
    expect(renderInstant(NOTICES.ended)).toEqual(ended('u-recipient', 'hangup'));
    expect(renderInstant({ ...NOTICES.ended, byUserId: null, reason: 'connection_lost' })).toEqual(ended(null, 'connection_lost'));
  });

  it("tells the accepting user's other connections the same as the caller: section 8's clients compare by_user_id", () => {
    expect(renderInstant({ ...NOTICES.accepted, elsewhere: true })).toEqual(renderInstant(NOTICES.accepted));
  });

  it("tells a connection that arrives mid-call of the call, in section 8's fields and the InstantMentor app's", () => {
    expect(renderInstant(NOTICES['current-call'])).toEqual([
      'current_call',
      {
        call_id: 'call-1',
        caller_id: 'u-host',
        callee_id: 'u-recipient',
        call_type: 'video',
        status: 'active',
        callId: 'call-1',
        callerId: 'u-host',
        receiverId: 'u-recipient',
        callType: 'video',
      },
    ]);
    expect(renderInstant({ type: 'current-call', call: callView({ status: 'CALLING', hasVideo: false }) })).toEqual([
      'current_call',
      expect.objectContaining({ status: 'calling', call_type: 'audio' }),
    ]);
  });

  it('(ext) tells of the other party reconnecting and back, in both field sets', () => {
    expect(renderInstant(NOTICES['participant-reconnecting'])).toEqual([
      'participant_reconnecting',
      { call_id: 'call-1', user_id: 'u-host', grace_ms: 15000, callId: 'call-1', userId: 'u-host', graceMs: 15000 },
    ]);
    expect(renderInstant(NOTICES['participant-reconnected'])).toEqual([
      'participant_reconnected',
      { call_id: 'call-1', user_id: 'u-host', callId: 'call-1', userId: 'u-host' },
    ]);
  });

  it('(ext) warns of the limit, and tells of an extension asked, granted and refused, in both field sets', () => {
    expect(renderInstant(NOTICES['time-warning'])).toEqual([
      'call_time_warning',
      {
        call_id: 'call-1',
        seconds_left: 60,
        ends_at: '2026-01-01T10:30:00.000Z',
        callId: 'call-1',
        secondsLeft: 60,
        endsAt: '2026-01-01T10:30:00.000Z',
      },
    ]);
    expect(renderInstant(NOTICES['extension-requested'])).toEqual([
      'call_extension_requested',
      {
        call_id: 'call-1',
        by_user_id: 'u-host',
        extra_s: 600,
        expires_at: '2026-01-01T10:29:00.000Z',
        callId: 'call-1',
        requestedBy: 'u-host',
        extraS: 600,
        expiresAt: '2026-01-01T10:29:00.000Z',
      },
    ]);
    expect(renderInstant(NOTICES['extension-answered'])).toEqual([
      'call_extended',
      {
        call_id: 'call-1',
        by_user_id: 'u-recipient',
        extra_s: 600,
        ends_at: '2026-01-01T10:40:00.000Z',
        max_duration_s: 2400,
        callId: 'call-1',
        acceptedBy: 'u-recipient',
        extraS: 600,
        endsAt: '2026-01-01T10:40:00.000Z',
        maxDurationS: 2400,
      },
    ]);
    expect(
      renderInstant({ ...NOTICES['extension-answered'], accepted: false, endsAt: '2026-01-01T10:30:00.000Z', maxDurationS: 1800 }),
    ).toEqual([
      'call_extension_declined',
      { call_id: 'call-1', by_user_id: 'u-recipient', extra_s: 600, callId: 'call-1', declinedBy: 'u-recipient', extraS: 600 },
    ]);
  });

  it.each(noticesOtherThan(RENDERED))('has no words for $type', (notice) => {
    expect(renderInstant(notice)).toBeNull();
  });
});
