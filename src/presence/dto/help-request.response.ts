import { ApiProperty } from '@nestjs/swagger';
import type { HelpRequestStatus, HelpRequestView, HelpUrgency, UserRole } from '@call-signaling/client';
import { dateTime } from '../../common/dto/date-time.property';

export const HELP_REQUEST_STATUSES: readonly HelpRequestStatus[] = ['open', 'accepted', 'cancelled', 'expired'];

/** A student's request for help. */
export class HelpRequestResponse implements HelpRequestView {
  @ApiProperty()
  id: string;

  @ApiProperty()
  studentId: string;

  @ApiProperty()
  topic: string;

  @ApiProperty({ type: String, nullable: true })
  message: string | null;

  @ApiProperty({ enum: ['mentor', 'tutor'], nullable: true, description: 'Who may take it; null for both' })
  targetType: UserRole | null;

  @ApiProperty({ type: String, nullable: true, description: 'The one mentor or tutor asked; null when offered to every available one' })
  mentorId: string | null;

  @ApiProperty({ enum: ['low', 'medium', 'high'] })
  urgency: HelpUrgency;

  @ApiProperty({ enum: HELP_REQUEST_STATUSES, enumName: 'HelpRequestStatus' })
  status: HelpRequestStatus;

  @ApiProperty({ type: String, nullable: true, description: 'The mentor or tutor who took it' })
  acceptedBy: string | null;

  @ApiProperty(dateTime('When it was asked'))
  createdAt: string;

  @ApiProperty(dateTime('When it expires unanswered'))
  expiresAt: string;
}
