/** The signaling messages relayed between the parties of a call; only the InstantMentor app has words for a hang-up. */
export type SignalKind = 'offer' | 'answer' | 'ice' | 'hangup';

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
