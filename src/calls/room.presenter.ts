import type { RoomParticipant } from '../realtime/realtime-notice';

/** A room participant as the calls dialect names its fields. */
export function toRoomParticipantView(p: RoomParticipant) {
  return { socketId: p.connectionId, userId: p.userId, userName: p.userName, hasVideo: p.hasVideo, hasAudio: p.hasAudio };
}
