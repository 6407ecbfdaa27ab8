import type { ChatServerToClientEvents } from '@call-signaling/client';
import { Emission, NoticeRenderers, RealtimeNotice, renderWith } from '../realtime/realtime-notice';

/**
 * Chat's words (CONTRACT.md §8), the same for every Socket.IO dialect: chat is one feature
 * whichever call dialect a client speaks, and its event names collide with none of them.
 */
const CHAT: NoticeRenderers<Emission<ChatServerToClientEvents>> = {
  'chat-message': ({ message }) => ['new_message', { message }],
  'chat-typing': (n) => [
    n.typing ? 'user_typing' : 'user_stopped_typing',
    { conversation_id: n.conversationId, user_id: n.userId, userId: n.userId },
  ],
  'chat-read': (n) => [
    'message_read',
    { conversation_id: n.conversationId, message_id: n.messageId, reader_id: n.readerId, read_at: n.readAt },
  ],
};

export const renderChat = (notice: RealtimeNotice) => renderWith(CHAT, notice);
