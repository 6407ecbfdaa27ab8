import { Prisma } from '../generated/prisma/client';

/** A unique constraint refused the write: how the schema's "only one" rules report themselves. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}
