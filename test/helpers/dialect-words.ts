/**
 * What a Socket.IO dialect hears in the others' words (CONTRACT.md §3, §8): the notices it has no
 * words for. The webrtc dialect has no rooms; the instant dialect has neither rooms nor signaling;
 * the InstantMentor app has no rooms, and it alone has words for a relayed hang-up and for sessions.
 */
export const ROOM_WORDS = ['userJoined', 'participantLeft', 'participantVideoToggled', 'participantAudioToggled'];
/** The InstantMentor app's relayed signals: `webrtc_hangup` has no word in any other dialect. */
export const APP_SIGNAL_WORDS = ['webrtc_offer', 'webrtc_answer', 'webrtc_ice_candidate', 'webrtc_hangup', 'webrtc_restart'];
export const SIGNAL_WORDS = [
  'offer',
  'answer',
  'iceCandidate',
  'webrtc:offer',
  'webrtc:answer',
  'webrtc:ice-candidate',
  'iceRestart',
  'webrtc:restart',
  ...APP_SIGNAL_WORDS,
];
/** An InstantMentor app peer's `join_session` / `leave_session`, told to the call's or conversation's other members. */
export const SESSION_WORDS = ['user_joined_session', 'user_left_session'];
const APP_ONLY_WORDS = ['webrtc_hangup', ...SESSION_WORDS];
export const HEARD_FROM_OTHERS: Record<'calls' | 'webrtc' | 'instant' | 'instantmentor', string[]> = {
  calls: APP_ONLY_WORDS,
  webrtc: [...ROOM_WORDS, ...APP_ONLY_WORDS],
  instant: [...ROOM_WORDS, ...SIGNAL_WORDS, ...SESSION_WORDS],
  instantmentor: ROOM_WORDS,
};
