import { Inject, Injectable } from '@nestjs/common';
import { OpenCallIndex } from '../calls/open-call-index';
import { AppEventMap, AppEvents, OnAppEvent } from '../events/app-events';
import { AppError } from '../common/errors';
import { PrismaService } from '../database/prisma.service';
import type { Party } from '../calls/call.presenter';
import type { MentorStatus, Prisma, UserRole } from '../generated/prisma/client';
import { SHARED_STATE, SharedState } from '../cluster/shared-state';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ConnectionRegistry, WatcherAudience } from '../realtime/connection-registry.service';
import type { EffectiveMentorStatus, PresenceNotice } from '../realtime/realtime-notice';
import { PresenceRepository } from './presence.repository';
import { PresenceService } from './presence.service';
import type { MentorStatusUpdateEvent, MentorStatusView } from '@call-signaling/client';
import { inBackground } from '../common/background';
import { SharedLookup } from '../common/shared-lookup';
import { isMentorRole, MENTOR_ROLES } from '../users/mentor-roles';

export type { MentorStatusView };

/** How long one lookup of the available mentors serves the students connecting meanwhile. */
const NEWCOMERS_LIST_MS = 1_000;
/** A page of the mentor list, unless a subscription asks for another size; also "the first page" of available mentors. */
export const MENTOR_PAGE_SIZE = 50;
/** The whole mentor list (no status asked, or offline) is read up to this many (then filtered by effective status and paged). */
const MENTOR_LIST_MAX = 500;
/** Shared state: each mentor's status as last told (mentor id → status). */
const TOLD_STATUS = 'mentor-told-status';

interface MentorFilter {
  status?: EffectiveMentorStatus;
  role?: UserRole;
}

/** A page of mentors, and the cursor of the next (null at the end). */
export interface MentorPage {
  mentors: MentorStatusView[];
  nextCursor: string | null;
}

/**
 * A mentor's or tutor's availability: what they chose, shown as busy while they are in an active
 * call and offline while they are offline. A change to it, or to their presence, goes to those
 * who watch them (a mentor list open, their name, see PresenceInterests), to their contacts, and,
 * while the deployment is small (PRESENCE_BROADCAST_LIMIT) or the mentor is on the first page of
 * available mentors, to every connection that has subscribed to nothing.
 */
@Injectable()
export class MentorStatusService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly presence: PresenceService,
    private readonly contacts: PresenceRepository,
    private readonly openCalls: OpenCallIndex,
    private readonly registry: ConnectionRegistry,
    @Inject(SHARED_STATE) private readonly state: SharedState,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: AppEvents,
  ) {}

  /** The list being served to connecting students; a change on this instance drops it. */
  private readonly availableNow = new SharedLookup(NEWCOMERS_LIST_MS, () => this.statusUpdates({ status: 'available' }));
  /** Where the first page of available mentors ends, by name; null: it is not full. */
  private readonly firstPageEnd = new SharedLookup(NEWCOMERS_LIST_MS, () =>
    this.page({ status: 'available' }).then(({ mentors, nextCursor }) =>
      nextCursor === null ? null : mentors[mentors.length - 1].displayName,
    ),
  );

  /** A mentor's or tutor's coming and going is told to their audience, with the status it makes; a student's changes nothing here. */
  @OnAppEvent('presence.changed')
  presenceChanged({ notice }: AppEventMap['presence.changed']): void {
    if (isMentorRole(notice.role)) inBackground('mentor presence', this.announcePresence(notice));
  }

  /** A call's start and end change its mentors' shown status; the move read what they chose. */
  @OnAppEvent('call.moved')
  callMoved({ call, move }: AppEventMap['call.moved']): void {
    if (call.status !== 'ACTIVE' && call.status !== 'ENDED') return;
    for (const party of move.parties) {
      if (isMentorRole(party.role)) inBackground('mentor status broadcast', this.broadcast(party, call.status === 'ACTIVE'));
    }
  }

  async set(userId: string, status: MentorStatus, statusMessage: string | undefined): Promise<MentorStatusView> {
    const user = await this.prisma.user.findUnique({ where: { id: userId } });
    if (!user || !isMentorRole(user.role)) throw new AppError('forbidden', 'Only mentors and tutors have an availability status');
    const updated = await this.prisma.user.update({
      where: { id: userId },
      data: { mentorStatus: status, statusMessage: statusMessage ?? null },
    });
    return this.broadcast(updated);
  }

  async list(filter: MentorFilter): Promise<MentorStatusView[]> {
    return (await this.entries(filter)).map(({ view }) => view);
  }

  /** A page of the list: `cursor` is a previous page's `nextCursor`. */
  async page(filter: MentorFilter, limit = MENTOR_PAGE_SIZE, cursor?: string): Promise<MentorPage> {
    const from = cursor === undefined ? 0 : Number(cursor);
    const all = await this.list(filter);
    const to = from + limit;
    return { mentors: all.slice(from, to), nextCursor: to < all.length ? String(to) : null };
  }

  /** The mentors and tutors among `userIds`, as the list shows them. */
  async views(userIds: readonly string[]): Promise<MentorStatusView[]> {
    const users = await this.prisma.user.findMany({
      where: { id: { in: [...userIds] }, role: { in: [...MENTOR_ROLES] } },
      orderBy: { displayName: 'asc' },
    });
    return Promise.all(users.map((user) => this.view(user)));
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
    return this.availableNow.get();
  }

  /**
   * The ids of the mentors and tutors online now that `where` picks: only they can be available or
   * busy, so whoever looks for those starts here, however many are registered.
   */
  async onlineAmong(where: Prisma.UserWhereInput): Promise<string[]> {
    const online = await this.presence.onlineMentorIds();
    const rows = await this.prisma.user.findMany({ where: { AND: [where, { id: { in: online } }] }, select: { id: true } });
    return rows.map(({ id }) => id);
  }

  private async entries(filter: MentorFilter): Promise<Array<{ view: MentorStatusView; updatedAt: Date }>> {
    const role = filter.role ? filter.role : { in: [...MENTOR_ROLES] };
    const onlineOnly = filter.status === 'available' || filter.status === 'busy';
    const users = await this.prisma.user.findMany({
      where: onlineOnly ? { id: { in: await this.onlineAmong({ role }) } } : { role },
      orderBy: { displayName: 'asc' },
      ...(onlineOnly ? {} : { take: MENTOR_LIST_MAX }),
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

  /** The mentor's presence notice, then the status it makes, to the same audience. */
  private async announcePresence(notice: PresenceNotice): Promise<void> {
    const user = await this.prisma.user.findUnique({ where: { id: notice.userId } });
    if (!user) return;
    const view = await this.view(user);
    const audience = await this.audienceOf(user, view);
    this.registry.sendToWatchers({ ...audience, exceptUserId: user.id }, notice);
    this.sendStatus(view, audience);
  }

  private async broadcast(user: Party, inActiveCall?: boolean): Promise<MentorStatusView> {
    const view = await this.view(user, inActiveCall);
    this.sendStatus(view, await this.audienceOf(user, view));
    return view;
  }

  private sendStatus(view: MentorStatusView, audience: WatcherAudience): void {
    this.availableNow.drop();
    this.registry.sendToWatchers(audience, {
      type: 'mentor-status',
      mentorId: view.mentorId,
      status: view.status,
      statusMessage: view.statusMessage,
      updatedAt: new Date().toISOString(),
    });
    if (view.status === 'available') this.events.emit('mentor.available', { mentorId: view.mentorId });
  }

  /**
   * Who hears of a change to this mentor: their watchers and contacts always; the unsubscribed
   * while the deployment is small, or when the mentor was or now is on the first page of
   * available mentors (what a client that never subscribed shows), so their number stays bounded.
   */
  private async audienceOf(user: Party, view: MentorStatusView): Promise<WatcherAudience> {
    const [contacts, unsubscribed] = await Promise.all([this.contacts.contactsOf(user.id), this.reachesUnsubscribed(user, view)]);
    return { subject: { id: user.id, role: user.role }, contacts, unsubscribed };
  }

  /**
   * Whether the change goes to the unsubscribed. Each mentor's last told status is kept in the
   * shared state, so a change from available counts (its mentor leaves the page) as much as one to
   * it, whichever instance told the last one.
   */
  private async reachesUnsubscribed(user: Party, view: MentorStatusView): Promise<boolean> {
    const [previous, online] = await Promise.all([this.state.hSwap(TOLD_STATUS, user.id, view.status), this.presence.onlineCount()]);
    if (online <= this.config.presenceBroadcastLimit || previous === undefined) return true;
    if (previous !== 'available' && view.status !== 'available') return false;
    const end = await this.firstPageEnd.get();
    return end === null || user.displayName.localeCompare(end) <= 0;
  }
}
