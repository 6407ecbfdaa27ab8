import type {
  AppMessageEvent,
  HelpRequestReceivedEvent,
  HelpRequestView,
  InstantMentorServerToClientEvents,
  MessageView,
} from '@call-signaling/client';
import { Emission, NoticeRenderers, RealtimeNotice, renderWith } from '../realtime/realtime-notice';
import { CALL_OUTCOMES, currentCall, LIMITS, RECONNECTS } from './instant.renderer';

type AppEmission = Emission<InstantMentorServerToClientEvents>;

const SIGNAL_EVENTS = {
  offer: 'webrtc_offer',
  answer: 'webrtc_answer',
  ice: 'webrtc_ice_candidate',
  hangup: 'webrtc_hangup',
  restart: 'webrtc_restart',
} as const;

/** What the help request's `mentorId` says when the request went to every available mentor. */
export const TO_EVERY_MENTOR = 'broadcast_to_mentors';

/** The InstantMentor app's call and signaling words (CONTRACT.md §8, "The InstantMentor app"). */
const APP_CALLS: NoticeRenderers<AppEmission> = {
  ...CALL_OUTCOMES,
  ...RECONNECTS,
  ...LIMITS,
  'current-call': currentCall,
  ringing: ({ call }) => [
    'call_initiated',
    {
      callId: call.id,
      callerId: call.hostUserId,
      callerName: call.host.displayName,
      callType: call.hasVideo ? 'video' : 'audio',
      receiverId: call.recipientUserId ?? '',
    },
  ],
  /**
   * The app takes call_accepted as "the call is on here": the callee's other devices hear that it
   * ended for them, in the app's fields alone (section 8's clients, which read `call_id`, hear only
   * `call_accepted` there).
   */
  accepted: (n) =>
    n.elsewhere ? ['call_ended', { callId: n.call.id, endedBy: n.byUserId, reason: 'answered_elsewhere' }] : CALL_OUTCOMES.accepted(n),
  signal: (n) => [
    SIGNAL_EVENTS[n.kind],
    { callId: n.callId, fromUserId: n.fromUserId, payload: n.payload, timestamp: new Date().toISOString() },
  ],
};

/** A help request as the mentors asked hear it and the student is told it went (`help_request_sent`). */
export function helpRequestEvent(
  request: Pick<HelpRequestView, 'id' | 'studentId' | 'mentorId' | 'topic' | 'message' | 'urgency' | 'createdAt'>,
): HelpRequestReceivedEvent {
  return {
    id: request.id,
    studentId: request.studentId,
    mentorId: request.mentorId ?? TO_EVERY_MENTOR,
    subject: request.topic,
    message: request.message ?? '',
    urgency: request.urgency,
    requestedAt: request.createdAt,
    status: 'pending',
  };
}

/** A chat message as its receiver hears it and its sender is told it went (`message_sent`). */
export function appMessageEvent(message: MessageView, receiverId: string): AppMessageEvent {
  return {
    id: message.id,
    senderId: message.senderId,
    receiverId,
    content: message.text,
    type: message.kind,
    timestamp: message.createdAt,
  };
}

/** The app's words for status, help requests, chat and sessions, where they differ from section 8's. */
const APP_COMMUNITY: NoticeRenderers<AppEmission> = {
  'mentor-status': (n) => [
    'mentor_status_update',
    { mentorId: n.mentorId, isAvailable: n.status === 'available', statusMessage: n.statusMessage, updatedAt: n.updatedAt },
  ],
  'help-request': (n) => ['help_request_received', helpRequestEvent({ ...n, id: n.requestId, createdAt: n.requestedAt })],
  'chat-message': ({ message, receiverId }) => ['message_received', appMessageEvent(message, receiverId ?? '')],
  'session-member': (n) => {
    const member = { userId: n.userId, userRole: n.userRole, sessionId: n.sessionId };
    return n.joined ? ['user_joined_session', { ...member, joinedAt: n.at }] : ['user_left_session', { ...member, leftAt: n.at }];
  },
};

export const renderInstantMentorCalls = (notice: RealtimeNotice) => renderWith(APP_CALLS, notice);
export const renderInstantMentorCommunity = (notice: RealtimeNotice) => renderWith(APP_COMMUNITY, notice);
