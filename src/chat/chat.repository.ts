import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { CACHE } from '../cluster/cluster.tokens';
import { Prisma } from '../generated/prisma/client';
import type { Attachment, Conversation, Message } from '../generated/prisma/client';
import type { TimeCursor } from '../common/cursor';
import { AppError } from '../common/errors';
import { isUniqueViolation, rawQueryViolation } from '../database/prisma-errors';
import { PrismaService } from '../database/prisma.service';
import { partyColumns, partyOf, RawRow } from '../calls/call-rows';
import type { CallRecord, ConversationRow, MessageRow } from './chat.presenter';

const MESSAGE_INCLUDE = { sender: true, attachments: true } as const;
const MEMBERS_CACHE_MS = 3_600_000;
/** Sends to one conversation queue on its row lock; under a burst the last in line may wait a while. */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 20_000 };
const CONVERSATION_INCLUDE = { members: { include: { user: true }, orderBy: { joinedAt: 'asc' } } } as const;

export interface NewMessage {
  conversationId: string;
  senderId: string;
  text: string;
  clientMessageId?: string;
  attachmentIds?: string[];
  call?: CallRecord;
}

export interface StoredMessage {
  message: MessageRow;
  /** False when the sender's client_message_id named a message stored before (a retry). */
  created: boolean;
}

/** A message about this call was recorded already (by this or another instance). */
export class CallRecordedError extends Error {}

/** The key that makes "one direct conversation per pair of users" a unique constraint. */
export function directKeyOf(a: string, b: string): string {
  return [a, b].sort().join(':');
}

@Injectable()
export class ChatRepository {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(CACHE) private readonly cache: Cache,
  ) {}

  /** The pair's direct conversation, created on first use; safe when both create it at once. */
  async ensureDirect(a: string, b: string): Promise<Conversation> {
    const directKey = directKeyOf(a, b);
    return (
      (await this.prisma.conversation.findUnique({ where: { directKey } })) ??
      this.ensure({ directKey }, { kind: 'direct', directKey }, [a, b])
    );
  }

  /** The pair's direct conversation's id. It never changes, so it is cached after first use. */
  async directConversationId(a: string, b: string): Promise<string> {
    const key = `direct:${directKeyOf(a, b)}`;
    const cached = await this.cache.get<string>(key);
    if (cached) return cached;
    const { id } = await this.ensureDirect(a, b);
    await this.cache.set(key, id, MEMBERS_CACHE_MS);
    return id;
  }

  /** A call's conversation (its two parties), created on first use. */
  async ensureForCall(callId: string, parties: [string, string]): Promise<Conversation> {
    return (await this.prisma.conversation.findUnique({ where: { callId } })) ?? this.ensure({ callId }, { kind: 'call', callId }, parties);
  }

  /** Insert-if-absent on the unique key, then read back whichever row won; members likewise. */
  private ensure(
    where: Prisma.ConversationWhereUniqueInput,
    data: Prisma.ConversationCreateManyInput,
    members: string[],
  ): Promise<Conversation> {
    return this.prisma.$transaction(async (tx) => {
      await tx.conversation.createMany({ data: [data], skipDuplicates: true });
      const conversation = await tx.conversation.findUniqueOrThrow({ where });
      await tx.conversationMember.createMany({
        data: members.map((userId) => ({ conversationId: conversation.id, userId })),
        skipDuplicates: true,
      });
      return conversation;
    }, TRANSACTION_OPTIONS);
  }

  /** The conversation if `userId` is a member of it. */
  findForMember(conversationId: string, userId: string): Promise<ConversationRow | null> {
    return this.prisma.conversation.findFirst({
      where: { id: conversationId, members: { some: { userId } } },
      include: CONVERSATION_INCLUDE,
    });
  }

  /** A conversation's members never change, so they are cached (typing asks on every keystroke burst). */
  async memberIds(conversationId: string): Promise<string[]> {
    const key = `members:${conversationId}`;
    const cached = await this.cache.get<string[]>(key);
    if (cached) return cached;
    const members = (await this.prisma.conversationMember.findMany({ where: { conversationId }, select: { userId: true } })).map(
      (m) => m.userId,
    );
    if (members.length > 0) await this.cache.set(key, members, MEMBERS_CACHE_MS);
    return members;
  }

  /**
   * Stores a message as the conversation's next seq. The conversation row is locked first, so
   * messages of one conversation are numbered in commit order with no gaps, and a retried
   * client_message_id finds the first copy instead of storing a second.
   */
  async insertMessage(input: NewMessage): Promise<StoredMessage> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT id FROM conversations WHERE id = ${input.conversationId} FOR UPDATE`;
        if (input.clientMessageId) {
          const earlier = await tx.message.findUnique({
            where: { senderId_clientMessageId: { senderId: input.senderId, clientMessageId: input.clientMessageId } },
            include: MESSAGE_INCLUDE,
          });
          if (earlier) return { message: earlier, created: false };
        }
        const now = new Date();
        const { lastSeq: seq } = await tx.conversation.update({
          where: { id: input.conversationId },
          data: { lastSeq: { increment: 1 }, activeAt: now },
        });
        const { call } = input;
        const message = await tx.message.create({
          data: {
            conversationId: input.conversationId,
            seq,
            senderId: input.senderId,
            kind: call ? 'call' : 'text',
            text: input.text,
            clientMessageId: input.clientMessageId ?? null,
            callId: call?.callId ?? null,
            call: call ? { outcome: call.outcome, hasVideo: call.hasVideo, durationSeconds: call.durationSeconds } : Prisma.DbNull,
            createdAt: now,
          },
        });
        await this.claimAttachments(tx, message.id, input.senderId, input.attachmentIds ?? []);
        // Sending is reading: the sender has seen everything up to their own message.
        await tx.conversationMember.updateMany({
          where: { conversationId: input.conversationId, userId: input.senderId, lastReadSeq: { lt: seq } },
          data: { lastReadSeq: seq, lastReadAt: now },
        });
        return { message: await tx.message.findUniqueOrThrow({ where: { id: message.id }, include: MESSAGE_INCLUDE }), created: true };
      }, TRANSACTION_OPTIONS);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if (input.call) throw new CallRecordedError();
      // The same client_message_id raced in through another conversation's lock.
      const earlier = await this.prisma.message.findUnique({
        where: { senderId_clientMessageId: { senderId: input.senderId, clientMessageId: input.clientMessageId! } },
        include: MESSAGE_INCLUDE,
      });
      if (!earlier) throw error;
      return { message: earlier, created: false };
    }
  }

  /**
   * Stores a call's record as the conversation's next seq, read at once by `readBy`, in one
   * statement: its update of the conversation row is the lock that numbers messages in commit
   * order (as in insertMessage). CallRecordedError when the call has its record already.
   */
  async insertCallRecord(input: {
    conversationId: string;
    senderId: string;
    text: string;
    call: CallRecord;
    readBy: string[];
  }): Promise<MessageRow> {
    const now = new Date();
    const { callId, ...record } = input.call;
    try {
      const [row] = await this.prisma.rows<RawRow>(Prisma.sql`
        WITH conversation AS (
          UPDATE conversations SET last_seq = last_seq + 1, active_at = ${now}::timestamp(3) WHERE id = ${input.conversationId} RETURNING id, last_seq
        ), m AS (
          INSERT INTO messages (id, conversation_id, seq, sender_id, kind, text, call_id, call, created_at)
          SELECT ${randomUUID()}, id, last_seq, ${input.senderId}, 'call'::"MessageKind", ${input.text}, ${callId}, ${JSON.stringify(record)}::jsonb, ${now}::timestamp(3)
          FROM conversation
          RETURNING *
        ), readers AS (
          UPDATE conversation_members cm SET last_read_seq = m.seq, last_read_at = ${now}::timestamp(3) FROM m
          WHERE cm.conversation_id = m.conversation_id AND cm.user_id = ANY(${input.readBy}::text[]) AND cm.last_read_seq < m.seq
        )
        SELECT m.id, m.conversation_id AS "conversationId", m.seq, m.sender_id AS "senderId", m.kind::text AS kind, m.text,
               m.client_message_id AS "clientMessageId", m.call_id AS "callId", m.call, m.created_at AS "createdAt",
               ${Prisma.raw(partyColumns('s', 'sender'))}
        FROM m JOIN users s ON s.id = m.sender_id`);
      const call = (typeof row.call === 'string' ? JSON.parse(row.call) : row.call) as Message['call'];
      return { ...(row as unknown as Message), call, sender: partyOf(row, 'sender')!, attachments: [] };
    } catch (error) {
      if (rawQueryViolation(error)?.sqlState === '23505') throw new CallRecordedError();
      throw error;
    }
  }

  /** Attaches the sender's own, not yet used uploads to the message, in the order given. */
  private async claimAttachments(tx: Prisma.TransactionClient, messageId: string, uploaderId: string, ids: string[]): Promise<void> {
    for (const [position, id] of ids.entries()) {
      const claimed = await tx.attachment.updateMany({ where: { id, uploaderId, messageId: null }, data: { messageId, position } });
      if (claimed.count === 0) {
        throw new AppError('validation_failed', 'An attachment is unknown, not yours, or already sent', {
          attachment_ids: [`${id} is not an unsent upload of yours`],
        });
      }
    }
  }

  /** A message of this conversation, or null. */
  findMessageIn(conversationId: string, messageId: string) {
    return this.prisma.message.findFirst({ where: { id: messageId, conversationId } });
  }

  /** Newest first, strictly before `beforeSeq`; one more than asked, to tell whether there is more. */
  messagesBefore(conversationId: string, beforeSeq: number | undefined, take: number): Promise<MessageRow[]> {
    return this.prisma.message.findMany({
      where: { conversationId, ...(beforeSeq !== undefined ? { seq: { lt: beforeSeq } } : {}) },
      orderBy: { seq: 'desc' },
      take,
      include: MESSAGE_INCLUDE,
    });
  }

  /**
   * The user's conversations with at least one message, most recently active first, paged by
   * (activeAt, id). An empty one (opened, or left by a refused first message) shows once used.
   */
  conversationsOf(userId: string, options: { take: number; after?: TimeCursor }): Promise<ConversationRow[]> {
    const { after } = options;
    return this.prisma.conversation.findMany({
      where: {
        members: { some: { userId } },
        lastSeq: { gt: 0 },
        ...(after ? { OR: [{ activeAt: { lt: after.at } }, { activeAt: after.at, id: { lt: after.id } }] } : {}),
      },
      orderBy: [{ activeAt: 'desc' }, { id: 'desc' }],
      take: options.take,
      include: CONVERSATION_INCLUDE,
    });
  }

  /** The newest message of each conversation. */
  async lastMessages(conversations: Conversation[]): Promise<Map<string, MessageRow>> {
    const withMessages = conversations.filter((c) => c.lastSeq > 0);
    if (withMessages.length === 0) return new Map();
    const rows = await this.prisma.message.findMany({
      where: { OR: withMessages.map((c) => ({ conversationId: c.id, seq: c.lastSeq })) },
      include: MESSAGE_INCLUDE,
    });
    return new Map(rows.map((row) => [row.conversationId, row]));
  }

  /** Per conversation, the messages from others that `userId` has not read. */
  async unreadCounts(userId: string, conversationIds: string[]): Promise<Map<string, number>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.prisma.$queryRaw<Array<{ conversation_id: string; unread: number }>>`
      SELECT m.conversation_id, COUNT(*)::int AS unread
      FROM messages m
      JOIN conversation_members cm ON cm.conversation_id = m.conversation_id AND cm.user_id = ${userId}
      WHERE m.conversation_id IN (${Prisma.join(conversationIds)}) AND m.seq > cm.last_read_seq AND m.sender_id <> ${userId}
      GROUP BY m.conversation_id`;
    return new Map(rows.map((row) => [row.conversation_id, Number(row.unread)]));
  }

  /** Moves the member's read pointer forward to `seq`; false when it was there or further already. */
  async advanceRead(conversationId: string, userId: string, seq: number, at: Date): Promise<boolean> {
    const { count } = await this.prisma.conversationMember.updateMany({
      where: { conversationId, userId, lastReadSeq: { lt: seq } },
      data: { lastReadSeq: seq, lastReadAt: at },
    });
    return count > 0;
  }

  createAttachment(data: {
    id: string;
    uploaderId: string;
    name: string;
    contentType: string;
    size: number;
    storageKey: string;
  }): Promise<Attachment> {
    return this.prisma.attachment.create({ data });
  }

  /** The attachment if `userId` uploaded it or belongs to the conversation of the message it was sent in. */
  findAttachmentFor(attachmentId: string, userId: string): Promise<Attachment | null> {
    return this.prisma.attachment.findFirst({
      where: {
        id: attachmentId,
        OR: [{ uploaderId: userId }, { message: { conversation: { members: { some: { userId } } } } }],
      },
    });
  }
}
