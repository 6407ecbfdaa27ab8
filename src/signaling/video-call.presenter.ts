import type { CallView } from '../calls/call.presenter';

/** The webrtc dialect's call object: snake_case, lower-case status. */
export function toVideoCall(call: CallView) {
  return {
    id: call.id,
    host_id: call.hostUserId,
    guest_id: call.recipientUserId,
    status: call.status.toLowerCase(),
    room_name: call.roomName,
    started_at: call.startedAt,
    ended_at: call.endedAt,
    created_at: call.createdAt,
  };
}
