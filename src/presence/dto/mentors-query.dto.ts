import { ApiPropertyOptional } from '@nestjs/swagger';
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
} from 'class-validator';
import { MAX_WATCHED_USERS } from '../../realtime/presence-interests';
import { MENTOR_ROLES } from '../../users/mentor-roles';
import { MENTOR_AVAILABILITY } from './presence.response';

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
