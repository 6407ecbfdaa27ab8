import { ConnectedSocket, MessageBody, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { ChatService } from '../chat/chat.service';
import { MarkReadDto, SendMessageDto, TypingDto } from '../chat/dto/chat.dto';
import { socketActor } from '../realtime/socket-auth.service';
import { SocketEvent } from '../realtime/socket-event.decorator';
import { appMessageEvent } from './instantmentor.renderer';

/** Chat over Socket.IO (CONTRACT.md §8), open to every Socket.IO dialect, in section 8's words or the InstantMentor app's. */
@WebSocketGateway()
export class ChatGateway {
  constructor(private readonly chat: ChatService) {}

  /**
   * Acks with the stored message (`duplicate: true` when client_message_id repeated a stored one);
   * the app, which sends no ack, hears `message_sent`.
   */
  @SocketEvent('send_message')
  async sendMessage(@ConnectedSocket() socket: Socket, @MessageBody() dto: SendMessageDto) {
    const { message, created } = await this.chat.send(
      socketActor(socket),
      { toUserId: dto.to_user_id ?? dto.receiverId, conversationId: dto.conversation_id, callId: dto.call_id },
      { text: dto.text ?? dto.content, clientMessageId: dto.client_message_id, attachmentIds: dto.attachment_ids },
    );
    if (dto.receiverId !== undefined) socket.emit('message_sent', appMessageEvent(message, dto.receiverId));
    return { message, duplicate: !created };
  }

  @SocketEvent('user_typing')
  async typing(@ConnectedSocket() socket: Socket, @MessageBody() dto: TypingDto) {
    await this.setTyping(socket, dto, true);
  }

  @SocketEvent('user_stopped_typing')
  async stoppedTyping(@ConnectedSocket() socket: Socket, @MessageBody() dto: TypingDto) {
    await this.setTyping(socket, dto, false);
  }

  @SocketEvent('mark_read')
  async markRead(@ConnectedSocket() socket: Socket, @MessageBody() dto: MarkReadDto) {
    const read = await this.chat.markRead(socketActor(socket), dto.conversation_id, dto.up_to_message_id);
    return { conversation_id: read.conversationId, last_read_seq: read.lastReadSeq, unread_count: read.unreadCount };
  }

  /** In a conversation, or (the app's words) the direct conversation with `receiverId`. */
  private async setTyping(socket: Socket, dto: TypingDto, typing: boolean): Promise<void> {
    const { userId } = socketActor(socket);
    const conversationId = dto.conversation_id ?? (await this.chat.open(userId, { toUserId: dto.receiverId })).id;
    await this.chat.setTyping(userId, conversationId, typing);
  }
}
