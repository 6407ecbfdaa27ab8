import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ChatService } from './chat.service';
import { ConversationsQueryDto, MessagesQueryDto, OpenConversationDto, PostMessageDto, ReadUpToDto } from './dto/chat.dto';

@Controller('chat/conversations')
export class ChatController {
  constructor(private readonly chat: ChatService) {}

  /** The user's conversations, most recently active first, each with its last message and unread count. */
  @Get()
  list(@CurrentUser() user: AuthUser, @Query() query: ConversationsQueryDto) {
    return this.chat.list(user.id, query);
  }

  /** Finds or creates the direct conversation with `userId`, or the conversation of `callId` (ext). */
  @Post()
  @HttpCode(200)
  open(@CurrentUser() user: AuthUser, @Body() dto: OpenConversationDto) {
    return this.chat.open(user.id, { toUserId: dto.userId, callId: dto.callId });
  }

  @Get(':id')
  get(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.chat.get(user.id, id);
  }

  @Get(':id/messages')
  messages(@CurrentUser() user: AuthUser, @Param('id') id: string, @Query() query: MessagesQueryDto) {
    return this.chat.history(user.id, id, query);
  }

  /** 201 with the stored message; 200 with the same message when clientMessageId repeats a stored one. */
  @Post(':id/messages')
  async send(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() dto: PostMessageDto, @Res({ passthrough: true }) response: Response) {
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
  read(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() dto: ReadUpToDto) {
    return this.chat.markRead({ userId: user.id }, id, dto.upToMessageId);
  }
}
