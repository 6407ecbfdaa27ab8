/**
 * A signal is routed within this long of its arrival or refused with `unavailable` (what it waits
 * for, the shared state, is unreachable): an offer or candidate relayed later than that would be
 * stale, and its sender can send it again. The cluster bus drops signals older than this too.
 */
export const SIGNAL_DEADLINE_MS = 2_000;

/**
 * The signaling messages relayed between the parties of a call; only the InstantMentor app has
 * words for a hang-up. `restart` (ext) asks the other side for an ICE restart (a new offer with
 * fresh ICE credentials), after a network change.
 */
export type SignalKind = 'offer' | 'answer' | 'ice' | 'hangup' | 'restart';

/**
 * Whom a signal is for: one connection (the calls dialect names its peer's socket), or a user,
 * optionally in a named call (the other dialects address peers by user id).
 */
export type SignalTarget = { connectionId: string } | { userId: string; callId?: string };

export interface Signal {
  kind: SignalKind;
  payload: unknown;
  to: SignalTarget;
}

export const sameTarget = (a: SignalTarget, b: SignalTarget): boolean =>
  'connectionId' in a
    ? 'connectionId' in b && a.connectionId === b.connectionId
    : 'userId' in b && a.userId === b.userId && a.callId === b.callId;
