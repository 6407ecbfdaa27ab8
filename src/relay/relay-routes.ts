import type { LocalReads } from '../cluster/shared-state';
import type { OpenCallParties } from '../calls/open-call-index';
import { sameTarget, type SignalTarget } from './signal';

/** Where a sender's signals to one target go: the call that allows them, and the destination. */
export interface RelayRoute {
  call: OpenCallParties;
  to: { connectionId: string } | { userId: string };
}

interface KeptRoute extends RelayRoute {
  target: SignalTarget;
  writes: number;
  lapsesAt: number;
}

/**
 * The last route each sending connection relayed along, kept while the in-process state it was
 * read from is unchanged: no write since, and the open-call entry it rests on not lapsed. A run
 * of ICE candidates to the same peer then skips the half-dozen lookups that found the route.
 */
export class RelayRoutes {
  private readonly kept = new Map<string, KeptRoute>();

  constructor(
    private readonly local: LocalReads,
    private readonly now: () => number = Date.now,
  ) {}

  /** The sender's last route, if it was to this target and nothing it was read from has changed. */
  recall(senderConnectionId: string, target: SignalTarget): RelayRoute | undefined {
    const kept = this.kept.get(senderConnectionId);
    if (!kept || !sameTarget(kept.target, target)) return undefined;
    return kept.writes === this.local.writes() && this.now() < kept.lapsesAt ? kept : undefined;
  }

  /**
   * Keeps a route read from the local state in this same synchronous turn (so no write came in
   * between), until `lapsesAt` at the latest.
   */
  keep(senderConnectionId: string, target: SignalTarget, route: RelayRoute, lapsesAt: number): void {
    this.kept.set(senderConnectionId, { ...route, target, writes: this.local.writes(), lapsesAt });
  }

  forget(senderConnectionId: string): void {
    this.kept.delete(senderConnectionId);
  }
}
