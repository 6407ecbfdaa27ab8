import type { CallStatus } from '../generated/prisma/client';

/** The only moves a call can make (CONTRACT.md §2). */
const MOVES: Record<CallStatus, readonly CallStatus[]> = {
  CALLING: ['ACTIVE', 'CANCELLED', 'DECLINED', 'MISSED'],
  ACTIVE: ['ENDED'],
  ENDED: [],
  CANCELLED: [],
  DECLINED: [],
  MISSED: [],
};

export const OPEN_STATUSES: readonly CallStatus[] = ['CALLING', 'ACTIVE'];

export function canMove(from: CallStatus, to: CallStatus): boolean {
  return MOVES[from].includes(to);
}

/** The statuses a call must be in for a move to `to` to be legal. */
export function sourcesOf(to: CallStatus): CallStatus[] {
  return (Object.keys(MOVES) as CallStatus[]).filter((from) => MOVES[from].includes(to));
}

export function isOpen(status: CallStatus): boolean {
  return OPEN_STATUSES.includes(status);
}
