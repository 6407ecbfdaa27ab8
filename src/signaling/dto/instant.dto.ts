import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { toIdString } from '../../common/id';

export class InitiateCallDto {
  @Transform(toIdString)
  @IsString({ message: 'to_user_id must be a user id (string or integer)' })
  @Length(1, 128)
  to_user_id: string;

  @IsIn(['video', 'audio'], { message: 'call_type must be video or audio' })
  call_type: 'video' | 'audio';
}

export class CallIdMessageDto {
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  call_id: string;
}

export class RejectCallDto extends CallIdMessageDto {
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
