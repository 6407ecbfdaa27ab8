import type { CommunityServerToClientEvents } from '@call-signaling/client';
import { Emission, NoticeRenderers, RealtimeNotice, renderWith } from '../realtime/realtime-notice';

/**
 * Presence, mentor status and help requests (CONTRACT.md §8, in the InstantMentor app's words), for every
 * Socket.IO dialect like chat: "mentors' presence goes to every connected user", and no call
 * dialect has words of its own for these or a clashing name.
 */
const COMMUNITY: NoticeRenderers<Emission<CommunityServerToClientEvents>> = {
  // Section 8's fields and the InstantMentor app's, in one event.
  presence: (n) => {
    const app = { userId: n.userId, userRole: n.role, timestamp: n.lastSeenAt ?? new Date().toISOString() };
    return n.online
      ? ['user_online', { user_id: n.userId, role: n.role, ...app }]
      : ['user_offline', { user_id: n.userId, last_seen_at: n.lastSeenAt, ...app }];
  },
  'mentor-status': (n) => ['mentor_status_changed', { mentor_id: n.mentorId, status: n.status, status_message: n.statusMessage }],
  'help-request': (n) => [
    'help_request',
    { request_id: n.requestId, student_id: n.studentId, student_name: n.studentName, topic: n.topic, message: n.message },
  ],
  'help-accepted': (n) => [
    'help_request_accepted',
    { request_id: n.requestId, mentor_id: n.mentorId, mentor_name: n.mentorName, reserved_until: n.reservedUntil },
  ],
  'help-closed': (n) => [
    `help_request_${n.outcome}`,
    n.canLeaveMessage ? { request_id: n.requestId, can_leave_message: true } : { request_id: n.requestId },
  ],
  'help-position': (n) => [
    'help_request_position',
    {
      request_id: n.requestId,
      position: n.position,
      waiting: n.waiting,
      estimated_wait_ms: n.estimatedWaitMs,
      stage: n.stage,
      requestId: n.requestId,
      estimatedWaitMs: n.estimatedWaitMs,
    },
  ],
  'help-requeued': (n) => [
    'help_request_requeued',
    { request_id: n.requestId, mentor_id: n.mentorId, reason: n.reason, requestId: n.requestId, mentorId: n.mentorId },
  ],
  'help-queue': (n) => ['help_queue_changed', { waiting: n.waiting, topics: n.topics }],
};

export const renderCommunity = (notice: RealtimeNotice) => renderWith(COMMUNITY, notice);
