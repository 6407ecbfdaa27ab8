import { ApiProperty } from '@nestjs/swagger';
import { MessageKind } from '../../generated/prisma/enums';
import { PublicProfileResponse } from '../../users/dto/user.response';
import type { CallOutcome, CallRecord, MessageView } from '../chat.presenter';
import type { ChatService } from '../chat.service';
import { AttachmentResponse } from './attachment.response';

const CALL_OUTCOMES = ['missed', 'declined', 'ended', 'cancelled'] as const satisfies readonly CallOutcome[];

/** What a `kind: "call"` message records. */
export class CallRecordResponse implements CallRecord {
  @ApiProperty({ type: String })
  callId: string;

  @ApiProperty({ enum: CALL_OUTCOMES, enumName: 'CallOutcome' })
  outcome: CallOutcome;

  @ApiProperty({ type: Boolean })
  hasVideo: boolean;

  @ApiProperty({ type: 'integer', nullable: true, description: 'For ended calls: seconds between answer and hang-up' })
  durationSeconds: number | null;
}

/** A stored message: the same object in REST, acknowledgements and `new_message`. */
export class MessageResponse implements MessageView {
  @ApiProperty({ type: String })
  id: string;

  @ApiProperty({ type: String })
  conversationId: string;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    description: '1, 2, 3 … within the conversation, in the order the server stored them, without gaps',
  })
  seq: number;

  @ApiProperty({ type: String })
  senderId: string;

  @ApiProperty({ type: () => PublicProfileResponse })
  sender: PublicProfileResponse;

  @ApiProperty({
    enum: Object.values(MessageKind),
    enumName: 'MessageKind',
    description: '`call`: a record the server left for a missed, declined, cancelled or ended call',
  })
  kind: MessageKind;

  @ApiProperty({ type: String, description: 'Up to 4 000 characters; empty only with attachments. For call records, an English fallback' })
  text: string;

  @ApiProperty({ type: String, nullable: true, description: "The sender's idempotency key, if they sent one" })
  clientMessageId: string | null;

  @ApiProperty({ type: () => [AttachmentResponse] })
  attachments: AttachmentResponse[];

  @ApiProperty({ type: () => CallRecordResponse, nullable: true, description: 'Set for `kind: "call"` messages' })
  call: CallRecordResponse | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;
}

/** A page of a conversation's messages, newest first. */
export class MessagePageResponse implements Awaited<ReturnType<ChatService['history']>> {
  @ApiProperty({ type: () => [MessageResponse] })
  items: MessageResponse[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `before` for the next (older) page; null on the last page' })
  nextCursor: string | null;
}
