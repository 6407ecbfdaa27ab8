import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length, MaxLength, ValidateIf } from 'class-validator';
import { toIdString } from '../../common/id';
import { LimitSeconds } from '../../calls/dto/max-duration';

/**
 * Each event takes section 8's fields or the InstantMentor app's (`receiverId`, `callId` ...), which
 * socket-io-dialects reads out of the app's payloads; whichever set is there is validated.
 */
export class InitiateCallDto {
  @ValidateIf((dto: InitiateCallDto) => dto.receiverId === undefined)
  @Transform(toIdString)
  @IsString({ message: 'to_user_id must be a user id (string or integer)' })
  @Length(1, 128)
  to_user_id?: string;

  @ValidateIf((dto: InitiateCallDto) => dto.receiverId === undefined)
  @IsIn(['video', 'audio'], { message: 'call_type must be video or audio' })
  call_type?: 'video' | 'audio';

  @ValidateIf((dto: InitiateCallDto) => dto.to_user_id === undefined)
  @Transform(toIdString)
  @IsString({ message: 'receiverId must be a user id (string or integer)' })
  @Length(1, 128)
  receiverId?: string;

  @IsOptional()
  @IsIn(['video', 'audio'], { message: 'callType must be video or audio' })
  callType?: 'video' | 'audio';

  /** Ignored: the callee hears the caller's name from the caller's profile. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  callerName?: string;

  /** (ext) The call's length limit once answered, in seconds (section 8's words). */
  @LimitSeconds()
  max_duration_s?: number;

  /** (ext) The same, in the InstantMentor app's words. */
  @LimitSeconds()
  maxDurationS?: number;
}

export class CallIdMessageDto {
  @ValidateIf((dto: CallIdMessageDto) => dto.callId === undefined)
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  call_id?: string;

  @ValidateIf((dto: CallIdMessageDto) => dto.call_id === undefined)
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  callId?: string;
}

/** `reject_call` and `end_call`; an ended call's reason is the server's (`hangup`), whatever the sender gave. */
export class CallClosingDto extends CallIdMessageDto {
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
