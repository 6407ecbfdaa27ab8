import { Transform } from 'class-transformer';
import { IsBoolean, IsDefined, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { toIdString } from '../../common/id';
import { CallIdDto } from '../../calls/dto/call-id.dto';
import { declareFastShape } from '../../common/validation';

export class JoinCallDto extends CallIdDto {
  @IsOptional()
  @IsString()
  @MaxLength(100)
  userName?: string;

  @IsBoolean()
  hasVideo: boolean;

  @IsBoolean()
  hasAudio: boolean;
}

export class ToggleMediaDto extends CallIdDto {
  @IsBoolean()
  enabled: boolean;
}

class TargetDto {
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  targetSocketId: string;
}

export class SignalDto extends TargetDto {
  @IsDefined()
  signal: unknown;
}

/** (ext) `iceRestart`: asks the peer socket for an ICE restart. */
export class IceRestartDto extends TargetDto {}

export class IceCandidateDto extends TargetDto {
  @IsDefined()
  candidate: unknown;
}

// A call's moves come once or twice a call each, but every call has them.
declareFastShape(CallIdDto, { callId: 'id' });
declareFastShape(JoinCallDto, { callId: 'id', hasVideo: 'boolean', hasAudio: 'boolean' });
declareFastShape(SignalDto, { targetSocketId: 'id', signal: 'payload' });
declareFastShape(IceCandidateDto, { targetSocketId: 'id', candidate: 'payload' });
declareFastShape(IceRestartDto, { targetSocketId: 'id' });
