import type { UserRole } from '@call-signaling/client';
import type { RealtimeConnection } from './connection-registry.service';

interface Interest {
  /** The roles of the mentor list the connection has open; empty when it has none open. */
  roles: readonly UserRole[];
  /** Users the connection named. */
  users: Set<string>;
}

/** How many users one connection may name: a page of a long list, not a directory. */
export const MAX_WATCHED_USERS = 500;

/**
 * Which mentors each connection of this instance watches: the roles of the mentor list it has
 * open, and the users it named. A connection that has subscribed to nothing is not here (it
 * costs nothing and hears what the deployment's size allows, see MentorAudience). Indexed both
 * ways, so a mentor's change finds its watchers without looking at anyone else.
 */
export class PresenceInterests {
  private readonly ofConnection = new Map<RealtimeConnection, Interest>();
  private readonly byRole = new Map<UserRole, Set<RealtimeConnection>>();
  private readonly byUser = new Map<string, Set<RealtimeConnection>>();

  subscribed(connection: RealtimeConnection): boolean {
    return this.ofConnection.has(connection);
  }

  /** Opens the mentor list of `roles` for the connection, in place of the one it had open. */
  openList(connection: RealtimeConnection, roles: readonly UserRole[]): void {
    const interest = this.interestOf(connection);
    for (const role of interest.roles) this.byRole.get(role)?.delete(connection);
    interest.roles = roles;
    for (const role of roles) index(this.byRole, role).add(connection);
  }

  /** Adds users to those the connection watches; false when that would pass MAX_WATCHED_USERS. */
  watch(connection: RealtimeConnection, userIds: readonly string[]): boolean {
    const interest = this.interestOf(connection);
    if (new Set([...interest.users, ...userIds]).size > MAX_WATCHED_USERS) return false;
    for (const userId of userIds) {
      interest.users.add(userId);
      index(this.byUser, userId).add(connection);
    }
    return true;
  }

  /** Forgets what the connection watched: it hears what an unsubscribed connection hears. */
  clear(connection: RealtimeConnection): void {
    const interest = this.ofConnection.get(connection);
    if (!interest) return;
    this.ofConnection.delete(connection);
    for (const role of interest.roles) unindex(this.byRole, role, connection);
    for (const userId of interest.users) unindex(this.byUser, userId, connection);
  }

  /** This instance's connections that watch the user (of `role`), by list or by name. */
  watchersOf(userId: string, role: UserRole): Set<RealtimeConnection> {
    return new Set([...(this.byRole.get(role) ?? []), ...(this.byUser.get(userId) ?? [])]);
  }

  private interestOf(connection: RealtimeConnection): Interest {
    let interest = this.ofConnection.get(connection);
    if (!interest) this.ofConnection.set(connection, (interest = { roles: [], users: new Set() }));
    return interest;
  }
}

function index<K>(map: Map<K, Set<RealtimeConnection>>, key: K): Set<RealtimeConnection> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}

function unindex<K>(map: Map<K, Set<RealtimeConnection>>, key: K, connection: RealtimeConnection): void {
  const set = map.get(key);
  set?.delete(connection);
  if (set?.size === 0) map.delete(key);
}
