import type { ClientEvent, ServerEvent } from './acks.js';
import type { CallView, RoomParticipantView } from './models.js';

/** The calls dialect, the primary one (CONTRACT.md §3). */

export interface StartCallPayload {
  /** A user id; numbers are read as their decimal string. */
  recipientUserId: string | number;
  title?: string;
  isPrivate?: boolean;
  hasVideo?: boolean;
  /** (ext) How long the call may last once answered, in seconds (1 to 86 400). */
  maxDurationS?: number;
}

export interface CallIdPayload {
  callId: string;
}

export interface JoinCallPayload extends CallIdPayload {
  userName?: string;
  hasVideo: boolean;
  hasAudio: boolean;
}

export interface ToggleMediaPayload extends CallIdPayload {
  enabled: boolean;
}

/** `signal` is opaque JSON relayed unchanged (an RTCSessionDescriptionInit, in practice). */
export interface SignalPayload<Signal = unknown> {
  targetSocketId: string;
  signal: Signal;
}

export interface IceCandidatePayload<Candidate = unknown> {
  targetSocketId: string;
  candidate: Candidate;
}

export interface CallAck {
  call: CallView;
}

export interface IncomingCallEvent {
  callId: string;
  caller: { userId: string; name: string; avatarUrl: string | null };
  timestamp: string;
  hasVideo: boolean;
}

export interface JoinedCallEvent {
  callId: string;
  userId: string;
  socketId: string;
  /** The others already in the room: send each an offer. */
  participants: RoomParticipantView[];
}

export interface UserJoinedEvent extends RoomParticipantView {
  callId: string;
}

export interface ParticipantLeftEvent {
  socketId: string;
  userId: string;
  callId: string;
}

export interface MediaToggledEvent {
  socketId: string;
  enabled: boolean;
  userId: string;
  callId: string;
}

interface RelayedFrom {
  /** The sender's socket id: answer to it. */
  senderId: string;
  callId: string;
  userId: string;
}

export type OfferEvent<Signal = unknown> = RelayedFrom & { offer: Signal };
export type AnswerEvent<Signal = unknown> = RelayedFrom & { answer: Signal };
export type IceCandidateEvent<Candidate = unknown> = RelayedFrom & { candidate: Candidate };

/** (ext) Ask the peer at `targetSocketId` for an ICE restart, e.g. after this device changed networks. */
export interface IceRestartPayload {
  targetSocketId: string;
}

/** (ext) The other party's last connection dropped mid-call: the call ends unless they are back within `graceMs`. */
export interface ParticipantReconnectingEvent {
  callId: string;
  userId: string;
  graceMs: number;
}

/** (ext) `requestExtension`: more time for a call with a limit; the other party answers within 60 s. */
export interface ExtensionRequestPayload {
  callId: string;
  /** Seconds asked for, 1 to 86 400. */
  extraS: number;
}

export interface ExtensionRequestView {
  callId: string;
  byUserId: string;
  extraS: number;
  /** When the request lapses unanswered. */
  expiresAt: string;
}

/** (ext) Both parties, at each of CALL_LIMIT_WARNINGS_S (5 and 1 minutes by default) before a call's limit. */
export interface CallTimeWarningEvent {
  callId: string;
  secondsLeft: number;
  endsAt: string;
}

export interface CallsClientToServerEvents {
  startCall: ClientEvent<StartCallPayload, CallAck>;
  acceptCall: ClientEvent<CallIdPayload, CallAck>;
  declineCall: ClientEvent<CallIdPayload, CallAck>;
  cancelCall: ClientEvent<CallIdPayload, CallAck>;
  joinCall: ClientEvent<JoinCallPayload, JoinedCallEvent>;
  leaveCall: ClientEvent<CallIdPayload>;
  toggleVideo: ClientEvent<ToggleMediaPayload>;
  toggleAudio: ClientEvent<ToggleMediaPayload>;
  offer: ClientEvent<SignalPayload>;
  answer: ClientEvent<SignalPayload>;
  iceCandidate: ClientEvent<IceCandidatePayload>;
  iceRestart: ClientEvent<IceRestartPayload>;
  requestExtension: ClientEvent<ExtensionRequestPayload, { extension: ExtensionRequestView }>;
  acceptExtension: ClientEvent<CallIdPayload, CallAck>;
  declineExtension: ClientEvent<CallIdPayload, CallAck>;
}

export interface CallsServerToClientEvents {
  incomingCall: ServerEvent<IncomingCallEvent>;
  callAccepted: ServerEvent<{ callId: string; acceptedBy: string }>;
  callDeclined: ServerEvent<{ callId: string; declinedBy: string }>;
  callCancelled: ServerEvent<{ callId: string; cancelledBy: string | null }>;
  callMissed: ServerEvent<{ callId: string; reason: 'timeout' | 'offline' }>;
  callEnded: ServerEvent<{ callId: string; endedBy: string | null; reason: string }>;
  /** (ext) As this connection arrives, the call its user is placing or is in: `joinCall` to rejoin it. */
  currentCall: ServerEvent<{ call: CallView }>;
  joinedCall: ServerEvent<JoinedCallEvent>;
  userJoined: ServerEvent<UserJoinedEvent>;
  participantLeft: ServerEvent<ParticipantLeftEvent>;
  participantVideoToggled: ServerEvent<MediaToggledEvent>;
  participantAudioToggled: ServerEvent<MediaToggledEvent>;
  offer: ServerEvent<OfferEvent>;
  answer: ServerEvent<AnswerEvent>;
  iceCandidate: ServerEvent<IceCandidateEvent>;
  /** (ext) `senderId` asks for an ICE restart: offer to it again with `createOffer({iceRestart: true})`. */
  iceRestart: ServerEvent<RelayedFrom>;
  participantReconnecting: ServerEvent<ParticipantReconnectingEvent>;
  /** (ext) They are back within the grace: the call goes on. */
  participantReconnected: ServerEvent<{ callId: string; userId: string }>;
  callTimeWarning: ServerEvent<CallTimeWarningEvent>;
  /** (ext) The other party asks for more time: `acceptExtension` or `declineExtension` within 60 s. */
  extensionRequested: ServerEvent<{ callId: string; requestedBy: string; extraS: number; expiresAt: string }>;
  /** (ext) To both parties: the extension was granted and the call now ends at `endsAt`. */
  callExtended: ServerEvent<{ callId: string; acceptedBy: string; extraS: number; endsAt: string | null; maxDurationS: number | null }>;
  /** (ext) To both parties: the extension was refused; the limit stays. */
  extensionDeclined: ServerEvent<{ callId: string; declinedBy: string; extraS: number }>;
}
