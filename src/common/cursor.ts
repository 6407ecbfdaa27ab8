import { AppError } from './errors';

/** An opaque page cursor for lists ordered by (time, id), newest first. */
export interface TimeCursor {
  at: Date;
  id: string;
}

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

/** A time as `toISOString` writes it for years 1–9999 (checked below), which every database here can store. */
const ISSUED_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Undefined when the cursor is not one this server issued (a crafted one must not reach the database). */
export function decodeCursor(cursor: string): TimeCursor | undefined {
  const [iso, id, ...rest] = Buffer.from(cursor, 'base64url').toString().split('|');
  const at = new Date(iso);
  const issued = ISSUED_TIME.test(iso) && at.getUTCFullYear() >= 1 && id && !id.includes('\0') && rest.length === 0;
  return issued ? { at, id } : undefined;
}

/** The cursor a list request passed, read; `validation_failed` when it is not one this server issued. */
export function cursorAfter(cursor: string | undefined): TimeCursor | undefined {
  if (cursor === undefined) return undefined;
  const after = decodeCursor(cursor);
  if (!after) throw new AppError('validation_failed', 'Invalid cursor', { cursor: ['cursor is not one this server issued'] });
  return after;
}

/** A Prisma filter for the rows after `after` in a newest-first list ordered by (`field`, id). */
export function olderThan<Field extends string>(after: TimeCursor | undefined, field: Field) {
  return after ? { OR: [{ [field]: { lt: after.at } }, { [field]: after.at, id: { lt: after.id } }] } : {};
}

/** The first `limit` of `rows` (read one more than a page), and the cursor of the next page if there is one. */
export function pageOf<Row extends { id: string }>(
  rows: Row[],
  limit: number,
  timeOf: (row: Row) => Date,
): { items: Row[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(timeOf(last), last.id) : null };
}
