import type { Destinations } from '../cluster/cluster-bus';
import type { SharedState } from '../cluster/shared-state';
import { BOOKS_SINCE, connectionInstances, userConnections } from './connection-books';

/**
 * After the books start over, they may lack connections for this long: every instance books its
 * own again at its next heartbeat (each second), which takes a moment with many connections.
 */
export const BOOKS_REBUILD_MS = 3_000;
/** Connections whose instance is remembered (a connection never moves); the oldest are forgotten first. */
const REMEMBERED_CONNECTIONS = 10_000;

/** What a delivery is addressed to, as routing sees it. */
export type Addressee = { to: 'users'; userIds: readonly string[] } | { to: 'connection'; connectionId: string } | { to: 'watchers' };

/**
 * Which instances a delivery must reach: those the books show holding its connections. Watchers
 * are known only to their own instance, so what goes to watchers goes to every instance. While
 * the books are being rebuilt, a user or connection they do not show may be on any instance, and
 * the delivery goes to every one rather than be lost.
 */
export class DeliveryRoutes {
  private readonly instanceOf = new Map<string, string>();

  constructor(private readonly state: SharedState) {}

  of(addressee: Addressee): Destinations | Promise<Destinations> {
    switch (addressee.to) {
      case 'watchers':
        return 'everyone';
      case 'connection': {
        const known = this.instanceOf.get(addressee.connectionId);
        return known ? [known] : this.ofConnection(addressee.connectionId);
      }
      case 'users':
        return this.ofUsers(addressee.userIds);
    }
  }

  private async ofConnection(connectionId: string): Promise<Destinations> {
    const [instanceId, complete] = await Promise.all([
      this.state.hGet(connectionInstances(connectionId), connectionId),
      this.booksComplete(),
    ]);
    if (!instanceId) return complete ? [] : 'everyone';
    if (this.instanceOf.size >= REMEMBERED_CONNECTIONS) this.instanceOf.delete(this.instanceOf.keys().next().value!);
    this.instanceOf.set(connectionId, instanceId);
    return [instanceId];
  }

  private async ofUsers(userIds: readonly string[]): Promise<Destinations> {
    const [perUser, complete] = await Promise.all([
      Promise.all(userIds.map((userId) => this.state.hVals(userConnections(userId)))),
      this.booksComplete(),
    ]);
    if (!complete && perUser.some((instances) => instances.length === 0)) return 'everyone';
    return [...new Set(perUser.flat())];
  }

  private async booksComplete(): Promise<boolean> {
    const since = Number(await this.state.get(BOOKS_SINCE));
    return since > 0 && Date.now() - since >= BOOKS_REBUILD_MS;
  }
}
