import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Call, CallEndReason, CallStatus, Prisma } from '../generated/prisma/client';
import { cursorAfter, olderThan, pageOf } from '../common/cursor';
import { isForeignKeyViolation, isUniqueViolation, rawQueryViolation } from '../database/prisma-errors';
import { PrismaService } from '../database/prisma.service';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import { isOpen, sourcesOf } from './call-state';
import type { CallWithParties } from './call.presenter';
import { CALL_WITH_PARTIES, CallRow, fromCallRow, JOIN_PARTIES } from './call-rows';

const PARTY = { id: true, displayName: true, avatarUrl: true, role: true, mentorStatus: true, statusMessage: true } as const;
const WITH_PARTIES = { host: { select: PARTY }, recipient: { select: PARTY } } as const;

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

/** The parties whose busy slots a new call takes, always in id order: two starts between the same users wait on each other instead of deadlocking. */
const inSlotOrder = (data: NewCall) => [data.hostUserId, data.recipientUserId].filter((id): id is string => id !== null).sort();

/** A move only its host or only its recipient may make. */
export interface Seat {
  seat: 'host' | 'recipient';
  userId: string;
}
const SEAT_COLUMNS: Record<Seat['seat'], string> = { host: 'host_user_id', recipient: 'recipient_user_id' };

export interface NewCall {
  hostUserId: string;
  /** Null for a room-link call, which waits for a guest. */
  recipientUserId: string | null;
  title: string | null;
  isPrivate: boolean;
  hasVideo: boolean;
  roomName: string | null;
  callerDisplay: string | null;
  /** How long the call may last once answered, in seconds; null: no limit. */
  maxDurationS: number | null;
}

export interface Move {
  to: CallStatus;
  actorUserId: string | null;
  reason?: string;
  endReason?: CallEndReason;
}

/** A connection's place in a call's room, as recorded. */
export interface NewParticipant {
  callId: string;
  userId: string;
  connectionId: string;
  userName: string;
  hasVideo: boolean;
  hasAudio: boolean;
  joinedAt: Date;
  /** Set when the connection left before the record was written. */
  leftAt?: Date;
}

export interface Departure {
  callId: string;
  connectionId: string;
  at: Date;
}

/** One of the two users already has an open call. */
export class BusyError extends Error {}

/** Another open call already uses this room name. */
export class RoomTakenError extends Error {}

/** A party of a new call is no user. */
export class UnknownUserError extends Error {}

export interface HistoryPage {
  items: CallWithParties[];
  nextCursor: string | null;
}

@Injectable()
export class CallsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly webhooks: WebhookOutbox,
  ) {}

  /**
   * Creates a ringing call and takes both users' busy slots in one statement; a slot already
   * taken (primary key) means busy, and nothing is created. With `missed`, the call is recorded
   * as missed at once (offline recipient) after the same busy check.
   */
  async create(data: NewCall, options: { missedReason?: string } = {}): Promise<CallWithParties> {
    if (options.missedReason) return this.createMissed(data, options.missedReason);
    const now = new Date();
    const parties = inSlotOrder(data);
    const [created] = await this.write(
      this.prisma.rows<CallRow>(Prisma.sql`
        WITH c AS (
          INSERT INTO calls (id, host_user_id, recipient_user_id, status, title, is_private, has_video, room_name, caller_display, max_duration_s,
                             created_at, updated_at)
          VALUES (${randomUUID()}, ${data.hostUserId}, ${data.recipientUserId}, 'CALLING', ${data.title}, ${data.isPrivate}, ${data.hasVideo},
                  ${data.roomName}, ${data.callerDisplay}, ${data.maxDurationS}::int, ${now}::timestamp(3), ${now}::timestamp(3))
          RETURNING *
        ), room AS (
          INSERT INTO room_slots (room_name, call_id) SELECT room_name, id FROM c WHERE room_name IS NOT NULL RETURNING call_id
        ), busy AS (
          -- Reading room first makes a room in use the error reported when a party is busy too.
          INSERT INTO busy_slots (user_id, call_id, created_at)
          SELECT party, c.id, ${now}::timestamp(3) FROM c, unnest(${parties}::text[]) WITH ORDINALITY AS p(party, n)
          WHERE (SELECT count(*) FROM room) >= 0 ORDER BY n
        ), event AS (
          INSERT INTO call_events (call_id, to_status, actor_user_id, at) SELECT id, 'CALLING', host_user_id, ${now}::timestamp(3) FROM c
        ) ${this.webhooks.callMoveCte({ previous: null, actorUserId: data.hostUserId, reason: null }, now)}
        SELECT ${CALL_WITH_PARTIES} FROM c ${JOIN_PARTIES}`),
    );
    this.webhooks.written();
    return fromCallRow(created);
  }

  /** As create, for a recipient nobody can ring: the busy check happens, then the call is MISSED. */
  private async createMissed(data: NewCall, missedReason: string): Promise<CallWithParties> {
    const missed = await this.write(
      this.prisma.$transaction(async (tx) => {
        const call = await tx.call.create({ data: { ...data, status: 'CALLING' } });
        if (data.roomName) {
          // A room name in use is refused even for a call that ends at once.
          if (await tx.roomSlot.findUnique({ where: { roomName: data.roomName } })) throw new RoomTakenError();
        }
        await tx.busySlot.createMany({ data: inSlotOrder(data).map((userId) => ({ userId, callId: call.id })) });
        await tx.busySlot.deleteMany({ where: { callId: call.id } });
        await tx.call.update({ where: { id: call.id }, data: { status: 'MISSED' } });
        await tx.callEvent.createMany({
          data: [
            { callId: call.id, toStatus: 'CALLING', actorUserId: data.hostUserId },
            { callId: call.id, fromStatus: 'CALLING', toStatus: 'MISSED', reason: missedReason },
          ],
        });
        if (this.webhooks.enabled) {
          const hook = this.webhooks.callMoveCte({ previous: null, actorUserId: data.hostUserId, reason: missedReason }, new Date());
          await tx.$executeRaw`WITH c AS (SELECT * FROM calls WHERE id = ${call.id}) ${hook} SELECT 1`;
        }
        return tx.call.findUniqueOrThrow({ where: { id: call.id }, include: WITH_PARTIES });
      }),
    );
    this.webhooks.written();
    return missed;
  }

  /** Runs a write that takes slots, turning their conflicts into the errors callers handle. */
  private async write<T>(query: Promise<T>): Promise<T> {
    try {
      return await query;
    } catch (error) {
      const violation = rawQueryViolation(error);
      if (violation?.sqlState === UNIQUE_VIOLATION && violation.constraint === 'room_slots_pkey') throw new RoomTakenError();
      if (violation?.sqlState === UNIQUE_VIOLATION || isUniqueViolation(error)) throw new BusyError();
      if (violation?.sqlState === FOREIGN_KEY_VIOLATION || isForeignKeyViolation(error)) throw new UnknownUserError();
      throw error;
    }
  }

  /**
   * Moves a call to `move.to` if, and only if, it is still in a status that move starts from (and,
   * with `seat`, that user holds that seat). One conditional statement makes each move happen
   * once, whoever races for it, and records it with its side effects; the loser gets null.
   */
  async move(callId: string, move: Move, seat?: Seat): Promise<CallWithParties | null> {
    const now = new Date();
    const closing = !isOpen(move.to);
    const sources = sourcesOf(move.to);
    const previous = sources.length === 1 ? sources[0] : null;
    const reason = move.reason ?? move.endReason ?? null;
    const seated = seat ? Prisma.sql`AND ${Prisma.raw(SEAT_COLUMNS[seat.seat])} = ${seat.userId}` : Prisma.empty;
    const [moved] = await this.prisma.rows<CallRow>(Prisma.sql`
      WITH c AS (
        UPDATE calls SET
          status = ${move.to}::"CallStatus",
          started_at = CASE WHEN ${move.to === 'ACTIVE'}::boolean THEN ${now}::timestamp(3) ELSE started_at END,
          ended_at = CASE WHEN ${closing}::boolean THEN ${now}::timestamp(3) ELSE ended_at END,
          end_reason = COALESCE(${move.endReason ?? null}::"CallEndReason", end_reason),
          updated_at = ${now}::timestamp(3)
        WHERE id = ${callId} AND status::text = ANY(${sources}::text[]) ${seated}
        RETURNING *
      ), event AS (
        INSERT INTO call_events (call_id, from_status, to_status, actor_user_id, reason, at)
        SELECT id, ${previous}::"CallStatus", ${move.to}::"CallStatus", ${move.actorUserId}::text, ${reason}::text, ${now}::timestamp(3) FROM c
      ), busy AS (
        DELETE FROM busy_slots WHERE ${closing}::boolean AND call_id IN (SELECT id FROM c) RETURNING user_id
      ), room AS (
        DELETE FROM room_slots WHERE ${closing}::boolean AND call_id IN (SELECT id FROM c)
      ), seats AS (
        UPDATE call_participants SET left_at = ${now}::timestamp(3) WHERE ${closing}::boolean AND left_at IS NULL AND call_id IN (SELECT id FROM c)
      ) ${this.webhooks.callMoveCte({ previous, actorUserId: move.actorUserId, reason }, now)}
      SELECT ${CALL_WITH_PARTIES}, (SELECT count(*) FROM busy)::int AS "freedSlots" FROM c ${JOIN_PARTIES}`);
    if (!moved) return null;
    this.webhooks.written();
    const call = fromCallRow(moved);
    // The statement sees busy slots as they were when it began: a guest seated while it waited for
    // the call's row still holds one. A statement of its own sees it.
    if (closing && (moved.freedSlots as number) < (call.recipientUserId ? 2 : 1)) {
      await this.prisma.busySlot.deleteMany({ where: { callId } });
    }
    return call;
  }

  /** Frees the busy slots of calls that are over (a slot a closing move could not see when it ran). */
  async freeSlotsOfClosedCalls(): Promise<number> {
    const { count } = await this.prisma.busySlot.deleteMany({ where: { call: { status: { notIn: ['CALLING', 'ACTIVE'] } } } });
    return count;
  }

  /**
   * Seats `userId` as the recipient of a CALLING call whose seat is empty and takes their busy
   * slot, in one statement. Null when the seat was taken meanwhile; BusyError when the user is busy.
   */
  async seatRecipient(callId: string, userId: string): Promise<CallWithParties | null> {
    const [seated] = await this.write(
      this.prisma.rows<CallRow>(Prisma.sql`
        WITH c AS (
          UPDATE calls SET recipient_user_id = ${userId}, updated_at = ${new Date()}::timestamp(3)
          WHERE id = ${callId} AND status = 'CALLING' AND recipient_user_id IS NULL AND host_user_id <> ${userId}
          RETURNING *
        ), busy AS (
          INSERT INTO busy_slots (user_id, call_id) SELECT recipient_user_id, id FROM c
        )
        SELECT ${CALL_WITH_PARTIES} FROM c ${JOIN_PARTIES}`),
    );
    return seated ? fromCallRow(seated) : null;
  }

  /** Adds `extraS` to an active call's limit; null when it is no longer active or has no limit. */
  async extend(callId: string, extraS: number, db: Prisma.TransactionClient = this.prisma): Promise<CallWithParties | null> {
    const { count } = await db.call.updateMany({
      where: { id: callId, status: 'ACTIVE', maxDurationS: { not: null } },
      data: { maxDurationS: { increment: extraS } },
    });
    return count === 0 ? null : db.call.findUnique({ where: { id: callId }, include: WITH_PARTIES });
  }

  /** Active calls with a length limit: their timers are armed again after a restart. */
  findActiveWithLimit(): Promise<Call[]> {
    return this.prisma.call.findMany({ where: { status: 'ACTIVE', maxDurationS: { not: null } }, take: 10_000 });
  }

  findById(id: string): Promise<CallWithParties | null> {
    return this.prisma.call.findUnique({ where: { id }, include: WITH_PARTIES });
  }

  /** The call holding the user's busy slot: their CALLING or ACTIVE call. */
  async findOpenCallOf(userId: string): Promise<CallWithParties | null> {
    const slot = await this.prisma.busySlot.findUnique({ where: { userId }, include: { call: { include: WITH_PARTIES } } });
    return slot?.call ?? null;
  }

  /** Calls ringing or in progress. */
  countOpen(): Promise<number> {
    return this.prisma.call.count({ where: { status: { in: ['CALLING', 'ACTIVE'] } } });
  }

  /** As findOpenCallOf, only the call's id, parties and status. */
  async findOpenCallPartiesOf(userId: string) {
    const slot = await this.prisma.busySlot.findUnique({
      where: { userId },
      select: { call: { select: { id: true, hostUserId: true, recipientUserId: true, status: true } } },
    });
    return slot?.call ?? null;
  }

  /** The open call using `roomName`. */
  async findOpenByRoom(roomName: string): Promise<CallWithParties | null> {
    const slot = await this.prisma.roomSlot.findUnique({ where: { roomName }, include: { call: { include: WITH_PARTIES } } });
    return slot?.call ?? null;
  }

  findRinging(hostUserId: string, recipientUserId: string): Promise<Call | null> {
    return this.prisma.call.findFirst({ where: { hostUserId, recipientUserId, status: 'CALLING' } });
  }

  async history(userId: string, options: { limit: number; cursor?: string; status?: CallStatus }): Promise<HistoryPage> {
    const after = cursorAfter(options.cursor);
    const rows = await this.prisma.call.findMany({
      where: {
        AND: [
          { OR: [{ hostUserId: userId }, { recipientUserId: userId }] },
          options.status ? { status: options.status } : {},
          olderThan(after, 'createdAt'),
        ],
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.limit + 1,
      include: WITH_PARTIES,
    });
    return pageOf(rows, options.limit, (row) => row.createdAt);
  }

  /** CALLING calls created before `before`: their ring time is over. */
  findRingingSince(before: Date): Promise<Call[]> {
    return this.prisma.call.findMany({ where: { status: 'CALLING', createdAt: { lt: before } }, take: 500 });
  }

  /** Active calls last moved before `before`, 500 at a time in id order: the page after the call `after`. */
  findActiveUpdatedBefore(before: Date, after?: string): Promise<Call[]> {
    return this.prisma.call.findMany({
      where: { status: 'ACTIVE', updatedAt: { lt: before }, ...(after ? { id: { gt: after } } : {}) },
      orderBy: { id: 'asc' },
      take: 500,
    });
  }

  /**
   * Joins and departures in one statement of one shape whatever their numbers (a model createMany
   * is planned anew for each count). A join written after its call ended is closed at the end; a
   * departure moves an end marked by the call's end back to when the connection really left.
   */
  async recordParticipants(joins: NewParticipant[], departures: Departure[]): Promise<void> {
    const column = <K extends keyof NewParticipant>(key: K) => joins.map((r) => r[key]);
    await this.prisma.rows(Prisma.sql`
      WITH joined AS (
        INSERT INTO call_participants (id, call_id, user_id, connection_id, user_name, has_video, has_audio, joined_at, left_at)
        SELECT gen_random_uuid()::text, r.call_id, r.user_id, r.connection_id, r.user_name, r.has_video, r.has_audio, r.joined_at::timestamp(3),
               COALESCE(r.left_at::timestamp(3), CASE WHEN c.status::text IN ('CALLING', 'ACTIVE') THEN NULL ELSE COALESCE(c.ended_at, c.updated_at) END)
        FROM unnest(${column('callId')}::text[], ${column('userId')}::text[], ${column('connectionId')}::text[], ${column('userName')}::text[],
                    ${column('hasVideo')}::boolean[], ${column('hasAudio')}::boolean[], ${joins.map((r) => r.joinedAt.toISOString())}::text[],
                    ${joins.map((r) => r.leftAt?.toISOString() ?? null)}::text[])
          AS r(call_id, user_id, connection_id, user_name, has_video, has_audio, joined_at, left_at)
        JOIN calls c ON c.id = r.call_id
      ), departed AS (
        UPDATE call_participants p SET left_at = d.at::timestamp(3)
        FROM unnest(${departures.map((d) => d.callId)}::text[], ${departures.map((d) => d.connectionId)}::text[], ${departures.map((d) => d.at.toISOString())}::text[])
          AS d(call_id, connection_id, at)
        WHERE p.call_id = d.call_id AND p.connection_id = d.connection_id AND (p.left_at IS NULL OR p.left_at > d.at::timestamp(3))
      )
      SELECT 1`);
  }

  findParticipants(callId: string) {
    return this.prisma.callParticipant.findMany({ where: { callId }, orderBy: [{ joinedAt: 'asc' }, { id: 'asc' }] });
  }

  /** The connections' places in rooms of open calls (not left). */
  presentParticipants(connectionIds: string[]) {
    return this.prisma.callParticipant.findMany({
      where: { connectionId: { in: connectionIds }, leftAt: null, call: { status: { in: ['CALLING', 'ACTIVE'] } } },
    });
  }

  async updateParticipantMedia(callId: string, connectionId: string, media: { hasVideo?: boolean; hasAudio?: boolean }) {
    await this.prisma.callParticipant.updateMany({ where: { callId, connectionId, leftAt: null }, data: media });
  }
}
