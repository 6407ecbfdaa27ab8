import { ApiProperty } from '@nestjs/swagger';
import { CallIdDto } from './call-id.dto';
import { LimitSeconds, MAX_CALL_LIMIT_S } from './max-duration';
import { dateTime } from '../../common/dto/date-time.property';
import type { ExtensionRequestView } from '@call-signaling/client';

/** POST /calls/:id/extension: more time for a call with a limit (ext). */
export class ExtensionRequestDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_CALL_LIMIT_S, description: 'Seconds asked for' })
  @LimitSeconds({ optional: false })
  extraS: number;
}

/** The calls dialect's `requestExtension {callId, extraS}`. */
export class ExtensionRequestMessageDto extends CallIdDto {
  @LimitSeconds({ optional: false })
  extraS: number;
}

export class ExtensionRequestResponse implements ExtensionRequestView {
  @ApiProperty()
  callId: string;

  @ApiProperty({ description: 'The party who asked' })
  byUserId: string;

  @ApiProperty({ type: 'integer', description: 'Seconds asked for' })
  extraS: number;

  @ApiProperty(dateTime('When the request lapses unanswered (60 s after it was asked)'))
  expiresAt: string;
}
