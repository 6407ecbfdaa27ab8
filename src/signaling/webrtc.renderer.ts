import type { WebrtcServerToClientEvents } from '@call-signaling/client';
import { Emission, NoticeRenderers, RealtimeNotice, renderWith } from '../realtime/realtime-notice';

/** The webrtc dialect's words (`webrtc:*`). */
const WEBRTC: NoticeRenderers<Emission<WebrtcServerToClientEvents>> = {
  ringing: ({ call }) => ['webrtc:incoming-call', { from: call.hostUserId, callId: call.id, room_name: call.roomName }],
  // ext: lets a webrtc-dialect caller begin the offer when the callee answered on another dialect.
  accepted: (n) => ['webrtc:call-accepted', { from: n.byUserId, callId: n.call.id }],
  // `reason` says how the call closed; an instant-dialect decliner's own words are not one of those.
  declined: (n) => ['webrtc:end-call', { from: n.byUserId, callId: n.call.id, reason: 'declined' }],
  cancelled: (n) => ['webrtc:end-call', { from: n.byUserId, callId: n.call.id, reason: 'cancelled' }],
  ended: (n) => ['webrtc:end-call', { from: n.byUserId, callId: n.call.id, reason: n.reason }],
  missed: (n) => ['webrtc:end-call', { from: null, callId: n.call.id, reason: 'missed' }],
  'current-call': ({ call }) => [
    'webrtc:current-call',
    {
      callId: call.id,
      from: call.hostUserId,
      to: call.recipientUserId,
      status: call.status as 'CALLING' | 'ACTIVE',
      room_name: call.roomName,
    },
  ],
  'time-warning': (n) => ['webrtc:time-warning', { callId: n.callId, secondsLeft: n.secondsLeft, endsAt: n.endsAt }],
  'extension-requested': (n) => [
    'webrtc:extension-requested',
    { from: n.byUserId, callId: n.callId, extraS: n.extraS, expiresAt: n.expiresAt },
  ],
  'extension-answered': (n) =>
    n.accepted
      ? ['webrtc:call-extended', { from: n.byUserId, callId: n.callId, extraS: n.extraS, endsAt: n.endsAt, maxDurationS: n.maxDurationS }]
      : ['webrtc:extension-declined', { from: n.byUserId, callId: n.callId, extraS: n.extraS }],
  'participant-reconnecting': (n) => ['webrtc:participant-reconnecting', { from: n.userId, callId: n.callId, graceMs: n.graceMs }],
  'participant-reconnected': (n) => ['webrtc:participant-reconnected', { from: n.userId, callId: n.callId }],
  signal: (n) => {
    const base = { from: n.fromUserId, callId: n.callId };
    if (n.kind === 'offer') return ['webrtc:offer', { ...base, sdp: n.payload }];
    if (n.kind === 'answer') return ['webrtc:answer', { ...base, sdp: n.payload }];
    if (n.kind === 'ice') return ['webrtc:ice-candidate', { ...base, candidate: n.payload }];
    if (n.kind === 'restart') return ['webrtc:restart', base];
    return null;
  },
};

export const renderWebrtc = (notice: RealtimeNotice) => renderWith(WEBRTC, notice);
