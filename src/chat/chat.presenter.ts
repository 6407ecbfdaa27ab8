import type { Attachment, Conversation, ConversationMember, Message, User } from '../generated/prisma/client';
import { ProfileUser, toPublicProfile } from '../users/user.presenter';
import type { AttachmentView, CallOutcome, CallRecord, ConversationView, MemberView, MessageView } from '@call-signaling/client';

export type { AttachmentView, CallOutcome, CallRecord, ConversationView, MemberView, MessageView };

export type MessageRow = Message & { sender: ProfileUser; attachments: Attachment[] };
export type ConversationRow = Conversation & { members: Array<ConversationMember & { user: User }> };

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

export function toConversationView(
  conversation: ConversationRow,
  lastMessage: MessageRow | undefined,
  unreadCount: number,
): ConversationView {
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
