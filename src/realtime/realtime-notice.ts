import type { CallNotice } from '../calls/call-notices';
import type { HelpStage, HelpUrgency, UserRole } from '@call-signaling/client';
import type { MessageView } from '../chat/chat.presenter';
import type { SignalKind } from '../relay/signal';

export interface RoomParticipant {
  connectionId: string;
  userId: string;
  userName: string;
  hasVideo: boolean;
  hasAudio: boolean;
}

/** Notices about a call's room and the signaling relayed inside it. */
export type RoomNotice =
  | { type: 'joined'; callId: string; self: RoomParticipant; participants: RoomParticipant[] }
  | { type: 'participant-joined'; callId: string; participant: RoomParticipant }
  | { type: 'participant-left'; callId: string; connectionId: string; userId: string }
  | { type: 'media-toggled'; callId: string; connectionId: string; userId: string; kind: 'video' | 'audio'; enabled: boolean }
  | { type: 'signal'; kind: SignalKind; callId: string; fromConnectionId: string; fromUserId: string; payload: unknown }
  /** (ext) The other party's last connection dropped mid-call: the call ends unless they are back within `graceMs`. */
  | { type: 'participant-reconnecting'; callId: string; userId: string; graceMs: number }
  /** (ext) They are back: the call goes on (media may need an ICE restart, which they may ask for). */
  | { type: 'participant-reconnected'; callId: string; userId: string };

/** (ext) A call's length limit: a warning before it, an extension asked, and the other party's answer. */
export type LimitNotice =
  | { type: 'time-warning'; callId: string; secondsLeft: number; endsAt: string }
  | { type: 'extension-requested'; callId: string; byUserId: string; extraS: number; expiresAt: string }
  /** `endsAt` and `maxDurationS` are the call's, after the answer. */
  | {
      type: 'extension-answered';
      callId: string;
      byUserId: string;
      accepted: boolean;
      extraS: number;
      endsAt: string | null;
      maxDurationS: number | null;
    };

/** A user came online or went offline (after the presence grace). */
export interface PresenceNotice {
  type: 'presence';
  userId: string;
  role: UserRole;
  online: boolean;
  lastSeenAt: string | null;
}

export type EffectiveMentorStatus = 'available' | 'busy' | 'offline';

/** A mentor's or tutor's availability changed (chosen, in a call, or offline). */
export interface MentorStatusNotice {
  type: 'mentor-status';
  mentorId: string;
  status: EffectiveMentorStatus;
  statusMessage: string | null;
  updatedAt: string;
}

/** A student's help request and what became of it. */
export type HelpNotice =
  | {
      type: 'help-request';
      requestId: string;
      studentId: string;
      studentName: string;
      topic: string;
      message: string | null;
      /** The one mentor asked; null when offered to every available one. */
      mentorId: string | null;
      urgency: HelpUrgency;
      requestedAt: string;
    }
  /** To the student: the mentor reserved it until `reservedUntil`. */
  | { type: 'help-accepted'; requestId: string; mentorId: string; mentorName: string; reservedUntil: string }
  /** `canLeaveMessage`: to the student of an expired request. */
  | { type: 'help-closed'; requestId: string; outcome: 'taken' | 'cancelled' | 'expired'; canLeaveMessage?: true }
  /** (ext) To the student: the request's place in its queue. */
  | { type: 'help-position'; requestId: string; position: number; waiting: number; estimatedWaitMs: number | null; stage: HelpStage }
  /** (ext) To the student and the mentor: the reservation lapsed or the call failed; the request is back in its queue. */
  | { type: 'help-requeued'; requestId: string; mentorId: string; reason: 'lapsed' | 'call_failed' }
  /** (ext) To mentors and tutors: what waits that they could take. */
  | { type: 'help-queue'; waiting: number; topics: Array<{ topic: string; waiting: number }> };

/** Chat: a stored message, a typing indicator, a read receipt. */
export type ChatNotice =
  /** `receiverId`: the other member (every conversation has two). */
  | { type: 'chat-message'; message: MessageView; receiverId: string | null }
  | { type: 'chat-typing'; conversationId: string; userId: string; typing: boolean }
  | { type: 'chat-read'; conversationId: string; messageId: string; readerId: string; readAt: string };

/** A user joined or left a call's or conversation's session (the InstantMentor app's `join_session`). */
export interface SessionNotice {
  type: 'session-member';
  sessionId: string;
  userId: string;
  userRole: UserRole;
  joined: boolean;
  at: string;
}

/** Everything the core may send to a connection; each dialect adapter renders what it knows. */
export type RealtimeNotice =
  CallNotice | RoomNotice | LimitNotice | PresenceNotice | MentorStatusNotice | HelpNotice | ChatNotice | SessionNotice;

export type NoticeType = RealtimeNotice['type'];
export type NoticeOf<K extends NoticeType> = Extract<RealtimeNotice, { type: K }>;

/** A dialect's words for the notices it has; a notice it has no words for (no renderer, or null) is not sent to its clients. */
export type NoticeRenderers<Out> = { [K in NoticeType]?: (notice: NoticeOf<K>) => Out | null };

/** One event of a typed event map, as `socket.emit(...emission)` takes it: the name, then its payload. */
export type Emission<Events> = {
  [E in keyof Events & string]: Events[E] extends (payload: infer P) => void ? [E, P] : never;
}[keyof Events & string];

export function renderWith<Out>(renderers: NoticeRenderers<Out>, notice: RealtimeNotice): Out | null {
  const render = renderers[notice.type] as ((n: RealtimeNotice) => Out | null) | undefined;
  return render ? render(notice) : null;
}
