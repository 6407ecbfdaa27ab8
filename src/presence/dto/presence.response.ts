import { ApiProperty } from '@nestjs/swagger';
import { UserRole } from '../../generated/prisma/enums';
import type { EffectiveMentorStatus } from '../../realtime/realtime-notice';
import type { MentorStatusView } from '../mentor-status.service';
import type { PresenceView } from '../presence.service';
import { MENTOR_ROLES } from '../../users/mentor-roles';

export const MENTOR_AVAILABILITY = ['available', 'busy', 'offline'] as const satisfies readonly EffectiveMentorStatus[];

export class PresenceResponse implements PresenceView {
  @ApiProperty({ type: String })
  userId: string;

  @ApiProperty({ enum: Object.values(UserRole), enumName: 'UserRole' })
  role: UserRole;

  @ApiProperty({ type: Boolean, description: 'Connected on any device, any dialect, any instance (within PRESENCE_GRACE_MS)' })
  online: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the user last went offline' })
  lastSeenAt: string | null;
}

/** A mentor's or tutor's availability: chosen, busy while in a call, offline while offline. */
export class MentorStatusResponse implements MentorStatusView {
  @ApiProperty({ type: String })
  mentorId: string;

  @ApiProperty({ type: String })
  displayName: string;

  @ApiProperty({ type: String, format: 'uri', nullable: true })
  avatarUrl: string | null;

  @ApiProperty({ enum: MENTOR_ROLES, enumName: 'MentorRole' })
  role: UserRole;

  @ApiProperty({ enum: MENTOR_AVAILABILITY, enumName: 'MentorAvailability' })
  status: EffectiveMentorStatus;

  @ApiProperty({ type: String, nullable: true })
  statusMessage: string | null;
}
