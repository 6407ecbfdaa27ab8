import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length, MaxLength, ValidateIf } from 'class-validator';
import type { HelpRequestStatus, HelpUrgency } from '@call-signaling/client';
import { toIdString } from '../../common/id';
import { HELP_REQUEST_STATUSES } from './help-request.response';

const URGENCIES: readonly HelpUrgency[] = ['low', 'medium', 'high'];

/** Section 8's `{topic, message?, target_type?}`, or the InstantMentor app's `{mentorId, subject, message?, urgency?}`. */
export class HelpRequestDto {
  @ValidateIf((dto: HelpRequestDto) => dto.subject === undefined)
  @IsString()
  @Length(1, 200)
  topic?: string;

  @ValidateIf((dto: HelpRequestDto) => dto.topic === undefined)
  @IsString()
  @Length(1, 200)
  subject?: string;

  /** `broadcast_to_mentors`, or the one mentor or tutor asked. */
  @IsOptional()
  @Transform(toIdString)
  @IsString({ message: 'mentorId must be broadcast_to_mentors or a user id' })
  @Length(1, 128)
  mentorId?: string;

  @IsOptional()
  @IsIn(URGENCIES)
  urgency?: HelpUrgency;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  message?: string;

  @IsOptional()
  @IsIn(['mentor', 'tutor'])
  target_type?: 'mentor' | 'tutor';
}

export class RequestIdDto {
  @IsString()
  @Length(1, 128)
  request_id: string;
}

/** What a student leaves for the queue's mentors after their request expired. */
export class HelpMessageDto {
  @ApiProperty({ minLength: 1, maxLength: 2000 })
  @IsString()
  @Length(1, 2000)
  text: string;
}

/** `leave_help_message`. */
export class LeaveHelpMessageDto extends HelpMessageDto {
  @IsString()
  @Length(1, 128)
  request_id: string;
}

/** POST /help-requests. */
export class CreateHelpRequestDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 200,
    description: 'What the student needs help with; requests of one topic (any case or spacing) queue together',
  })
  @IsString()
  @Length(1, 200)
  topic: string;

  @ApiPropertyOptional({ type: String, maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  message?: string;

  @ApiPropertyOptional({ enum: ['mentor', 'tutor'], description: 'Who may take it; both when absent' })
  @IsOptional()
  @IsIn(['mentor', 'tutor'])
  targetType?: 'mentor' | 'tutor';

  @ApiPropertyOptional({ type: String, description: 'The one mentor or tutor asked (whatever their status); then it waits in no queue' })
  @IsOptional()
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  mentorId?: string;

  @ApiPropertyOptional({ enum: URGENCIES, default: 'medium' })
  @IsOptional()
  @IsIn(URGENCIES)
  urgency?: HelpUrgency;
}

/** GET /help-requests. */
export class HelpRequestsQueryDto {
  @ApiPropertyOptional({
    enum: HELP_REQUEST_STATUSES,
    description:
      "A student's own requests in this status (all when absent); a mentor's or tutor's: `waiting` (the default) lists what they may take, head of each queue first, another status the requests they took",
  })
  @IsOptional()
  @IsIn(HELP_REQUEST_STATUSES)
  status?: HelpRequestStatus;
}
