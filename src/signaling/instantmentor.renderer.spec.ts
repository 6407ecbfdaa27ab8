import type { NoticeType } from '../realtime/realtime-notice';
import { CALL_MOVES, callView, message, NOTICES, noticesOtherThan, SESSION_NOTICES } from '../../test/helpers/notices';
import { renderInstant } from './instant.renderer';
import { renderInstantMentorCalls, renderInstantMentorCommunity } from './instantmentor.renderer';

const CALL_WORDS: NoticeType[] = [...CALL_MOVES, 'signal', ...SESSION_NOTICES];
const COMMUNITY_WORDS: NoticeType[] = ['mentor-status', 'help-request', 'chat-message', 'session-member'];

describe("the InstantMentor app's words (CONTRACT.md §8, the InstantMentor app)", () => {
  it("rings the callee with call_initiated: the caller's id and name, the call type and the callee", () => {
    expect(renderInstantMentorCalls(NOTICES.ringing)).toEqual([
      'call_initiated',
      { callId: 'call-1', callerId: 'u-host', callerName: 'Ada Host', callType: 'video', receiverId: 'u-recipient' },
    ]);
    expect(renderInstantMentorCalls({ type: 'ringing', call: callView({ hasVideo: false }) })).toEqual([
      'call_initiated',
      expect.objectContaining({ callType: 'audio' }),
    ]);
  });

  it('closes a call in the events section 8 shares, with both field sets, exactly as the instant dialect says them', () => {
    for (const type of ['accepted', 'declined', 'cancelled', 'missed', 'ended', 'current-call'] as const) {
      expect(renderInstantMentorCalls(NOTICES[type])).toEqual(renderInstant(NOTICES[type]));
    }
  });

  it("tells the accepting user's other devices that the call ended for them, not that it was accepted", () => {
    expect(renderInstantMentorCalls({ ...NOTICES.accepted, elsewhere: true })).toEqual([
      'call_ended',
      { callId: 'call-1', endedBy: 'u-recipient', reason: 'answered_elsewhere' },
    ]);
  });

  it('relays offers, answers, ICE candidates and hang-ups in webrtc_* events from the sending user', () => {
    const relayed = { callId: 'call-1', fromUserId: 'u-joiner', timestamp: expect.any(String) };
    expect(renderInstantMentorCalls(NOTICES.signal)).toEqual(['webrtc_offer', { ...relayed, payload: { sdp: 'v=0' } }]);
    for (const [kind, event] of [
      ['answer', 'webrtc_answer'],
      ['ice', 'webrtc_ice_candidate'],
      ['hangup', 'webrtc_hangup'],
    ] as const) {
      expect(renderInstantMentorCalls({ ...NOTICES.signal, kind, payload: { x: 1 } })).toEqual([event, { ...relayed, payload: { x: 1 } }]);
    }
  });

  it("says a mentor's status as available or not, with its message and time", () => {
    expect(renderInstantMentorCommunity(NOTICES['mentor-status'])).toEqual([
      'mentor_status_update',
      { mentorId: 'u-recipient', isAvailable: false, statusMessage: 'Marking exams', updatedAt: '2026-01-01T10:03:00.000Z' },
    ]);
    expect(renderInstantMentorCommunity({ ...NOTICES['mentor-status'], status: 'available' })).toEqual([
      'mentor_status_update',
      expect.objectContaining({ isAvailable: true }),
    ]);
  });

  it('offers a help request with its subject and urgency, to every mentor or the one asked', () => {
    const received = {
      id: 'req-1',
      studentId: 'u-host',
      mentorId: 'broadcast_to_mentors',
      subject: 'Fractions',
      message: 'Stuck on 3/4',
      urgency: 'high',
      requestedAt: '2026-01-01T10:04:00.000Z',
      status: 'pending',
    };
    expect(renderInstantMentorCommunity(NOTICES['help-request'])).toEqual(['help_request_received', received]);
    expect(renderInstantMentorCommunity({ ...NOTICES['help-request'], mentorId: 'u-recipient', message: null })).toEqual([
      'help_request_received',
      { ...received, mentorId: 'u-recipient', message: '' },
    ]);
  });

  it('delivers a chat message with its sender, receiver, content and kind', () => {
    expect(renderInstantMentorCommunity(NOTICES['chat-message'])).toEqual([
      'message_received',
      {
        id: message.id,
        senderId: message.senderId,
        receiverId: 'u-recipient',
        content: message.text,
        type: 'text',
        timestamp: message.createdAt,
      },
    ]);
  });

  it('says who joined and left a session, with their role', () => {
    const member = { userId: 'u-host', userRole: 'student', sessionId: 'call-1' };
    expect(renderInstantMentorCommunity(NOTICES['session-member'])).toEqual([
      'user_joined_session',
      { ...member, joinedAt: '2026-01-01T10:05:00.000Z' },
    ]);
    expect(renderInstantMentorCommunity({ ...NOTICES['session-member'], joined: false })).toEqual([
      'user_left_session',
      { ...member, leftAt: '2026-01-01T10:05:00.000Z' },
    ]);
  });

  it('(ext) tells of the other party reconnecting and back as the instant dialect does, and relays webrtc_restart', () => {
    expect(renderInstantMentorCalls(NOTICES['participant-reconnecting'])).toEqual(renderInstant(NOTICES['participant-reconnecting']));
    expect(renderInstantMentorCalls(NOTICES['participant-reconnected'])).toEqual(renderInstant(NOTICES['participant-reconnected']));
    expect(renderInstantMentorCalls({ ...NOTICES.signal, kind: 'restart' as const, payload: null })).toEqual([
      'webrtc_restart',
      { callId: 'call-1', fromUserId: 'u-joiner', payload: null, timestamp: expect.any(String) },
    ]);
  });

  it('(ext) tells of the limit as the instant dialect does', () => {
    for (const notice of [
      NOTICES['time-warning'],
      NOTICES['extension-requested'],
      NOTICES['extension-answered'],
      { ...NOTICES['extension-answered'], accepted: false, endsAt: '2026-01-01T10:30:00.000Z', maxDurationS: 1800 },
    ])
      expect(renderInstantMentorCalls(notice)).toEqual(renderInstant(notice));
  });

  it.each(noticesOtherThan(CALL_WORDS))('has no call words for $type', (notice) => {
    expect(renderInstantMentorCalls(notice)).toBeNull();
  });

  it.each(noticesOtherThan(COMMUNITY_WORDS))('has no words of its own for $type', (notice) => {
    expect(renderInstantMentorCommunity(notice)).toBeNull();
  });
});
