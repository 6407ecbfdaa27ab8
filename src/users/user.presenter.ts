import type { User } from '../generated/prisma/client';

/** What a user sees of themself. */
export interface SelfView {
  id: string;
  email: string;
  displayName: string;
  avatarUrl: string | null;
  role: User['role'];
  createdAt: string;
}

/** What anyone signed in may see of another user. */
export interface PublicProfile {
  id: string;
  displayName: string;
  avatarUrl: string | null;
  role: User['role'];
}

export function toSelfView(user: User): SelfView {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    avatarUrl: user.avatarUrl,
    role: user.role,
    createdAt: user.createdAt.toISOString(),
  };
}

export function toPublicProfile(user: Pick<User, 'id' | 'displayName' | 'avatarUrl' | 'role'>): PublicProfile {
  return { id: user.id, displayName: user.displayName, avatarUrl: user.avatarUrl, role: user.role };
}
