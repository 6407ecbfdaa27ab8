import { Prisma } from '../generated/prisma/client';

/** A unique constraint refused the write: how the schema's "only one" rules report themselves. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

export function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003';
}

/**
 * The SQLSTATE and constraint of a failed raw statement: the driver's own error (PrismaService.rows),
 * or Prisma's P2010 for $queryRaw, which carries the database's code and message.
 */
export function rawQueryViolation(error: unknown): { sqlState: string; constraint: string | null } | null {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    const sqlState = error.code === 'P2010' ? /Code: `(\w+)`/.exec(error.message)?.[1] : undefined;
    return sqlState ? { sqlState, constraint: /constraint "([^"]+)"/.exec(error.message)?.[1] ?? null } : null;
  }
  const driverError = error as { code?: unknown; constraint?: unknown } | null;
  if (typeof driverError?.code !== 'string' || !/^[0-9A-Z]{5}$/.test(driverError.code)) return null;
  return { sqlState: driverError.code, constraint: typeof driverError.constraint === 'string' ? driverError.constraint : null };
}

/** Prisma's codes for "cannot reach / lost the database / no connection free in time". */
const UNREACHABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** PostgreSQL's connection-class and shutdown SQLSTATEs, and the socket errors of a vanished server. */
const UNREACHABLE_CODES = new Set([
  '08000',
  '08001',
  '08003',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);
const UNREACHABLE_MESSAGE =
  /Connection terminated|connection (?:is )?closed|Can't reach database server|ECONNREFUSED|terminating connection/i;

/** The error says the database is down or unreachable (as opposed to a bug or a bad query). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (
    let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 6;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.code === 'string' && (UNREACHABLE_PRISMA_CODES.has(e.code) || UNREACHABLE_CODES.has(e.code))) return true;
    if (typeof e.message === 'string' && UNREACHABLE_MESSAGE.test(e.message)) return true;
    const kind = (e as { kind?: unknown }).kind;
    if (typeof kind === 'string' && /NotReachable|ConnectionClosed|SocketTimeout|TooManyConnections/.test(kind)) return true;
  }
  return false;
}
