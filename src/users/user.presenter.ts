import type { User } from '../generated/prisma/client';
import type { PublicProfile, SelfView } from '@call-signaling/client';

export type { PublicProfile, SelfView };

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

/** What a public profile is made from. */
export type ProfileUser = Pick<User, 'id' | 'displayName' | 'avatarUrl' | 'role'>;

export function toPublicProfile(user: ProfileUser): PublicProfile {
  return { id: user.id, displayName: user.displayName, avatarUrl: user.avatarUrl, role: user.role };
}
