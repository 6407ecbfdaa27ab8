import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length, MaxLength, ValidateIf } from 'class-validator';
import { toIdString } from '../../common/id';
import { MENTOR_AVAILABILITY, MENTOR_ROLES } from './presence.response';

export class MentorsQueryDto {
  @ApiPropertyOptional({ enum: MENTOR_AVAILABILITY, enumName: 'MentorAvailability', description: 'Only mentors in this state' })
  @IsOptional()
  @IsIn(['available', 'busy', 'offline'])
  status?: 'available' | 'busy' | 'offline';

  @ApiPropertyOptional({ enum: MENTOR_ROLES, enumName: 'MentorRole', description: 'Only mentors, or only tutors' })
  @IsOptional()
  @IsIn(['mentor', 'tutor'])
  role?: 'mentor' | 'tutor';
}

/** `status_message`, or `statusMessage` in the InstantMentor app's words. */
export class StatusMessageDto {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  status_message?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  statusMessage?: string;
}

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
  @IsIn(['low', 'medium', 'high'])
  urgency?: 'low' | 'medium' | 'high';

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
