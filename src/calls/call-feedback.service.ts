import { Injectable } from '@nestjs/common';
import type { CallFeedbackView, FeedbackIssue } from '@call-signaling/client';
import { AppError } from '../common/errors';
import { isUniqueViolation } from '../database/prisma-errors';
import { PrismaService } from '../database/prisma.service';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import type { CallFeedback } from '../generated/prisma/client';
import { isOpen } from './call-state';
import { CallsService } from './calls.service';
import type { CallFeedbackDto } from './dto/call-feedback.dto';

function toView(row: CallFeedback): CallFeedbackView {
  return {
    callId: row.callId,
    userId: row.userId,
    rating: row.rating,
    issues: row.issues as FeedbackIssue[],
    comment: row.comment,
    createdAt: row.createdAt.toISOString(),
  };
}

/** How the parties rate a call once it is over: once each. */
@Injectable()
export class CallFeedbackService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly calls: CallsService,
    private readonly webhooks: WebhookOutbox,
  ) {}

  async give(userId: string, callId: string, dto: CallFeedbackDto): Promise<CallFeedbackView> {
    const call = await this.calls.getForParty(userId, callId);
    if (isOpen(call.status)) throw new AppError('invalid_state', 'The call is not over yet: rate it once it has ended');
    try {
      return await this.webhooks.withEvents(
        async (db) =>
          toView(
            await db.callFeedback.create({
              data: { callId, userId, rating: dto.rating, issues: dto.issues ?? [], comment: dto.comment ?? null },
            }),
          ),
        (feedback) => [{ type: 'call.feedback', orderingKey: callId, data: feedback }],
      );
    } catch (error) {
      // The primary key (call, user) keeps it to once, even for two requests at once.
      if (isUniqueViolation(error)) throw new AppError('invalid_state', 'You have already rated this call');
      throw error;
    }
  }

  /** Every party's feedback on a call, oldest first. */
  async of(callId: string): Promise<CallFeedbackView[]> {
    const rows = await this.prisma.callFeedback.findMany({ where: { callId }, orderBy: { createdAt: 'asc' } });
    return rows.map(toView);
  }
}
