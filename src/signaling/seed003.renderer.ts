import { NoticeRenderers, RealtimeNotice, renderWith } from '../realtime/realtime-notice';

/** Seed 003's words (CONTRACT.md §8). It has one closing event: why the call closed is in `reason`. */
const SEED003: NoticeRenderers<[string, object]> = {
  ringing: ({ call }) => [
    'incoming_call',
    {
      call_id: call.id,
      from_user_id: call.hostUserId,
      from_name: call.host.displayName,
      from_role: call.host.role,
      call_type: call.hasVideo ? 'video' : 'audio',
    },
  ],
  accepted: (n) => ['call_accepted', { call_id: n.call.id, by_user_id: n.byUserId }],
  declined: (n) => ['call_rejected', { call_id: n.call.id, by_user_id: n.byUserId, reason: n.reason ?? null }],
  cancelled: (n) => ['call_ended', { call_id: n.call.id, by_user_id: n.byUserId, reason: 'cancelled' }],
  missed: (n) => ['call_ended', { call_id: n.call.id, by_user_id: null, reason: 'missed' }],
  ended: (n) => ['call_ended', { call_id: n.call.id, by_user_id: n.byUserId, reason: n.reason }],
  presence: (n) =>
    n.online
      ? ['user_online', { user_id: n.userId, role: n.role }]
      : ['user_offline', { user_id: n.userId, last_seen_at: n.lastSeenAt }],
  'mentor-status': (n) => ['mentor_status_changed', { mentor_id: n.mentorId, status: n.status, status_message: n.statusMessage }],
  'help-request': (n) => [
    'help_request',
    { request_id: n.requestId, student_id: n.studentId, student_name: n.studentName, topic: n.topic, message: n.message },
  ],
  'help-accepted': (n) => ['help_request_accepted', { request_id: n.requestId, mentor_id: n.mentorId, mentor_name: n.mentorName }],
  'help-closed': (n) => [`help_request_${n.outcome}`, { request_id: n.requestId }],
};

export const renderSeed003 = (notice: RealtimeNotice) => renderWith(SEED003, notice);
