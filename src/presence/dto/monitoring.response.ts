import { ApiProperty } from '@nestjs/swagger';
import type { MentorStatusUpdateEvent, UserRole } from '@call-signaling/client';

const ROLES: readonly UserRole[] = ['student', 'mentor', 'tutor', 'admin'];

/** GET /api/status: what a dashboard shows of the whole deployment. */
export class ServerStatusResponse {
  @ApiProperty({ enum: ['online'] })
  status: 'online';

  @ApiProperty({ type: Number, description: 'Users with at least one live connection, on every instance' })
  connectedUsers: number;

  @ApiProperty({ type: Number, description: 'Calls ringing or in progress' })
  activeCalls: number;

  @ApiProperty({ type: Number, description: 'Mentors and tutors online and available' })
  availableMentors: number;

  @ApiProperty({ type: Number, description: "This instance's uptime in seconds" })
  uptime: number;

  @ApiProperty({ type: String, format: 'date-time' })
  timestamp: string;
}

/** GET /api/users: a user online now. */
export class ConnectedUserResponse {
  @ApiProperty({ type: String })
  userId: string;

  @ApiProperty({ enum: ROLES, enumName: 'UserRole' })
  userRole: UserRole;

  @ApiProperty({ type: String })
  displayName: string;
}

/** GET /api/mentors: a mentor's or tutor's status, as the InstantMentor app hears it in `mentor_status_update`. */
export class MentorStatusUpdateResponse implements MentorStatusUpdateEvent {
  @ApiProperty({ type: String })
  mentorId: string;

  @ApiProperty({ type: Boolean })
  isAvailable: boolean;

  @ApiProperty({ type: String, nullable: true })
  statusMessage: string | null;

  @ApiProperty({ type: String, format: 'date-time', description: "When the mentor's status or profile last changed" })
  updatedAt: string;
}
