import { Injectable } from '@nestjs/common';
import { Call, CallEndReason, CallStatus, Prisma } from '../generated/prisma/client';
import { AppError } from '../common/errors';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { isUniqueViolation } from '../database/prisma-errors';
import { PrismaService } from '../database/prisma.service';
import { isOpen, sourcesOf } from './call-state';
import type { CallWithParties } from './call.presenter';

const WITH_PARTIES = { host: true, recipient: true } as const;

export interface NewCall {
  hostUserId: string;
  /** Null for a room-link call, which waits for a guest. */
  recipientUserId: string | null;
  title: string | null;
  isPrivate: boolean;
  hasVideo: boolean;
  roomName: string | null;
  callerDisplay: string | null;
}

export interface Move {
  to: CallStatus;
  actorUserId: string | null;
  reason?: string;
  endReason?: CallEndReason;
}

/** One of the two users already has an open call. */
export class BusyError extends Error {}

/** Another open call already uses this room name. */
export class RoomTakenError extends Error {}

export interface HistoryPage {
  items: CallWithParties[];
  nextCursor: string | null;
}

@Injectable()
export class CallsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Creates a ringing call and takes both users' busy slots in one transaction; a slot already
   * taken (primary key) means busy, and nothing is created. With `missed`, the call is recorded
   * as missed at once (offline recipient) after the same busy check.
   */
  async create(data: NewCall, options: { missedReason?: string } = {}): Promise<CallWithParties> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const call = await tx.call.create({ data: { ...data, status: 'CALLING' } });
        if (data.roomName) {
          try {
            await tx.roomSlot.create({ data: { roomName: data.roomName, callId: call.id } });
          } catch (error) {
            if (isUniqueViolation(error)) throw new RoomTakenError();
            throw error;
          }
        }
        // Always in id order, so two starts between the same users wait on each other instead of deadlocking.
        await tx.busySlot.createMany({
          data: [data.hostUserId, data.recipientUserId]
            .filter((id): id is string => id !== null)
            .sort()
            .map((userId) => ({ userId, callId: call.id })),
        });
        await tx.callEvent.create({ data: { callId: call.id, toStatus: 'CALLING', actorUserId: data.hostUserId } });
        if (options.missedReason) {
          await tx.busySlot.deleteMany({ where: { callId: call.id } });
          await tx.roomSlot.deleteMany({ where: { callId: call.id } });
          await tx.call.update({ where: { id: call.id }, data: { status: 'MISSED' } });
          await tx.callEvent.create({
            data: { callId: call.id, fromStatus: 'CALLING', toStatus: 'MISSED', reason: options.missedReason },
          });
        }
        return tx.call.findUniqueOrThrow({ where: { id: call.id }, include: WITH_PARTIES });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new BusyError();
      throw error;
    }
  }

  /**
   * Moves a call to `move.to` if, and only if, it is still in a status that move starts from.
   * The conditional update makes each move happen once, whoever races for it; the loser gets null.
   */
  async move(callId: string, move: Move): Promise<CallWithParties | null> {
    return this.prisma.$transaction(async (tx) => {
      const now = new Date();
      const data: Prisma.CallUpdateManyMutationInput = { status: move.to };
      if (move.to === 'ACTIVE') data.startedAt = now;
      if (!isOpen(move.to)) data.endedAt = now;
      if (move.endReason) data.endReason = move.endReason;
      const { count } = await tx.call.updateMany({ where: { id: callId, status: { in: sourcesOf(move.to) } }, data });
      if (count === 0) return null;
      const previous = sourcesOf(move.to).length === 1 ? sourcesOf(move.to)[0] : null;
      await tx.callEvent.create({
        data: { callId, fromStatus: previous, toStatus: move.to, actorUserId: move.actorUserId, reason: move.reason ?? move.endReason, at: now },
      });
      if (!isOpen(move.to)) {
        await tx.busySlot.deleteMany({ where: { callId } });
        await tx.roomSlot.deleteMany({ where: { callId } });
        await tx.callParticipant.updateMany({ where: { callId, leftAt: null }, data: { leftAt: now } });
      }
      return tx.call.findUniqueOrThrow({ where: { id: callId }, include: WITH_PARTIES });
    });
  }

  /**
   * Seats `userId` as the recipient of a CALLING call whose seat is empty and takes their busy
   * slot, in one transaction. Null when the seat was taken meanwhile; BusyError when the user is busy.
   */
  async seatRecipient(callId: string, userId: string): Promise<CallWithParties | null> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const { count } = await tx.call.updateMany({
          where: { id: callId, status: 'CALLING', recipientUserId: null, hostUserId: { not: userId } },
          data: { recipientUserId: userId },
        });
        if (count === 0) return null;
        await tx.busySlot.create({ data: { userId, callId } });
        return tx.call.findUniqueOrThrow({ where: { id: callId }, include: WITH_PARTIES });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new BusyError();
      throw error;
    }
  }

  findById(id: string): Promise<CallWithParties | null> {
    return this.prisma.call.findUnique({ where: { id }, include: WITH_PARTIES });
  }

  /** The call holding the user's busy slot: their CALLING or ACTIVE call. */
  async findOpenCallOf(userId: string): Promise<CallWithParties | null> {
    const slot = await this.prisma.busySlot.findUnique({ where: { userId }, include: { call: { include: WITH_PARTIES } } });
    return slot?.call ?? null;
  }

  /** As findOpenCallOf, only the call's id and parties. */
  async findOpenCallPartiesOf(userId: string) {
    const slot = await this.prisma.busySlot.findUnique({ where: { userId }, select: { call: { select: { id: true, hostUserId: true, recipientUserId: true } } } });
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
    const after = options.cursor ? decodeCursor(options.cursor) : undefined;
    if (options.cursor && !after) throw new AppError('validation_failed', 'Invalid cursor', { cursor: ['cursor is not one this server issued'] });
    const rows = await this.prisma.call.findMany({
      where: {
        AND: [
          { OR: [{ hostUserId: userId }, { recipientUserId: userId }] },
          options.status ? { status: options.status } : {},
          after ? { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] } : {},
        ],
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.limit + 1,
      include: WITH_PARTIES,
    });
    const items = rows.slice(0, options.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > options.limit && last ? encodeCursor(last.createdAt, last.id) : null };
  }

  /** CALLING calls created before `before`: their ring time is over. */
  findRingingSince(before: Date): Promise<Call[]> {
    return this.prisma.call.findMany({ where: { status: 'CALLING', createdAt: { lt: before } }, take: 500 });
  }

  findActiveUpdatedBefore(before: Date): Promise<Call[]> {
    return this.prisma.call.findMany({ where: { status: 'ACTIVE', updatedAt: { lt: before } }, take: 500 });
  }

  async addParticipant(data: { callId: string; userId: string; connectionId: string; userName: string; hasVideo: boolean; hasAudio: boolean }) {
    await this.prisma.callParticipant.create({ data });
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

  async markParticipantLeft(callId: string, connectionId: string): Promise<void> {
    await this.prisma.callParticipant.updateMany({ where: { callId, connectionId, leftAt: null }, data: { leftAt: new Date() } });
  }
}
