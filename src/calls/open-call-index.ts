import type { SharedState } from '../cluster/shared-state';
import type { CallView } from './call.presenter';
import { isOpen } from './call-state';
import type { CallsRepository } from './calls.repository';

/** Who may signal whom: a user's open call and its two parties. */
export interface OpenCallParties {
  callId: string;
  hostUserId: string;
  recipientUserId: string | null;
}

/** Written on every move, so it lives as long as any call may; refreshed from the database after. */
const MOVED_TTL_MS = 24 * 3_600_000;
/**
 * Filled from the database on a miss. Short: a fill that read the database just before the call
 * closed could otherwise outlive the close; this bounds how long.
 */
const FILLED_TTL_MS = 10_000;
const keyOf = (userId: string) => `open-call:${userId}`;

/**
 * Each user's open call, in the shared state, so that the signaling relay (every offer, answer
 * and ICE candidate) is authorized without a database round trip. The database stays the truth:
 * moves write the index after they commit, and a miss reads the database.
 */
export class OpenCallIndex {
  constructor(
    private readonly state: SharedState,
    private readonly repository: CallsRepository,
  ) {}

  async of(userId: string): Promise<OpenCallParties | null> {
    const cached = await this.state.get(keyOf(userId));
    if (cached) return JSON.parse(cached) as OpenCallParties;
    const call = await this.repository.findOpenCallPartiesOf(userId);
    if (!call) return null;
    const parties: OpenCallParties = { callId: call.id, hostUserId: call.hostUserId, recipientUserId: call.recipientUserId };
    await this.state.setExpiring(keyOf(userId), JSON.stringify(parties), FILLED_TTL_MS);
    return parties;
  }

  /** A call was created or moved: its parties' entries follow it. */
  async moved(call: CallView): Promise<void> {
    const userIds = [call.hostUserId, ...(call.recipientUserId ? [call.recipientUserId] : [])];
    if (!isOpen(call.status)) return this.state.del(...userIds.map(keyOf));
    const parties = JSON.stringify({ callId: call.id, hostUserId: call.hostUserId, recipientUserId: call.recipientUserId } satisfies OpenCallParties);
    await Promise.all(userIds.map((userId) => this.state.setExpiring(keyOf(userId), parties, MOVED_TTL_MS)));
  }
}
