import { ApiProperty } from '@nestjs/swagger';
import type {
  HelpQueuePlace,
  HelpRequestRecord,
  HelpRequestStatus,
  HelpRequestView,
  HelpStage,
  HelpUrgency,
  UserRole,
} from '@call-signaling/client';
import { dateTime } from '../../common/dto/date-time.property';

export const HELP_REQUEST_STATUSES: readonly HelpRequestStatus[] = ['waiting', 'accepted', 'fulfilled', 'cancelled', 'expired'];

/** A student's help request, as the platform's webhook has it. */
export class HelpRequestRecordResponse implements HelpRequestRecord {
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

  @ApiProperty({ type: String, nullable: true, description: 'The one mentor or tutor asked; null when it waits in the queue for any' })
  mentorId: string | null;

  @ApiProperty({ enum: ['low', 'medium', 'high'] })
  urgency: HelpUrgency;

  @ApiProperty({
    enum: HELP_REQUEST_STATUSES,
    enumName: 'HelpRequestStatus',
    description: '`waiting` in its queue; `accepted`: reserved by a mentor until `reservedUntil`; `fulfilled`: their call was answered',
  })
  status: HelpRequestStatus;

  @ApiProperty({
    enum: ['matched', 'everyone'],
    enumName: 'HelpStage',
    description:
      '(ext) Offered to the mentors whose subjects match its topic, then (after HELP_ESCALATE_AFTER_MS) to every available one of its type',
  })
  stage: HelpStage;

  @ApiProperty({ type: String, nullable: true, description: 'The mentor or tutor who accepted it' })
  acceptedBy: string | null;

  @ApiProperty(
    dateTime('(ext) The accepting mentor calls the student before this, or the request goes back to the head of its queue', true),
  )
  reservedUntil: string | null;

  @ApiProperty({ type: String, nullable: true, description: '(ext) The call that fulfilled it' })
  callId: string | null;

  @ApiProperty(dateTime('When it was asked'))
  createdAt: string;

  @ApiProperty(dateTime('When it expires unanswered'))
  expiresAt: string;
}

/** (ext) Where a waiting request stands in its queue. */
export class HelpQueuePlaceResponse implements HelpQueuePlace {
  @ApiProperty({ type: 'integer', minimum: 1, description: '1 is next' })
  position: number;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'How many wait in the queue' })
  waiting: number;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      'A rough wait: the position times the median time to accept of the queue (else of all queues) over the past hour; null with no accept in it',
  })
  estimatedWaitMs: number | null;
}

/** A student's request for help. */
export class HelpRequestResponse extends HelpRequestRecordResponse implements HelpRequestView {
  @ApiProperty({
    type: () => HelpQueuePlaceResponse,
    nullable: true,
    description: '(ext) While it waits in its queue; null otherwise, and for a request sent to one mentor',
  })
  queue: HelpQueuePlaceResponse | null;
}

/** What leaving a message did. */
export class HelpMessageResponse {
  @ApiProperty({ type: () => HelpRequestResponse })
  request: HelpRequestResponse;

  @ApiProperty({ type: 'integer', description: 'How many mentors the message went to' })
  mentors: number;
}
