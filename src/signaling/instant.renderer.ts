import type { InstantServerToClientEvents } from '@call-signaling/client';
import type { CallNotice } from '../calls/call-notices';
import { Emission, NoticeRenderers, RealtimeNotice, renderWith } from '../realtime/realtime-notice';

type Closing = Extract<CallNotice, { type: 'accepted' | 'declined' | 'cancelled' | 'missed' | 'ended' }>;
type OutcomeEmission = Emission<Pick<InstantServerToClientEvents, 'call_accepted' | 'call_rejected' | 'call_ended'>>;

/**
 * How a call closed or was accepted, in the one event section 8 and the InstantMentor app both name
 * so: each event carries both field sets (`call_id`/`by_user_id` and `callId`/`acceptedBy` ...).
 * It has one closing event: why the call closed is in `reason`.
 */
export const CALL_OUTCOMES: { [K in Closing['type']]: (notice: Extract<Closing, { type: K }>) => OutcomeEmission } = {
  accepted: (n) => ['call_accepted', { call_id: n.call.id, by_user_id: n.byUserId, callId: n.call.id, acceptedBy: n.byUserId }],
  declined: (n) => [
    'call_rejected',
    { call_id: n.call.id, by_user_id: n.byUserId, reason: n.reason ?? null, callId: n.call.id, rejectedBy: n.byUserId },
  ],
  cancelled: (n) => ended(n.call.id, n.byUserId, 'cancelled'),
  missed: (n) => ended(n.call.id, null, 'missed'),
  ended: (n) => ended(n.call.id, n.byUserId, n.reason),
};

function ended(callId: string, byUserId: string | null, reason: string): OutcomeEmission {
  return ['call_ended', { call_id: callId, by_user_id: byUserId, reason, callId, endedBy: byUserId }];
}

/** (ext) The call a new connection's user is placing or is in, in the one event both vocabularies name so. */
export function currentCall({
  call,
}: Extract<CallNotice, { type: 'current-call' }>): Emission<Pick<InstantServerToClientEvents, 'current_call'>> {
  const callType = call.hasVideo ? 'video' : 'audio';
  const status = call.status === 'ACTIVE' ? 'active' : 'calling';
  return [
    'current_call',
    {
      call_id: call.id,
      caller_id: call.hostUserId,
      callee_id: call.recipientUserId,
      call_type: callType,
      status,
      callId: call.id,
      callerId: call.hostUserId,
      receiverId: call.recipientUserId,
      callType,
    },
  ];
}

type ReconnectEmission = Emission<Pick<InstantServerToClientEvents, 'participant_reconnecting' | 'participant_reconnected'>>;
type LimitEmission = Emission<
  Pick<InstantServerToClientEvents, 'call_time_warning' | 'call_extension_requested' | 'call_extended' | 'call_extension_declined'>
>;

/** (ext) A call's length limit, in both field sets, for the instant dialect and the InstantMentor app alike. */
export const LIMITS: {
  'time-warning': (n: Extract<RealtimeNotice, { type: 'time-warning' }>) => LimitEmission;
  'extension-requested': (n: Extract<RealtimeNotice, { type: 'extension-requested' }>) => LimitEmission;
  'extension-answered': (n: Extract<RealtimeNotice, { type: 'extension-answered' }>) => LimitEmission;
} = {
  'time-warning': (n) => [
    'call_time_warning',
    { call_id: n.callId, seconds_left: n.secondsLeft, ends_at: n.endsAt, callId: n.callId, secondsLeft: n.secondsLeft, endsAt: n.endsAt },
  ],
  'extension-requested': (n) => [
    'call_extension_requested',
    {
      call_id: n.callId,
      by_user_id: n.byUserId,
      extra_s: n.extraS,
      expires_at: n.expiresAt,
      callId: n.callId,
      requestedBy: n.byUserId,
      extraS: n.extraS,
      expiresAt: n.expiresAt,
    },
  ],
  'extension-answered': (n) =>
    n.accepted
      ? [
          'call_extended',
          {
            call_id: n.callId,
            by_user_id: n.byUserId,
            extra_s: n.extraS,
            ends_at: n.endsAt,
            max_duration_s: n.maxDurationS,
            callId: n.callId,
            acceptedBy: n.byUserId,
            extraS: n.extraS,
            endsAt: n.endsAt,
            maxDurationS: n.maxDurationS,
          },
        ]
      : [
          'call_extension_declined',
          { call_id: n.callId, by_user_id: n.byUserId, extra_s: n.extraS, callId: n.callId, declinedBy: n.byUserId, extraS: n.extraS },
        ],
};

/** (ext) The other party's connection mid-call, in both field sets, for the instant dialect and the InstantMentor app alike. */
export const RECONNECTS: {
  'participant-reconnecting': (n: Extract<RealtimeNotice, { type: 'participant-reconnecting' }>) => ReconnectEmission;
  'participant-reconnected': (n: Extract<RealtimeNotice, { type: 'participant-reconnected' }>) => ReconnectEmission;
} = {
  'participant-reconnecting': (n) => [
    'participant_reconnecting',
    { call_id: n.callId, user_id: n.userId, grace_ms: n.graceMs, callId: n.callId, userId: n.userId, graceMs: n.graceMs },
  ],
  'participant-reconnected': (n) => [
    'participant_reconnected',
    { call_id: n.callId, user_id: n.userId, callId: n.callId, userId: n.userId },
  ],
};

/** The instant dialect's call words (CONTRACT.md §8). */
const INSTANT: NoticeRenderers<Emission<InstantServerToClientEvents>> = {
  ...CALL_OUTCOMES,
  ...RECONNECTS,
  ...LIMITS,
  'current-call': currentCall,
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
};

export const renderInstant = (notice: RealtimeNotice) => renderWith(INSTANT, notice);
