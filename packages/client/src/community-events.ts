import type { ClientEvent, ServerEvent } from './acks.js';
import type { EffectiveMentorStatus, HelpRequestView, HelpStage, MentorStatusView, UserRole } from './models.js';

/**
 * Presence, mentor status and help requests (CONTRACT.md §8, named as the InstantMentor app names them): events of every
 * Socket.IO dialect, like chat, since their names collide with none of the call dialects'.
 */

export interface StatusMessagePayload {
  status_message?: string;
}

export interface HelpRequestPayload {
  topic: string;
  message?: string;
  target_type?: 'mentor' | 'tutor';
}

export interface RequestIdPayload {
  request_id: string;
}

/** (ext) After a request expired, its student may leave a message for the queue's mentors, once. */
export interface LeaveHelpMessagePayload {
  request_id: string;
  text: string;
}

/** The InstantMentor app's fields of a presence event. */
export interface AppPresenceFields {
  userId: string;
  userRole: UserRole;
  timestamp: string;
}

export interface UserOnlineEvent extends AppPresenceFields {
  user_id: string;
  role: UserRole;
}

export interface UserOfflineEvent extends AppPresenceFields {
  user_id: string;
  last_seen_at: string | null;
}

export interface MentorStatusChangedEvent {
  mentor_id: string;
  status: EffectiveMentorStatus;
  status_message: string | null;
}

export interface HelpRequestEvent {
  request_id: string;
  student_id: string;
  student_name: string;
  topic: string;
  message: string | null;
}

export interface HelpRequestAcceptedEvent {
  request_id: string;
  mentor_id: string;
  mentor_name: string;
  /** (ext) The mentor calls before this, or the request goes back to the head of its queue. */
  reserved_until: string;
}

/** To the student whose request expired unanswered. */
export interface HelpRequestExpiredEvent extends RequestIdPayload {
  /** (ext) The student may leave a message for the queue's mentors (`leave_help_message`). */
  can_leave_message?: true;
}

/**
 * (ext) To a student whose request waits, whenever its place changes (section 8's fields and the
 * InstantMentor app's, in one event).
 */
export interface HelpRequestPositionEvent {
  request_id: string;
  position: number;
  waiting: number;
  estimated_wait_ms: number | null;
  stage: HelpStage;
  requestId: string;
  estimatedWaitMs: number | null;
}

/** (ext) To the student and the mentor: the mentor's reservation lapsed, or their call failed; the request is back at the head of its queue. */
export interface HelpRequestRequeuedEvent {
  request_id: string;
  mentor_id: string;
  reason: 'lapsed' | 'call_failed';
  requestId: string;
  mentorId: string;
}

/** (ext) To every mentor or tutor online: how many requests they could take wait, by topic. */
export interface HelpQueueChangedEvent {
  waiting: number;
  topics: Array<{ topic: string; waiting: number }>;
}

/** (ext) Opens a mentor list: the filters of `GET /presence/mentors`, and which page to answer with. */
export interface PresenceSubscribePayload {
  role?: 'mentor' | 'tutor';
  status?: EffectiveMentorStatus;
  /** 1–100; 50 when absent. */
  limit?: number;
  /** A previous answer's `nextCursor`. */
  cursor?: string;
}

/** (ext) A page of the list; changes to any mentor of its roles follow as events. */
export interface MentorPageAck {
  mentors: MentorStatusView[];
  nextCursor: string | null;
}

/** (ext) Users whose presence and status to hear of (mentors and tutors; at most 500 in all). */
export interface PresenceWatchPayload {
  userIds: string[];
}

export interface CommunityClientToServerEvents {
  /** Mentors and tutors only. */
  mentor_available: ClientEvent<StatusMessagePayload, { status: MentorStatusView }>;
  mentor_busy: ClientEvent<StatusMessagePayload, { status: MentorStatusView }>;
  student_request_help: ClientEvent<HelpRequestPayload, { request: HelpRequestView }>;
  accept_help_request: ClientEvent<RequestIdPayload, { request: HelpRequestView }>;
  cancel_help_request: ClientEvent<RequestIdPayload, { request: HelpRequestView }>;
  /** (ext) The number of mentors the message went to. */
  leave_help_message: ClientEvent<LeaveHelpMessagePayload, { request: HelpRequestView; mentors: number }>;
  /** (ext) Presence by interest: from then on the connection hears of the mentors it watches, its contacts, and no one else. */
  presence_subscribe: ClientEvent<PresenceSubscribePayload, MentorPageAck>;
  presence_watch: ClientEvent<PresenceWatchPayload, { mentors: MentorStatusView[] }>;
  /** (ext) Back to what a connection that never subscribed hears. */
  presence_unsubscribe: ClientEvent<Record<string, never>>;
}

export interface CommunityServerToClientEvents {
  user_online: ServerEvent<UserOnlineEvent>;
  user_offline: ServerEvent<UserOfflineEvent>;
  mentor_status_changed: ServerEvent<MentorStatusChangedEvent>;
  help_request: ServerEvent<HelpRequestEvent>;
  help_request_accepted: ServerEvent<HelpRequestAcceptedEvent>;
  help_request_taken: ServerEvent<RequestIdPayload>;
  help_request_cancelled: ServerEvent<RequestIdPayload>;
  help_request_expired: ServerEvent<HelpRequestExpiredEvent>;
  help_request_position: ServerEvent<HelpRequestPositionEvent>;
  help_request_requeued: ServerEvent<HelpRequestRequeuedEvent>;
  help_queue_changed: ServerEvent<HelpQueueChangedEvent>;
}
