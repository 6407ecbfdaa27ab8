/** An opaque page cursor for lists ordered by (time, id), newest first. */
export interface TimeCursor {
  at: Date;
  id: string;
}

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

/** Undefined when the cursor is not one this server issued. */
export function decodeCursor(cursor: string): TimeCursor | undefined {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const at = new Date(iso);
  return id && !Number.isNaN(at.getTime()) ? { at, id } : undefined;
}
