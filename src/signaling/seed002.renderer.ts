import type { RealtimeNotice } from '../realtime/realtime-notice';
import { assertUnreachable } from '../common/errors';

/** A core notice in seed 002's words: [event, payload], or null when the dialect has no such event. */
export function renderSeed002(notice: RealtimeNotice): [string, object] | null {
  switch (notice.type) {
    case 'ringing': {
      const { call } = notice;
      return [
        'incomingCall',
        {
          callId: call.id,
          caller: { userId: call.host.id, name: call.host.displayName, avatarUrl: call.host.avatarUrl },
          timestamp: call.createdAt,
          hasVideo: call.hasVideo,
        },
      ];
    }
    case 'accepted':
      return ['callAccepted', { callId: notice.call.id, acceptedBy: notice.byUserId }];
    case 'declined':
      return ['callDeclined', { callId: notice.call.id, declinedBy: notice.byUserId }];
    case 'cancelled':
      return ['callCancelled', { callId: notice.call.id, cancelledBy: notice.byUserId }];
    case 'missed':
      return ['callMissed', { callId: notice.call.id, reason: notice.reason }];
    case 'ended':
      return ['callEnded', { callId: notice.call.id, endedBy: notice.byUserId, reason: notice.reason }];
    case 'presence':
    case 'mentor-status':
    case 'help-request':
    case 'help-accepted':
    case 'help-closed':
    case 'joined':
      return null; // presence: seed 003's; joined: answered to the joiner by the gateway itself
    case 'participant-joined': {
      const p = notice.participant;
      return ['userJoined', { socketId: p.connectionId, userId: p.userId, userName: p.userName, hasVideo: p.hasVideo, hasAudio: p.hasAudio, callId: notice.callId }];
    }
    case 'participant-left':
      return ['participantLeft', { socketId: notice.connectionId, userId: notice.userId, callId: notice.callId }];
    case 'media-toggled':
      return [
        notice.kind === 'video' ? 'participantVideoToggled' : 'participantAudioToggled',
        { socketId: notice.connectionId, enabled: notice.enabled, userId: notice.userId, callId: notice.callId },
      ];
    case 'signal': {
      const base = { senderId: notice.fromConnectionId, callId: notice.callId, userId: notice.fromUserId };
      if (notice.kind === 'offer') return ['offer', { offer: notice.payload, ...base }];
      if (notice.kind === 'answer') return ['answer', { answer: notice.payload, ...base }];
      return ['iceCandidate', { candidate: notice.payload, ...base }];
    }
    default:
      return assertUnreachable(notice);
  }
}
