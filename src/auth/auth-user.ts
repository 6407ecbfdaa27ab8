import type { User } from '../generated/prisma/client';

/** The signed-in user attached to an HTTP request or a realtime connection. */
export type AuthUser = User;

/** What a realtime connection keeps of its user: a whole row per idle connection would be much of its memory. */
export type ConnectionUser = Pick<AuthUser, 'id' | 'displayName' | 'role'>;

export function connectionUserOf({ id, displayName, role }: AuthUser): ConnectionUser {
  return { id, displayName, role };
}
