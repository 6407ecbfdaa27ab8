import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppError } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { PrismaService } from '../database/prisma.service';
import type { HelpRequest, HelpRequestStatus, UserRole } from '../generated/prisma/client';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import { MentorStatusService } from './mentor-status.service';

export interface HelpRequestView {
  id: string;
  studentId: string;
  topic: string;
  message: string | null;
  targetType: UserRole | null;
  status: HelpRequestStatus;
  acceptedBy: string | null;
  createdAt: string;
  expiresAt: string;
}

const toView = (r: HelpRequest): HelpRequestView => ({
  id: r.id,
  studentId: r.studentId,
  topic: r.topic,
  message: r.message,
  targetType: r.targetType,
  status: r.status,
  acceptedBy: r.acceptedBy,
  createdAt: r.createdAt.toISOString(),
  expiresAt: r.expiresAt.toISOString(),
});

/**
 * Students asking for help: offered to the available mentors (or tutors), won by exactly one
 * (a conditional update), cancelled by the student, or expired after HELP_REQUEST_TTL_MS.
 * After acceptance the mentor calls the student, as any call.
 */
@Injectable()
export class HelpRequestsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('HelpRequests');
  /** Who was offered each open request: they hear how it ended. */
  private readonly offeredTo = new Map<string, string[]>();
  private readonly expiries = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly mentors: MentorStatusService,
    private readonly registry: ConnectionRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Requests left open by a restart expire now or when their time is up. */
  async onApplicationBootstrap(): Promise<void> {
    const open = await this.prisma.helpRequest.findMany({ where: { status: 'open' } });
    for (const request of open) this.armExpiry(request.id, request.expiresAt.getTime() - Date.now());
  }

  onModuleDestroy(): void {
    for (const timer of this.expiries.values()) clearTimeout(timer);
  }

  async create(studentId: string, input: { topic: string; message?: string; targetType?: 'mentor' | 'tutor' }): Promise<HelpRequestView> {
    const student = await this.prisma.user.findUnique({ where: { id: studentId } });
    if (!student || student.role !== 'student') throw new AppError('forbidden', 'Only students can ask for help');
    const request = await this.prisma.helpRequest.create({
      data: {
        studentId,
        topic: input.topic,
        message: input.message ?? null,
        targetType: input.targetType ?? null,
        expiresAt: new Date(Date.now() + this.config.helpRequestTtlMs),
      },
    });
    const available = await this.mentors.list({ status: 'available', role: input.targetType });
    const offered = available.map((m) => m.mentorId);
    this.offeredTo.set(request.id, offered);
    this.armExpiry(request.id, this.config.helpRequestTtlMs);
    this.registry.sendToUsers(offered, {
      type: 'help-request',
      requestId: request.id,
      studentId,
      studentName: student.displayName,
      topic: request.topic,
      message: request.message,
    });
    return toView(request);
  }

  async accept(mentorId: string, requestId: string): Promise<HelpRequestView> {
    const mentor = await this.prisma.user.findUnique({ where: { id: mentorId } });
    if (!mentor || (mentor.role !== 'mentor' && mentor.role !== 'tutor')) {
      throw new AppError('forbidden', 'Only mentors and tutors can accept help requests');
    }
    const request = await this.close(requestId, 'accepted', { acceptedBy: mentorId });
    this.registry.sendToUsers([request.studentId], { type: 'help-accepted', requestId, mentorId, mentorName: mentor.displayName });
    this.notifyOffered(requestId, 'taken', mentorId);
    return request;
  }

  async cancel(studentId: string, requestId: string): Promise<HelpRequestView> {
    const existing = await this.prisma.helpRequest.findUnique({ where: { id: requestId } });
    if (!existing || existing.studentId !== studentId) throw new AppError('not_found', 'Help request not found');
    const request = await this.close(requestId, 'cancelled');
    this.notifyOffered(requestId, 'cancelled');
    return request;
  }

  /** One conditional update: of two racing closers, exactly one finds the request open. */
  private async close(requestId: string, status: HelpRequestStatus, data: { acceptedBy?: string } = {}): Promise<HelpRequestView> {
    const { count } = await this.prisma.helpRequest.updateMany({
      where: { id: requestId, status: 'open', ...(status === 'expired' ? {} : { expiresAt: { gt: new Date() } }) },
      data: { status, resolvedAt: new Date(), ...data },
    });
    const request = await this.prisma.helpRequest.findUnique({ where: { id: requestId } });
    if (!request) throw new AppError('not_found', 'Help request not found');
    if (count === 0) throw new AppError('invalid_state', `The help request is already ${request.status}`);
    clearTimeout(this.expiries.get(requestId));
    this.expiries.delete(requestId);
    return toView(request);
  }

  private notifyOffered(requestId: string, outcome: 'taken' | 'cancelled' | 'expired', except?: string): void {
    const offered = (this.offeredTo.get(requestId) ?? []).filter((id) => id !== except);
    this.offeredTo.delete(requestId);
    this.registry.sendToUsers(offered, { type: 'help-closed', requestId, outcome });
  }

  private armExpiry(requestId: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.expiries.delete(requestId);
      void this.close(requestId, 'expired')
        .then((request) => {
          this.registry.sendToUsers([request.studentId], { type: 'help-closed', requestId, outcome: 'expired' });
          this.notifyOffered(requestId, 'expired');
        })
        .catch((error) => {
          if (!(error instanceof AppError)) this.logger.error(error);
        });
    }, Math.max(delayMs, 0));
    timer.unref();
    this.expiries.set(requestId, timer);
  }
}
