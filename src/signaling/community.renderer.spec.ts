import type { NoticeType } from '../realtime/realtime-notice';
import { NOTICES, noticesOtherThan } from '../../test/helpers/notices';
import { renderCommunity } from './community.renderer';

const RENDERED: NoticeType[] = [
  'presence',
  'mentor-status',
  'help-request',
  'help-accepted',
  'help-closed',
  'help-position',
  'help-requeued',
  'help-queue',
];

describe('the presence, status and help-request renderer, for every Socket.IO dialect (CONTRACT.md §8)', () => {
  it("announces a user online with their role, and offline with when they were last seen, in section 8's fields and the InstantMentor app's", () => {
    expect(renderCommunity(NOTICES.presence)).toEqual([
      'user_online',
      { user_id: 'u-recipient', role: 'mentor', userId: 'u-recipient', userRole: 'mentor', timestamp: expect.any(String) },
    ]);
    expect(renderCommunity({ ...NOTICES.presence, online: false, lastSeenAt: '2026-01-01T11:00:00.000Z' })).toEqual([
      'user_offline',
      {
        user_id: 'u-recipient',
        last_seen_at: '2026-01-01T11:00:00.000Z',
        userId: 'u-recipient',
        userRole: 'mentor',
        timestamp: '2026-01-01T11:00:00.000Z',
      },
    ]);
  });

  it("sends a mentor's status and message", () => {
    expect(renderCommunity(NOTICES['mentor-status'])).toEqual([
      'mentor_status_changed',
      { mentor_id: 'u-recipient', status: 'busy', status_message: 'Marking exams' },
    ]);
    expect(renderCommunity({ ...NOTICES['mentor-status'], status: 'offline', statusMessage: null })).toEqual([
      'mentor_status_changed',
      { mentor_id: 'u-recipient', status: 'offline', status_message: null },
    ]);
  });

  it('offers a help request, tells the student who took it, and closes it by outcome', () => {
    expect(renderCommunity(NOTICES['help-request'])).toEqual([
      'help_request',
      { request_id: 'req-1', student_id: 'u-host', student_name: 'Ada Host', topic: 'Fractions', message: 'Stuck on 3/4' },
    ]);
    expect(renderCommunity(NOTICES['help-accepted'])).toEqual([
      'help_request_accepted',
      { request_id: 'req-1', mentor_id: 'u-recipient', mentor_name: 'Grace Recipient', reserved_until: '2026-01-01T10:06:00.000Z' },
    ]);
    expect(renderCommunity(NOTICES['help-closed'])).toEqual(['help_request_taken', { request_id: 'req-1' }]);
    expect(renderCommunity({ ...NOTICES['help-closed'], outcome: 'cancelled' })).toEqual([
      'help_request_cancelled',
      { request_id: 'req-1' },
    ]);
    expect(renderCommunity({ ...NOTICES['help-closed'], outcome: 'expired' })).toEqual(['help_request_expired', { request_id: 'req-1' }]);
    expect(renderCommunity({ ...NOTICES['help-closed'], outcome: 'expired', canLeaveMessage: true })).toEqual([
      'help_request_expired',
      { request_id: 'req-1', can_leave_message: true },
    ]);
  });

  it("tells a waiting student their place, and a reservation's end, in section 8's fields and the InstantMentor app's", () => {
    expect(renderCommunity(NOTICES['help-position'])).toEqual([
      'help_request_position',
      {
        request_id: 'req-1',
        position: 2,
        waiting: 3,
        estimated_wait_ms: 90_000,
        stage: 'matched',
        requestId: 'req-1',
        estimatedWaitMs: 90_000,
      },
    ]);
    expect(renderCommunity(NOTICES['help-requeued'])).toEqual([
      'help_request_requeued',
      { request_id: 'req-1', mentor_id: 'u-recipient', reason: 'lapsed', requestId: 'req-1', mentorId: 'u-recipient' },
    ]);
  });

  it('tells mentors how many requests wait, by topic', () => {
    expect(renderCommunity(NOTICES['help-queue'])).toEqual([
      'help_queue_changed',
      { waiting: 3, topics: [{ topic: 'fractions', waiting: 3 }] },
    ]);
  });

  it.each(noticesOtherThan(RENDERED))('has no words for $type', (notice) => {
    expect(renderCommunity(notice)).toBeNull();
  });
});
