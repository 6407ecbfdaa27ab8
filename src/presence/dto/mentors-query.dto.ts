import { IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';

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
