import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AttachmentsService, MAX_UNSENT_ATTACHMENTS } from '../src/chat/attachments.service';
import { PrismaService } from '../src/database/prisma.service';
import { randomBytes } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import request from 'supertest';
import { collect } from './helpers/parties';
import { connectSocket, emitWithAck, nextEvent, nextMatching, TestSocket } from './helpers/sockets';
import { TEST_JWT_SECRET } from './helpers/test-app';
import { useTestApp } from './helpers/suite';
import type { RegisteredUser } from './helpers/users';
import { ChatRepository } from '../src/chat/chat.repository';
import { TypingService } from '../src/chat/typing.service';
import { ClientClosedError } from 'redis';

describe('chat (e2e)', () => {
  const { t, user, online, open, api } = useTestApp({
    TYPING_TIMEOUT_MS: '400',
    MAX_UPLOAD_BYTES: '2048',
    RING_TIMEOUT_MS: '800',
    PRESENCE_GRACE_MS: '100',
  });
  const send = (socket: TestSocket, payload: object) => emitWithAck(socket, 'send_message', payload);
  const history = async (who: RegisteredUser, conversationId: string, query = '') =>
    (await api(who).get(`/chat/conversations/${conversationId}/messages${query}`).expect(200)).body;
  const conversations = async (who: RegisteredUser) => (await api(who).get('/chat/conversations').expect(200)).body.items;

  it('keeps a conversation in step across two devices of one user', async () => {
    const ada = await online('student', 'Ada');
    const adaPhone = await open(ada);
    const grace = await online('mentor', 'Grace');
    const laptopHeard = collect(ada.socket, 'new_message');
    const phoneHears = nextEvent(adaPhone, 'new_message');
    const graceHears = nextEvent(grace.socket, 'new_message');

    const ack = await send(ada.socket, { to_user_id: grace.id, text: 'Hi! Can we go over recursion?', client_message_id: 'm-1' });
    expect(ack).toMatchObject({
      ok: true,
      duplicate: false,
      message: {
        seq: 1,
        senderId: ada.id,
        kind: 'text',
        text: 'Hi! Can we go over recursion?',
        clientMessageId: 'm-1',
        attachments: [],
        call: null,
      },
    });
    const { message } = ack;
    expect(message.sender).toEqual({ id: ada.id, displayName: 'Ada', avatarUrl: null, role: 'student' });
    expect((await graceHears).message).toEqual(message);
    expect((await phoneHears).message).toEqual(message);

    const laptopHears = nextEvent(ada.socket, 'new_message');
    const phoneHearsReply = nextEvent(adaPhone, 'new_message');
    const reply = await send(grace.socket, { conversation_id: message.conversationId, text: 'Sure, at 5?' });
    expect(reply.message).toMatchObject({ conversationId: message.conversationId, seq: 2 });
    expect((await laptopHears).message.id).toBe(reply.message.id);
    expect((await phoneHearsReply).message.id).toBe(reply.message.id);
    // The sending device has its ack; it is not told again.
    expect(laptopHeard.map((e) => e.message.id)).toEqual([reply.message.id]);

    // Either side writing to the other by user id lands in the same one conversation.
    const back = await send(grace.socket, { to_user_id: ada.id, text: 'Or 6.' });
    expect(back.message).toMatchObject({ conversationId: message.conversationId, seq: 3 });
    const [conversation] = await conversations(ada);
    expect(conversation).toMatchObject({ id: message.conversationId, kind: 'direct', callId: null, lastSeq: 3, unreadCount: 2 });
    expect(conversation.lastMessage.id).toBe(back.message.id);
    expect(conversation.members.map((m: { id: string }) => m.id).sort()).toEqual([ada.id, grace.id].sort());
  });

  it('stores one message for a retry storm of one client_message_id', async () => {
    const ada = await online();
    const grace = await online('mentor');
    const heard = collect(grace.socket, 'new_message');
    const { body: conversation } = await api(ada).post('/chat/conversations', { userId: grace.id }).expect(200);

    const socketRetries = Array.from({ length: 7 }, () =>
      send(ada.socket, { to_user_id: grace.id, text: 'Are you free?', client_message_id: 'storm-1' }),
    );
    const restRetries = Array.from({ length: 3 }, () =>
      api(ada).post(`/chat/conversations/${conversation.id}/messages`, { text: 'Are you free?', clientMessageId: 'storm-1' }),
    );
    const acks = await Promise.all(socketRetries);
    const responses = await Promise.all(restRetries);
    const ids = new Set([...acks.map((a) => a.message.id), ...responses.map((r) => r.body.id)]);
    expect(ids.size).toBe(1);
    const created = acks.filter((a) => !a.duplicate).length + responses.filter((r) => r.status === 201).length;
    expect(created).toBe(1);
    expect(responses.every((r) => r.status === 201 || r.status === 200)).toBe(true);

    const page = await history(grace, conversation.id);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ seq: 1, clientMessageId: 'storm-1' });
    await emitWithAck(grace.socket, 'authenticate', { token: grace.token }); // a round trip after any delivery
    expect(heard).toHaveLength(1);

    // The same key for another conversation is a mistake, not a retry.
    const other = await user();
    const reused = await send(ada.socket, { to_user_id: other.id, text: 'hello', client_message_id: 'storm-1' });
    expect(reused).toMatchObject({ ok: false, error: { code: 'validation_failed', details: { client_message_id: expect.any(Array) } } });
    expect(await conversations(other)).toEqual([]);
  });

  it('makes one conversation when both users write first at the same moment', async () => {
    const ada = await online();
    const grace = await online('mentor');
    const acks = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        i % 2 ? send(ada.socket, { to_user_id: grace.id, text: `a${i}` }) : send(grace.socket, { to_user_id: ada.id, text: `g${i}` }),
      ),
    );
    expect(new Set(acks.map((a) => a.message.conversationId)).size).toBe(1);
    expect(acks.map((a) => a.message.seq).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await conversations(ada)).toHaveLength(1);
  });

  it('pages through 1 000 messages with no gap or duplicate while new ones arrive', async () => {
    const ada = await user();
    const grace = await user('mentor');
    const { body: conversation } = await api(ada).post('/chat/conversations', { userId: grace.id }).expect(200);
    const path = `/chat/conversations/${conversation.id}/messages`;
    const sent: string[] = [];
    for (let batch = 0; batch < 100; batch++) {
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          api(i % 2 ? ada : grace)
            .post(path, { text: `message ${batch * 10 + i}` })
            .expect(201),
        ),
      );
      sent.push(...responses.map((r) => r.body.id));
    }

    let arriving = true;
    const arrivals = (async () => {
      let n = 0;
      while (arriving)
        await api(ada)
          .post(path, { text: `late ${n++}` })
          .expect(201);
      return n;
    })();
    const seen: Array<{ id: string; seq: number }> = [];
    let page = await history(ada, conversation.id, '?limit=37');
    const newestAtStart = page.items[0].seq;
    seen.push(...page.items);
    while (page.nextCursor) {
      page = await history(ada, conversation.id, `?limit=37&before=${page.nextCursor}`);
      seen.push(...page.items);
    }
    arriving = false;
    const late = await arrivals;
    expect(late).toBeGreaterThan(0);

    const seqs = seen.map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: newestAtStart }, (_, i) => newestAtStart - i));
    const original = new Set(sent);
    const pagedOriginals = seen.filter((m) => original.has(m.id));
    expect(pagedOriginals).toHaveLength(1000);
    expect(new Set(seen.map((m) => m.id)).size).toBe(seen.length);
    // Every message is numbered, no gaps, however many were written at once.
    const all = await history(ada, conversation.id, '?limit=100');
    expect(all.items[0].seq).toBe(1000 + late);
  }, 120_000);

  it('sends read receipts to the sender and the reader’s other devices, and counts unread', async () => {
    const ada = await online('student');
    const grace = await online('mentor');
    const gracePhone = await open(grace);
    const first = (await send(ada.socket, { to_user_id: grace.id, text: 'one' })).message;
    const second = (await send(ada.socket, { to_user_id: grace.id, text: 'two' })).message;
    await send(ada.socket, { to_user_id: grace.id, text: 'three' });
    const conversationId = first.conversationId;
    expect((await conversations(grace))[0].unreadCount).toBe(3);
    expect((await conversations(ada))[0].unreadCount).toBe(0);

    const receipt = nextEvent(ada.socket, 'message_read');
    const phoneReceipt = nextEvent(gracePhone, 'message_read');
    const ack = await emitWithAck(grace.socket, 'mark_read', { conversation_id: conversationId, up_to_message_id: second.id });
    expect(ack).toEqual({ ok: true, conversation_id: conversationId, last_read_seq: 2, unread_count: 1 });
    const read = await receipt;
    expect(read).toEqual({ conversation_id: conversationId, message_id: second.id, reader_id: grace.id, read_at: expect.any(String) });
    expect(await phoneReceipt).toEqual(read);
    const [seen] = await conversations(grace);
    expect(seen.unreadCount).toBe(1);
    expect(seen.members.find((m: { id: string }) => m.id === grace.id)).toMatchObject({ lastReadSeq: 2, lastReadAt: read.read_at });

    // Reading an older message again moves nothing back and tells nobody.
    const receipts = collect(ada.socket, 'message_read');
    const again = await emitWithAck(grace.socket, 'mark_read', { conversation_id: conversationId, up_to_message_id: first.id });
    expect(again).toMatchObject({ ok: true, last_read_seq: 2, unread_count: 1 });
    const { body: viaRest } = await api(grace).post(`/chat/conversations/${conversationId}/read`, { upToMessageId: second.id }).expect(200);
    expect(viaRest).toEqual({ conversationId, lastReadSeq: 2, unreadCount: 1 });
    await emitWithAck(ada.socket, 'authenticate', { token: ada.token });
    expect(receipts).toEqual([]);

    const outsider = await online('student');
    const refused = await emitWithAck(outsider.socket, 'mark_read', { conversation_id: conversationId, up_to_message_id: second.id });
    expect(refused).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const wrongMessage = await emitWithAck(grace.socket, 'mark_read', {
      conversation_id: conversationId,
      up_to_message_id: 'no-such-message',
    });
    expect(wrongMessage).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('relays typing to the other member, and ends it when the stop is lost or a message is sent', async () => {
    const ada = await online();
    const grace = await online('mentor');
    const conversationId = (await send(ada.socket, { to_user_id: grace.id, text: 'hi' })).message.conversationId;
    const started = collect(grace.socket, 'user_typing');
    const stopped = nextEvent(grace.socket, 'user_stopped_typing');
    expect(await emitWithAck(ada.socket, 'user_typing', { conversation_id: conversationId })).toEqual({ ok: true });
    await emitWithAck(ada.socket, 'user_typing', { conversation_id: conversationId }); // a renewal, not news
    expect(await emitWithAck(ada.socket, 'user_stopped_typing', { conversation_id: conversationId })).toEqual({ ok: true });
    expect(await stopped).toEqual({ conversation_id: conversationId, user_id: ada.id, userId: ada.id });
    expect(started).toEqual([{ conversation_id: conversationId, user_id: ada.id, userId: ada.id }]);

    const expired = nextEvent(grace.socket, 'user_stopped_typing', 3000);
    const startedAt = Date.now();
    await emitWithAck(ada.socket, 'user_typing', { conversation_id: conversationId });
    expect(await expired).toEqual({ conversation_id: conversationId, user_id: ada.id, userId: ada.id });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(350);

    await emitWithAck(ada.socket, 'user_typing', { conversation_id: conversationId });
    const stoppedBySending = nextEvent(grace.socket, 'user_stopped_typing');
    await send(ada.socket, { conversation_id: conversationId, text: 'done typing' });
    expect(await stoppedBySending).toEqual({ conversation_id: conversationId, user_id: ada.id, userId: ada.id });

    const outsider = await online();
    expect(await emitWithAck(outsider.socket, 'user_typing', { conversation_id: conversationId })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it("delivers a stored message though ending its sender's typing fails (Redis briefly away)", async () => {
    const ada = await online();
    const grace = await online('mentor');
    jest.spyOn(t.app.get(TypingService), 'stop').mockRejectedValueOnce(new ClientClosedError());
    const heard = nextEvent(grace.socket, 'new_message');
    expect(await send(ada.socket, { to_user_id: grace.id, text: 'still here' })).toMatchObject({ ok: true });
    expect(await heard).toMatchObject({ message: { text: 'still here' } });
  });

  it("names the typist by their whole id when an identity provider's id holds a |", async () => {
    const token = sign({ sub: `auth0|${randomBytes(6).toString('hex')}`, name: 'Ada' }, TEST_JWT_SECRET);
    const ada = connectSocket(t.url, { token });
    const adaId = ((await nextEvent(ada, 'authenticated')) as { userId: string }).userId;
    const grace = await online('mentor');
    try {
      const conversationId = (await send(ada, { to_user_id: grace.id, text: 'hi' })).message.conversationId;
      const started = nextEvent(grace.socket, 'user_typing');
      const stopped = nextEvent(grace.socket, 'user_stopped_typing');
      await emitWithAck(ada, 'user_typing', { conversation_id: conversationId });
      await emitWithAck(ada, 'user_stopped_typing', { conversation_id: conversationId });
      expect(await started).toEqual({ conversation_id: conversationId, user_id: adaId, userId: adaId });
      expect(await stopped).toEqual({ conversation_id: conversationId, user_id: adaId, userId: adaId });
    } finally {
      ada.disconnect();
    }
  });

  it('keeps messages for an offline user: history and unread counts when they return', async () => {
    const ada = await online();
    const grace = await user('mentor');
    for (const text of ['are you there?', 'I have a question', 'about graphs']) await send(ada.socket, { to_user_id: grace.id, text });

    const graceSocket = await open(grace);
    const [conversation] = await conversations(grace);
    expect(conversation).toMatchObject({ unreadCount: 3, lastMessage: { text: 'about graphs', senderId: ada.id } });
    const page = await history(grace, conversation.id);
    expect(page.items.map((m: { text: string }) => m.text)).toEqual(['about graphs', 'I have a question', 'are you there?']);
    expect(page.nextCursor).toBeNull();
    const ack = await emitWithAck(graceSocket, 'mark_read', { conversation_id: conversation.id, up_to_message_id: page.items[0].id });
    expect(ack.unread_count).toBe(0);
  });

  it('gives bad messages a clear error and stores nothing', async () => {
    const ada = await online();
    const grace = await online('mentor');
    const outsider = await online();
    const conversationId = (await send(ada.socket, { to_user_id: grace.id, text: 'hi' })).message.conversationId;
    const cases: Array<[object, string]> = [
      [{ to_user_id: grace.id, text: '   ' }, 'validation_failed'],
      [{ to_user_id: grace.id, text: 'x'.repeat(4001) }, 'validation_failed'],
      [{ to_user_id: grace.id, conversation_id: conversationId, text: 'both' }, 'validation_failed'],
      [{ text: 'nobody' }, 'validation_failed'],
      [{ to_user_id: ada.id, text: 'me' }, 'validation_failed'],
      [{ to_user_id: grace.id, text: 'x', extra: 1 }, 'validation_failed'],
      [{ to_user_id: grace.id, text: 'x', client_message_id: 'has space' }, 'validation_failed'],
      [{ to_user_id: grace.id, text: 'x', attachment_ids: ['not-an-upload'] }, 'validation_failed'],
      [{ to_user_id: '00000000-0000-0000-0000-000000000000', text: 'x' }, 'not_found'],
      [{ call_id: 'no-such-call', text: 'x' }, 'not_found'],
    ];
    for (const [payload, code] of cases) {
      expect(await send(ada.socket, payload)).toMatchObject({ ok: false, error: { code } });
    }
    expect(await send(outsider.socket, { conversation_id: conversationId, text: 'let me in' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    await api(outsider).post(`/chat/conversations/${conversationId}/messages`, { text: 'let me in' }).expect(404);
    await api(outsider).get(`/chat/conversations/${conversationId}/messages`).expect(404);
    await api(outsider).get(`/chat/conversations/${conversationId}`).expect(404);
    const { body: badCursor } = await api(ada).get(`/chat/conversations/${conversationId}/messages?before=nope`).expect(400);
    expect(badCursor).toMatchObject({ code: 'validation_failed', details: { before: expect.any(Array) } });
    await api(ada).get(`/chat/conversations/${conversationId}/messages?limit=1000`).expect(400);
    await api(ada).post('/chat/conversations', { userId: grace.id, callId: 'x' }).expect(400);

    expect((await history(ada, conversationId)).items).toHaveLength(1);
    expect(await conversations(outsider)).toEqual([]);
  });

  it('attaches a conversation to a call, readable by its parties after the call ends', async () => {
    const ada = await online('student');
    const grace = await online('mentor');
    const outsider = await online('student');
    const ringing = nextEvent(grace.socket, 'incomingCall');
    const { call } = await emitWithAck(ada.socket, 'startCall', { recipientUserId: grace.id });
    await ringing;
    await emitWithAck(grace.socket, 'acceptCall', { callId: call.id });
    const graceHears = nextEvent(grace.socket, 'new_message');
    const sent = await send(ada.socket, { call_id: call.id, text: 'see the whiteboard link' });
    expect((await graceHears).message.id).toBe(sent.message.id);
    expect(await send(outsider.socket, { call_id: call.id, text: 'hi' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    await api(ada).delete(`/calls/${call.id}`).expect(200);

    const { body: opened } = await api(grace).post('/chat/conversations', { callId: call.id }).expect(200);
    expect(opened).toMatchObject({ id: sent.message.conversationId, kind: 'call', callId: call.id });
    expect((await history(grace, opened.id)).items.map((m: { text: string }) => m.text)).toEqual(['see the whiteboard link']);
    await api(outsider).post('/chat/conversations', { callId: call.id }).expect(404);
  });

  it('keeps a call record whose conversation could not be found at first (the database briefly away), and writes it later', async () => {
    const ada = await online('student');
    const grace = await online('mentor');
    const lookup = jest.spyOn(t.app.get(ChatRepository), 'directConversationId').mockRejectedValueOnce(new Error('connection lost'));
    const ringing = nextEvent(grace.socket, 'incomingCall');
    const call = (await emitWithAck(ada.socket, 'startCall', { recipientUserId: grace.id, hasVideo: false })).call;
    await ringing;
    const recorded = nextMatching(grace.socket, 'new_message', (e) => e.message.call?.callId === call.id, 10_000);
    await emitWithAck(grace.socket, 'declineCall', { callId: call.id });
    expect((await recorded).message).toMatchObject({ kind: 'call', text: 'Voice call declined', senderId: ada.id });
    expect(lookup.mock.calls.length).toBeGreaterThan(1);
    lookup.mockRestore();
  });

  it('leaves call records in the parties’ direct conversation: missed (unread), declined, ended with its duration', async () => {
    const ada = await online('student');
    const grace = await online('mentor');
    const record = async (until: (m: any) => boolean) => (await nextMatching(grace.socket, 'new_message', (e) => until(e.message))).message;

    let ringing = nextEvent(grace.socket, 'incomingCall');
    const declined = (await emitWithAck(ada.socket, 'startCall', { recipientUserId: grace.id, hasVideo: false })).call;
    await ringing;
    let recorded = record((m) => m.call?.callId === declined.id);
    await emitWithAck(grace.socket, 'declineCall', { callId: declined.id });
    expect(await recorded).toMatchObject({
      kind: 'call',
      senderId: ada.id,
      text: 'Voice call declined',
      call: { callId: declined.id, outcome: 'declined', hasVideo: false, durationSeconds: null },
    });

    ringing = nextEvent(grace.socket, 'incomingCall');
    const ended = (await emitWithAck(ada.socket, 'startCall', { recipientUserId: grace.id })).call;
    await ringing;
    await emitWithAck(grace.socket, 'acceptCall', { callId: ended.id });
    recorded = record((m) => m.call?.callId === ended.id);
    await api(grace).delete(`/calls/${ended.id}`).expect(200);
    expect(await recorded).toMatchObject({
      kind: 'call',
      text: expect.stringMatching(/^Video call, 0:0\d$/),
      call: { outcome: 'ended', durationSeconds: expect.any(Number) },
    });

    ringing = nextEvent(grace.socket, 'incomingCall');
    const missed = (await emitWithAck(ada.socket, 'startCall', { recipientUserId: grace.id })).call;
    await ringing;
    const missedRecord = await record((m) => m.call?.callId === missed.id);
    expect(missedRecord).toMatchObject({ kind: 'call', text: 'Missed video call', call: { outcome: 'missed' } });

    const [conversation] = await conversations(grace);
    expect(conversation.id).toBe(missedRecord.conversationId);
    expect(conversation.unreadCount).toBe(1); // the missed call; the declined and ended ones were seen
    expect((await conversations(ada))[0]).toMatchObject({ id: conversation.id, unreadCount: 0, lastSeq: 3 }); // the caller sent them all
    const { items } = await history(grace, conversation.id);
    expect(items.map((m: any) => m.call.outcome)).toEqual(['missed', 'ended', 'declined']);
    // A missed call is answered by a message in the same conversation.
    const answer = await send(grace.socket, { to_user_id: ada.id, text: 'Sorry, call me back?' });
    expect(answer.message.conversationId).toBe(conversation.id);
  });

  it('records calls that close together once each, numbered in order per conversation', async () => {
    const pairs = await Promise.all([0, 1, 2].map(async () => ({ student: await online('student'), mentor: await online('mentor') })));
    // Each student calls their mentor twice; all three calls of a round are cancelled at once.
    const round = async () => {
      const calls = await Promise.all(
        pairs.map(async ({ student, mentor }) => {
          const ringing = nextEvent(mentor.socket, 'incomingCall');
          const { call } = await emitWithAck(student.socket, 'startCall', { recipientUserId: mentor.id });
          await ringing;
          return call;
        }),
      );
      const heard = calls.map((call, i) => nextMatching(pairs[i].mentor.socket, 'new_message', (e) => e.message.call?.callId === call.id));
      await Promise.all(calls.map((call, i) => api(pairs[i].student).delete(`/calls/${call.id}`).expect(200)));
      return (await Promise.all(heard)).map((e) => e.message);
    };
    const first = await round();
    const second = await round();
    for (const [i, { student, mentor }] of pairs.entries()) {
      expect([first[i].seq, second[i].seq]).toEqual([1, 2]);
      const [conversation] = await conversations(mentor);
      expect(conversation).toMatchObject({ id: first[i].conversationId, lastSeq: 2, unreadCount: 2 });
      const { items } = await history(mentor, conversation.id);
      expect(items.map((m: any) => m.id)).toEqual([second[i].id, first[i].id]);
      expect((await conversations(student))[0]).toMatchObject({ id: conversation.id, unreadCount: 0 });
    }
  });

  it('creates a pair’s conversation once, with both members, when many ask for it at once', async () => {
    const [ada, grace] = [await user('student'), await user('mentor')];
    const repository = t.app.get(ChatRepository);
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 ? repository.directConversationId(ada.id, grace.id) : repository.directConversationId(grace.id, ada.id),
      ),
    );
    expect(new Set(ids).size).toBe(1);
    expect((await repository.memberIds(ids[0])).sort()).toEqual([ada.id, grace.id].sort());
  });

  it('writes call records in batches: each conversation numbered in order, a call recorded before left out', async () => {
    const [ada, grace, alan] = [await user('student'), await user('mentor'), await user('mentor')];
    const repository = t.app.get(ChatRepository);
    const withGrace = await repository.directConversationId(ada.id, grace.id);
    const withAlan = await repository.directConversationId(ada.id, alan.id);
    const entry = (conversationId: string, recipient: RegisteredUser, callId: string, readByRecipient: boolean) => ({
      conversationId,
      senderId: ada.id,
      recipientId: recipient.id,
      readByRecipient,
      text: 'Missed video call',
      call: { callId, outcome: 'missed' as const, hasVideo: true, durationSeconds: null },
    });
    await repository.insertCallRecords([entry(withGrace, grace, 'call-a', false)]);
    const written = await repository.insertCallRecords([
      entry(withGrace, grace, 'call-b', true),
      entry(withAlan, alan, 'call-c', true),
      entry(withGrace, grace, 'call-a', false),
      entry(withGrace, grace, 'call-d', false),
    ]);
    expect(written.map((m) => [m.callId, m.seq]).sort()).toEqual([
      ['call-b', 2],
      ['call-c', 1],
      ['call-d', 3],
    ]);
    expect(written.find((m) => m.callId === 'call-d')).toMatchObject({ conversationId: withGrace, senderId: ada.id, kind: 'call' });
    // Grace saw call-b (answered elsewhere, say) but not call-d; the caller sent them all.
    expect((await conversations(grace))[0]).toMatchObject({ id: withGrace, lastSeq: 3, unreadCount: 1 });
    expect((await conversations(alan))[0]).toMatchObject({ id: withAlan, lastSeq: 1, unreadCount: 0 });
    expect((await conversations(ada)).map((c: any) => c.unreadCount)).toEqual([0, 0]);
    expect((await history(grace, withGrace)).items.map((m: any) => m.call.callId)).toEqual(['call-d', 'call-b', 'call-a']);
  });

  it('delivers chat to every Socket.IO dialect without changing the one a socket speaks', async () => {
    const ada = await online('student');
    const grace = await user('mentor');
    const seed002 = await open(grace);
    const heard = nextEvent(seed002, 'new_message');
    await send(ada.socket, { to_user_id: grace.id, text: 'hello from chat' });
    expect((await heard).message.text).toBe('hello from chat');

    // A socket whose first event was chat still hears calls in every dialect until it speaks one.
    await send(seed002, { to_user_id: ada.id, text: 'hi back' });
    const asSeed002 = nextEvent(seed002, 'incomingCall');
    const asSeed003 = nextEvent(seed002, 'incoming_call');
    await emitWithAck(ada.socket, 'startCall', { recipientUserId: grace.id });
    await Promise.all([asSeed002, asSeed003]);
  });

  it('shows students who chatted each other’s presence', async () => {
    const ada = await online('student');
    const bob = await online('student');
    await send(ada.socket, { to_user_id: bob.id, text: 'study group?' });
    const offline = nextMatching(ada.socket, 'user_offline', (e) => e.user_id === bob.id);
    bob.socket.disconnect();
    expect(await offline).toMatchObject({ user_id: bob.id, last_seen_at: expect.any(String), userId: bob.id, userRole: 'student' });
  });
});

describe('chat attachments (e2e)', () => {
  const { t, user, online, open, api } = useTestApp({ MAX_UPLOAD_BYTES: '2048' });
  const upload = (who: RegisteredUser, content: Buffer, name: string, contentType: string) =>
    api(who).post('/chat/attachments').attach('file', content, { filename: name, contentType });

  it('uploads, sends, and lets members download with the original name and type; others get not_found', async () => {
    const ada = await online('student');
    const grace = await user('mentor');
    const outsider = await user();
    const bytes = Buffer.from('%PDF-1.4 worksheet ✓');
    const { body: uploaded } = await upload(ada, bytes, 'Übung 3.pdf', 'application/pdf').expect(201);
    expect(uploaded).toEqual({
      id: expect.any(String),
      name: 'Übung 3.pdf',
      size: bytes.length,
      contentType: 'application/pdf',
      url: `/chat/attachments/${uploaded.id}`,
      createdAt: expect.any(String),
    });

    // Until it is sent, only the uploader can read it.
    await api(grace).get(uploaded.url).expect(404);
    const ack = await emitWithAck(ada.socket, 'send_message', {
      to_user_id: grace.id,
      text: 'the worksheet',
      attachment_ids: [uploaded.id],
    });
    expect(ack.message.attachments).toEqual([uploaded]);

    const download = await api(grace)
      .get(uploaded.url)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(download.body).toEqual(bytes);
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(download.headers['content-disposition']).toBe(
      `attachment; filename="_bung 3.pdf"; filename*=UTF-8''${encodeURIComponent('Übung 3.pdf')}`,
    );
    expect(download.headers['x-content-type-options']).toBe('nosniff');

    const { body: refused } = await api(outsider).get(uploaded.url).expect(404);
    expect(refused.code).toBe('not_found');
    await request(t.url).get(uploaded.url).expect(401);

    // An attachment goes out with one message only.
    const again = await emitWithAck(ada.socket, 'send_message', { to_user_id: grace.id, text: 'again', attachment_ids: [uploaded.id] });
    expect(again).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it('refuses files over MAX_UPLOAD_BYTES, types off the allow-list, and requests without a file', async () => {
    const ada = await user();
    const { body: tooBig } = await upload(ada, Buffer.alloc(4096, 1), 'big.png', 'image/png').expect(413);
    expect(tooBig).toMatchObject({ statusCode: 413, code: 'payload_too_large' });
    const { body: html } = await upload(ada, Buffer.from('<script>alert(1)</script>'), 'x.html', 'text/html').expect(400);
    expect(html).toMatchObject({ code: 'validation_failed', details: { file: expect.any(Array) } });
    const { body: none } = await api(ada).post('/chat/attachments').field('note', 'no file').expect(400);
    expect(none).toMatchObject({ code: 'validation_failed', details: { file: ['is required'] } });
    const { body: wrongField } = await api(ada).post('/chat/attachments').attach('upload', Buffer.from('x'), 'a.txt').expect(400);
    expect(wrongField.code).toBe('validation_failed');
    const { body: stolen } = await upload(await user(), Buffer.from('mine'), 'mine.txt', 'text/plain').expect(201);
    const sock = await open(ada);
    const grace = await user('mentor');
    const ack = await emitWithAck(sock, 'send_message', { to_user_id: grace.id, text: 'not mine', attachment_ids: [stolen.id] });
    expect(ack).toMatchObject({ ok: false, error: { code: 'validation_failed', details: { attachment_ids: expect.any(Array) } } });
    expect((await api(ada).get('/chat/conversations')).body.items).toEqual([]);
  });

  it('keeps at most 20 uploads waiting to be sent per user, and deletes those never sent after a day, bytes and all', async () => {
    const ada = await online('student');
    const grace = await user('mentor');
    const uploads = [];
    for (let i = 0; i < MAX_UNSENT_ATTACHMENTS; i++)
      uploads.push((await upload(ada, Buffer.from(`page ${i}`), `p${i}.txt`, 'text/plain').expect(201)).body);
    const { body: refused } = await upload(ada, Buffer.from('one more'), 'more.txt', 'text/plain').expect(429);
    expect(refused).toMatchObject({ code: 'rate_limited' });
    // Sent, an upload no longer waits: there is room for one more.
    const [sent, kept] = uploads;
    await emitWithAck(ada.socket, 'send_message', { to_user_id: grace.id, text: 'page 0', attachment_ids: [sent.id] });
    const { body: late } = await upload(ada, Buffer.from('one more'), 'more.txt', 'text/plain').expect(201);

    // A day later: the uploads never sent are gone, with their bytes; the sent one stays.
    const prisma = t.app.get(PrismaService);
    await prisma.attachment.updateMany({ where: { uploaderId: ada.id }, data: { createdAt: new Date(Date.now() - 25 * 3_600_000) } });
    await prisma.attachment.update({ where: { id: late.id }, data: { createdAt: new Date() } });
    await t.app.get(AttachmentsService).sweepUnsent();
    await api(ada).get(kept.url).expect(404);
    expect(existsSync(join(t.config.chat.uploadDir, kept.id))).toBe(false);
    await api(grace).get(sent.url).expect(200);
    await api(ada).get(late.url).expect(200);
  });
});

describe('typing, with a long timeout (e2e)', () => {
  const { online } = useTestApp({ TYPING_TIMEOUT_MS: '30000' });

  it("ends when the typist's last connection goes, not at the timeout", async () => {
    const ada = await online();
    const grace = await online('mentor');
    const { message } = await emitWithAck(ada.socket, 'send_message', { to_user_id: grace.id, text: 'hi' });
    const started = nextEvent(grace.socket, 'user_typing');
    await emitWithAck(ada.socket, 'user_typing', { conversation_id: message.conversationId });
    await started;
    const stopped = nextEvent(grace.socket, 'user_stopped_typing');
    ada.socket.disconnect();
    expect(await stopped).toMatchObject({ conversation_id: message.conversationId, user_id: ada.id });
  });
});
