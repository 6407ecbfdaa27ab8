import fc from 'fast-check';
import { databaseState, FUZZ_TIMEOUT_MS, Outcome, Payload } from '../helpers/fuzz';
import {
  connectIn,
  EventCase,
  eventCases,
  expectUsersStillFree,
  fuzzSocketEvents,
  idPool,
  textIdPool,
  unknownEventCases,
  useFuzzWorld,
} from '../helpers/fuzz-world';
import { registerUser } from '../helpers/users';

const INSTANT_EVENTS = [
  'initiate_call',
  'accept_call',
  'reject_call',
  'end_call',
  'mentor_available',
  'mentor_busy',
  'student_request_help',
  'accept_help_request',
  'cancel_help_request',
];
const CHAT_EVENTS = ['send_message', 'user_typing', 'user_stopped_typing', 'mark_read'];

/** What send_message refuses first: no content, not exactly one target, a message to oneself; else the target is unknown. */
function sendOutcome(me: string) {
  return (p: Payload): Outcome[] => {
    const text = typeof p.text === 'string' ? p.text : '';
    const attachments = Array.isArray(p.attachment_ids) ? p.attachment_ids : [];
    if (text.trim() === '' && attachments.length === 0) return ['validation_failed'];
    const targets = [p.to_user_id, p.conversation_id, p.call_id].filter((v) => v !== undefined);
    if (targets.length !== 1 || p.to_user_id === me) return ['validation_failed'];
    return ['not_found'];
  };
}

describe('fuzz: Socket.IO seed 003 and chat events (e2e)', () => {
  const f = useFuzzWorld(async (t, built) => ({
    fuzzer: await connectIn(t, built.fuzzer, 'instant'),
    /** A mentor, who fuzzes the one student-only event (the fuzzer is a student). */
    mentor: await connectIn(t, await registerUser(t.url, 'mentor', 'Fuzzing mentor'), 'instant'),
  }));

  /** Seed 003: the fuzzer is a student (no mentor status, no accepting help), the mentor may not ask for help. */
  function instantCases(): fc.Arbitrary<EventCase> {
    const { fuzzer: me, missedCallId, foreignCallId } = f.world;
    const callId = { call_id: { type: 'id', valid: idPool(missedCallId, foreignCallId) } } as const;
    const onMissed =
      (outcome: Outcome) =>
      (p: Payload): Outcome[] => [p.call_id === missedCallId ? outcome : 'not_found'];
    const requestId = { request_id: { type: 'text', min: 1, max: 128, valid: textIdPool() } } as const;
    const statusMessage = { optional: { status_message: { type: 'text', max: 200 } }, required: {} } as const;
    return fc.oneof(
      eventCases(
        'initiate_call',
        { required: { to_user_id: { type: 'id', valid: idPool(me.id) }, call_type: { type: 'enum', values: ['video', 'audio'] } } },
        (p) => [p.to_user_id === me.id ? 'validation_failed' : 'not_found'],
      ),
      eventCases('accept_call', { required: callId }, onMissed('forbidden')),
      eventCases('reject_call', { required: callId, optional: { reason: { type: 'text', max: 500 } } }, onMissed('forbidden')),
      eventCases('end_call', { required: callId }, onMissed('invalid_state')),
      eventCases('mentor_available', statusMessage, () => ['forbidden']),
      eventCases('mentor_busy', statusMessage, () => ['forbidden']),
      eventCases('accept_help_request', { required: requestId }, () => ['forbidden']),
      eventCases('cancel_help_request', { required: requestId }, () => ['not_found']),
      eventCases(
        'student_request_help',
        {
          required: { topic: { type: 'text', min: 1, max: 200 } },
          optional: { message: { type: 'text', max: 2000 }, target_type: { type: 'enum', values: ['mentor', 'tutor'] } },
        },
        () => ['forbidden'],
      ).map((c) => ({ ...c, fromMentor: true })),
    );
  }

  /**
   * Chat: messages may go to nobody real but the fuzzer itself (refused), a foreign conversation
   * or call; typing in and reading the fuzzer's own conversation succeed and change nothing (the
   * other member is offline, and its one message is the fuzzer's, read as sent).
   */
  function chatCases(): fc.Arbitrary<EventCase> {
    const { fuzzer: me, foreignCallId, ownConversationId, ownMessageId, foreignConversationId, foreignMessageId } = f.world;
    const conversation = { type: 'text', min: 1, max: 128, valid: textIdPool(ownConversationId, foreignConversationId) } as const;
    const typing = (p: Payload): Outcome[] => [p.conversation_id === ownConversationId ? 'ok' : 'not_found'];
    return fc.oneof(
      eventCases(
        'send_message',
        {
          required: {},
          optional: {
            to_user_id: { type: 'id', valid: idPool(me.id) },
            conversation_id: { type: 'text', min: 1, max: 128, valid: textIdPool(foreignConversationId) },
            call_id: { type: 'id', valid: idPool(foreignCallId) },
            text: { type: 'text', max: 4000 },
            client_message_id: { type: 'text', min: 1, max: 100, valid: fc.stringMatching(/^[\x21-\x7e]{1,100}$/) },
            attachment_ids: { type: 'ids', max: 10, valid: textIdPool() },
          },
        },
        sendOutcome(me.id),
      ),
      eventCases('user_typing', { required: { conversation_id: conversation } }, typing),
      eventCases('user_stopped_typing', { required: { conversation_id: conversation } }, typing),
      eventCases(
        'mark_read',
        {
          required: {
            conversation_id: conversation,
            up_to_message_id: { type: 'text', min: 1, max: 128, valid: textIdPool(ownMessageId, foreignMessageId) },
          },
        },
        (p) => [p.conversation_id === ownConversationId && p.up_to_message_id === ownMessageId ? 'ok' : 'not_found'],
      ),
    );
  }

  it(
    'answers every malformed, foreign or unknown seed-003 and chat event with a contract error and changes nothing',
    async () => {
      const cases = fc.oneof(
        { arbitrary: instantCases(), weight: 4 },
        { arbitrary: chatCases(), weight: 4 },
        { arbitrary: unknownEventCases([...INSTANT_EVENTS, ...CHAT_EVENTS]), weight: 1 },
      );
      await fuzzSocketEvents(cases, (c) => ('fromMentor' in c ? f.mentor : f.fuzzer));
      expect(await databaseState(f.t.app)).toEqual(f.world.state);
      expect(f.heard).toEqual([]);
    },
    FUZZ_TIMEOUT_MS,
  );

  it('leaves the fuzzing user free to call, and the server healthy', async () => {
    await expectUsersStillFree(f.t, f.world, f.observer);
  });
});
