import type { HelpUrgency } from './instantmentor-events.js';
/** The objects the server sends, the same in REST answers, acknowledgements and events. */

export type UserRole = 'student' | 'mentor' | 'tutor' | 'admin';

/** What anyone signed in may see of another user. */
export interface PublicProfile {
  id: string;
  displayName: string;
  avatarUrl: string | null;
  role: UserRole;
}

/** What a user sees of themself (`GET /auth/me`). */
export interface SelfView extends PublicProfile {
  email: string;
  createdAt: string;
}

/** `POST /auth/register` and `POST /auth/login`. */
export interface AuthResult {
  accessToken: string;
  user: SelfView;
}

export type CallStatus = 'CALLING' | 'ACTIVE' | 'ENDED' | 'CANCELLED' | 'DECLINED' | 'MISSED';
/** `time_limit` (ext): the call reached its length limit. */
export type CallEndReason = 'hangup' | 'last_participant_left' | 'connection_lost' | 'ended_by_api' | 'time_limit';

/** The call object of CONTRACT.md §4 (dates ISO-8601). */
export interface CallView {
  id: string;
  hostUserId: string;
  recipientUserId: string | null;
  status: CallStatus;
  title: string | null;
  isPrivate: boolean;
  hasVideo: boolean;
  /** The client-chosen room name, if any (ext). */
  roomName: string | null;
  /** How the caller asked to be shown (ext). */
  callerDisplay: string | null;
  startedAt: string | null;
  endedAt: string | null;
  endReason: CallEndReason | null;
  /** Seconds between startedAt and endedAt, for ended calls (ext). */
  durationSeconds: number | null;
  /** (ext) How long the call may last once answered, with agreed extensions; null: no limit. */
  maxDurationS: number | null;
  /** (ext) When an answered call with a limit ends (`startedAt` + `maxDurationS`). */
  endsAt: string | null;
  createdAt: string;
  updatedAt: string;
  host: PublicProfile;
  recipient: PublicProfile | null;
}

/** What went wrong in a call, as a party may say in its feedback (ext). */
export const FEEDBACK_ISSUES = ['no_audio', 'poor_audio', 'no_video', 'poor_video', 'echo', 'dropped', 'other'] as const;
export type FeedbackIssue = (typeof FEEDBACK_ISSUES)[number];

/** A party's rating of a call once it is over: `POST /calls/:id/feedback`, and `feedback` of `GET /calls/:id` (ext). */
export interface CallFeedbackView {
  callId: string;
  userId: string;
  /** 1 (bad) to 5 (excellent). */
  rating: number;
  issues: FeedbackIssue[];
  comment: string | null;
  createdAt: string;
}

/** Someone in a call's room now: offers go to their `socketId`. */
export interface RoomParticipantView {
  socketId: string;
  userId: string;
  userName: string;
  hasVideo: boolean;
  hasAudio: boolean;
}

/** `GET /calls/:id/room`. */
export interface RoomView {
  callId: string;
  participants: RoomParticipantView[];
}

/** One entry of `GET /calls/ice-servers`: pass the list to `new RTCPeerConnection({iceServers})`. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface IceServersView {
  iceServers: IceServer[];
  /** Seconds the TURN credentials stay valid. */
  ttl: number;
}

/** A page of a newest-first list; pass `nextCursor` back to get the next, null at the end. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** What a user may know of a file: `url` downloads it for conversation members. */
export interface AttachmentView {
  id: string;
  name: string;
  size: number;
  contentType: string;
  url: string;
  createdAt: string;
}

export type CallOutcome = 'missed' | 'declined' | 'ended' | 'cancelled';

/** What a `kind: "call"` message records. */
export interface CallRecord {
  callId: string;
  outcome: CallOutcome;
  hasVideo: boolean;
  /** For ended calls: seconds between answer and hang-up. */
  durationSeconds: number | null;
}

/** A stored message, the same in REST, acks and `new_message`. */
export interface MessageView {
  id: string;
  conversationId: string;
  /** 1, 2, 3 ... within the conversation, in the order the server stored them. */
  seq: number;
  senderId: string;
  sender: PublicProfile;
  kind: 'text' | 'call';
  text: string;
  clientMessageId: string | null;
  attachments: AttachmentView[];
  call: CallRecord | null;
  createdAt: string;
}

export interface MemberView extends PublicProfile {
  /** The newest message this member has read, and when (read receipts after the fact). */
  lastReadSeq: number;
  lastReadAt: string | null;
}

export interface ConversationView {
  id: string;
  kind: 'direct' | 'call';
  callId: string | null;
  members: MemberView[];
  lastMessage: MessageView | null;
  unreadCount: number;
  lastSeq: number;
  activeAt: string;
  createdAt: string;
}

/** `GET /presence/:userId`. */
export interface PresenceView {
  userId: string;
  role: UserRole;
  online: boolean;
  lastSeenAt: string | null;
}

export type EffectiveMentorStatus = 'available' | 'busy' | 'offline';

/** One entry of `GET /presence/mentors`. */
export interface MentorStatusView {
  mentorId: string;
  displayName: string;
  avatarUrl: string | null;
  role: UserRole;
  status: EffectiveMentorStatus;
  statusMessage: string | null;
}

/**
 * `waiting` in its queue; `accepted`: reserved by a mentor, who calls the student before `reservedUntil`
 * (ext); `fulfilled`: that call was answered (ext).
 */
export type HelpRequestStatus = 'waiting' | 'accepted' | 'cancelled' | 'expired' | 'fulfilled';

/** (ext) Who a waiting request is offered to: the mentors whose subjects match its topic, then every available one of its type. */
export type HelpStage = 'matched' | 'everyone';

/** (ext) Where a waiting request stands in its queue (its target type and topic). */
export interface HelpQueuePlace {
  /** 1 is next. */
  position: number;
  /** How many wait in the queue. */
  waiting: number;
  /** A rough wait: the position times the recent time to accept (of the queue, else of all queues); null with no accept in the past hour. */
  estimatedWaitMs: number | null;
}

/** A student's help request, as the platform's webhook has it. */
export interface HelpRequestRecord {
  id: string;
  studentId: string;
  topic: string;
  message: string | null;
  targetType: UserRole | null;
  /** The one mentor or tutor asked; null when it waits in the queue for any. */
  mentorId: string | null;
  urgency: HelpUrgency;
  status: HelpRequestStatus;
  /** (ext) */
  stage: HelpStage;
  acceptedBy: string | null;
  /** (ext) When the accepting mentor's reservation ends: they call the student before it. */
  reservedUntil: string | null;
  /** (ext) The call that fulfilled it. */
  callId: string | null;
  createdAt: string;
  expiresAt: string;
}

/** A student's help request, in the acks of the help-request events and over REST. */
export interface HelpRequestView extends HelpRequestRecord {
  /** (ext) While it waits in its queue; null otherwise, and for a request sent to one mentor. */
  queue: HelpQueuePlace | null;
}
