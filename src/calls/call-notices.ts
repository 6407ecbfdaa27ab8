import type { CallView } from './call.presenter';

export type MissedReason = 'timeout' | 'offline';

/**
 * What the core tells the parties of a call, in no dialect's words. Delivery sends each notice
 * to every connection of `to` (except `exceptConnectionId`), and each adapter renders it.
 */
export type CallNotice =
  | { type: 'ringing'; call: CallView }
  | { type: 'accepted'; call: CallView; byUserId: string }
  | { type: 'declined'; call: CallView; byUserId: string; reason?: string }
  | { type: 'cancelled'; call: CallView; byUserId: string | null }
  | { type: 'missed'; call: CallView; reason: MissedReason }
  | { type: 'ended'; call: CallView; byUserId: string | null; reason: string };

export interface Addressed<T> {
  to: string[];
  exceptConnectionId?: string;
  notice: T;
}
