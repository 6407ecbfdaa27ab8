import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AppError } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import { UsersRepository } from '../users/users.repository';
import { PresenceRepository } from './presence.repository';

export interface PresenceView {
  userId: string;
  role: string;
  online: boolean;
  lastSeenAt: string | null;
}

/**
 * Online/offline per user across all their connections and dialects. A user stays online until
 * their last connection has been gone for PRESENCE_GRACE_MS, so a page reload changes nothing.
 * Mentors' and tutors' presence goes to everyone connected; a student's only to their contacts.
 */
@Injectable()
export class PresenceService implements OnModuleDestroy {
  private readonly logger = new Logger('Presence');
  private readonly online = new Set<string>();
  private readonly leaving = new Map<string, NodeJS.Timeout>();
  private readonly changeListeners: Array<(userId: string) => void> = [];
  private stopped = false;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly repository: PresenceRepository,
    private readonly users: UsersRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    registry.onConnect((connection) => this.connected(connection.userId));
    registry.onLastConnectionGone((connection) => this.lastConnectionGone(connection.userId));
  }

  /** A deploy's shutdown is not every user going offline. */
  onModuleDestroy(): void {
    this.stopped = true;
    for (const timer of this.leaving.values()) clearTimeout(timer);
  }

  /** Called when a user comes online or goes offline (after the grace). */
  onChange(listener: (userId: string) => void): void {
    this.changeListeners.push(listener);
  }

  isOnline(userId: string): boolean {
    return this.online.has(userId);
  }

  async get(userId: string): Promise<PresenceView> {
    const user = await this.users.findById(userId);
    if (!user) throw new AppError('not_found', 'User not found');
    return { userId, role: user.role, online: this.isOnline(userId), lastSeenAt: user.lastSeenAt?.toISOString() ?? null };
  }

  private connected(userId: string): void {
    const pending = this.leaving.get(userId);
    if (pending) {
      clearTimeout(pending);
      this.leaving.delete(userId);
      return;
    }
    if (this.online.has(userId)) return;
    this.online.add(userId);
    void this.announce(userId, true, null).catch((e) => this.logger.error(e));
  }

  private lastConnectionGone(userId: string): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.leaving.delete(userId);
      if (this.registry.isOnline(userId)) return;
      this.online.delete(userId);
      const at = new Date();
      void this.repository
        .markSeen(userId, at)
        .then(() => this.announce(userId, false, at.toISOString()))
        .catch((e) => this.logger.error(e));
    }, this.config.presenceGraceMs);
    timer.unref();
    this.leaving.set(userId, timer);
  }

  private async announce(userId: string, online: boolean, lastSeenAt: string | null): Promise<void> {
    const user = await this.users.findById(userId);
    if (!user) return;
    const audience = user.role === 'student' ? await this.repository.contactsOf(userId) : this.registry.connectedUserIds();
    const others = audience.filter((id) => id !== userId);
    this.registry.sendToUsers(others, { type: 'presence', userId, role: user.role, online, lastSeenAt });
    for (const listener of this.changeListeners) listener(userId);
  }
}
