import type { NoticeType } from '../realtime/realtime-notice';
import { CALL_MOVES, callView, NOTICES, noticesOtherThan, SESSION_NOTICES } from '../../test/helpers/notices';
import { renderWebrtc } from './webrtc.renderer';

/** What the table has words for: the call's moves and the relay; rooms are not in this dialect. */
const RENDERED: NoticeType[] = [...CALL_MOVES, 'signal', ...SESSION_NOTICES];

describe('the webrtc dialect renderer (CONTRACT.md §5)', () => {
  it('rings with the caller, the call id and the room name', () => {
    expect(renderWebrtc(NOTICES.ringing)).toEqual(['webrtc:incoming-call', { from: 'u-host', callId: 'call-1', room_name: 'room-42' }]);
    expect(renderWebrtc({ type: 'ringing', call: callView({ roomName: null }) })).toEqual([
      'webrtc:incoming-call',
      { from: 'u-host', callId: 'call-1', room_name: null },
    ]);
  });

  it('tells the caller who accepted (ext)', () => {
    expect(renderWebrtc(NOTICES.accepted)).toEqual(['webrtc:call-accepted', { from: 'u-recipient', callId: 'call-1' }]);
  });

  it('closes every way with webrtc:end-call, saying how in reason', () => {
    expect(renderWebrtc(NOTICES.declined)).toEqual(['webrtc:end-call', { from: 'u-recipient', callId: 'call-1', reason: 'declined' }]);
    expect(renderWebrtc(NOTICES.cancelled)).toEqual(['webrtc:end-call', { from: 'u-host', callId: 'call-1', reason: 'cancelled' }]);
    expect(renderWebrtc(NOTICES.missed)).toEqual(['webrtc:end-call', { from: null, callId: 'call-1', reason: 'missed' }]);
    expect(renderWebrtc(NOTICES.ended)).toEqual(['webrtc:end-call', { from: 'u-recipient', callId: 'call-1', reason: 'hangup' }]);
    expect(renderWebrtc({ ...NOTICES.ended, byUserId: null, reason: 'ended_by_api' })).toEqual([
      'webrtc:end-call',
      { from: null, callId: 'call-1', reason: 'ended_by_api' },
    ]);
  });

  it('relays offers and answers as sdp, and ICE candidates, from the sending user', () => {
    expect(renderWebrtc(NOTICES.signal)).toEqual(['webrtc:offer', { from: 'u-joiner', callId: 'call-1', sdp: { sdp: 'v=0' } }]);
    expect(renderWebrtc({ ...NOTICES.signal, kind: 'answer', payload: 'v=1' })).toEqual([
      'webrtc:answer',
      { from: 'u-joiner', callId: 'call-1', sdp: 'v=1' },
    ]);
    expect(renderWebrtc({ ...NOTICES.signal, kind: 'ice', payload: { candidate: 'c' } })).toEqual([
      'webrtc:ice-candidate',
      { from: 'u-joiner', callId: 'call-1', candidate: { candidate: 'c' } },
    ]);
  });

  it("has no words for the InstantMentor app's relayed hang-up", () => {
    expect(renderWebrtc({ ...NOTICES.signal, kind: 'hangup' })).toBeNull();
  });

  it('tells a connection that arrives mid-call of the call, from caller to callee', () => {
    expect(renderWebrtc(NOTICES['current-call'])).toEqual([
      'webrtc:current-call',
      { callId: 'call-1', from: 'u-host', to: 'u-recipient', status: 'ACTIVE', room_name: 'room-42' },
    ]);
  });

  it('(ext) tells of the other party reconnecting and back, and relays a request for an ICE restart', () => {
    expect(renderWebrtc(NOTICES['participant-reconnecting'])).toEqual([
      'webrtc:participant-reconnecting',
      { from: 'u-host', callId: 'call-1', graceMs: 15000 },
    ]);
    expect(renderWebrtc(NOTICES['participant-reconnected'])).toEqual([
      'webrtc:participant-reconnected',
      { from: 'u-host', callId: 'call-1' },
    ]);
    expect(renderWebrtc({ ...NOTICES.signal, kind: 'restart' as const, payload: null })).toEqual([
      'webrtc:restart',
      { from: 'u-joiner', callId: 'call-1' },
    ]);
  });

  it('(ext) warns of the limit, and tells of an extension asked, granted and refused', () => {
    expect(renderWebrtc(NOTICES['time-warning'])).toEqual([
      'webrtc:time-warning',
      { callId: 'call-1', secondsLeft: 60, endsAt: '2026-01-01T10:30:00.000Z' },
    ]);
    expect(renderWebrtc(NOTICES['extension-requested'])).toEqual([
      'webrtc:extension-requested',
      { from: 'u-host', callId: 'call-1', extraS: 600, expiresAt: '2026-01-01T10:29:00.000Z' },
    ]);
    expect(renderWebrtc(NOTICES['extension-answered'])).toEqual([
      'webrtc:call-extended',
      { from: 'u-recipient', callId: 'call-1', extraS: 600, endsAt: '2026-01-01T10:40:00.000Z', maxDurationS: 2400 },
    ]);
    expect(
      renderWebrtc({ ...NOTICES['extension-answered'], accepted: false, endsAt: '2026-01-01T10:30:00.000Z', maxDurationS: 1800 }),
    ).toEqual(['webrtc:extension-declined', { from: 'u-recipient', callId: 'call-1', extraS: 600 }]);
  });

  it.each(noticesOtherThan(RENDERED))('has no words for $type', (notice) => {
    expect(renderWebrtc(notice)).toBeNull();
  });
});
