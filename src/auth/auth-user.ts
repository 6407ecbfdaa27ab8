import type { User } from '../generated/prisma/client';

/** The signed-in user attached to an HTTP request or a realtime connection. */
export type AuthUser = User;
