import type { ClientEvent, ServerEvent } from './acks.js';
import type { MessageView } from './models.js';

/** Chat (CONTRACT.md §8): the same events in every Socket.IO dialect. */

/** Exactly one of `to_user_id`, `conversation_id`, `call_id` names where the message goes. */
export interface SendMessagePayload {
  to_user_id?: string | number;
  conversation_id?: string;
  call_id?: string;
  /** Up to 4 000 characters; blank only with an attachment. */
  text?: string;
  /** Makes a retry idempotent: 1–100 printable ASCII characters, unique per sender. */
  client_message_id?: string;
  /** Up to 10 of the sender's unsent uploads (`POST /chat/attachments`). */
  attachment_ids?: string[];
}

export interface SendMessageAck {
  message: MessageView;
  /** True when `client_message_id` repeated an earlier message: this is that message. */
  duplicate: boolean;
}

export interface ConversationIdPayload {
  conversation_id: string;
}

export interface MarkReadPayload extends ConversationIdPayload {
  up_to_message_id: string;
}

export interface MarkReadAck {
  conversation_id: string;
  last_read_seq: number;
  unread_count: number;
}

export interface TypingEvent {
  conversation_id: string;
  user_id: string;
  /** The same, as the InstantMentor app names it. */
  userId: string;
}

export interface MessageReadEvent {
  conversation_id: string;
  message_id: string;
  reader_id: string;
  read_at: string;
}

export interface ChatClientToServerEvents {
  send_message: ClientEvent<SendMessagePayload, SendMessageAck>;
  user_typing: ClientEvent<ConversationIdPayload>;
  user_stopped_typing: ClientEvent<ConversationIdPayload>;
  mark_read: ClientEvent<MarkReadPayload, MarkReadAck>;
}

export interface ChatServerToClientEvents {
  new_message: ServerEvent<{ message: MessageView }>;
  user_typing: ServerEvent<TypingEvent>;
  user_stopped_typing: ServerEvent<TypingEvent>;
  message_read: ServerEvent<MessageReadEvent>;
}
