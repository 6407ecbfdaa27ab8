import type { UserRole } from '../generated/prisma/client';

/** Mentors and tutors: they have an availability status and subjects, and take help requests. */
export const MENTOR_ROLES = ['mentor', 'tutor'] as const satisfies readonly UserRole[];

export const isMentorRole = (role: UserRole): boolean => (MENTOR_ROLES as readonly UserRole[]).includes(role);
