import { Injectable } from '@nestjs/common';
import type { RealtimeNotice } from './realtime-notice';

/** A live connection of any dialect, as the core sees it. */
export interface RealtimeConnection {
  readonly id: string;
  readonly userId: string;
  readonly dialect: string;
  /** Renders the notice in the connection's own dialect and sends it. */
  deliver(notice: RealtimeNotice): void;
}

type Listener = (connection: RealtimeConnection) => void;

/**
 * Knows every live connection of every user on this instance, whatever its dialect, and is the
 * one place notices are delivered through.
 */
@Injectable()
export class ConnectionRegistry {
  private readonly byUser = new Map<string, Map<string, RealtimeConnection>>();
  private readonly byId = new Map<string, RealtimeConnection>();
  private readonly connectListeners: Listener[] = [];
  private readonly lastGoneListeners: Listener[] = [];

  add(connection: RealtimeConnection): void {
    this.byId.set(connection.id, connection);
    const mine = this.byUser.get(connection.userId) ?? new Map<string, RealtimeConnection>();
    mine.set(connection.id, connection);
    this.byUser.set(connection.userId, mine);
    for (const listener of this.connectListeners) listener(connection);
  }

  remove(connectionId: string): void {
    const connection = this.byId.get(connectionId);
    if (!connection) return;
    this.byId.delete(connectionId);
    const mine = this.byUser.get(connection.userId);
    mine?.delete(connectionId);
    if (mine && mine.size === 0) {
      this.byUser.delete(connection.userId);
      for (const listener of this.lastGoneListeners) listener(connection);
    }
  }

  /** Called for every new connection (after authentication). */
  onConnect(listener: Listener): void {
    this.connectListeners.push(listener);
  }

  /** Called when a user's last connection is gone. */
  onLastConnectionGone(listener: Listener): void {
    this.lastGoneListeners.push(listener);
  }

  get(connectionId: string): RealtimeConnection | undefined {
    return this.byId.get(connectionId);
  }

  isOnline(userId: string): boolean {
    return (this.byUser.get(userId)?.size ?? 0) > 0;
  }

  /** Every user with a live connection on this instance. */
  connectedUserIds(): string[] {
    return [...this.byUser.keys()];
  }

  connectionsOf(userId: string): RealtimeConnection[] {
    return [...(this.byUser.get(userId)?.values() ?? [])];
  }

  sendToUsers(userIds: Iterable<string>, notice: RealtimeNotice, exceptConnectionId?: string): void {
    for (const userId of new Set(userIds)) {
      for (const connection of this.connectionsOf(userId)) {
        if (connection.id !== exceptConnectionId) connection.deliver(notice);
      }
    }
  }

  sendToConnection(connectionId: string, notice: RealtimeNotice): boolean {
    const connection = this.byId.get(connectionId);
    connection?.deliver(notice);
    return connection !== undefined;
  }
}
