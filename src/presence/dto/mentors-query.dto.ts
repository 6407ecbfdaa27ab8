import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export class MentorsQueryDto {
  @IsOptional()
  @IsIn(['available', 'busy', 'offline'])
  status?: 'available' | 'busy' | 'offline';

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
