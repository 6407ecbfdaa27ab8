import { Transform } from 'class-transformer';
import { IsDefined, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { toIdString } from '../../common/id';
import { declareFastShape } from '../../common/validation';
import { LimitSeconds } from '../../calls/dto/max-duration';

class ToDto {
  @Transform(toIdString)
  @IsString({ message: 'to must be a user id (string or integer)' })
  @Length(1, 128)
  to: string;

  @IsOptional()
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  callId?: string;
}

export class WebrtcCallDto extends ToDto {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  room_name?: string;

  /** (ext) The call's length limit once answered, in seconds. */
  @LimitSeconds()
  maxDurationS?: number;
}

export class WebrtcSdpDto extends ToDto {
  @IsDefined()
  sdp: unknown;
}

export class WebrtcIceDto extends ToDto {
  @IsDefined()
  candidate: unknown;
}

export class WebrtcEndDto extends ToDto {}

/** (ext) `webrtc:restart`: asks `to` for an ICE restart. */
export class WebrtcRestartDto extends ToDto {}

declareFastShape(WebrtcSdpDto, { to: 'id', callId: 'optional id', sdp: 'payload' });
declareFastShape(WebrtcIceDto, { to: 'id', callId: 'optional id', candidate: 'payload' });
