import { Prisma } from '../generated/prisma/client';
import type { Call } from '../generated/prisma/client';
import type { CallWithParties, Party } from './call.presenter';

/** A row of a raw statement, its keys Prisma's field names; "p.x" is field x of the joined user p. */
export type RawRow = Record<string, unknown>;

const PARTY_COLUMNS: Record<keyof Party, string> = {
  id: 'id',
  displayName: 'display_name',
  avatarUrl: 'avatar_url',
  role: 'role::text',
  mentorStatus: 'mentor_status::text',
  statusMessage: 'status_message',
};

/** The select list of a user joined as `alias`, named "prefix.field". */
export function partyColumns(alias: string, prefix: string): string {
  return Object.entries(PARTY_COLUMNS)
    .map(([field, column]) => `${alias}.${column} AS "${prefix}.${field}"`)
    .join(', ');
}

/** The user a row carries under `prefix`, or null when the join found none. */
export function partyOf(row: RawRow, prefix: string): Party | null {
  const party = Object.fromEntries(Object.keys(PARTY_COLUMNS).map((field) => [field, row[`${prefix}.${field}`]])) as unknown as Party;
  return party.id ? party : null;
}

const CALL_COLUMNS: Record<keyof Call, string> = {
  id: 'c.id',
  hostUserId: 'c.host_user_id',
  recipientUserId: 'c.recipient_user_id',
  status: 'c.status::text',
  title: 'c.title',
  isPrivate: 'c.is_private',
  hasVideo: 'c.has_video',
  roomName: 'c.room_name',
  callerDisplay: 'c.caller_display',
  startedAt: 'c.started_at',
  endedAt: 'c.ended_at',
  endReason: 'c.end_reason::text',
  maxDurationS: 'c.max_duration_s',
  createdAt: 'c.created_at',
  updatedAt: 'c.updated_at',
};

/** The select list of a call `c` with its parties (JOIN_PARTIES), for raw statements that return one. */
export const CALL_WITH_PARTIES = Prisma.raw(
  [
    ...Object.entries(CALL_COLUMNS).map(([field, column]) => `${column} AS "${field}"`),
    partyColumns('h', 'host'),
    partyColumns('r', 'recipient'),
  ].join(', '),
);
export const JOIN_PARTIES = Prisma.raw('JOIN users h ON h.id = c.host_user_id LEFT JOIN users r ON r.id = c.recipient_user_id');
export type CallRow = RawRow;

export function fromCallRow(row: CallRow): CallWithParties {
  const call = Object.fromEntries(Object.keys(CALL_COLUMNS).map((field) => [field, row[field]])) as unknown as Call;
  return { ...call, host: partyOf(row, 'host')!, recipient: partyOf(row, 'recipient') };
}
