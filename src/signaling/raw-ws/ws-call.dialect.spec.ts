import type { NoticeType } from '../../realtime/realtime-notice';
import { CALL_MOVES, callView, NOTICES, noticesOtherThan, SESSION_NOTICES } from '../../../test/helpers/notices';
import { WsCallDialect } from './ws-call.dialect';

/** What the table has words for: no rooms, presence or help requests in this dialect. */
const RENDERED: NoticeType[] = [...CALL_MOVES, 'signal', ...SESSION_NOTICES];

describe('the /ws/call/ dialect renderer (CONTRACT.md §6)', () => {
  // Rendering reads its table alone: the services it is built with stay unused.
  const dialect = new WsCallDialect(...([] as unknown as ConstructorParameters<typeof WsCallDialect>));

  it('rings with the caller and their name', () => {
    expect(dialect.render(NOTICES.ringing)).toEqual({
      type: 'incoming_call',
      call_id: 'call-1',
      caller_id: 'u-host',
      caller_username: 'Ada Host',
    });
  });

  it('answers, rejects, cancels, misses and hangs up, naming the side that did it', () => {
    expect(dialect.render(NOTICES.accepted)).toEqual({ type: 'call_answered', callee_id: 'u-recipient', call_id: 'call-1' });
    expect(dialect.render(NOTICES.declined)).toEqual({ type: 'call_rejected', callee_id: 'u-recipient', call_id: 'call-1' });
    expect(dialect.render(NOTICES.cancelled)).toEqual({ type: 'call_cancelled', caller_id: 'u-host', call_id: 'call-1' });
    expect(dialect.render(NOTICES.missed)).toEqual({ type: 'call_missed', call_id: 'call-1' });
    expect(dialect.render(NOTICES.ended)).toEqual({ type: 'call_hanged_up', hanged_up_by: 'u-recipient', call_id: 'call-1' });
    expect(dialect.render({ ...NOTICES.ended, byUserId: null })).toEqual({ type: 'call_hanged_up', hanged_up_by: null, call_id: 'call-1' });
  });

  it('relays an offer from the caller, an answer from the callee and ICE candidates from either', () => {
    expect(dialect.render(NOTICES.signal)).toEqual({ type: 'call_offer', offer: { sdp: 'v=0' }, caller_id: 'u-joiner', call_id: 'call-1' });
    expect(dialect.render({ ...NOTICES.signal, kind: 'answer', payload: { sdp: 'v=1' } })).toEqual({
      type: 'call_answer',
      answer: { sdp: 'v=1' },
      callee_id: 'u-joiner',
      call_id: 'call-1',
    });
    expect(dialect.render({ ...NOTICES.signal, kind: 'ice', payload: { candidate: 'c' } })).toEqual({
      type: 'ice_candidate',
      candidate: { candidate: 'c' },
      sender_id: 'u-joiner',
      call_id: 'call-1',
    });
  });

  it("has no words for the InstantMentor app's relayed hang-up", () => {
    expect(dialect.render({ ...NOTICES.signal, kind: 'hangup' })).toBeNull();
  });

  it('sends integer user ids as JSON numbers, as the protocol shows them; other ids as strings', () => {
    const call = callView({ hostUserId: '720', host: { ...callView().host, id: '720' } });
    expect(dialect.render({ type: 'ringing', call })).toMatchObject({ caller_id: 720 });
    expect(dialect.render({ ...NOTICES.signal, fromUserId: '721' })).toMatchObject({ caller_id: 721 });
    expect(dialect.render({ ...NOTICES.ended, byUserId: '0' })).toMatchObject({ hanged_up_by: 0 });
    for (const id of ['007', '9007199254740993', '-1', '1.5', '72a']) {
      expect(dialect.render({ ...NOTICES.ended, byUserId: id })).toMatchObject({ hanged_up_by: id });
    }
  });

  it('tells a connection that arrives mid-call of the call (ext)', () => {
    expect(dialect.render(NOTICES['current-call'])).toEqual({
      type: 'current_call',
      call_id: 'call-1',
      caller_id: 'u-host',
      callee_id: 'u-recipient',
      status: 'active',
    });
  });

  it('(ext) tells of the other party reconnecting and back, and relays ice_restart', () => {
    expect(dialect.render(NOTICES['participant-reconnecting'])).toEqual({
      type: 'participant_reconnecting',
      user_id: 'u-host',
      call_id: 'call-1',
      grace_ms: 15000,
    });
    expect(dialect.render(NOTICES['participant-reconnected'])).toEqual({
      type: 'participant_reconnected',
      user_id: 'u-host',
      call_id: 'call-1',
    });
    expect(dialect.render({ ...NOTICES.signal, kind: 'restart' as const, payload: null })).toEqual({
      type: 'ice_restart',
      sender_id: 'u-joiner',
      call_id: 'call-1',
    });
  });

  it('(ext) warns of the limit, and tells of an extension asked, granted and refused', () => {
    expect(dialect.render(NOTICES['time-warning'])).toEqual({
      type: 'time_warning',
      call_id: 'call-1',
      seconds_left: 60,
      ends_at: '2026-01-01T10:30:00.000Z',
    });
    expect(dialect.render(NOTICES['extension-requested'])).toEqual({
      type: 'extension_requested',
      call_id: 'call-1',
      requested_by: 'u-host',
      extra_s: 600,
      expires_at: '2026-01-01T10:29:00.000Z',
    });
    expect(dialect.render(NOTICES['extension-answered'])).toEqual({
      type: 'call_extended',
      call_id: 'call-1',
      accepted_by: 'u-recipient',
      extra_s: 600,
      ends_at: '2026-01-01T10:40:00.000Z',
      max_duration_s: 2400,
    });
    expect(
      dialect.render({ ...NOTICES['extension-answered'], accepted: false, endsAt: '2026-01-01T10:30:00.000Z', maxDurationS: 1800 }),
    ).toEqual({ type: 'extension_declined', call_id: 'call-1', declined_by: 'u-recipient', extra_s: 600 });
  });

  it.each(noticesOtherThan(RENDERED))('has no words for $type', (notice) => {
    expect(dialect.render(notice)).toBeNull();
  });
});
