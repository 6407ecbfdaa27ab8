import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { toIdString } from '../../common/id';
import { LimitSeconds } from '../../calls/dto/max-duration';

export class InviteMessage {
  @Transform(toIdString)
  @IsString({ message: 'to_user_id must be an id (string or integer)' })
  @Length(1, 128)
  to_user_id: string;

  @IsIn(['mentor', 'tutor'], { message: 'target_type must be mentor or tutor' })
  target_type: 'mentor' | 'tutor';

  @Transform(toIdString)
  @IsString()
  @Length(1, 200)
  room_id: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  caller_display?: string;

  /** (ext) The call's length limit once answered, in seconds. */
  @LimitSeconds()
  max_duration_s?: number;
}

export class ResponseMessage {
  @Transform(toIdString)
  @IsString({ message: 'to_user_id must be an id (string or integer)' })
  @Length(1, 128)
  to_user_id: string;

  @Transform(toIdString)
  @IsString()
  @Length(1, 200)
  room_id: string;

  @IsBoolean()
  accept: boolean;
}
