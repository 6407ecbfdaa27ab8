import type { HelpQueuePlace } from '@call-signaling/client';
import type { HelpRequest, Prisma, UserRole } from '../generated/prisma/client';

/**
 * A help queue: the requests for one target type (mentor, tutor, or either) and one subject, waiting
 * for any mentor. A request sent to one mentor (`mentorId`) is in no queue.
 */
export interface HelpQueueKey {
  targetType: UserRole | null;
  subject: string;
}

/** How topics and mentors' subjects compare: trimmed, lower case, single spaces ("Linear  Algebra " is "linear algebra"). */
export const subjectOf = (topic: string): string => topic.trim().replace(/\s+/g, ' ').toLowerCase();

export const queueOf = (request: Pick<HelpRequest, 'mentorId' | 'targetType' | 'subject'>): HelpQueueKey | null =>
  request.mentorId === null ? { targetType: request.targetType, subject: request.subject } : null;

export const sameQueue = (a: HelpQueueKey, b: HelpQueueKey): boolean => a.targetType === b.targetType && a.subject === b.subject;

/** Head first: requests back from a lapsed reservation or a failed call, then by when they were asked. */
export const QUEUE_ORDER: Prisma.HelpRequestOrderByWithRelationInput[] = [{ requeued: 'desc' }, { createdAt: 'asc' }, { id: 'asc' }];

export const waitingIn = (queue: HelpQueueKey): Prisma.HelpRequestWhereInput => ({
  status: 'waiting',
  mentorId: null,
  targetType: queue.targetType,
  subject: queue.subject,
});

/** Of the requests accepted recently, how many make the estimate. */
const SAMPLE = 20;

/**
 * The estimated wait at each position: the position times the median time to accept of the queue's
 * last accepted requests, else of every queue's (`recent`, newest first); null without any.
 */
export function placeIn(
  queue: HelpQueueKey,
  position: number,
  waiting: number,
  recent: ReadonlyArray<HelpQueueKey & { waitedMs: number }>,
): HelpQueuePlace {
  const own = recent.filter((accepted) => sameQueue(accepted, queue));
  const sample = (own.length > 0 ? own : recent).slice(0, SAMPLE).map((accepted) => accepted.waitedMs);
  return { position, waiting, estimatedWaitMs: sample.length === 0 ? null : Math.round(position * median(sample)) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
