import type { ClientEvent, ServerEvent } from './acks.js';
import type { CallAck } from './calls-events.js';
import type { ErrorBody } from './errors.js';
import type { UserRole } from './models.js';

/**
 * The InstantMentor app's own words (CONTRACT.md §8, "The InstantMentor app"): the reference
 * server's events with its camelCase fields. Where section 8 uses the same name (`initiate_call`,
 * `call_accepted`, `user_online` ...) the server reads either field set and sends both.
 */

export type AppCallType = 'video' | 'audio';
export type HelpUrgency = 'low' | 'medium' | 'high';

export interface AppInitiateCallPayload {
  receiverId: string | number;
  /** Default `video`. */
  callType?: AppCallType;
  /** Ignored: the callee hears the caller's name from their profile. */
  callerName?: string;
  /** (ext) How long the call may last once answered, in seconds. */
  maxDurationS?: number;
}

/** `callId` may be the app's provisional `pending-…` id: it then means the sender's open call. */
export interface AppCallIdPayload {
  callId: string;
  reason?: string;
}

export interface AppSignalPayload {
  callId: string;
  /** An SDP description or an ICE candidate, relayed as it is. */
  payload: Record<string, unknown>;
  /** Optional: the call's other party is the only one a signal may go to. */
  targetUserId?: string | number;
}

export interface AppStatusPayload {
  statusMessage?: string;
}

export interface AppHelpRequestPayload {
  /** `broadcast_to_mentors`, or the id of the one mentor or tutor asked. */
  mentorId: string | number;
  subject: string;
  message?: string;
  /** Default `medium`. */
  urgency?: HelpUrgency;
}

export interface AppSendMessagePayload {
  receiverId: string | number;
  content: string;
  type?: string;
}

export interface AppTypingPayload {
  receiverId: string | number;
}

export interface AppSessionPayload {
  /** A call or conversation of the sender's. */
  sessionId: string;
}

export interface CallInitiatedEvent {
  callId: string;
  callerId: string;
  callerName: string;
  callType: AppCallType;
  receiverId: string;
}

export interface CallInitiatedConfirmedEvent {
  callId: string;
  callerId: string;
  receiverId: string;
  callType: AppCallType;
  /**
   * `ringing`; `missed` when the callee was offline (`call_ended` follows); `accepted` when the
   * callee was calling the sender at that moment and this accepted their call (`call_accepted` follows).
   */
  status: 'ringing' | 'missed' | 'accepted';
}

export interface AppSignalEvent {
  callId: string;
  fromUserId: string;
  payload: unknown;
  timestamp: string;
}

export interface MentorStatusUpdateEvent {
  mentorId: string;
  isAvailable: boolean;
  statusMessage: string | null;
  updatedAt: string;
}

export interface HelpRequestReceivedEvent {
  id: string;
  studentId: string;
  /** `broadcast_to_mentors`, or the mentor asked. */
  mentorId: string;
  subject: string;
  message: string;
  urgency: HelpUrgency;
  requestedAt: string;
  status: 'pending';
}

export interface AppMessageEvent {
  id: string;
  senderId: string;
  receiverId: string;
  content: string;
  /** `text`, or `call` for the record a call leaves. */
  type: string;
  timestamp: string;
}

export interface SessionMemberEvent {
  userId: string;
  userRole: UserRole;
  sessionId: string;
}

export interface CallEndedEvent {
  callId: string;
  endedBy: string | null;
  reason: string;
  call_id: string;
  by_user_id: string | null;
}

export interface AnsweredElsewhereEvent {
  callId: string;
  endedBy: string;
  reason: 'answered_elsewhere';
}

export interface CurrentCallEvent {
  call_id: string;
  caller_id: string;
  callee_id: string | null;
  call_type: AppCallType;
  status: 'calling' | 'active';
  callId: string;
  callerId: string;
  receiverId: string | null;
  callType: AppCallType;
}

/** (ext) The other party's last connection dropped mid-call, in both field sets: the call ends unless they are back within the grace. */
export interface ParticipantReconnectingAppEvent {
  call_id: string;
  user_id: string;
  grace_ms: number;
  callId: string;
  userId: string;
  graceMs: number;
}

/** (ext) A call's length limit, in both field sets. */
export interface CallTimeWarningAppEvent {
  call_id: string;
  seconds_left: number;
  ends_at: string;
  callId: string;
  secondsLeft: number;
  endsAt: string;
}

export interface CallExtensionRequestedAppEvent {
  call_id: string;
  by_user_id: string;
  extra_s: number;
  expires_at: string;
  callId: string;
  requestedBy: string;
  extraS: number;
  expiresAt: string;
}

export interface CallExtendedAppEvent {
  call_id: string;
  by_user_id: string;
  extra_s: number;
  ends_at: string | null;
  max_duration_s: number | null;
  callId: string;
  acceptedBy: string;
  extraS: number;
  endsAt: string | null;
  maxDurationS: number | null;
}

export interface CallExtensionDeclinedAppEvent {
  call_id: string;
  by_user_id: string;
  extra_s: number;
  callId: string;
  declinedBy: string;
  extraS: number;
}

/** (ext) Ask the call's other party for an ICE restart. */
export interface AppRestartPayload {
  callId: string;
  targetUserId?: string | number;
}

export interface InstantMentorClientToServerEvents {
  initiate_call: ClientEvent<AppInitiateCallPayload, CallAck>;
  accept_call: ClientEvent<AppCallIdPayload, CallAck>;
  reject_call: ClientEvent<AppCallIdPayload, CallAck>;
  end_call: ClientEvent<AppCallIdPayload, CallAck>;
  webrtc_offer: ClientEvent<AppSignalPayload>;
  webrtc_answer: ClientEvent<AppSignalPayload>;
  webrtc_ice_candidate: ClientEvent<AppSignalPayload>;
  webrtc_hangup: ClientEvent<AppSignalPayload>;
  webrtc_restart: ClientEvent<AppRestartPayload>;
  mentor_available: ClientEvent<AppStatusPayload>;
  mentor_busy: ClientEvent<AppStatusPayload>;
  student_request_help: ClientEvent<AppHelpRequestPayload>;
  send_message: ClientEvent<AppSendMessagePayload>;
  user_typing: ClientEvent<AppTypingPayload>;
  user_stopped_typing: ClientEvent<AppTypingPayload>;
  join_session: ClientEvent<AppSessionPayload>;
  leave_session: ClientEvent<AppSessionPayload>;
  ping: ClientEvent<{ timestamp?: string } | undefined>;
  /** The app's own presence announcements (it sends `{userId, role, timestamp}`): taken and ignored, presence is the connection's own. */
  user_online: (payload?: Record<string, unknown>) => void;
  user_offline: (payload?: Record<string, unknown>) => void;
}

export interface InstantMentorServerToClientEvents {
  call_initiated: ServerEvent<CallInitiatedEvent>;
  call_initiated_confirmed: ServerEvent<CallInitiatedConfirmedEvent>;
  call_accepted: ServerEvent<{ callId: string; acceptedBy: string; call_id: string; by_user_id: string }>;
  call_rejected: ServerEvent<{ callId: string; rejectedBy: string; reason: string | null; call_id: string; by_user_id: string }>;
  /**
   * `reason`: `hangup`, `cancelled`, `missed` or the call's end reason; `answered_elsewhere`, with
   * the app's fields alone, to the callee's devices that did not answer.
   */
  call_ended: ServerEvent<CallEndedEvent | AnsweredElsewhereEvent>;
  /**
   * (ext) As this connection arrives, the call its user is placing (`calling`) or is in (`active`),
   * in both field sets: an app reloaded mid-call can carry on.
   */
  current_call: ServerEvent<CurrentCallEvent>;
  webrtc_offer: ServerEvent<AppSignalEvent>;
  webrtc_answer: ServerEvent<AppSignalEvent>;
  webrtc_ice_candidate: ServerEvent<AppSignalEvent>;
  webrtc_hangup: ServerEvent<AppSignalEvent>;
  /** (ext) The other party asks for an ICE restart (`payload` is null): send a new offer with fresh ICE credentials. */
  webrtc_restart: ServerEvent<AppSignalEvent>;
  participant_reconnecting: ServerEvent<ParticipantReconnectingAppEvent>;
  /** (ext) Both parties, before the call's limit. */
  call_time_warning: ServerEvent<CallTimeWarningAppEvent>;
  /** (ext) The other party asks for more time (answer over REST). */
  call_extension_requested: ServerEvent<CallExtensionRequestedAppEvent>;
  call_extended: ServerEvent<CallExtendedAppEvent>;
  call_extension_declined: ServerEvent<CallExtensionDeclinedAppEvent>;
  /** (ext) They are back within the grace. */
  participant_reconnected: ServerEvent<Omit<ParticipantReconnectingAppEvent, 'grace_ms' | 'graceMs'>>;
  mentor_status_update: ServerEvent<MentorStatusUpdateEvent>;
  /** To a student as it connects: the mentors and tutors available now. */
  mentor_statuses: ServerEvent<MentorStatusUpdateEvent[]>;
  help_request_received: ServerEvent<HelpRequestReceivedEvent>;
  help_request_sent: ServerEvent<HelpRequestReceivedEvent>;
  message_received: ServerEvent<AppMessageEvent>;
  message_sent: ServerEvent<AppMessageEvent>;
  user_joined_session: ServerEvent<SessionMemberEvent & { joinedAt: string }>;
  user_left_session: ServerEvent<SessionMemberEvent & { leftAt: string }>;
  pong: ServerEvent<{ timestamp: string }>;
  /**
   * A failure, for a client that sent no acknowledgement callback: the app's clients treat an
   * `error` event as a broken connection, so they are told here instead.
   */
  request_failed: ServerEvent<ErrorBody & { event?: string }>;
}
