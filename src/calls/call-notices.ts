import type { CallStatus } from '../generated/prisma/client';
import type { CallView, Party } from './call.presenter';

export type MissedReason = 'timeout' | 'offline';

/**
 * What the core tells the parties of a call, in no dialect's words. Delivery sends each notice
 * to every connection of `to` (except `exceptConnectionId`), and each adapter renders it.
 */
export type CallNotice =
  | { type: 'ringing'; call: CallView }
  /** `elsewhere`: to the accepting user's other connections, which stop ringing. */
  | { type: 'accepted'; call: CallView; byUserId: string; elsewhere?: boolean }
  | { type: 'declined'; call: CallView; byUserId: string; reason?: string }
  | { type: 'cancelled'; call: CallView; byUserId: string | null }
  | { type: 'missed'; call: CallView; reason: MissedReason }
  | { type: 'ended'; call: CallView; byUserId: string | null; reason: string }
  /** (ext) To a connection that arrives while its user places or is in the call: an app reloaded mid-call can rejoin. */
  | { type: 'current-call'; call: CallView };

/** A state move as listeners see it; `from: null` is the call's creation (CALLING, or MISSED at once). */
export interface CallMove {
  from: CallStatus | null;
  to: CallStatus;
  actorUserId: string | null;
  reason: string | null;
  /** The parties as the move read them, with what mentors chose as their status. */
  parties: Party[];
}
