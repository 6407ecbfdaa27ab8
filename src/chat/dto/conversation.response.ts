import { ApiProperty } from '@nestjs/swagger';
import { ConversationKind } from '../../generated/prisma/enums';
import { PublicProfileResponse } from '../../users/dto/user.response';
import type { ChatService } from '../chat.service';
import type { ConversationView, MemberView } from '../chat.presenter';
import { MessageResponse } from './message.response';

export class ConversationMemberResponse extends PublicProfileResponse implements MemberView {
  @ApiProperty({ type: 'integer', description: 'The newest message (seq) this member has read; 0 for none' })
  lastReadSeq: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastReadAt: string | null;
}

/** A direct conversation (two users) or a call's conversation, as one of its members sees it. */
export class ConversationResponse implements ConversationView {
  @ApiProperty({ type: String })
  id: string;

  @ApiProperty({ enum: Object.values(ConversationKind), enumName: 'ConversationKind' })
  kind: ConversationKind;

  @ApiProperty({ type: String, nullable: true, description: 'For `kind: "call"`: the call it belongs to' })
  callId: string | null;

  @ApiProperty({ type: () => [ConversationMemberResponse] })
  members: ConversationMemberResponse[];

  @ApiProperty({ type: () => MessageResponse, nullable: true })
  lastMessage: MessageResponse | null;

  @ApiProperty({ type: 'integer', description: "Messages from others after the caller's read pointer" })
  unreadCount: number;

  @ApiProperty({ type: 'integer', description: 'The seq of the newest message; 0 for none' })
  lastSeq: number;

  @ApiProperty({ type: String, format: 'date-time', description: 'When the last message arrived (the list is ordered by it)' })
  activeAt: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;
}

/** The caller's conversations, most recently active first. */
export class ConversationPageResponse implements Awaited<ReturnType<ChatService['list']>> {
  @ApiProperty({ type: () => [ConversationResponse] })
  items: ConversationResponse[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor: string | null;
}

/** Where the caller's read pointer stands after `POST /chat/conversations/{id}/read`. */
export class ReadResultResponse implements Awaited<ReturnType<ChatService['markRead']>> {
  @ApiProperty({ type: String })
  conversationId: string;

  @ApiProperty({ type: 'integer' })
  lastReadSeq: number;

  @ApiProperty({ type: 'integer' })
  unreadCount: number;
}
