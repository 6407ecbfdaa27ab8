import { Inject, Injectable } from '@nestjs/common';
import { SHARED_STATE, SharedState } from '../cluster/shared-state';
import { PrismaService } from '../database/prisma.service';
import type { HelpRequest, Prisma, UserRole } from '../generated/prisma/client';
import { MentorStatusService } from '../presence/mentor-status.service';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import { isMentorRole, MENTOR_ROLES } from '../users/mentor-roles';
import { QUEUE_ORDER } from './help-queues';

/** Shared state: who has been offered a request since it last waited (so nobody hears it twice). */
const offeredKey = (requestId: string) => `help-offered:${requestId}`;
/** A mentor becoming available is offered at most this many waiting requests at once, head first. */
const OFFERS_PER_MENTOR = 20;

/** The mentors a request of this target type may go to. */
export const rolesFor = (targetType: UserRole | null): UserRole[] => (targetType ? [targetType] : [...MENTOR_ROLES]);

/**
 * Who hears of a waiting request: in its `matched` stage, the available mentors (or tutors) whose
 * subjects include its subject; in its `everyone` stage, every available one; never a mentor whose
 * reservation of it lapsed. A request sent to one mentor goes to them, whatever their status, once
 * they are online.
 */
@Injectable()
export class HelpOffers {
  constructor(
    private readonly prisma: PrismaService,
    private readonly mentors: MentorStatusService,
    private readonly registry: ConnectionRegistry,
    @Inject(SHARED_STATE) private readonly state: SharedState,
  ) {}

  /** Offers a waiting request to those its stage reaches now who have not had it. */
  async offer(request: HelpRequest, studentName: string): Promise<void> {
    await this.send(request, studentName, await this.reachedBy(request));
  }

  /**
   * A mentor or tutor became available: the waiting requests they may take, head first, that they
   * have not had (those sent to them alone among them).
   */
  async offerWaitingTo(mentorId: string): Promise<void> {
    const mentor = await this.prisma.user.findUnique({ where: { id: mentorId }, select: { role: true, subjects: true } });
    if (!mentor || !isMentorRole(mentor.role)) return;
    const queued: Prisma.HelpRequestWhereInput = {
      mentorId: null,
      OR: [{ targetType: null }, { targetType: mentor.role }],
      AND: [{ OR: [{ stage: 'everyone' }, { subject: { in: mentor.subjects } }] }, { NOT: { passedBy: { has: mentorId } } }],
    };
    await this.offerWaiting(mentorId, { OR: [{ mentorId }, queued] });
  }

  /**
   * Whether some available mentor (or tutor) of the type has this subject: then the request is
   * offered to those first; else to every available one at once, rather than to nobody.
   */
  async anyMatched(targetType: UserRole | null, subject: string): Promise<boolean> {
    return (await this.availableAmong({ role: { in: rolesFor(targetType) }, subjects: { has: subject } })).length > 0;
  }

  /** A mentor or tutor came online: the requests sent to them alone reach them, whatever their status. */
  async offerDirectTo(mentorId: string): Promise<void> {
    await this.offerWaiting(mentorId, { mentorId });
  }

  /** The waiting requests `where` picks, head first, to the mentor who has not had them. */
  private async offerWaiting(mentorId: string, where: Prisma.HelpRequestWhereInput): Promise<void> {
    const requests = await this.prisma.helpRequest.findMany({
      where: { status: 'waiting', ...where },
      orderBy: QUEUE_ORDER,
      take: OFFERS_PER_MENTOR,
      include: { student: { select: { displayName: true } } },
    });
    for (const request of requests) await this.send(request, request.student.displayName, [mentorId]);
  }

  /**
   * A mentor or tutor gone offline forgets what they were offered: when they come back (a new app,
   * a phone woken up) what still waits is offered again.
   */
  async forgetOffersTo(mentorId: string): Promise<void> {
    const waiting = await this.prisma.helpRequest.findMany({ where: { status: 'waiting' }, select: { id: true } });
    await Promise.all(waiting.map(({ id }) => this.state.sRem(offeredKey(id), mentorId)));
  }

  /** Those who were offered the request (and `also`) hear how it ended; the next time it waits it is offered afresh. */
  async closed(requestId: string, outcome: 'taken' | 'cancelled' | 'expired', except?: string, also: string[] = []): Promise<void> {
    const offered = new Set([...(await this.state.sMembers(offeredKey(requestId))), ...also]);
    if (except) offered.delete(except);
    await this.state.del(offeredKey(requestId));
    this.registry.sendToUsers(offered, { type: 'help-closed', requestId, outcome });
  }

  /** A request sent to one mentor reaches them when they are online (else when they come back: offerWaitingTo). */
  private async reachedBy(request: HelpRequest): Promise<string[]> {
    if (request.mentorId) return (await this.registry.isOnline(request.mentorId)) ? [request.mentorId] : [];
    return this.availableAmong({
      role: { in: rolesFor(request.targetType) },
      id: { notIn: request.passedBy },
      ...(request.stage === 'matched' ? { subjects: { has: request.subject } } : {}),
    });
  }

  /** The available mentors and tutors among those `where` picks. */
  private async availableAmong(where: Prisma.UserWhereInput): Promise<string[]> {
    const views = await this.mentors.views(await this.mentors.onlineAmong(where));
    return views.filter((view) => view.status === 'available').map((view) => view.mentorId);
  }

  /** Each mentor hears the request once while it waits, whichever instance offers it. */
  private async send(request: HelpRequest, studentName: string, mentorIds: string[]): Promise<void> {
    const added = await Promise.all(mentorIds.map((id) => this.state.sAdd(offeredKey(request.id), id)));
    const fresh = mentorIds.filter((_, i) => added[i]);
    if (fresh.length === 0) return;
    this.registry.sendToUsers(fresh, {
      type: 'help-request',
      requestId: request.id,
      studentId: request.studentId,
      studentName,
      topic: request.topic,
      message: request.message,
      mentorId: request.mentorId,
      urgency: request.urgency,
      requestedAt: request.createdAt.toISOString(),
    });
  }
}
