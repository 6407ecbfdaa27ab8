import type { InstantServerToClientEvents } from '../client';
import { Emission, NoticeRenderers, RealtimeNotice, renderWith } from '../realtime/realtime-notice';

/** The instant dialect's call words (CONTRACT.md §8). It has one closing event: why the call closed is in `reason`. */
const INSTANT: NoticeRenderers<Emission<InstantServerToClientEvents>> = {
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
};

export const renderInstant = (notice: RealtimeNotice) => renderWith(INSTANT, notice);
