import type { Attachment, Conversation, ConversationMember, Message, User } from '../generated/prisma/client';
import { PublicProfile, toPublicProfile } from '../users/user.presenter';

export type MessageRow = Message & { sender: User; attachments: Attachment[] };
export type ConversationRow = Conversation & { members: Array<ConversationMember & { user: User }> };

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
  kind: Message['kind'];
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
  kind: Conversation['kind'];
  callId: string | null;
  members: MemberView[];
  lastMessage: MessageView | null;
  unreadCount: number;
  lastSeq: number;
  activeAt: string;
  createdAt: string;
}

export function toAttachmentView(attachment: Attachment): AttachmentView {
  return {
    id: attachment.id,
    name: attachment.name,
    size: attachment.size,
    contentType: attachment.contentType,
    url: `/chat/attachments/${attachment.id}`,
    createdAt: attachment.createdAt.toISOString(),
  };
}

export function toMessageView(message: MessageRow): MessageView {
  return {
    id: message.id,
    conversationId: message.conversationId,
    seq: message.seq,
    senderId: message.senderId,
    sender: toPublicProfile(message.sender),
    kind: message.kind,
    text: message.text,
    clientMessageId: message.clientMessageId,
    attachments: [...message.attachments].sort((a, b) => a.position - b.position).map(toAttachmentView),
    call: message.callId ? { callId: message.callId, ...(message.call as Omit<CallRecord, 'callId'>) } : null,
    createdAt: message.createdAt.toISOString(),
  };
}

export function toConversationView(conversation: ConversationRow, lastMessage: MessageRow | undefined, unreadCount: number): ConversationView {
  return {
    id: conversation.id,
    kind: conversation.kind,
    callId: conversation.callId,
    members: conversation.members.map((member) => ({
      ...toPublicProfile(member.user),
      lastReadSeq: member.lastReadSeq,
      lastReadAt: member.lastReadAt?.toISOString() ?? null,
    })),
    lastMessage: lastMessage ? toMessageView(lastMessage) : null,
    unreadCount,
    lastSeq: conversation.lastSeq,
    activeAt: conversation.activeAt.toISOString(),
    createdAt: conversation.createdAt.toISOString(),
  };
}
