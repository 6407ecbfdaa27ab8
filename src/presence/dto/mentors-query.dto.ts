import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { MAX_WATCHED_USERS } from '../../realtime/presence-interests';
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

/** (ext) `presence_subscribe`: the mentor list to open, as `GET /presence/mentors` filters it, and which page of it to answer with. */
export class PresenceSubscribeDto extends MentorsQueryDto {
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** A previous answer's `nextCursor`. */
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,3}$/, { message: 'cursor must be a nextCursor this server gave' })
  cursor?: string;
}

/** (ext) `presence_watch`: users whose presence and status to hear of, whatever list is open. */
export class PresenceWatchDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_WATCHED_USERS)
  @IsString({ each: true })
  @Length(1, 128, { each: true })
  userIds: string[];
}
