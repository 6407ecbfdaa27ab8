import { ConnectedSocket, MessageBody, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { ChatService } from '../chat/chat.service';
import { ConversationIdDto, MarkReadDto, SendMessageDto } from '../chat/dto/chat.dto';
import { socketActor } from '../realtime/socket-auth.service';
import { SocketEvent } from '../realtime/socket-event.decorator';

/** Chat over Socket.IO (CONTRACT.md §8), open to every Socket.IO dialect. */
@WebSocketGateway()
export class ChatGateway {
  constructor(private readonly chat: ChatService) {}

  /** Acks with the stored message (`duplicate: true` when client_message_id repeated a stored one). */
  @SocketEvent('send_message')
  async sendMessage(@ConnectedSocket() socket: Socket, @MessageBody() dto: SendMessageDto) {
    const { message, created } = await this.chat.send(
      socketActor(socket),
      { toUserId: dto.to_user_id, conversationId: dto.conversation_id, callId: dto.call_id },
      { text: dto.text, clientMessageId: dto.client_message_id, attachmentIds: dto.attachment_ids },
    );
    return { message, duplicate: !created };
  }

  @SocketEvent('user_typing')
  async typing(@ConnectedSocket() socket: Socket, @MessageBody() dto: ConversationIdDto) {
    await this.chat.setTyping(socketActor(socket).userId, dto.conversation_id, true);
  }

  @SocketEvent('user_stopped_typing')
  async stoppedTyping(@ConnectedSocket() socket: Socket, @MessageBody() dto: ConversationIdDto) {
    await this.chat.setTyping(socketActor(socket).userId, dto.conversation_id, false);
  }

  @SocketEvent('mark_read')
  async markRead(@ConnectedSocket() socket: Socket, @MessageBody() dto: MarkReadDto) {
    const read = await this.chat.markRead(socketActor(socket), dto.conversation_id, dto.up_to_message_id);
    return { conversation_id: read.conversationId, last_read_seq: read.lastReadSeq, unread_count: read.unreadCount };
  }
}
