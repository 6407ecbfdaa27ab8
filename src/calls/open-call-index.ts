import { Inject, Injectable } from '@nestjs/common';
import { SHARED_STATE, SharedState } from '../cluster/shared-state';
import type { AtOnce } from '../common/at-once';
import type { CallStatus } from '../generated/prisma/client';
import { partyIdsOf, type CallView } from './call.presenter';
import { isOpen } from './call-state';
import { CallsRepository } from './calls.repository';

/** Who may signal whom: a user's open call, its two parties and its status (CALLING or ACTIVE). */
export interface OpenCallParties {
  callId: string;
  hostUserId: string;
  recipientUserId: string | null;
  status: CallStatus;
}

/** Written on every move, so it lives as long as any call may; refreshed from the database after. */
const MOVED_TTL_MS = 24 * 3_600_000;
/**
 * A closed call's entry says "none" this long: past any write of an earlier move delayed behind
 * a retry (which it then refuses), then the next read asks the database.
 */
const CLOSED_TTL_MS = 60_000;
/** Moves in order within a call: a later one's entry replaces an earlier one's, never the reverse (one of the same rank does: a room link's call gets its guest while ringing). */
const RANK = { CALLING: 1, ACTIVE: 2, closed: 3 } as const;
/**
 * Filled from the database on a miss ("none" too, as JSON null). Short: a fill that read the
 * database just before the call closed could otherwise outlive the close; this bounds how long.
 */
const FILLED_TTL_MS = 10_000;
const keyOf = (userId: string) => `open-call:${userId}`;

/**
 * Each user's open call, in the shared state, so that the signaling relay (every offer, answer
 * and ICE candidate) is authorized without a database round trip. The database stays the truth:
 * the call core's moves write the index after they commit, and a miss reads the database.
 */
@Injectable()
export class OpenCallIndex {
  /** The last entry read per user, parsed: the relay asks for the same one with every message. */
  private readonly parsed = new Map<string, { json: string; parties: OpenCallParties | null }>();

  constructor(
    @Inject(SHARED_STATE) private readonly state: SharedState,
    private readonly repository: CallsRepository,
  ) {}

  async of(userId: string): Promise<OpenCallParties | null> {
    const json = await this.state.get(keyOf(userId));
    if (json) return this.parse(userId, json);
    this.parsed.delete(userId);
    const call = await this.repository.findOpenCallPartiesOf(userId);
    const parties: OpenCallParties | null = call && {
      callId: call.id,
      hostUserId: call.hostUserId,
      recipientUserId: call.recipientUserId,
      status: call.status,
    };
    // Only if absent: an entry a move wrote meanwhile is newer than what was read here.
    await this.state.setExpiring(keyOf(userId), JSON.stringify(parties), FILLED_TTL_MS, true);
    return parties;
  }

  /** As `of`, from an in-process state only. */
  ofAtOnce(userId: string): AtOnce<OpenCallParties> {
    const json = this.state.local?.get(keyOf(userId));
    return json === undefined ? undefined : this.parse(userId, json);
  }

  /** When the entry ofAtOnce reads lapses (Date.now() time); undefined when there is none here. */
  lapsesAtOnce(userId: string): number | undefined {
    return this.state.local?.lapsesAt(keyOf(userId));
  }

  private parse(userId: string, json: string): OpenCallParties | null {
    const last = this.parsed.get(userId);
    if (last?.json === json) return last.parties;
    const entry = JSON.parse(json) as (OpenCallParties & { closed?: true }) | null;
    const parties: OpenCallParties | null =
      entry && !entry.closed
        ? { callId: entry.callId, hostUserId: entry.hostUserId, recipientUserId: entry.recipientUserId, status: entry.status }
        : null;
    // Calls that end on another instance leave entries here until their users relay again: bounded.
    if (this.parsed.size >= 10_000) this.parsed.clear();
    this.parsed.set(userId, { json, parties });
    return parties;
  }

  /**
   * A call was created or moved: its parties' entries follow it. Each entry carries its version (the
   * call, the move's rank): a write delayed behind a retry (a Redis failover) that lands after a
   * later move of the call changes nothing, and one that lands on another call's entry deletes it
   * (the next read asks the database).
   */
  async moved(call: CallView): Promise<void> {
    const userIds = partyIdsOf(call);
    for (const userId of userIds) this.parsed.delete(userId);
    const open = isOpen(call.status);
    const version = [call.id, open ? RANK[call.status as keyof typeof RANK] : RANK.closed] as const;
    const parties: OpenCallParties = {
      callId: call.id,
      hostUserId: call.hostUserId,
      recipientUserId: call.recipientUserId,
      status: call.status,
    };
    const entry = JSON.stringify(open ? { ...parties, version } : { closed: true, version });
    const ttl = open ? MOVED_TTL_MS : CLOSED_TTL_MS;
    await Promise.all(userIds.map((userId) => this.state.setExpiringVersion(keyOf(userId), entry, version, ttl)));
  }
}
