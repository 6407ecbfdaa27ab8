import { Injectable } from '@nestjs/common';
import { OpenCallIndex } from '../calls/open-call-index';
import { AppEventMap, OnAppEvent } from '../events/app-events';
import { AppError } from '../common/errors';
import { PrismaService } from '../database/prisma.service';
import type { Party } from '../calls/call.presenter';
import type { MentorStatus, UserRole } from '../generated/prisma/client';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import type { EffectiveMentorStatus } from '../realtime/realtime-notice';
import { PresenceService } from './presence.service';
import type { MentorStatusUpdateEvent, MentorStatusView } from '@call-signaling/client';
import { inBackground } from '../common/background';

export type { MentorStatusView };

const MENTOR_ROLES: readonly UserRole[] = ['mentor', 'tutor'];
/** How long one lookup of the available mentors serves the students connecting meanwhile. */
const NEWCOMERS_LIST_MS = 1_000;

interface MentorFilter {
  status?: EffectiveMentorStatus;
  role?: UserRole;
}

/**
 * A mentor's or tutor's availability: what they chose, shown as busy while they are in an active
 * call and offline while they are offline. Every change goes to everyone connected.
 */
@Injectable()
export class MentorStatusService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly presence: PresenceService,
    private readonly openCalls: OpenCallIndex,
    private readonly registry: ConnectionRegistry,
  ) {}

  /** The list being served to connecting students; a change on this instance drops it. */
  private availableNow: Promise<MentorStatusUpdateEvent[]> | null = null;

  /** A mentor's or tutor's coming and going changes their shown status; a student's changes nothing here. */
  @OnAppEvent('presence.changed')
  presenceChanged({ userId, role }: AppEventMap['presence.changed']): void {
    if (MENTOR_ROLES.includes(role)) this.broadcastSoon(userId);
  }

  /** A call's start and end change its mentors' shown status; the move read what they chose. */
  @OnAppEvent('call.moved')
  callMoved({ call, move }: AppEventMap['call.moved']): void {
    if (call.status !== 'ACTIVE' && call.status !== 'ENDED') return;
    for (const party of move.parties) {
      if (MENTOR_ROLES.includes(party.role)) inBackground('mentor status broadcast', this.broadcast(party, call.status === 'ACTIVE'));
    }
  }

  async set(userId: string, status: MentorStatus, statusMessage: string | undefined): Promise<MentorStatusView> {
    const user = await this.prisma.user.findUnique({ where: { id: userId } });
    if (!user || !MENTOR_ROLES.includes(user.role)) throw new AppError('forbidden', 'Only mentors and tutors have an availability status');
    const updated = await this.prisma.user.update({
      where: { id: userId },
      data: { mentorStatus: status, statusMessage: statusMessage ?? null },
    });
    return this.broadcast(updated);
  }

  async list(filter: MentorFilter): Promise<MentorStatusView[]> {
    return (await this.entries(filter)).map(({ view }) => view);
  }

  /** As the InstantMentor app has them: available or not, and when the mentor's row last changed. */
  async statusUpdates(filter: MentorFilter): Promise<MentorStatusUpdateEvent[]> {
    return (await this.entries(filter)).map(({ view, updatedAt }) => ({
      mentorId: view.mentorId,
      isAvailable: view.status === 'available',
      statusMessage: view.statusMessage,
      updatedAt: updatedAt.toISOString(),
    }));
  }

  /**
   * The available mentors, as a student's app is told on connecting: one lookup serves every
   * connection of the next second (a reconnect storm is one query, not thousands).
   */
  availableForNewcomers(): Promise<MentorStatusUpdateEvent[]> {
    if (this.availableNow) return this.availableNow;
    const lookup = this.statusUpdates({ status: 'available' });
    const forget = () => {
      if (this.availableNow === lookup) this.availableNow = null;
    };
    this.availableNow = lookup;
    setTimeout(forget, NEWCOMERS_LIST_MS).unref();
    lookup.catch(forget);
    return lookup;
  }

  private async entries(filter: MentorFilter): Promise<Array<{ view: MentorStatusView; updatedAt: Date }>> {
    const users = await this.prisma.user.findMany({
      where: { role: filter.role ? filter.role : { in: [...MENTOR_ROLES] } },
      orderBy: { displayName: 'asc' },
      take: 500,
    });
    const entries = await Promise.all(users.map(async (user) => ({ view: await this.view(user), updatedAt: user.updatedAt })));
    return entries.filter(({ view }) => !filter.status || view.status === filter.status);
  }

  /** `inActiveCall` when the caller knows (a call's move); else the open-call index is asked. */
  private async view(user: Party, inActiveCall?: boolean): Promise<MentorStatusView> {
    let status: EffectiveMentorStatus = user.mentorStatus;
    if (!(await this.presence.isOnline(user.id))) status = 'offline';
    else if (inActiveCall ?? (await this.openCalls.of(user.id))?.status === 'ACTIVE') status = 'busy';
    return {
      mentorId: user.id,
      displayName: user.displayName,
      avatarUrl: user.avatarUrl,
      role: user.role,
      status,
      statusMessage: user.statusMessage,
    };
  }

  private broadcastSoon(userId: string): void {
    inBackground(
      'mentor status broadcast',
      this.prisma.user.findUnique({ where: { id: userId } }).then((user) => (user ? this.broadcast(user) : undefined)),
    );
  }

  private async broadcast(user: Party, inActiveCall?: boolean): Promise<MentorStatusView> {
    const view = await this.view(user, inActiveCall);
    this.availableNow = null;
    this.registry.sendToEveryone({
      type: 'mentor-status',
      mentorId: view.mentorId,
      status: view.status,
      statusMessage: view.statusMessage,
      updatedAt: new Date().toISOString(),
    });
    return view;
  }
}
