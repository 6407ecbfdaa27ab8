import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiAuthenticated } from '../auth/api-authenticated.decorator';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiErrors, BODY_TOO_LARGE, UNSTORABLE_PARAMETER } from '../common/api-errors.decorator';
import { ChatService } from './chat.service';
import { ConversationsQueryDto, MessagesQueryDto, OpenConversationDto, PostMessageDto, ReadUpToDto } from './dto/chat.dto';
import { ConversationPageResponse, ConversationResponse, ReadResultResponse } from './dto/conversation.response';
import { MessagePageResponse, MessageResponse } from './dto/message.response';

/** Members only: to anyone else a conversation does not exist. */
const NOT_A_MEMBER = 'No such conversation, or you are not one of its members';

@ApiTags('chat')
@ApiAuthenticated()
@Controller('chat/conversations')
export class ChatController {
  constructor(private readonly chat: ChatService) {}

  /** The user's conversations, most recently active first, each with its last message and unread count. */
  @Get()
  @ApiOperation({
    summary: "The caller's conversations",
    description: 'Those with at least one message, most recently active first, each with its last message and unread count.',
  })
  @ApiOkResponse({ type: ConversationPageResponse })
  @ApiErrors({ validation_failed: 'limit or cursor is invalid, or the cursor is not one this server issued' })
  list(@CurrentUser() user: AuthUser, @Query() query: ConversationsQueryDto) {
    return this.chat.list(user.id, query);
  }

  /** Finds or creates the direct conversation with `userId`, or the conversation of `callId` (ext). */
  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Open a conversation',
    description:
      'The direct conversation with `userId`, or the conversation of the call `callId` (ext); created on first use, without sending anything.',
  })
  @ApiOkResponse({ type: ConversationResponse })
  @ApiErrors({
    validation_failed: 'Neither or both of userId and callId, or userId is yourself',
    not_found: 'No such user, or no call of yours with this id',
    invalid_state: 'The call has no other party yet',
    payload_too_large: BODY_TOO_LARGE,
  })
  open(@CurrentUser() user: AuthUser, @Body() dto: OpenConversationDto) {
    return this.chat.open(user.id, { toUserId: dto.userId, callId: dto.callId });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One conversation' })
  @ApiOkResponse({ type: ConversationResponse })
  @ApiErrors({ validation_failed: UNSTORABLE_PARAMETER, not_found: NOT_A_MEMBER })
  get(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.chat.get(user.id, id);
  }

  @Get(':id/messages')
  @ApiOperation({
    summary: "A conversation's messages, newest first",
    description: 'Pass `nextCursor` as `before` for the next (older) page.',
  })
  @ApiOkResponse({ type: MessagePageResponse })
  @ApiErrors({ validation_failed: 'limit or before is invalid, or before is not a message of this conversation', not_found: NOT_A_MEMBER })
  messages(@CurrentUser() user: AuthUser, @Param('id') id: string, @Query() query: MessagesQueryDto) {
    return this.chat.history(user.id, id, query);
  }

  /** 201 with the stored message; 200 with the same message when clientMessageId repeats a stored one. */
  @Post(':id/messages')
  @ApiOperation({
    summary: 'Send a message',
    description:
      'The other members get `new_message`. A `clientMessageId` that repeats one of yours returns the stored message (200) and tells nobody twice.',
  })
  @ApiCreatedResponse({ type: MessageResponse, description: 'The stored message' })
  @ApiOkResponse({ type: MessageResponse, description: 'The message already stored under this clientMessageId' })
  @ApiErrors({
    validation_failed:
      'No text and no attachment, text over 4 000 characters, an attachment that is not your own unsent upload, or a clientMessageId already used in another conversation',
    not_found: NOT_A_MEMBER,
    payload_too_large: BODY_TOO_LARGE,
  })
  async send(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Body() dto: PostMessageDto,
    @Res({ passthrough: true }) response: Response,
  ) {
    const { message, created } = await this.chat.send(
      { userId: user.id },
      { conversationId: id },
      { text: dto.text, clientMessageId: dto.clientMessageId, attachmentIds: dto.attachmentIds },
    );
    response.status(created ? 201 : 200);
    return message;
  }

  /** mark_read over REST (ext). */
  @Post(':id/read')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Mark messages as read',
    description:
      'Everything up to `upToMessageId` counts as read (ext, as `mark_read`); the senders get `message_read` when the pointer moves forward.',
  })
  @ApiOkResponse({ type: ReadResultResponse })
  @ApiErrors({
    validation_failed: 'upToMessageId is missing or invalid',
    not_found: `${NOT_A_MEMBER}, or the message is not in it`,
    payload_too_large: BODY_TOO_LARGE,
  })
  read(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() dto: ReadUpToDto) {
    return this.chat.markRead({ userId: user.id }, id, dto.upToMessageId);
  }
}
