import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { HelpQueuePlace } from '@call-signaling/client';
import { inBackground } from '../common/background';
import { PrismaService } from '../database/prisma.service';
import type { HelpRequest } from '../generated/prisma/client';
import { MentorStatusService } from '../presence/mentor-status.service';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import { MENTOR_ROLES } from '../users/mentor-roles';
import { HelpQueueKey, placeIn, QUEUE_ORDER, queueOf, waitingIn } from './help-queues';

/** How long the requests accepted recently had waited, with their queues. */
type RecentAccepts = Array<HelpQueueKey & { waitedMs: number }>;
/** The accepts an estimate looks at: the past hour's. */
const RECENT_MS = 3_600_000;
/** Queue changes within this window make one count for the mentors. */
const COUNT_WINDOW_MS = 200;

/**
 * Where waiting requests stand: each student hears their place whenever their queue changes, and
 * the mentors and tutors online hear how many requests they could take wait, by topic.
 */
@Injectable()
export class HelpQueueNotices implements OnModuleDestroy {
  private countTimer?: NodeJS.Timeout;

  constructor(
    private readonly prisma: PrismaService,
    private readonly registry: ConnectionRegistry,
    private readonly mentors: MentorStatusService,
  ) {}

  onModuleDestroy(): void {
    clearTimeout(this.countTimer);
  }

  /** The places of those of `requests` that wait in a queue. */
  async placesOf(requests: readonly HelpRequest[]): Promise<Map<string, HelpQueuePlace>> {
    const queues = new Map<string, HelpQueueKey>();
    for (const request of requests) {
      const queue = queueOf(request);
      if (request.status === 'waiting' && queue) queues.set(JSON.stringify(queue), queue);
    }
    const places = new Map<string, HelpQueuePlace>();
    if (queues.size === 0) return places;
    const recent = await this.recentAccepts();
    for (const queue of queues.values()) for (const { id, place } of await this.placesIn(queue, recent)) places.set(id, place);
    return places;
  }

  /** A queue changed: every student waiting in it hears their place; the mentors, the count. */
  async changed(queue: HelpQueueKey | null): Promise<void> {
    this.countSoon();
    if (!queue) return;
    for (const { id, studentId, stage, place } of await this.placesIn(queue, await this.recentAccepts())) {
      this.registry.sendToUsers([studentId], { type: 'help-position', requestId: id, stage, ...place });
    }
  }

  /** The requests waiting in a queue, head first, each with its place. */
  private async placesIn(queue: HelpQueueKey, recent: RecentAccepts) {
    const waiting = await this.prisma.helpRequest.findMany({
      where: waitingIn(queue),
      orderBy: QUEUE_ORDER,
      select: { id: true, studentId: true, stage: true },
    });
    return waiting.map((request, i) => ({ ...request, place: placeIn(queue, i + 1, waiting.length, recent) }));
  }

  /** How long the requests accepted in the past hour had waited, newest first, with their queues. */
  private async recentAccepts(): Promise<RecentAccepts> {
    const accepted = await this.prisma.helpRequest.findMany({
      where: { acceptedAt: { gt: new Date(Date.now() - RECENT_MS) }, mentorId: null },
      orderBy: { acceptedAt: 'desc' },
      take: 200,
      select: { targetType: true, subject: true, createdAt: true, acceptedAt: true },
    });
    return accepted.map((r) => ({
      targetType: r.targetType,
      subject: r.subject,
      waitedMs: r.acceptedAt!.getTime() - r.createdAt.getTime(),
    }));
  }

  private countSoon(): void {
    this.countTimer ??= setTimeout(() => {
      this.countTimer = undefined;
      inBackground('help queue count', this.sendCounts());
    }, COUNT_WINDOW_MS).unref();
  }

  /** Each mentor and tutor online hears what waits for their role (requests for either count for both). */
  private async sendCounts(): Promise<void> {
    const [groups, online] = await Promise.all([
      this.prisma.helpRequest.groupBy({ by: ['targetType', 'subject'], where: { status: 'waiting', mentorId: null }, _count: true }),
      this.mentors.views(await this.mentors.onlineAmong({})),
    ]);
    for (const role of MENTOR_ROLES) {
      const topics = new Map<string, number>();
      for (const group of groups) {
        if (group.targetType === null || group.targetType === role)
          topics.set(group.subject, (topics.get(group.subject) ?? 0) + group._count);
      }
      const recipients = online.filter((m) => m.role === role && m.status !== 'offline').map((m) => m.mentorId);
      const waiting = [...topics.values()].reduce((sum, n) => sum + n, 0);
      this.registry.sendToUsers(recipients, {
        type: 'help-queue',
        waiting,
        topics: [...topics]
          .map(([topic, n]) => ({ topic, waiting: n }))
          .sort((a, b) => b.waiting - a.waiting || a.topic.localeCompare(b.topic)),
      });
    }
  }
}
