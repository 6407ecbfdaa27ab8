import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { HelpRequestRecord, HelpRequestView, HelpRequestWebhookType, HelpUrgency } from '@call-signaling/client';
import { ChatService } from '../chat/chat.service';
import { SHARED_STATE, SharedState } from '../cluster/shared-state';
import { SHARED_TIMERS, SharedTimers } from '../cluster/shared-timers';
import { inBackground } from '../common/background';
import { retryWhileUnavailable } from '../cluster/redis-errors';
import { AppError } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { PrismaService } from '../database/prisma.service';
import { AppEventMap, OnAppEvent } from '../events/app-events';
import type { HelpRequest, HelpRequestStatus, Prisma, User } from '../generated/prisma/client';
import { MentorStatusService } from '../presence/mentor-status.service';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import { WebhookOutbox, type NewWebhookEvent, type Writer } from '../webhooks/webhook-outbox';
import { isMentorRole } from '../users/mentor-roles';
import { HelpOffers, rolesFor } from './help-offers';
import { HelpQueueNotices } from './help-queue-notices';
import { QUEUE_ORDER, queueOf, subjectOf } from './help-queues';

export type { HelpRequestView };

const toRecord = (r: HelpRequest): HelpRequestRecord => ({
  id: r.id,
  studentId: r.studentId,
  topic: r.topic,
  message: r.message,
  targetType: r.targetType,
  mentorId: r.mentorId,
  urgency: r.urgency,
  status: r.status,
  stage: r.stage,
  acceptedBy: r.acceptedBy,
  reservedUntil: r.reservedUntil?.toISOString() ?? null,
  callId: r.callId,
  createdAt: r.createdAt.toISOString(),
  expiresAt: r.expiresAt.toISOString(),
});

export interface HelpRequestInput {
  topic: string;
  message?: string;
  targetType?: 'mentor' | 'tutor';
  /** The one mentor or tutor asked. */
  mentorId?: string;
  urgency?: HelpUrgency;
}

/** A help request's move, for the platform's webhook: `help_request.<status>`, or a move that keeps the status. */
const helpRequestEvent = (
  request: HelpRequest,
  previousStatus: HelpRequestStatus | null,
  type: HelpRequestWebhookType = `help_request.${request.status}`,
): NewWebhookEvent => ({ type, orderingKey: request.id, data: { request: toRecord(request), previousStatus } });

/** Mentors and tutors take help requests. */
const helps = (user: Pick<User, 'role'>) => isMentorRole(user.role);

const EXPIRY = 'help-expiry';
const ESCALATION = 'help-escalation';
const RESERVATION = 'help-reservation';
/** Shared state: the request a mentor reserved for a student, read when a call between them moves. */
const reservationKey = (mentorId: string, studentId: string) => `help-reserved:${mentorId}:${studentId}`;
/** How soon a reservation whose call rings, or an expiry that found the request reserved, is checked again. */
const RECHECK_MS = 1_000;
/** How many mentors an expired request's message reaches at most. */
const MESSAGE_RECIPIENTS = 50;
/** A list of requests holds at most this many. */
const LIST_LIMIT = 100;
/** A timer this late was lost (see settleOverdue); one on time has fired well before. */
const OVERDUE_MS = 1_000;
/** Overdue requests settled per sweep (the next sweep takes the rest). */
const SWEEP_BATCH = 500;

/** The moves a call makes without ever being answered: a reservation's call that failed. */
const UNANSWERED = new Set(['CANCELLED', 'DECLINED', 'MISSED']);

/**
 * Students asking for help. A request waits in its queue (target type and subject) and is offered in
 * stages (HelpOffers); a mentor's acceptance reserves it for HELP_RESERVATION_MS, and the call between
 * them being answered fulfils it. A reservation that lapses, or whose call fails, puts it back at the
 * head of its queue, and that mentor is not offered it again. Unaccepted after HELP_REQUEST_TTL_MS it
 * expires, and the student may leave a message for the queue's mentors. Every move is one conditional
 * update (of two racing movers exactly one wins) with its webhook event; timers fire once in the cluster.
 */
@Injectable()
export class HelpRequestsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('HelpRequests');
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly prisma: PrismaService,
    private readonly offers: HelpOffers,
    private readonly queues: HelpQueueNotices,
    private readonly registry: ConnectionRegistry,
    private readonly mentors: MentorStatusService,
    private readonly chat: ChatService,
    @Inject(SHARED_STATE) private readonly state: SharedState,
    @Inject(SHARED_TIMERS) private readonly timers: SharedTimers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly webhooks: WebhookOutbox,
  ) {
    timers.handle(EXPIRY, (requestId) => this.expire(requestId));
    timers.handle(ESCALATION, (requestId) => this.escalate(requestId));
    timers.handle(RESERVATION, (requestId) => this.reservationEnded(requestId));
  }

  /** Timers and reservations lost with the shared state are set again. */
  @OnAppEvent('connections.rebooked')
  rebooked(): void {
    inBackground('re-arming help request timers', this.rearm());
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.rearm();
    let sweeping: Promise<void> | undefined;
    // One sweep at a time: a slow one (Redis or the database slow) is not joined by the next.
    this.sweeper = setInterval(() => {
      sweeping ??= this.settleOverdue()
        .catch((e: unknown) => this.logger.error(e))
        .finally(() => (sweeping = undefined));
    }, this.config.calls.sweepIntervalMs);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  /**
   * Requests whose timer is overdue (not set because Redis was away just after their move, or lost
   * with it) move as that timer would have, every CALL_SWEEP_INTERVAL_MS. Each move is conditional:
   * a timer firing at the same moment moves nothing twice.
   */
  async settleOverdue(): Promise<void> {
    const lateSince = (ms: number) => ({ lt: new Date(Date.now() - ms - OVERDUE_MS) });
    const overdue = await this.prisma.helpRequest.findMany({
      where: {
        OR: [
          { status: 'waiting', expiresAt: lateSince(0) },
          { status: 'accepted', reservedUntil: lateSince(0) },
          { status: { in: ['waiting', 'accepted'] }, stage: 'matched', createdAt: lateSince(this.config.help.escalateAfterMs) },
        ],
      },
      take: SWEEP_BATCH,
    });
    const now = Date.now();
    for (const request of overdue) {
      // One request that cannot move now does not hold up the others.
      await this.settle(request, now).catch((e: unknown) => this.logger.warn(`help request ${request.id} not settled: ${String(e)}`));
    }
  }

  private async settle(request: HelpRequest, now: number): Promise<void> {
    if (request.stage === 'matched' && this.escalatesAt(request) < now) await this.escalate(request.id);
    if (request.status === 'accepted') await this.reservationEnded(request.id);
    else if (request.expiresAt.getTime() < now) await this.expire(request.id);
  }

  /** Requests left waiting or reserved by a restart (or by timers lost with Redis) move now or when their time is up. */
  private async rearm(): Promise<void> {
    const open = await this.prisma.helpRequest.findMany({ where: { status: { in: ['waiting', 'accepted'] } } });
    const now = Date.now();
    for (const request of open) {
      await this.timers.schedule(EXPIRY, request.id, request.expiresAt.getTime() - now);
      if (request.stage === 'matched') await this.timers.schedule(ESCALATION, request.id, this.escalatesAt(request) - now);
      if (request.status === 'accepted' && request.reservedUntil) await this.reserve(request);
    }
  }

  /** Offered to the mentors (or tutors) its stage reaches, or to the one mentor or tutor `mentorId` names, whatever their status. */
  async create(studentId: string, input: HelpRequestInput): Promise<HelpRequestView> {
    const student = await this.prisma.user.findUnique({ where: { id: studentId } });
    if (!student || student.role !== 'student') throw new AppError('forbidden', 'Only students can ask for help');
    if (input.mentorId !== undefined) await this.checkMentor(input.mentorId, input.targetType);
    const subject = subjectOf(input.topic);
    const targetType = input.targetType ?? null;
    const matched = input.mentorId === undefined && (await this.offers.anyMatched(targetType, subject));
    const request = await this.webhooks.withEvents(
      async (db) => {
        await this.checkOpenRequests(db, studentId);
        return db.helpRequest.create({
          data: {
            studentId,
            topic: input.topic,
            subject,
            message: input.message ?? null,
            targetType,
            mentorId: input.mentorId ?? null,
            urgency: input.urgency,
            stage: matched ? 'matched' : 'everyone',
            expiresAt: new Date(Date.now() + this.config.help.requestTtlMs),
          },
        });
      },
      (created) => [helpRequestEvent(created, null)],
      { transaction: true },
    );
    // Stored now: its timers outlast a short absence of Redis (and the sweep sets right a longer one).
    await retryWhileUnavailable(() =>
      Promise.all([
        this.timers.schedule(EXPIRY, request.id, this.config.help.requestTtlMs),
        matched ? this.timers.schedule(ESCALATION, request.id, this.config.help.escalateAfterMs) : undefined,
      ]),
    );
    await this.offers.offer(request, student.displayName);
    await this.queues.changed(queueOf(request));
    return this.view(request);
  }

  /**
   * Within HELP_OPEN_REQUESTS_PER_STUDENT, counted with the student's row locked: of two requests
   * made at once, the second counts the first.
   */
  private async checkOpenRequests(db: Writer, studentId: string): Promise<void> {
    // NO KEY: rows that only refer to the student (a message, a call) are not held up by it.
    await db.$queryRaw`SELECT id FROM users WHERE id = ${studentId} FOR NO KEY UPDATE`;
    const max = this.config.help.openPerStudent;
    const open = await db.helpRequest.count({ where: { studentId, status: { in: ['waiting', 'accepted'] } } });
    if (open >= max) {
      throw new AppError('rate_limited', `At most ${max} help requests may wait at once: cancel one, or wait for an answer`);
    }
  }

  private async checkMentor(mentorId: string, targetType: HelpRequestInput['targetType']): Promise<void> {
    const mentor = await this.prisma.user.findUnique({ where: { id: mentorId }, select: { role: true } });
    if (!mentor || !helps(mentor)) {
      throw new AppError('not_found', 'No mentor or tutor has this id', { mentorId: ['must name a mentor or tutor'] });
    }
    if (targetType && targetType !== mentor.role) {
      throw new AppError('validation_failed', `The mentor asked is a ${mentor.role}`, { targetType: [`must be ${mentor.role} or absent`] });
    }
  }

  /** Reserves the request for the mentor, who calls the student before `reservedUntil`. */
  async accept(mentorId: string, requestId: string): Promise<HelpRequestView> {
    const mentor = await this.prisma.user.findUnique({ where: { id: mentorId } });
    if (!mentor || !helps(mentor)) throw new AppError('forbidden', 'Only mentors and tutors can accept help requests');
    const now = new Date();
    const request = await this.move(
      requestId,
      {
        status: 'waiting',
        expiresAt: { gt: now },
        OR: [{ mentorId: null }, { mentorId }],
        AND: [{ OR: [{ targetType: null }, { targetType: mentor.role }] }, { NOT: { passedBy: { has: mentorId } } }],
      },
      {
        status: 'accepted',
        acceptedBy: mentorId,
        acceptedAt: now,
        reservedUntil: new Date(now.getTime() + this.config.help.reservationMs),
      },
      (existing) => this.whyNotAccepted(existing, mentorId, mentor.role),
    );
    await retryWhileUnavailable(() => this.reserve(request));
    // The student may have cancelled since the move: then the reservation just made is undone, and nobody hears of the acceptance.
    const since = await this.prisma.helpRequest.findUnique({ where: { id: requestId }, select: { status: true, acceptedBy: true } });
    if (since?.status !== 'accepted' || since.acceptedBy !== mentorId) {
      await this.stopTimers(request);
      throw new AppError('invalid_state', `The help request is already ${since?.status ?? 'gone'}`);
    }
    this.registry.sendToUsers([request.studentId], {
      type: 'help-accepted',
      requestId,
      mentorId,
      mentorName: mentor.displayName,
      reservedUntil: request.reservedUntil!.toISOString(),
    });
    await this.offers.closed(requestId, 'taken', mentorId);
    await this.queues.changed(queueOf(request));
    return this.view(request);
  }

  private whyNotAccepted(request: HelpRequest, mentorId: string, role: User['role']): AppError {
    if (request.mentorId && request.mentorId !== mentorId) return new AppError('forbidden', 'This help request was sent to another mentor');
    if (request.targetType && request.targetType !== role)
      return new AppError('forbidden', `This help request is for a ${request.targetType}`);
    if (request.passedBy.includes(mentorId)) {
      return new AppError('forbidden', 'Your reservation of this help request ended without a call: another mentor takes it');
    }
    return new AppError('invalid_state', `The help request is already ${request.status === 'waiting' ? 'expired' : request.status}`);
  }

  /** The student withdraws it, waiting or reserved; the reserving mentor is told too. */
  async cancel(studentId: string, requestId: string): Promise<HelpRequestView> {
    // One move from the status it is in, so the webhook's previousStatus is exact; a lapse or an
    // acceptance between the read and the move is a reason to read again, not to refuse.
    for (let attempt = 0; ; attempt++) {
      const current = await this.prisma.helpRequest.findUnique({ where: { id: requestId }, select: { studentId: true, status: true } });
      if (current?.studentId !== studentId) throw new AppError('not_found', 'Help request not found');
      if ((current.status !== 'waiting' && current.status !== 'accepted') || attempt === 2) {
        throw new AppError('invalid_state', `The help request is already ${current.status}`);
      }
      const request = await this.tryMove(requestId, { status: current.status }, { status: 'cancelled', resolvedAt: new Date() });
      if (!request) continue;
      await this.stopTimers(request);
      await this.offers.closed(requestId, 'cancelled', undefined, request.acceptedBy ? [request.acceptedBy] : []);
      await this.queues.changed(queueOf(request));
      return this.view(request);
    }
  }

  /**
   * After it expired, the student's message goes to the queue's mentors (those matched to its subject,
   * else those of its type online), once; any of them can answer it in their conversation with the student.
   */
  async leaveMessage(studentId: string, requestId: string, text: string): Promise<{ request: HelpRequestView; mentors: number }> {
    // Checked before the move: a message refused later would leave the request marked as answered.
    if (text.trim() === '') throw new AppError('validation_failed', 'A message needs text', { text: ['must not be blank'] });
    const request = await this.move(
      requestId,
      { studentId, status: 'expired', messageLeftAt: null },
      { messageLeftAt: new Date() },
      (existing) =>
        new AppError(
          'invalid_state',
          existing.messageLeftAt
            ? 'A message was already left for this help request'
            : 'A message can be left once the help request has expired',
        ),
      'help_request.message_left',
    );
    let reached = 0;
    for (const mentorId of await this.queueMentors(request)) {
      // A mentor the message cannot reach now (the database briefly away) does not cost the others theirs.
      try {
        await this.chat.send({ userId: studentId }, { toUserId: mentorId }, { text: `Help with "${request.topic}": ${text}` });
        reached += 1;
      } catch (error) {
        this.logger.warn(`a help request's message did not reach mentor ${mentorId}: ${(error as Error).message}`);
      }
    }
    return { request: await this.view(request), mentors: reached };
  }

  private async queueMentors(request: HelpRequest): Promise<string[]> {
    if (request.mentorId) return [request.mentorId];
    const roles = rolesFor(request.targetType);
    const matched = await this.prisma.user.findMany({
      where: { role: { in: roles }, subjects: { has: request.subject } },
      select: { id: true },
      orderBy: { displayName: 'asc' },
      take: MESSAGE_RECIPIENTS,
    });
    if (matched.length > 0) return matched.map(({ id }) => id);
    const online = (await this.mentors.views(await this.mentors.onlineAmong({ role: { in: roles } }))).filter(
      (m) => m.status !== 'offline',
    );
    return online.slice(0, MESSAGE_RECIPIENTS).map((m) => m.mentorId);
  }

  /** The student's own, or (for a mentor or tutor) one they may take now, were asked, or took. */
  async get(userId: string, requestId: string): Promise<HelpRequestView> {
    const [user, request] = await Promise.all([
      this.prisma.user.findUnique({ where: { id: userId }, select: { role: true } }),
      this.prisma.helpRequest.findUnique({ where: { id: requestId } }),
    ]);
    const visible =
      request &&
      user &&
      (request.studentId === userId ||
        request.acceptedBy === userId ||
        request.mentorId === userId ||
        (helps(user) &&
          request.status === 'waiting' &&
          request.mentorId === null &&
          (request.targetType === null || request.targetType === user.role) &&
          !request.passedBy.includes(userId)));
    if (!visible) throw new AppError('not_found', 'Help request not found');
    return this.view(request);
  }

  /**
   * A student's own requests, newest first. A mentor's or tutor's: with `waiting` (the default), what
   * they may take, head of each queue first; with another status, the requests they took.
   */
  async list(userId: string, status?: HelpRequestStatus): Promise<HelpRequestView[]> {
    const user = await this.prisma.user.findUnique({ where: { id: userId }, select: { role: true } });
    if (!user) throw new AppError('unauthorized', 'Your account no longer exists');
    let where: Prisma.HelpRequestWhereInput;
    let orderBy: Prisma.HelpRequestOrderByWithRelationInput[] = [{ createdAt: 'desc' }, { id: 'desc' }];
    if (!helps(user)) where = { studentId: userId, ...(status ? { status } : {}) };
    else if ((status ?? 'waiting') === 'waiting') {
      where = {
        status: 'waiting',
        OR: [{ mentorId: userId }, { mentorId: null, OR: [{ targetType: null }, { targetType: user.role }] }],
        NOT: { passedBy: { has: userId } },
      };
      orderBy = QUEUE_ORDER;
    } else where = { acceptedBy: userId, status };
    const requests = await this.prisma.helpRequest.findMany({ where, orderBy, take: LIST_LIMIT });
    const places = await this.queues.placesOf(requests);
    return requests.map((r) => ({ ...toRecord(r), queue: places.get(r.id) ?? null }));
  }

  /** A mentor or tutor became available (chose it, came online, or left a call): what waits for them is offered. */
  @OnAppEvent('mentor.available')
  mentorAvailable({ mentorId }: AppEventMap['mentor.available']): void {
    inBackground('offering waiting help requests', this.offers.offerWaitingTo(mentorId));
  }

  /** A mentor or tutor online hears what was sent to them alone (busy or not); offline, forgets what they were offered. */
  @OnAppEvent('presence.changed')
  presenceChanged({ notice }: AppEventMap['presence.changed']): void {
    if (!isMentorRole(notice.role)) return;
    if (notice.online) inBackground('offering direct help requests', this.offers.offerDirectTo(notice.userId));
    else inBackground('forgetting offers', this.offers.forgetOffersTo(notice.userId));
  }

  /** A call between a reserving mentor and their student: answered, it fulfils the request; unanswered, the request goes back. */
  @OnAppEvent('call.moved')
  callMoved({ call, move }: AppEventMap['call.moved']): void {
    const student = move.parties.find((p) => p.role === 'student');
    const mentor = move.parties.find(helps);
    if (!student || !mentor || (call.status !== 'ACTIVE' && !UNANSWERED.has(call.status))) return;
    inBackground(
      'help request reservation',
      (async () => {
        const requestId = await this.state.get(reservationKey(mentor.id, student.id));
        if (!requestId) return;
        if (call.status === 'ACTIVE') await this.fulfil(requestId, mentor.id, call.id);
        // Only a call placed since the acceptance is the reservation's: one already ringing before fails on its own.
        else await this.requeue(requestId, mentor.id, 'call_failed', new Date(call.createdAt));
      })(),
    );
  }

  private async fulfil(requestId: string, mentorId: string, callId: string): Promise<void> {
    const request = await this.tryMove(
      requestId,
      { status: 'accepted', acceptedBy: mentorId },
      { status: 'fulfilled', callId, resolvedAt: new Date() },
    );
    if (request) await this.stopTimers(request);
  }

  /**
   * The reservation's time is up. A call between them answered since the acceptance fulfils it (its
   * move may still be on its way); one ringing now is waited for; otherwise the request goes back.
   */
  private async reservationEnded(requestId: string): Promise<void> {
    const request = await this.prisma.helpRequest.findUnique({ where: { id: requestId } });
    if (request?.status !== 'accepted' || !request.acceptedBy || !request.reservedUntil) return;
    const leftMs = request.reservedUntil.getTime() - Date.now();
    if (leftMs > 0) {
      await this.timers.schedule(RESERVATION, requestId, leftMs); // a newer reservation's
      return;
    }
    const between = [
      { hostUserId: request.acceptedBy, recipientUserId: request.studentId },
      { hostUserId: request.studentId, recipientUserId: request.acceptedBy },
    ];
    const calls = await this.prisma.call.findMany({
      where: { OR: between, createdAt: { gte: request.acceptedAt ?? request.createdAt }, status: { in: ['CALLING', 'ACTIVE', 'ENDED'] } },
      orderBy: { createdAt: 'desc' },
      select: { id: true, status: true },
    });
    const answered = calls.find((call) => call.status !== 'CALLING');
    if (answered) await this.fulfil(requestId, request.acceptedBy, answered.id);
    else if (calls.length > 0) await this.timers.schedule(RESERVATION, requestId, RECHECK_MS);
    else await this.requeue(requestId, request.acceptedBy, 'lapsed');
  }

  /**
   * Back to the head of its queue, offered afresh to all but the mentor whose reservation ended. A
   * request sent to one mentor waits for them again.
   */
  private async requeue(requestId: string, mentorId: string, reason: 'lapsed' | 'call_failed', callPlacedAt?: Date): Promise<void> {
    const reserved = await this.prisma.helpRequest.findUnique({ where: { id: requestId }, select: { mentorId: true } });
    const request = await this.tryMove(
      requestId,
      { status: 'accepted', acceptedBy: mentorId, ...(callPlacedAt ? { acceptedAt: { lte: callPlacedAt } } : {}) },
      {
        status: 'waiting',
        acceptedBy: null,
        acceptedAt: null,
        reservedUntil: null,
        requeued: true,
        ...(reserved?.mentorId ? {} : { passedBy: { push: mentorId } }),
      },
    );
    if (!request) return;
    // Its reservation timer stays: a new acceptance may already have set it, and it checks the request when it fires.
    await this.state.del(reservationKey(mentorId, request.studentId));
    this.registry.sendToUsers([request.studentId, mentorId], { type: 'help-requeued', requestId, mentorId, reason });
    // Its time ran out while it was reserved: it expires now, rather than wait offered to mentors who cannot take it.
    if (request.expiresAt.getTime() <= Date.now()) return this.expire(requestId);
    const student = await this.prisma.user.findUnique({ where: { id: request.studentId }, select: { displayName: true } });
    await this.offers.offer(request, student?.displayName ?? '');
    await this.queues.changed(queueOf(request));
  }

  /** Its matched stage is over: every available mentor of its type is offered it (when it waits). */
  private async escalate(requestId: string): Promise<void> {
    const request = await this.tryMove(
      requestId,
      { stage: 'matched', status: { in: ['waiting', 'accepted'] } },
      { stage: 'everyone' },
      'help_request.escalated',
    );
    if (request?.status !== 'waiting') return;
    const student = await this.prisma.user.findUnique({ where: { id: request.studentId }, select: { displayName: true } });
    await this.offers.offer(request, student?.displayName ?? '');
    await this.queues.changed(queueOf(request));
  }

  /** Unaccepted in time it expires; while reserved, it is checked again once the reservation is over. */
  private async expire(requestId: string): Promise<void> {
    const request = await this.tryMove(requestId, { status: 'waiting' }, { status: 'expired', resolvedAt: new Date() });
    if (!request) {
      const reserved = await this.prisma.helpRequest.findUnique({
        where: { id: requestId },
        select: { status: true, reservedUntil: true },
      });
      if (reserved?.status === 'accepted' && reserved.reservedUntil) {
        await this.timers.schedule(EXPIRY, requestId, Math.max(reserved.reservedUntil.getTime() - Date.now(), 0) + RECHECK_MS);
      }
      return;
    }
    await this.stopTimers(request);
    this.registry.sendToUsers([request.studentId], { type: 'help-closed', requestId, outcome: 'expired', canLeaveMessage: true });
    await this.offers.closed(requestId, 'expired', request.studentId);
    await this.queues.changed(queueOf(request));
  }

  private async reserve(request: HelpRequest): Promise<void> {
    const leftMs = request.reservedUntil!.getTime() - Date.now();
    await Promise.all([
      this.timers.schedule(RESERVATION, request.id, leftMs),
      // Kept past the reservation by a ring: a call started at its last moment still decides it.
      this.state.setExpiring(
        reservationKey(request.acceptedBy!, request.studentId),
        request.id,
        Math.max(leftMs, 0) + this.config.calls.ringTimeoutMs + 5_000,
      ),
    ]);
  }

  private async stopTimers(request: HelpRequest): Promise<void> {
    await Promise.all([
      this.timers.cancel(EXPIRY, request.id),
      this.timers.cancel(ESCALATION, request.id),
      this.timers.cancel(RESERVATION, request.id),
      request.acceptedBy ? this.state.del(reservationKey(request.acceptedBy, request.studentId)) : undefined,
    ]);
  }

  private escalatesAt(request: HelpRequest): number {
    return request.createdAt.getTime() + this.config.help.escalateAfterMs;
  }

  private async view(request: HelpRequest): Promise<HelpRequestView> {
    const places = await this.queues.placesOf([request]);
    return { ...toRecord(request), queue: places.get(request.id) ?? null };
  }

  /**
   * One conditional update with its webhook event: of two racing movers, exactly one finds the
   * request as `where` says. The loser hears why (`refused`, else that it is not in that state).
   */
  private async move(
    requestId: string,
    where: Prisma.HelpRequestWhereInput,
    data: Prisma.HelpRequestUncheckedUpdateManyInput,
    refused?: (existing: HelpRequest) => AppError,
    eventType?: HelpRequestWebhookType,
  ): Promise<HelpRequest> {
    const { moved, request } = await this.moveOrNot(requestId, where, data, eventType);
    if (!request || (!moved && where.studentId !== undefined && request.studentId !== where.studentId)) {
      throw new AppError('not_found', 'Help request not found');
    }
    if (!moved) throw refused ? refused(request) : new AppError('invalid_state', `The help request is already ${request.status}`);
    return request;
  }

  /** A move a timer or a call makes: null when the request is no longer as `where` says. */
  private async tryMove(
    requestId: string,
    where: Prisma.HelpRequestWhereInput,
    data: Prisma.HelpRequestUncheckedUpdateManyInput,
    eventType?: HelpRequestWebhookType,
  ): Promise<HelpRequest | null> {
    const { moved, request } = await this.moveOrNot(requestId, where, data, eventType);
    return moved ? request : null;
  }

  /** `where.status` names the status moved from (a move that keeps the status has an `eventType`). */
  private async moveOrNot(
    requestId: string,
    where: Prisma.HelpRequestWhereInput,
    data: Prisma.HelpRequestUncheckedUpdateManyInput,
    eventType?: HelpRequestWebhookType,
  ) {
    return this.webhooks.withEvents(
      async (db) => {
        const { count } = await db.helpRequest.updateMany({ where: { ...where, id: requestId }, data });
        return { moved: count > 0, request: await db.helpRequest.findUnique({ where: { id: requestId } }) };
      },
      ({ moved, request }) => {
        if (!moved || !request) return [];
        const previous = typeof where.status === 'string' ? where.status : request.status;
        return [helpRequestEvent(request, previous, eventType)];
      },
    );
  }
}
