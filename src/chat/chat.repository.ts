import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { CACHE } from '../cluster/cluster.tokens';
import { Prisma } from '../generated/prisma/client';
import type { Attachment, Conversation, Message } from '../generated/prisma/client';
import type { TimeCursor } from '../common/cursor';
import { AppError } from '../common/errors';
import { isUniqueViolation } from '../database/prisma-errors';
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
}

/** A closed call's record in its parties' direct conversation, from the caller. */
export interface NewCallRecord {
  conversationId: string;
  senderId: string;
  recipientId: string;
  /** Whether it is no news to the recipient either (an answered or declined call). */
  readByRecipient: boolean;
  text: string;
  call: CallRecord;
}

export interface StoredMessage {
  message: MessageRow;
  /** False when the sender's client_message_id named a message stored before (a retry). */
  created: boolean;
}

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

  /** The pair's direct conversation's id, created on first use; it never changes, so it is cached. */
  async directConversationId(a: string, b: string): Promise<string> {
    const directKey = directKeyOf(a, b);
    const key = `direct:${directKey}`;
    const cached = await this.cache.get<string>(key);
    if (cached) return cached;
    const id = await this.ensure({ directKey }, [a, b]);
    await this.cache.set(key, id, MEMBERS_CACHE_MS);
    return id;
  }

  /** A call's conversation's id (its two parties), created on first use. */
  async callConversationId(callId: string, parties: [string, string]): Promise<string> {
    return (await this.prisma.conversation.findUnique({ where: { callId }, select: { id: true } }))?.id ?? this.ensure({ callId }, parties);
  }

  /**
   * The id of the conversation with this unique key, created with its members if absent, in one
   * statement: a conversation never exists without its members, and the embedded database is held
   * for one statement, not a transaction's. When both parties create it at once, the one that
   * waited on the other's insert reads the row that won.
   */
  private async ensure(key: { directKey: string } | { callId: string }, members: string[]): Promise<string> {
    const [kind, directKey, callId] = 'directKey' in key ? ['direct', key.directKey, null] : ['call', null, key.callId];
    const now = new Date();
    const [made] = await this.prisma.rows<{ id: string }>(Prisma.sql`
      WITH made AS (
        INSERT INTO conversations (id, kind, direct_key, call_id, active_at, created_at)
        VALUES (${randomUUID()}, ${kind}::"ConversationKind", ${directKey}::text, ${callId}::text, ${now}::timestamp(3), ${now}::timestamp(3))
        ON CONFLICT DO NOTHING
        RETURNING id
      ), joined AS (
        INSERT INTO conversation_members (conversation_id, user_id, joined_at)
        SELECT made.id, m, ${now}::timestamp(3) FROM made, unnest(${members}::text[]) AS m
        ON CONFLICT DO NOTHING
      )
      SELECT id FROM made`);
    return made?.id ?? (await this.prisma.conversation.findUniqueOrThrow({ where: key, select: { id: true } })).id;
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
        const message = await tx.message.create({
          data: {
            conversationId: input.conversationId,
            seq,
            senderId: input.senderId,
            kind: 'text',
            text: input.text,
            clientMessageId: input.clientMessageId ?? null,
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
   * Stores call records, each as its conversation's next seq, read at once by the sender (and by
   * the recipient when `readByRecipient`), in one statement. The conversations' rows are locked in
   * id order before their update, so two instances writing overlapping batches queue rather than
   * deadlock; that update is the lock that numbers messages in commit order (as in insertMessage).
   * A call with its record already (another instance saw the same move) is left out.
   */
  async insertCallRecords(records: NewCallRecord[]): Promise<MessageRow[]> {
    const now = new Date();
    const column = <T>(pick: (r: NewCallRecord) => T) => records.map(pick);
    const rows = await this.prisma.rows<RawRow>(Prisma.sql`
      WITH r AS (
        SELECT * FROM unnest(${column(() => randomUUID())}::text[], ${column((r) => r.conversationId)}::text[],
                             ${column((r) => r.senderId)}::text[], ${column((r) => r.recipientId)}::text[],
                             ${column((r) => r.readByRecipient)}::boolean[], ${column((r) => r.text)}::text[],
                             ${column((r) => r.call.callId)}::text[], ${column(({ call: { callId: _, ...rest } }) => JSON.stringify(rest))}::text[])
          WITH ORDINALITY AS r(id, conversation_id, sender_id, recipient_id, recipient_read, text, call_id, call, n)
      ), fresh AS MATERIALIZED (
        SELECT r.* FROM r WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.call_id = r.call_id)
      ), locked AS MATERIALIZED (
        SELECT c.id FROM conversations c WHERE c.id IN (SELECT conversation_id FROM fresh) ORDER BY c.id FOR UPDATE
      ), conversation AS (
        UPDATE conversations c SET last_seq = c.last_seq + k.n, active_at = ${now}::timestamp(3)
        FROM (SELECT f.conversation_id, count(*)::int AS n FROM fresh f JOIN locked l ON l.id = f.conversation_id GROUP BY 1) k
        WHERE c.id = k.conversation_id
        RETURNING c.id, c.last_seq - k.n AS base
      ), m AS (
        INSERT INTO messages (id, conversation_id, seq, sender_id, kind, text, call_id, call, created_at)
        SELECT f.id, f.conversation_id, c.base + row_number() OVER (PARTITION BY f.conversation_id ORDER BY f.n), f.sender_id,
               'call'::"MessageKind", f.text, f.call_id, f.call::jsonb, ${now}::timestamp(3)
        FROM fresh f JOIN conversation c ON c.id = f.conversation_id
        ON CONFLICT DO NOTHING
        RETURNING *
      ), readers AS (
        UPDATE conversation_members cm SET last_read_seq = x.seq, last_read_at = ${now}::timestamp(3)
        FROM (
          SELECT m.conversation_id, u.user_id, max(m.seq) AS seq
          FROM m JOIN fresh f ON f.id = m.id
          CROSS JOIN LATERAL (VALUES (f.sender_id), (CASE WHEN f.recipient_read THEN f.recipient_id END)) AS u(user_id)
          WHERE u.user_id IS NOT NULL
          GROUP BY 1, 2
        ) x
        WHERE cm.conversation_id = x.conversation_id AND cm.user_id = x.user_id AND cm.last_read_seq < x.seq
      )
      SELECT m.id, m.conversation_id AS "conversationId", m.seq, m.sender_id AS "senderId", m.kind::text AS kind, m.text,
             m.client_message_id AS "clientMessageId", m.call_id AS "callId", m.call, m.created_at AS "createdAt",
             ${Prisma.raw(partyColumns('s', 'sender'))}
      FROM m JOIN users s ON s.id = m.sender_id
      ORDER BY m.conversation_id, m.seq`);
    return rows.map((row) => {
      const call = (typeof row.call === 'string' ? JSON.parse(row.call) : row.call) as Message['call'];
      return { ...(row as unknown as Message), call, sender: partyOf(row, 'sender')!, attachments: [] };
    });
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

  /** How many of the user's uploads no message has taken yet. */
  countUnsentAttachments(uploaderId: string): Promise<number> {
    return this.prisma.attachment.count({ where: { uploaderId, messageId: null } });
  }

  /**
   * Deletes up to `limit` uploads no message took before `before`, and gives their storage keys.
   * An upload a message takes at that moment is either taken (and stays) or deleted first (and the
   * message is refused as for any unknown attachment): the row lock decides.
   */
  async deleteUnsentAttachments(before: Date, limit: number): Promise<string[]> {
    const rows = await this.prisma.rows<{ storageKey: string }>(Prisma.sql`
      DELETE FROM attachments WHERE id IN (
        SELECT id FROM attachments WHERE message_id IS NULL AND created_at < ${before}::timestamp(3) LIMIT ${limit}
      ) AND message_id IS NULL
      RETURNING storage_key AS "storageKey"`);
    return rows.map((row) => row.storageKey);
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
