/**
 * What a Socket.IO dialect hears in the others' words (CONTRACT.md §3): the notices it has no words
 * for. The webrtc dialect has no rooms; the instant dialect has neither rooms nor signaling.
 */
export const ROOM_WORDS = ['userJoined', 'participantLeft', 'participantVideoToggled', 'participantAudioToggled'];
export const SIGNAL_WORDS = ['offer', 'answer', 'iceCandidate', 'webrtc:offer', 'webrtc:answer', 'webrtc:ice-candidate'];
export const HEARD_FROM_OTHERS: Record<'calls' | 'webrtc' | 'instant', string[]> = {
  calls: [],
  webrtc: ROOM_WORDS,
  instant: [...ROOM_WORDS, ...SIGNAL_WORDS],
};
