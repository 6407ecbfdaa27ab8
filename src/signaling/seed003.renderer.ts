import type { RealtimeNotice } from '../realtime/realtime-notice';
import { assertUnreachable } from '../common/errors';

/** A core notice in seed 003's words (CONTRACT.md §8), or null when the dialect has no such event. */
export function renderSeed003(notice: RealtimeNotice): [string, object] | null {
  switch (notice.type) {
    case 'ringing': {
      const { call } = notice;
      return [
        'incoming_call',
        {
          call_id: call.id,
          from_user_id: call.hostUserId,
          from_name: call.host.displayName,
          from_role: call.host.role,
          call_type: call.hasVideo ? 'video' : 'audio',
        },
      ];
    }
    case 'accepted':
      return ['call_accepted', { call_id: notice.call.id, by_user_id: notice.byUserId }];
    case 'declined':
      return ['call_rejected', { call_id: notice.call.id, by_user_id: notice.byUserId, reason: notice.reason ?? null }];
    // The seed has one closing event: why it closed is in `reason`.
    case 'cancelled':
      return ['call_ended', { call_id: notice.call.id, by_user_id: notice.byUserId, reason: 'cancelled' }];
    case 'missed':
      return ['call_ended', { call_id: notice.call.id, by_user_id: null, reason: 'missed' }];
    case 'ended':
      return ['call_ended', { call_id: notice.call.id, by_user_id: notice.byUserId, reason: notice.reason }];
    case 'presence':
      return notice.online
        ? ['user_online', { user_id: notice.userId, role: notice.role }]
        : ['user_offline', { user_id: notice.userId, last_seen_at: notice.lastSeenAt }];
    case 'mentor-status':
      return ['mentor_status_changed', { mentor_id: notice.mentorId, status: notice.status, status_message: notice.statusMessage }];
    case 'help-request':
      return ['help_request', { request_id: notice.requestId, student_id: notice.studentId, student_name: notice.studentName, topic: notice.topic, message: notice.message }];
    case 'help-accepted':
      return ['help_request_accepted', { request_id: notice.requestId, mentor_id: notice.mentorId, mentor_name: notice.mentorName }];
    case 'help-closed':
      return [`help_request_${notice.outcome}`, { request_id: notice.requestId }];
    case 'joined':
    case 'participant-joined':
    case 'participant-left':
    case 'media-toggled':
    case 'signal':
      return null;
    default:
      return assertUnreachable(notice);
  }
}
