import { Transform } from 'class-transformer';
import { IsObject, IsOptional, IsString, Length } from 'class-validator';
import { toIdString } from '../../common/id';

/** `webrtc_offer`, `webrtc_answer`, `webrtc_ice_candidate`, `webrtc_hangup` (the InstantMentor app). */
export class AppSignalDto {
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  callId: string;

  @IsObject({ message: 'payload must be an object (an SDP description or an ICE candidate)' })
  payload: Record<string, unknown>;

  @IsOptional()
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  targetUserId?: string;
}

/** `join_session` / `leave_session`: a call or conversation of the sender's. */
export class SessionDto {
  @IsString()
  @Length(1, 128)
  sessionId: string;
}
