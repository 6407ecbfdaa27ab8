import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { SHARED_STATE, SharedState } from '../cluster/shared-state';
import { inBackground } from '../common/background';
import { SHARED_TIMERS, SharedTimers } from '../cluster/shared-timers';
import { AppError } from '../common/errors';
import { OnAppEvent } from '../events/app-events';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { PrismaService } from '../database/prisma.service';
import { WebhookOutbox, type NewWebhookEvent } from '../webhooks/webhook-outbox';
import type { HelpRequest, HelpRequestStatus, UserRole } from '../generated/prisma/client';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import { MentorStatusService } from './mentor-status.service';
import type { HelpRequestView, HelpUrgency } from '@call-signaling/client';

export type { HelpRequestView };

const toView = (r: HelpRequest): HelpRequestView => ({
  id: r.id,
  studentId: r.studentId,
  topic: r.topic,
  message: r.message,
  targetType: r.targetType,
  mentorId: r.mentorId,
  urgency: r.urgency,
  status: r.status,
  acceptedBy: r.acceptedBy,
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

/** A help request's move, for the platform's webhook. */
const helpRequestEvent = (request: HelpRequest, previousStatus: HelpRequestStatus | null): NewWebhookEvent => ({
  type: `help_request.${request.status}`,
  orderingKey: request.id,
  data: { request: toView(request), previousStatus },
});

/** Mentors and tutors take help requests. */
const helps = (role: UserRole) => role === 'mentor' || role === 'tutor';

const EXPIRY = 'help-expiry';
const offeredKey = (requestId: string) => `help-offered:${requestId}`;

/**
 * Students asking for help: offered to the available mentors (or tutors), won by exactly one
 * (a conditional update), cancelled by the student, or expired after HELP_REQUEST_TTL_MS.
 * After acceptance the mentor calls the student, as any call.
 */
@Injectable()
export class HelpRequestsService implements OnApplicationBootstrap {
  constructor(
    private readonly prisma: PrismaService,
    private readonly mentors: MentorStatusService,
    private readonly registry: ConnectionRegistry,
    @Inject(SHARED_STATE) private readonly state: SharedState,
    @Inject(SHARED_TIMERS) private readonly timers: SharedTimers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly webhooks: WebhookOutbox,
  ) {
    timers.handle(EXPIRY, (requestId) => this.expire(requestId));
  }

  /** Timers lost with the shared state are armed again. */
  @OnAppEvent('connections.rebooked')
  rebooked(): void {
    inBackground('re-arming help request expiries', this.onApplicationBootstrap());
  }

  /** Requests left open by a restart (or timers lost with Redis) expire now or when their time is up. */
  async onApplicationBootstrap(): Promise<void> {
    const open = await this.prisma.helpRequest.findMany({ where: { status: 'open' } });
    for (const request of open) await this.timers.schedule(EXPIRY, request.id, request.expiresAt.getTime() - Date.now());
  }

  /** Offered to the available mentors (or tutors), or to the one mentor or tutor `mentorId` names, whatever their status. */
  async create(studentId: string, input: HelpRequestInput): Promise<HelpRequestView> {
    const student = await this.prisma.user.findUnique({ where: { id: studentId } });
    if (!student || student.role !== 'student') throw new AppError('forbidden', 'Only students can ask for help');
    if (input.mentorId !== undefined) await this.checkMentor(input.mentorId);
    const request = await this.webhooks.withEvents(
      (db) =>
        db.helpRequest.create({
          data: {
            studentId,
            topic: input.topic,
            message: input.message ?? null,
            targetType: input.targetType ?? null,
            mentorId: input.mentorId ?? null,
            urgency: input.urgency,
            expiresAt: new Date(Date.now() + this.config.helpRequestTtlMs),
          },
        }),
      (created) => [helpRequestEvent(created, null)],
    );
    const offered = input.mentorId
      ? [input.mentorId]
      : (await this.mentors.list({ status: 'available', role: input.targetType })).map((m) => m.mentorId);
    await Promise.all([
      ...offered.map((mentorId) => this.state.sAdd(offeredKey(request.id), mentorId)),
      this.timers.schedule(EXPIRY, request.id, this.config.helpRequestTtlMs),
    ]);
    this.registry.sendToUsers(offered, {
      type: 'help-request',
      requestId: request.id,
      studentId,
      studentName: student.displayName,
      topic: request.topic,
      message: request.message,
      mentorId: request.mentorId,
      urgency: request.urgency,
      requestedAt: request.createdAt.toISOString(),
    });
    return toView(request);
  }

  private async checkMentor(mentorId: string): Promise<void> {
    const mentor = await this.prisma.user.findUnique({ where: { id: mentorId }, select: { role: true } });
    if (!mentor || !helps(mentor.role)) {
      throw new AppError('not_found', 'No mentor or tutor has this id', { mentorId: ['must name a mentor or tutor'] });
    }
  }

  async accept(mentorId: string, requestId: string): Promise<HelpRequestView> {
    const mentor = await this.prisma.user.findUnique({ where: { id: mentorId } });
    if (!mentor || !helps(mentor.role)) {
      throw new AppError('forbidden', 'Only mentors and tutors can accept help requests');
    }
    const request = await this.close(requestId, 'accepted', { acceptedBy: mentorId });
    this.registry.sendToUsers([request.studentId], { type: 'help-accepted', requestId, mentorId, mentorName: mentor.displayName });
    await this.notifyOffered(requestId, 'taken', mentorId);
    return request;
  }

  async cancel(studentId: string, requestId: string): Promise<HelpRequestView> {
    const existing = await this.prisma.helpRequest.findUnique({ where: { id: requestId } });
    if (!existing || existing.studentId !== studentId) throw new AppError('not_found', 'Help request not found');
    const request = await this.close(requestId, 'cancelled');
    await this.notifyOffered(requestId, 'cancelled');
    return request;
  }

  /**
   * One conditional update: of two racing closers, exactly one finds the request open. A taker
   * must be the mentor it was sent to, when it was sent to one.
   */
  private async close(requestId: string, status: HelpRequestStatus, data: { acceptedBy?: string } = {}): Promise<HelpRequestView> {
    const { count, request } = await this.webhooks.withEvents(
      async (db) => {
        const { count } = await db.helpRequest.updateMany({
          where: {
            id: requestId,
            status: 'open',
            ...(status === 'expired' ? {} : { expiresAt: { gt: new Date() } }),
            ...(data.acceptedBy ? { OR: [{ mentorId: null }, { mentorId: data.acceptedBy }] } : {}),
          },
          data: { status, resolvedAt: new Date(), ...data },
        });
        return { count, request: await db.helpRequest.findUnique({ where: { id: requestId } }) };
      },
      (closed) => (closed.count > 0 && closed.request ? [helpRequestEvent(closed.request, 'open')] : []),
    );
    if (!request) throw new AppError('not_found', 'Help request not found');
    if (count === 0 && data.acceptedBy && request.mentorId && request.mentorId !== data.acceptedBy) {
      throw new AppError('forbidden', 'This help request was sent to another mentor');
    }
    if (count === 0) throw new AppError('invalid_state', `The help request is already ${request.status}`);
    await this.timers.cancel(EXPIRY, requestId);
    return toView(request);
  }

  /** Who was offered the request hears how it ended. */
  private async notifyOffered(requestId: string, outcome: 'taken' | 'cancelled' | 'expired', except?: string): Promise<void> {
    const offered = (await this.state.sMembers(offeredKey(requestId))).filter((id) => id !== except);
    await this.state.del(offeredKey(requestId));
    this.registry.sendToUsers(offered, { type: 'help-closed', requestId, outcome });
  }

  private async expire(requestId: string): Promise<void> {
    let request: HelpRequestView;
    try {
      request = await this.close(requestId, 'expired');
    } catch (error) {
      if (error instanceof AppError) return; // accepted or cancelled meanwhile
      throw error;
    }
    this.registry.sendToUsers([request.studentId], { type: 'help-closed', requestId, outcome: 'expired' });
    await this.notifyOffered(requestId, 'expired');
  }
}
