import { Injectable } from '@nestjs/common';
import { Actor, CallsService } from '../calls/calls.service';
import { AppEvents } from '../events/app-events';
import { cursorAfter, pageOf } from '../common/cursor';
import { inBackground } from '../common/background';
import { AppError } from '../common/errors';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import { UsersRepository } from '../users/users.repository';
import { ConversationRow, ConversationView, MessageView, toConversationView, toMessageView } from './chat.presenter';
import { ChatRepository } from './chat.repository';
import { CallRecords } from './call-records';
import { TypingService } from './typing.service';

/** Where a message goes: exactly one of the three. */
export interface MessageTarget {
  toUserId?: string;
  conversationId?: string;
  callId?: string;
}

export interface MessageContent {
  text?: string;
  clientMessageId?: string;
  attachmentIds?: string[];
}

export interface SendResult {
  message: MessageView;
  /** False when client_message_id named a message already stored (a retry): nothing new was sent. */
  created: boolean;
}

/**
 * Conversations, messages, read receipts and typing (CONTRACT.md §8). Members only: a
 * conversation someone is not in does not exist for them (`not_found`).
 */
@Injectable()
export class ChatService {
  constructor(
    private readonly chat: ChatRepository,
    private readonly users: UsersRepository,
    private readonly calls: CallsService,
    private readonly registry: ConnectionRegistry,
    private readonly typing: TypingService,
    private readonly events: AppEvents,
    private readonly callRecords: CallRecords,
  ) {}

  async send(actor: Actor, target: MessageTarget, content: MessageContent): Promise<SendResult> {
    const text = content.text ?? '';
    const attachmentIds = content.attachmentIds ?? [];
    if (text.trim() === '' && attachmentIds.length === 0) {
      throw new AppError('validation_failed', 'A message needs text or an attachment', { text: ['must not be empty without attachments'] });
    }
    const { conversationId, memberIds } = await this.resolve(actor.userId, target);
    await this.callRecords.flush(); // a reply to a call comes after its record
    const stored = await this.chat.insertMessage({
      conversationId,
      senderId: actor.userId,
      text,
      clientMessageId: content.clientMessageId,
      attachmentIds,
    });
    const message = toMessageView(stored.message);
    if (message.conversationId !== conversationId) {
      throw new AppError('validation_failed', 'This client_message_id was used for a message in another conversation', {
        client_message_id: ['is already used in another conversation'],
      });
    }
    if (stored.created) {
      this.deliver(message, memberIds, actor.connectionId);
      // Sending ends typing; failing to say so (Redis briefly away) must not cost the stored message its delivery.
      inBackground('typing ended by a message', this.typing.stop(conversationId, actor.userId));
    }
    return { message, created: stored.created };
  }

  async markRead(actor: Actor, conversationId: string, upToMessageId: string) {
    const conversation = await this.conversationFor(actor.userId, conversationId);
    const message = await this.chat.findMessageIn(conversationId, upToMessageId);
    if (!message) throw new AppError('not_found', 'Message not found in this conversation');
    const readAt = new Date();
    if (await this.chat.advanceRead(conversationId, actor.userId, message.seq, readAt)) {
      // The senders learn their messages were read; the reader's other devices clear their badge.
      this.registry.sendToUsers(
        conversation.members.map((m) => m.userId),
        { type: 'chat-read', conversationId, messageId: message.id, readerId: actor.userId, readAt: readAt.toISOString() },
        actor.connectionId,
      );
    }
    const before = conversation.members.find((m) => m.userId === actor.userId)!.lastReadSeq;
    const unread = await this.chat.unreadCounts(actor.userId, [conversationId]);
    return { conversationId, lastReadSeq: Math.max(before, message.seq), unreadCount: unread.get(conversationId) ?? 0 };
  }

  async setTyping(userId: string, conversationId: string, typing: boolean): Promise<void> {
    if (!(await this.chat.memberIds(conversationId)).includes(userId)) throw new AppError('not_found', 'Conversation not found');
    await (typing ? this.typing.start(conversationId, userId) : this.typing.stop(conversationId, userId));
  }

  /** Opens (or finds) a direct conversation with a user, or a call's conversation, without sending anything. */
  async open(userId: string, target: Omit<MessageTarget, 'conversationId'>): Promise<ConversationView> {
    const { conversationId } = await this.resolve(userId, target);
    return this.get(userId, conversationId);
  }

  async get(userId: string, conversationId: string): Promise<ConversationView> {
    return (await this.views(userId, [await this.conversationFor(userId, conversationId)]))[0];
  }

  async list(userId: string, options: { limit: number; cursor?: string }) {
    const after = cursorAfter(options.cursor);
    await this.callRecords.flush();
    const rows = await this.chat.conversationsOf(userId, { take: options.limit + 1, after });
    const page = pageOf(rows, options.limit, (row) => row.activeAt);
    return { items: await this.views(userId, page.items), nextCursor: page.nextCursor };
  }

  /** Newest first; `before` (a message id) pages back. New messages never shift older pages. */
  async history(userId: string, conversationId: string, options: { limit: number; before?: string }) {
    await this.conversationFor(userId, conversationId);
    let beforeSeq: number | undefined;
    if (options.before) {
      const anchor = await this.chat.findMessageIn(conversationId, options.before);
      if (!anchor)
        throw new AppError('validation_failed', 'before must be a message of this conversation', {
          before: ['is not a message of this conversation'],
        });
      beforeSeq = anchor.seq;
    }
    const rows = await this.chat.messagesBefore(conversationId, beforeSeq, options.limit + 1);
    const items = rows.slice(0, options.limit).map(toMessageView);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > options.limit && last ? last.id : null };
  }

  private async views(userId: string, conversations: ConversationRow[]): Promise<ConversationView[]> {
    const ids = conversations.map((c) => c.id);
    const [lastMessages, unread] = await Promise.all([this.chat.lastMessages(conversations), this.chat.unreadCounts(userId, ids)]);
    return conversations.map((c) => toConversationView(c, lastMessages.get(c.id), unread.get(c.id) ?? 0));
  }

  /** A conversation of theirs, with this instance's call records in it. */
  private async conversationFor(userId: string, conversationId: string): Promise<ConversationRow> {
    await this.callRecords.flush();
    const conversation = await this.chat.findForMember(conversationId, userId);
    if (!conversation) throw new AppError('not_found', 'Conversation not found');
    return conversation;
  }

  private async resolve(userId: string, target: MessageTarget): Promise<{ conversationId: string; memberIds: string[] }> {
    const given = [target.toUserId, target.conversationId, target.callId].filter((value) => value !== undefined);
    if (given.length !== 1) {
      throw new AppError('validation_failed', 'Name exactly one recipient: a user, a conversation or a call', {
        target: ['exactly one of to_user_id (userId), conversation_id and call_id (callId) is required'],
      });
    }
    if (target.conversationId !== undefined) {
      const conversation = await this.conversationFor(userId, target.conversationId);
      return { conversationId: conversation.id, memberIds: conversation.members.map((m) => m.userId) };
    }
    if (target.toUserId !== undefined) {
      const other = target.toUserId;
      if (other === userId)
        throw new AppError('validation_failed', 'You cannot message yourself', { to_user_id: ['must be another user'] });
      if (!(await this.users.findById(other))) throw new AppError('not_found', 'User not found');
      return { conversationId: await this.chat.directConversationId(userId, other), memberIds: [userId, other] };
    }
    const call = await this.calls.getForParty(userId, target.callId!);
    if (!call.recipientUserId) throw new AppError('invalid_state', 'The call has no other party yet');
    const parties: [string, string] = [call.hostUserId, call.recipientUserId];
    return { conversationId: await this.chat.callConversationId(call.id, parties), memberIds: parties };
  }

  private deliver(message: MessageView, memberIds: string[], exceptConnectionId?: string): void {
    const recipients = memberIds.filter((id) => id !== message.senderId);
    this.registry.sendToUsers(memberIds, { type: 'chat-message', message, receiverId: recipients[0] ?? null }, exceptConnectionId);
    this.events.emit('chat.message', { message, recipientIds: recipients });
  }
}
