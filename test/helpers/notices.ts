import type { CallView } from '../../src/calls/call.presenter';
import type { MessageView } from '../../src/chat/chat.presenter';
import type { NoticeOf, NoticeType, RealtimeNotice, RoomParticipant } from '../../src/realtime/realtime-notice';

/** Fixtures for the renderer specs: a call, a room participant, a chat message, and one notice of every type. */

const HOST = { id: 'u-host', displayName: 'Ada Host', avatarUrl: 'https://cdn.example/ada.png', role: 'student' } as const;
const RECIPIENT = { id: 'u-recipient', displayName: 'Grace Recipient', avatarUrl: null, role: 'mentor' } as const;

/** A ringing video call from a student to a mentor; `overrides` change any field. */
export function callView(overrides: Partial<CallView> = {}): CallView {
  return {
    id: 'call-1',
    hostUserId: HOST.id,
    recipientUserId: RECIPIENT.id,
    status: 'CALLING',
    title: 'Fractions',
    isPrivate: false,
    hasVideo: true,
    roomName: 'room-42',
    callerDisplay: 'Ada: Student',
    startedAt: null,
    endedAt: null,
    endReason: null,
    durationSeconds: null,
    maxDurationS: null,
    endsAt: null,
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt: '2026-01-01T10:00:00.000Z',
    host: { ...HOST },
    recipient: { ...RECIPIENT },
    ...overrides,
  };
}

export const participant: RoomParticipant = {
  connectionId: 'conn-7',
  userId: 'u-joiner',
  userName: 'Joiner',
  hasVideo: false,
  hasAudio: true,
};

export const message: MessageView = {
  id: 'msg-1',
  conversationId: 'conv-1',
  seq: 3,
  senderId: HOST.id,
  sender: { ...HOST },
  kind: 'text',
  text: 'Can we go over recursion?',
  clientMessageId: 'client-1',
  attachments: [],
  call: null,
  createdAt: '2026-01-01T10:01:00.000Z',
};

/** One notice of each type the core sends: a table must render each it has words for, and give null for the rest. */
export const NOTICES: { [K in NoticeType]: NoticeOf<K> } = {
  ringing: { type: 'ringing', call: callView() },
  accepted: { type: 'accepted', call: callView({ status: 'ACTIVE' }), byUserId: RECIPIENT.id },
  declined: { type: 'declined', call: callView({ status: 'DECLINED' }), byUserId: RECIPIENT.id, reason: 'In a lesson' },
  cancelled: { type: 'cancelled', call: callView({ status: 'CANCELLED' }), byUserId: HOST.id },
  missed: { type: 'missed', call: callView({ status: 'MISSED' }), reason: 'timeout' },
  ended: { type: 'ended', call: callView({ status: 'ENDED' }), byUserId: RECIPIENT.id, reason: 'hangup' },
  'current-call': { type: 'current-call', call: callView({ status: 'ACTIVE' }) },
  joined: { type: 'joined', callId: 'call-1', self: participant, participants: [] },
  'participant-joined': { type: 'participant-joined', callId: 'call-1', participant },
  'participant-left': { type: 'participant-left', callId: 'call-1', connectionId: 'conn-7', userId: 'u-joiner' },
  'media-toggled': { type: 'media-toggled', callId: 'call-1', connectionId: 'conn-7', userId: 'u-joiner', kind: 'video', enabled: false },
  'participant-reconnecting': { type: 'participant-reconnecting', callId: 'call-1', userId: 'u-host', graceMs: 15000 },
  'participant-reconnected': { type: 'participant-reconnected', callId: 'call-1', userId: 'u-host' },
  'time-warning': { type: 'time-warning', callId: 'call-1', secondsLeft: 60, endsAt: '2026-01-01T10:30:00.000Z' },
  'extension-requested': {
    type: 'extension-requested',
    callId: 'call-1',
    byUserId: 'u-host',
    extraS: 600,
    expiresAt: '2026-01-01T10:29:00.000Z',
  },
  'extension-answered': {
    type: 'extension-answered',
    callId: 'call-1',
    byUserId: 'u-recipient',
    accepted: true,
    extraS: 600,
    endsAt: '2026-01-01T10:40:00.000Z',
    maxDurationS: 2400,
  },
  signal: { type: 'signal', kind: 'offer', callId: 'call-1', fromConnectionId: 'conn-7', fromUserId: 'u-joiner', payload: { sdp: 'v=0' } },
  presence: { type: 'presence', userId: RECIPIENT.id, role: 'mentor', online: true, lastSeenAt: null },
  'mentor-status': {
    type: 'mentor-status',
    mentorId: RECIPIENT.id,
    status: 'busy',
    statusMessage: 'Marking exams',
    updatedAt: '2026-01-01T10:03:00.000Z',
  },
  'help-request': {
    type: 'help-request',
    requestId: 'req-1',
    studentId: HOST.id,
    studentName: HOST.displayName,
    topic: 'Fractions',
    message: 'Stuck on 3/4',
    mentorId: null,
    urgency: 'high',
    requestedAt: '2026-01-01T10:04:00.000Z',
  },
  'help-accepted': {
    type: 'help-accepted',
    requestId: 'req-1',
    mentorId: RECIPIENT.id,
    mentorName: RECIPIENT.displayName,
    reservedUntil: '2026-01-01T10:06:00.000Z',
  },
  'help-closed': { type: 'help-closed', requestId: 'req-1', outcome: 'taken' },
  'help-position': { type: 'help-position', requestId: 'req-1', position: 2, waiting: 3, estimatedWaitMs: 90_000, stage: 'matched' },
  'help-requeued': { type: 'help-requeued', requestId: 'req-1', mentorId: RECIPIENT.id, reason: 'lapsed' },
  'help-queue': { type: 'help-queue', waiting: 3, topics: [{ topic: 'fractions', waiting: 3 }] },
  'chat-message': { type: 'chat-message', message, receiverId: RECIPIENT.id },
  'session-member': {
    type: 'session-member',
    sessionId: 'call-1',
    userId: HOST.id,
    userRole: 'student',
    joined: true,
    at: '2026-01-01T10:05:00.000Z',
  },
  'chat-typing': { type: 'chat-typing', conversationId: 'conv-1', userId: HOST.id, typing: true },
  'chat-read': {
    type: 'chat-read',
    conversationId: 'conv-1',
    messageId: 'msg-1',
    readerId: RECIPIENT.id,
    readAt: '2026-01-01T10:02:00.000Z',
  },
};

/** The call's moves: every call dialect has words for them. */
export const CALL_MOVES: NoticeType[] = ['ringing', 'accepted', 'declined', 'cancelled', 'missed', 'ended', 'current-call'];

/** (ext) A party reconnecting, and a call's limit: every call dialect has words for them too. */
export const SESSION_NOTICES: NoticeType[] = [
  'participant-reconnecting',
  'participant-reconnected',
  'time-warning',
  'extension-requested',
  'extension-answered',
];

/** The notice types a table does not render (for the "gives null" cases). */
export function noticesOtherThan(rendered: NoticeType[]): RealtimeNotice[] {
  return (Object.keys(NOTICES) as NoticeType[]).filter((type) => !rendered.includes(type)).map((type) => NOTICES[type]);
}
