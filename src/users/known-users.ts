import { Injectable } from '@nestjs/common';
import { type ConnectionUser, connectionUserOf } from '../auth/auth-user';
import { UsersRepository } from './users.repository';

/** Long enough for a reconnect storm, short enough that a user removed from the database is soon refused. */
const REMEMBER_MS = 60_000;
/** About 1 MB at most. */
const MAX_ENTRIES = 10_000;

/**
 * Who users are (id, name, role), by id, remembered for a minute after they were last looked up
 * or verified: a reconnect storm and the presence changes it brings read no user from the
 * database. The oldest entry goes when it is full (a Map keeps insertion order, so the first
 * entry is always the oldest).
 */
@Injectable()
export class KnownUsers {
  private readonly entries = new Map<string, { user: ConnectionUser; until: number }>();

  constructor(private readonly users: UsersRepository) {}

  /** The user, remembered or read; null when there is no such user. */
  async of(userId: string): Promise<ConnectionUser | null> {
    const known = this.remembered(userId);
    if (known) return known;
    const user = await this.users.findById(userId);
    return user ? this.remember(connectionUserOf(user)) : null;
  }

  remembered(userId: string): ConnectionUser | undefined {
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
