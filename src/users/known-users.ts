import { Injectable } from '@nestjs/common';
import { type ConnectionUser, connectionUserOf } from '../auth/auth-user';
import { RecentMap } from '../common/recent-map';
import { UsersRepository } from './users.repository';

/** Long enough for a reconnect storm, short enough that a user removed from the database is soon refused. */
const REMEMBER_MS = 60_000;
/** About 1 MB at most. */
const MAX_ENTRIES = 10_000;

/**
 * Who users are (id, name, role), by id, remembered for a minute after they were last looked up
 * or verified: a reconnect storm and the presence changes it brings read no user from the
 * database.
 */
@Injectable()
export class KnownUsers {
  private readonly entries = new RecentMap<string, ConnectionUser>(MAX_ENTRIES);

  constructor(private readonly users: UsersRepository) {}

  /** The user, remembered or read; null when there is no such user. */
  async of(userId: string): Promise<ConnectionUser | null> {
    const known = this.remembered(userId);
    if (known) return known;
    const user = await this.users.findById(userId);
    return user ? this.remember(connectionUserOf(user)) : null;
  }

  remembered(userId: string): ConnectionUser | undefined {
    return this.entries.get(userId);
  }

  remember(user: ConnectionUser): ConnectionUser {
    return this.entries.set(user.id, user, Date.now() + REMEMBER_MS);
  }
}
