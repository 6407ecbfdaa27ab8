import { Transform } from 'class-transformer';
import { IsObject, IsOptional, IsString, Length } from 'class-validator';
import { toIdString } from '../../common/id';

/** (ext) `webrtc_restart`: the call, and optionally its other party, as the app's signals name them. */
export class AppRestartDto {
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  callId: string;

  @IsOptional()
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  targetUserId?: string;
}

/** `webrtc_offer`, `webrtc_answer`, `webrtc_ice_candidate`, `webrtc_hangup` (the InstantMentor app). */
export class AppSignalDto extends AppRestartDto {
  @IsObject({ message: 'payload must be an object (an SDP description or an ICE candidate)' })
  payload: Record<string, unknown>;
}

/** `join_session` / `leave_session`: a call or conversation of the sender's. */
export class SessionDto {
  @IsString()
  @Length(1, 128)
  sessionId: string;
}
