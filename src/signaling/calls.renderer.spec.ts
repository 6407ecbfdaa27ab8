import type { NoticeType } from '../realtime/realtime-notice';
import { CALL_MOVES, callView, NOTICES, noticesOtherThan, SESSION_NOTICES } from '../../test/helpers/notices';
import { renderCalls } from './calls.renderer';

/** What the table has words for; `joined` is answered to the joiner by the gateway itself. */
const RENDERED: NoticeType[] = [...CALL_MOVES, 'participant-joined', 'participant-left', 'media-toggled', 'signal', ...SESSION_NOTICES];

describe('the calls dialect renderer (CONTRACT.md §3)', () => {
  it('rings with the caller, when, and whether with video', () => {
    expect(renderCalls(NOTICES.ringing)).toEqual([
      'incomingCall',
      {
        callId: 'call-1',
        caller: { userId: 'u-host', name: 'Ada Host', avatarUrl: 'https://cdn.example/ada.png' },
        timestamp: '2026-01-01T10:00:00.000Z',
        hasVideo: true,
      },
    ]);
    expect(renderCalls({ type: 'ringing', call: callView({ hasVideo: false }) })).toEqual([
      'incomingCall',
      expect.objectContaining({ hasVideo: false }),
    ]);
  });

  it('names who moved the call, and why it closed', () => {
    expect(renderCalls(NOTICES.accepted)).toEqual(['callAccepted', { callId: 'call-1', acceptedBy: 'u-recipient' }]);
    expect(renderCalls(NOTICES.declined)).toEqual(['callDeclined', { callId: 'call-1', declinedBy: 'u-recipient' }]);
    expect(renderCalls(NOTICES.cancelled)).toEqual(['callCancelled', { callId: 'call-1', cancelledBy: 'u-host' }]);
    expect(renderCalls({ ...NOTICES.cancelled, byUserId: null })).toEqual(['callCancelled', { callId: 'call-1', cancelledBy: null }]);
    expect(renderCalls(NOTICES.missed)).toEqual(['callMissed', { callId: 'call-1', reason: 'timeout' }]);
    expect(renderCalls({ ...NOTICES.missed, reason: 'offline' })).toEqual(['callMissed', { callId: 'call-1', reason: 'offline' }]);
    expect(renderCalls(NOTICES.ended)).toEqual(['callEnded', { callId: 'call-1', endedBy: 'u-recipient', reason: 'hangup' }]);
    expect(renderCalls({ ...NOTICES.ended, byUserId: null, reason: 'last_participant_left' })).toEqual([
      'callEnded',
      { callId: 'call-1', endedBy: null, reason: 'last_participant_left' },
    ]);
  });

  it('tells the room who joined, who left and whose media changed, by socket id', () => {
    expect(renderCalls(NOTICES['participant-joined'])).toEqual([
      'userJoined',
      { socketId: 'conn-7', userId: 'u-joiner', userName: 'Joiner', hasVideo: false, hasAudio: true, callId: 'call-1' },
    ]);
    expect(renderCalls(NOTICES['participant-left'])).toEqual([
      'participantLeft',
      { socketId: 'conn-7', userId: 'u-joiner', callId: 'call-1' },
    ]);
    expect(renderCalls(NOTICES['media-toggled'])).toEqual([
      'participantVideoToggled',
      { socketId: 'conn-7', enabled: false, userId: 'u-joiner', callId: 'call-1' },
    ]);
    expect(renderCalls({ ...NOTICES['media-toggled'], kind: 'audio', enabled: true })).toEqual([
      'participantAudioToggled',
      { socketId: 'conn-7', enabled: true, userId: 'u-joiner', callId: 'call-1' },
    ]);
  });

  it("relays offers, answers and ICE candidates with the sender's socket id", () => {
    const from = { senderId: 'conn-7', callId: 'call-1', userId: 'u-joiner' };
    expect(renderCalls(NOTICES.signal)).toEqual(['offer', { offer: { sdp: 'v=0' }, ...from }]);
    expect(renderCalls({ ...NOTICES.signal, kind: 'answer', payload: { sdp: 'v=1' } })).toEqual([
      'answer',
      { answer: { sdp: 'v=1' }, ...from },
    ]);
    expect(renderCalls({ ...NOTICES.signal, kind: 'ice', payload: { candidate: 'c' } })).toEqual([
      'iceCandidate',
      { candidate: { candidate: 'c' }, ...from },
    ]);
  });

  it("has no words for the InstantMentor app's relayed hang-up", () => {
    expect(renderCalls({ ...NOTICES.signal, kind: 'hangup' })).toBeNull();
  });

  it('tells a connection that arrives mid-call of the call, whole, so it can rejoin', () => {
    expect(renderCalls(NOTICES['current-call'])).toEqual(['currentCall', { call: NOTICES['current-call'].call }]);
  });

  it('(ext) tells of the other party reconnecting and back, and relays a request for an ICE restart', () => {
    expect(renderCalls(NOTICES['participant-reconnecting'])).toEqual([
      'participantReconnecting',
      { callId: 'call-1', userId: 'u-host', graceMs: 15000 },
    ]);
    expect(renderCalls(NOTICES['participant-reconnected'])).toEqual(['participantReconnected', { callId: 'call-1', userId: 'u-host' }]);
    expect(renderCalls({ ...NOTICES.signal, kind: 'restart' as const, payload: null })).toEqual([
      'iceRestart',
      { senderId: 'conn-7', callId: 'call-1', userId: 'u-joiner' },
    ]);
  });

  it('(ext) warns of the limit, and tells of an extension asked, granted and refused', () => {
    expect(renderCalls(NOTICES['time-warning'])).toEqual([
      'callTimeWarning',
      { callId: 'call-1', secondsLeft: 60, endsAt: '2026-01-01T10:30:00.000Z' },
    ]);
    expect(renderCalls(NOTICES['extension-requested'])).toEqual([
      'extensionRequested',
      { callId: 'call-1', requestedBy: 'u-host', extraS: 600, expiresAt: '2026-01-01T10:29:00.000Z' },
    ]);
    expect(renderCalls(NOTICES['extension-answered'])).toEqual([
      'callExtended',
      { callId: 'call-1', acceptedBy: 'u-recipient', extraS: 600, endsAt: '2026-01-01T10:40:00.000Z', maxDurationS: 2400 },
    ]);
    expect(
      renderCalls({ ...NOTICES['extension-answered'], accepted: false, endsAt: '2026-01-01T10:30:00.000Z', maxDurationS: 1800 }),
    ).toEqual(['extensionDeclined', { callId: 'call-1', declinedBy: 'u-recipient', extraS: 600 }]);
  });

  it.each(noticesOtherThan(RENDERED))('has no words for $type', (notice) => {
    expect(renderCalls(notice)).toBeNull();
  });
});
