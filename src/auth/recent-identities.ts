import type { ConnectionUser } from './auth-user';

/** Long enough for a reconnect storm, short enough that a user removed from the database is soon refused. */
const REMEMBER_MS = 60_000;
/** About 1 MB at most. */
const MAX_ENTRIES = 10_000;

/**
 * Who the users of recently verified connections are, by id, for a minute; the oldest entry goes
 * when it is full. Map keeps insertion order, so the first entry is always the oldest.
 */
export class RecentIdentities {
  private readonly entries = new Map<string, { user: ConnectionUser; until: number }>();

  get(userId: string): ConnectionUser | undefined {
    const entry = this.entries.get(userId);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.user;
    this.entries.delete(userId);
    return undefined;
  }

  remember(user: ConnectionUser): ConnectionUser {
    this.entries.delete(user.id);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(user.id, { user, until: Date.now() + REMEMBER_MS });
    return user;
  }
}
