import type { RealtimeNotice } from '../realtime/realtime-notice';
import { assertUnreachable } from '../common/errors';

/** A core notice in seed 004's words (`webrtc:*`), or null when the dialect has no such event. */
export function renderSeed004(notice: RealtimeNotice): [string, object] | null {
  switch (notice.type) {
    case 'ringing':
      return ['webrtc:incoming-call', { from: notice.call.hostUserId, callId: notice.call.id, room_name: notice.call.roomName }];
    case 'accepted':
      // ext: lets a seed-004 caller begin the offer when the callee answered on another dialect.
      return ['webrtc:call-accepted', { from: notice.byUserId, callId: notice.call.id }];
    case 'declined':
    case 'cancelled':
    case 'ended':
      return ['webrtc:end-call', { from: notice.byUserId, callId: notice.call.id, reason: 'reason' in notice ? notice.reason : notice.type }];
    case 'missed':
      return ['webrtc:end-call', { from: null, callId: notice.call.id, reason: 'missed' }];
    case 'signal': {
      const base = { from: notice.fromUserId, callId: notice.callId };
      if (notice.kind === 'offer') return ['webrtc:offer', { ...base, sdp: notice.payload }];
      if (notice.kind === 'answer') return ['webrtc:answer', { ...base, sdp: notice.payload }];
      return ['webrtc:ice-candidate', { ...base, candidate: notice.payload }];
    }
    case 'presence':
    case 'mentor-status':
    case 'help-request':
    case 'help-accepted':
    case 'help-closed':
    case 'joined':
    case 'participant-joined':
    case 'participant-left':
    case 'media-toggled':
      return null;
    default:
      return assertUnreachable(notice);
  }
}
