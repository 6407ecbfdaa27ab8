import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SHARED_STATE, SharedState } from '../cluster/shared-state';
import { SHARED_TIMERS, SharedTimers } from '../cluster/shared-timers';
import { AppError } from '../common/errors';
import { AppEventMap, AppEvents, OnAppEvent } from '../events/app-events';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import { KnownUsers } from '../users/known-users';
import { UsersRepository } from '../users/users.repository';
import { PresenceRepository } from './presence.repository';
import { inBackground } from '../common/background';
import { retryWhileUnavailable } from '../cluster/redis-errors';
import { isMentorRole } from '../users/mentor-roles';
import type { PresenceView } from '@call-signaling/client';

export type { PresenceView };

const ONLINE = 'presence:online';
/** The mentors and tutors among them: who may be offered help or listed as available, read without the students. */
const ONLINE_MENTORS = 'presence:online-mentors';
const LEAVING = 'presence-grace';

/**
 * Online/offline per user across all their connections, dialects and instances. A user stays
 * online until their last connection has been gone for PRESENCE_GRACE_MS, so a page reload
 * changes nothing. A student's presence goes to their contacts; a mentor's or tutor's to those
 * who watch them (MentorStatusService). The shared online set makes each change announced once,
 * by one instance.
 */
@Injectable()
export class PresenceService implements OnApplicationBootstrap, OnModuleDestroy {
  private mentorFinder?: NodeJS.Timeout;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly repository: PresenceRepository,
    private readonly users: UsersRepository,
    private readonly knownUsers: KnownUsers,
    @Inject(SHARED_STATE) private readonly state: SharedState,
    @Inject(SHARED_TIMERS) private readonly timers: SharedTimers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: AppEvents,
  ) {
    timers.handle(LEAVING, (userId) => this.leave(userId));
  }

  /**
   * The mentors and tutors online are put in their own set now and every CALL_SWEEP_INTERVAL_MS:
   * those booked by instances of an older version (a rolling deploy), or whose write to it failed
   * (a Redis Cluster failover between the two sets). One left meanwhile may stay in it: read there,
   * they show offline all the same (isOnline), and they leave it with their next departure.
   */
  onApplicationBootstrap(): void {
    const findMentors = () => inBackground('finding the mentors online', this.findMentorsOnline());
    findMentors();
    this.mentorFinder = setInterval(findMentors, this.config.calls.sweepIntervalMs);
    this.mentorFinder.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.mentorFinder);
  }

  async findMentorsOnline(): Promise<void> {
    const [online, known] = await Promise.all([this.onlineUserIds(), this.onlineMentorIds()]);
    const listed = new Set(known);
    const mentors = await this.repository.mentorsAmong(online.filter((userId) => !listed.has(userId)));
    await Promise.all(mentors.map((userId) => this.state.sAdd(ONLINE_MENTORS, userId)));
  }

  @OnAppEvent('connection.added')
  connectionAdded({ userId }: AppEventMap['connection.added']): void {
    inBackground('presence', this.connected(userId));
  }

  /** Offline only after the grace: a page reload changes nothing. */
  @OnAppEvent('user.disconnected')
  disconnected({ userId }: AppEventMap['user.disconnected']): void {
    // Unscheduled, the user would stay online for good.
    inBackground(
      'presence grace',
      retryWhileUnavailable(() => this.timers.schedule(LEAVING, userId, this.config.presenceGraceMs)),
    );
  }

  @OnAppEvent('connections.rebooked')
  rebooked({ connections }: AppEventMap['connections.rebooked']): void {
    inBackground('presence re-registration', Promise.all(connections.map((c) => this.markOnline(c.userId))));
  }

  isOnline(userId: string): Promise<boolean> {
    return this.state.sIsMember(ONLINE, userId);
  }

  /** How many users are online now, on every instance. */
  onlineCount(): Promise<number> {
    return this.state.sCard(ONLINE);
  }

  /** Every user online now, on every instance. */
  onlineUserIds(): Promise<string[]> {
    return this.state.sMembers(ONLINE);
  }

  /** Every mentor and tutor online now, on every instance. */
  onlineMentorIds(): Promise<string[]> {
    return this.state.sMembers(ONLINE_MENTORS);
  }

  /** Up to `limit` of the users online now, by name. */
  async onlineProfiles(limit: number) {
    return this.repository.profilesOf(await this.onlineUserIds(), limit);
  }

  async get(userId: string): Promise<PresenceView> {
    const user = await this.users.findById(userId);
    if (!user) throw new AppError('not_found', 'User not found');
    return { userId, role: user.role, online: await this.isOnline(userId), lastSeenAt: user.lastSeenAt?.toISOString() ?? null };
  }

  /** Back within the grace: nothing to announce. */
  private async connected(userId: string): Promise<void> {
    await this.timers.cancel(LEAVING, userId);
    if (await this.markOnline(userId)) await this.announce(userId, true, null);
  }

  /**
   * In the online set (and a mentor's or tutor's in theirs too); true if they were not in it. The
   * online set first, with nothing awaited before it: a departure meanwhile finds them there.
   */
  private async markOnline(userId: string): Promise<boolean> {
    const added = await this.state.sAdd(ONLINE, userId);
    const user = await this.knownUsers.of(userId);
    if (user && isMentorRole(user.role)) await this.state.sAdd(ONLINE_MENTORS, userId);
    return added;
  }

  private async leave(userId: string): Promise<void> {
    if (await this.registry.isOnline(userId)) return;
    if (!(await this.state.sRem(ONLINE, userId))) return;
    await this.state.sRem(ONLINE_MENTORS, userId);
    // A connection that arrived between the steps above found the user still online and
    // announced nothing: the user stays online, and nothing is announced now either.
    if (await this.registry.isOnline(userId)) {
      await this.markOnline(userId);
      return;
    }
    const at = new Date();
    await this.repository.markSeen(userId, at);
    await this.announce(userId, false, at.toISOString());
  }

  /** A student's coming and going goes to their contacts; a mentor's, to its audience (MentorStatusService). */
  private async announce(userId: string, online: boolean, lastSeenAt: string | null): Promise<void> {
    const user = await this.knownUsers.of(userId);
    if (!user) return;
    const notice = { type: 'presence', userId, role: user.role, online, lastSeenAt } as const;
    if (user.role === 'student') this.registry.sendToUsers(await this.repository.contactsOf(userId), notice);
    this.events.emit('presence.changed', { notice });
  }
}
