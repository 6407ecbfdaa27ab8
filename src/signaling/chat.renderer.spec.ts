import type { NoticeType } from '../realtime/realtime-notice';
import { message, NOTICES, noticesOtherThan } from '../../test/helpers/notices';
import { renderChat } from './chat.renderer';

const RENDERED: NoticeType[] = ['chat-message', 'chat-typing', 'chat-read'];

describe('the chat renderer, for every Socket.IO dialect (CONTRACT.md §8)', () => {
  it('sends a stored message whole', () => {
    expect(renderChat(NOTICES['chat-message'])).toEqual(['new_message', { message }]);
  });

  it("says who started and who stopped typing where (userId: the InstantMentor app's name for user_id)", () => {
    expect(renderChat(NOTICES['chat-typing'])).toEqual(['user_typing', { conversation_id: 'conv-1', user_id: 'u-host', userId: 'u-host' }]);
    expect(renderChat({ ...NOTICES['chat-typing'], typing: false })).toEqual([
      'user_stopped_typing',
      { conversation_id: 'conv-1', user_id: 'u-host', userId: 'u-host' },
    ]);
  });

  it('sends a read receipt with the reader and when', () => {
    expect(renderChat(NOTICES['chat-read'])).toEqual([
      'message_read',
      { conversation_id: 'conv-1', message_id: 'msg-1', reader_id: 'u-recipient', read_at: '2026-01-01T10:02:00.000Z' },
    ]);
  });

  it.each(noticesOtherThan(RENDERED))('has no words for $type', (notice) => {
    expect(renderChat(notice)).toBeNull();
  });
});
