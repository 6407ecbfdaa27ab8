import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
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

export class StatusMessageDto {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  status_message?: string;
}

export class HelpRequestDto {
  @IsString()
  @Length(1, 200)
  topic: string;

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
