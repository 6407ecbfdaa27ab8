import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { toIdString } from '../../common/id';

export const MAX_MESSAGE_CHARS = 4000;
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

/** A client's idempotency key: printable, short. */
const CLIENT_MESSAGE_ID = /^[\x21-\x7e]{1,100}$/;

/** An optional idempotency key, under whichever name the transport uses. */
const ClientMessageIdField = (name: string) =>
  applyDecorators(
    ApiPropertyOptional({
      type: String,
      pattern: CLIENT_MESSAGE_ID.source,
      description: 'Idempotency key, unique per sender: a retry with the same key returns the stored message instead of storing another',
    }),
    IsOptional(),
    IsString(),
    Matches(CLIENT_MESSAGE_ID, { message: `${name} must be 1 to 100 printable ASCII characters` }),
  );

/** Optional ids of the sender's uploads to attach, in order. */
const AttachmentIdsField = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: [String],
      maxItems: MAX_ATTACHMENTS_PER_MESSAGE,
      description: "Ids of the sender's own unsent uploads (`POST /chat/attachments`), in order",
    }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(MAX_ATTACHMENTS_PER_MESSAGE),
    IsString({ each: true }),
    Length(1, 128, { each: true }),
  );

class MessageContentFields {
  @ApiPropertyOptional({ type: String, maxLength: MAX_MESSAGE_CHARS, description: 'Blank only with attachments' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_MESSAGE_CHARS)
  text?: string;
}

/** Socket.IO `send_message` (CONTRACT.md §8): one of to_user_id, conversation_id, call_id. */
export class SendMessageDto extends MessageContentFields {
  @IsOptional()
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  to_user_id?: string;

  @IsOptional()
  @IsString()
  @Length(1, 128)
  conversation_id?: string;

  @IsOptional()
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  call_id?: string;

  @ClientMessageIdField('client_message_id')
  client_message_id?: string;

  @AttachmentIdsField()
  attachment_ids?: string[];

  /** The InstantMentor app's words: `{receiverId, content, type?}`. */
  @IsOptional()
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  receiverId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(MAX_MESSAGE_CHARS)
  content?: string;

  /** Accepted and not kept: a message is text (and attachments) here. */
  @IsOptional()
  @IsString()
  @MaxLength(32)
  type?: string;
}

/** POST /chat/conversations/:id/messages: REST speaks camelCase, like the rest of the REST API. */
export class PostMessageDto extends MessageContentFields {
  @ClientMessageIdField('clientMessageId')
  clientMessageId?: string;

  @AttachmentIdsField()
  attachmentIds?: string[];
}

/** POST /chat/conversations: a direct conversation with a user, or a call's conversation. */
export class OpenConversationDto {
  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 128,
    description: 'The other user of a direct conversation (give this or callId)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  userId?: string;

  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 128,
    description: 'A call of yours whose conversation to open (give this or userId)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  callId?: string;
}

export class ConversationIdDto {
  @IsString()
  @Length(1, 128)
  conversation_id: string;
}

/** `user_typing` / `user_stopped_typing`: a conversation, or (the InstantMentor app's words) the user it is with. */
export class TypingDto {
  @ValidateIf((dto: TypingDto) => dto.receiverId === undefined)
  @IsString()
  @Length(1, 128)
  conversation_id?: string;

  @ValidateIf((dto: TypingDto) => dto.conversation_id === undefined)
  @Transform(toIdString)
  @IsString({ message: 'receiverId must be a user id (string or integer)' })
  @Length(1, 128)
  receiverId?: string;
}

export class MarkReadDto extends ConversationIdDto {
  @IsString()
  @Length(1, 128)
  up_to_message_id: string;
}

export class ReadUpToDto {
  @ApiProperty({
    type: String,
    minLength: 1,
    maxLength: 128,
    description: 'A message of this conversation: everything up to it counts as read',
  })
  @IsString()
  @Length(1, 128)
  upToMessageId: string;
}

class PageFields {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 50;
}

export class MessagesQueryDto extends PageFields {
  /** A message id: the page holds the messages older than it. */
  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 128,
    description: 'A message id (`nextCursor` of the previous page): the page holds the messages older than it',
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  before?: string;
}

export class ConversationsQueryDto extends PageFields {
  @ApiPropertyOptional({ type: String, maxLength: 200, description: '`nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}
