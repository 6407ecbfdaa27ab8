import { ApiProperty } from '@nestjs/swagger';
import type { ErrorBodyShape } from '../../common/api-errors.decorator';
import { ERROR_CODE_SCHEMA } from '../../common/dto/error.response';
import type { ErrorCode } from '../../common/errors';
import { CallStatus } from '../../generated/prisma/enums';
import type { toVideoCall } from '../video-call.presenter';

/** The webrtc dialect's call object: snake_case, the core's status lower-cased. */
export class VideoCallResponse implements ReturnType<typeof toVideoCall> {
  @ApiProperty({ type: String })
  id: string;

  @ApiProperty({ type: String, description: 'Who created the room link' })
  host_id: string;

  @ApiProperty({ type: String, nullable: true, description: 'Null until someone joins' })
  guest_id: string | null;

  @ApiProperty({ enum: Object.values(CallStatus).map((status) => status.toLowerCase()), enumName: 'VideoCallStatus' })
  status: string;

  @ApiProperty({ type: String, nullable: true })
  room_name: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  started_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  ended_at: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at: string;
}

/** `{success: true, data}`: every successful /api/video answer. */
export class VideoCallEnvelope {
  @ApiProperty({ type: Boolean, enum: [true] })
  success: true;

  @ApiProperty({ type: () => VideoCallResponse })
  data: VideoCallResponse;
}

export class VideoError {
  @ApiProperty(ERROR_CODE_SCHEMA)
  code: ErrorCode;

  @ApiProperty({ type: String })
  message: string;
}

/** `{success: false, error: {code, message}}`: every /api/video failure, with the catalogue's HTTP status. */
export class VideoErrorEnvelope {
  @ApiProperty({ type: Boolean, enum: [false] })
  success: false;

  @ApiProperty({ type: () => VideoError })
  error: VideoError;
}

export const VIDEO_ERROR_BODY: ErrorBodyShape = {
  type: VideoErrorEnvelope,
  example: (code, message) => ({ success: false, error: { code, message } }),
};
