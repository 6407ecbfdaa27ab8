import type { CallsServerToClientEvents } from '@call-signaling/client';
import { Emission, NoticeRenderers, RealtimeNotice, renderWith } from '../realtime/realtime-notice';

/** The calls dialect's words. `joined` is answered to the joiner by the gateway itself. */
const CALLS: NoticeRenderers<Emission<CallsServerToClientEvents>> = {
  ringing: ({ call }) => [
    'incomingCall',
    {
      callId: call.id,
      caller: { userId: call.host.id, name: call.host.displayName, avatarUrl: call.host.avatarUrl },
      timestamp: call.createdAt,
      hasVideo: call.hasVideo,
    },
  ],
  accepted: (n) => ['callAccepted', { callId: n.call.id, acceptedBy: n.byUserId }],
  declined: (n) => ['callDeclined', { callId: n.call.id, declinedBy: n.byUserId }],
  cancelled: (n) => ['callCancelled', { callId: n.call.id, cancelledBy: n.byUserId }],
  missed: (n) => ['callMissed', { callId: n.call.id, reason: n.reason }],
  ended: (n) => ['callEnded', { callId: n.call.id, endedBy: n.byUserId, reason: n.reason }],
  'current-call': ({ call }) => ['currentCall', { call }],
  'participant-joined': ({ participant: p, callId }) => [
    'userJoined',
    { socketId: p.connectionId, userId: p.userId, userName: p.userName, hasVideo: p.hasVideo, hasAudio: p.hasAudio, callId },
  ],
  'participant-left': (n) => ['participantLeft', { socketId: n.connectionId, userId: n.userId, callId: n.callId }],
  'media-toggled': (n) => [
    n.kind === 'video' ? 'participantVideoToggled' : 'participantAudioToggled',
    { socketId: n.connectionId, enabled: n.enabled, userId: n.userId, callId: n.callId },
  ],
  'time-warning': (n) => ['callTimeWarning', { callId: n.callId, secondsLeft: n.secondsLeft, endsAt: n.endsAt }],
  'extension-requested': (n) => [
    'extensionRequested',
    { callId: n.callId, requestedBy: n.byUserId, extraS: n.extraS, expiresAt: n.expiresAt },
  ],
  'extension-answered': (n) =>
    n.accepted
      ? ['callExtended', { callId: n.callId, acceptedBy: n.byUserId, extraS: n.extraS, endsAt: n.endsAt, maxDurationS: n.maxDurationS }]
      : ['extensionDeclined', { callId: n.callId, declinedBy: n.byUserId, extraS: n.extraS }],
  'participant-reconnecting': (n) => ['participantReconnecting', { callId: n.callId, userId: n.userId, graceMs: n.graceMs }],
  'participant-reconnected': (n) => ['participantReconnected', { callId: n.callId, userId: n.userId }],
  signal: (n) => {
    const base = { senderId: n.fromConnectionId, callId: n.callId, userId: n.fromUserId };
    if (n.kind === 'offer') return ['offer', { offer: n.payload, ...base }];
    if (n.kind === 'answer') return ['answer', { answer: n.payload, ...base }];
    if (n.kind === 'ice') return ['iceCandidate', { candidate: n.payload, ...base }];
    if (n.kind === 'restart') return ['iceRestart', base];
    return null;
  },
};

export const renderCalls = (notice: RealtimeNotice) => renderWith(CALLS, notice);
