import fc from 'fast-check';
import { databaseState, FUZZ_TIMEOUT_MS, junkValue, Outcome, Payload, Shape, unknownNames } from '../helpers/fuzz';
import {
  ALL_SOCKET_EVENTS,
  badTokens,
  CLIENT_RESERVED,
  connectIn,
  EventCase,
  eventCases,
  expectUsersStillFree,
  fuzzSocketEvents,
  idPool,
  unknownEventCases,
  useFuzzWorld,
} from '../helpers/fuzz-world';
import { connectSocket, nextEvent } from '../helpers/sockets';

describe('fuzz: Socket.IO seed 002, authenticate and unknown events (e2e)', () => {
  const f = useFuzzWorld(
    async (t, built) => {
      const anonymous = connectSocket(t.url);
      await nextEvent(anonymous, 'connect');
      return { fuzzer: await connectIn(t, built.fuzzer, 'calls'), anonymous };
    },
    // The anonymous socket must outlive the fuzz instead of timing out unauthenticated.
    { SOCKET_AUTH_TIMEOUT_MS: '300000' },
  );

  /** Seed 002's events, each with the outcome a well-typed payload must get. */
  function seed002Cases(): fc.Arbitrary<EventCase> {
    const { fuzzer: me, missedCallId, foreignCallId } = f.world;
    const callId = { callId: { type: 'id', valid: idPool(missedCallId, foreignCallId) } } satisfies Shape['required'];
    const target = { type: 'id', valid: idPool(f.fuzzer.id!, f.observer.id!) } as const;
    // The fuzzer is the host of the missed call (a party), and no party of the foreign one.
    const onMissed =
      (outcome: Outcome) =>
      (p: Payload): Outcome[] => [p.callId === missedCallId ? outcome : 'not_found'];
    return fc.oneof(
      eventCases(
        'startCall',
        {
          required: { recipientUserId: { type: 'id', valid: idPool(me.id) } },
          optional: { title: { type: 'text', max: 200 }, isPrivate: { type: 'boolean' }, hasVideo: { type: 'boolean' } },
        },
        (p) => [p.recipientUserId === me.id ? 'validation_failed' : 'not_found'],
      ),
      eventCases('acceptCall', { required: callId }, onMissed('forbidden')),
      eventCases('declineCall', { required: callId }, onMissed('forbidden')),
      eventCases('cancelCall', { required: callId }, onMissed('invalid_state')),
      eventCases(
        'joinCall',
        {
          required: { ...callId, hasVideo: { type: 'boolean' }, hasAudio: { type: 'boolean' } },
          optional: { userName: { type: 'text', max: 100 } },
        },
        onMissed('invalid_state'),
      ),
      eventCases('leaveCall', { required: callId }, onMissed('invalid_state')),
      eventCases('toggleVideo', { required: { ...callId, enabled: { type: 'boolean' } } }, onMissed('invalid_state')),
      eventCases('toggleAudio', { required: { ...callId, enabled: { type: 'boolean' } } }, onMissed('invalid_state')),
      // No call is open, so no connection is the fuzzer's peer: every relay names nobody.
      eventCases('offer', { required: { targetSocketId: target, signal: { type: 'opaque' } } }, () => ['not_found']),
      eventCases('answer', { required: { targetSocketId: target, signal: { type: 'opaque' } } }, () => ['not_found']),
      eventCases('iceCandidate', { required: { targetSocketId: target, candidate: { type: 'opaque' } } }, () => ['not_found']),
    );
  }

  /** authenticate on an authenticated socket: its own token refreshes, another user's is forbidden. */
  function authenticateCases(): fc.Arbitrary<EventCase> {
    const tokens = fc.oneof(
      { arbitrary: badTokens(f.t, f.world.fuzzer).map((token): [unknown, Outcome] => [token, 'unauthorized']), weight: 6 },
      { arbitrary: fc.constant<[unknown, Outcome]>([f.world.observer.token, 'forbidden']), weight: 1 },
      { arbitrary: fc.constant<[unknown, Outcome]>([f.world.fuzzer.token, 'ok']), weight: 1 },
      { arbitrary: fc.constant<[unknown, Outcome]>(['', 'validation_failed']), weight: 1 },
      {
        arbitrary: junkValue.filter((v) => typeof v !== 'string').map((token): [unknown, Outcome] => [token, 'validation_failed']),
        weight: 2,
      },
    );
    return fc.oneof(
      tokens.map(([token, outcome]): EventCase => ({ event: 'authenticate', label: 'token', payload: { token }, expect: [outcome] })),
      junkValue.map((payload): EventCase => ({ event: 'authenticate', label: 'not {token}', payload, expect: ['validation_failed'] })),
    );
  }

  /** A socket that never authenticated may send nothing but authenticate, and no bad token lets it in. */
  function anonymousCases(): fc.Arbitrary<EventCase> {
    const anyEvent = fc.oneof(
      fc.constantFrom(...ALL_SOCKET_EVENTS.filter((e) => e !== 'authenticate')),
      unknownNames([...ALL_SOCKET_EVENTS, ...CLIENT_RESERVED]),
    );
    return fc.oneof(
      fc
        .tuple(anyEvent, junkValue)
        .map(([event, payload]): EventCase => ({ event, anonymous: true, label: 'anonymous', payload, expect: ['unauthorized'] })),
      badTokens(f.t, f.world.fuzzer).map((token): EventCase => ({
        event: 'authenticate',
        anonymous: true,
        label: 'anonymous token',
        payload: { token },
        expect: ['unauthorized'],
      })),
      junkValue.map((payload): EventCase => ({
        event: 'authenticate',
        anonymous: true,
        label: 'anonymous junk',
        payload,
        expect: ['validation_failed', 'unauthorized'],
      })),
    );
  }

  /** Nesting far deeper than socket.io-client can encode (up to 20 000 levels, 40 KB), written as raw EVENT packets. */
  const deepPackets = () =>
    fc
      .tuple(fc.constantFrom('acceptCall', 'offer', 'joinCall', 'authenticate'), fc.integer({ min: 2_000, max: 20_000 }))
      .map(([event, levels]): EventCase => {
        const deep = `${'['.repeat(levels)}${']'.repeat(levels)}`;
        // An EVENT packet of the default namespace: "2" then [name, payload].
        const packet = `2[${JSON.stringify(event)},{"callId":"x","signal":${deep}}]`;
        return { event, label: 'deep packet', payload: undefined, packet, expect: ['validation_failed'] };
      });

  it(
    'answers every malformed, foreign or unknown event with a contract error and changes nothing',
    async () => {
      const cases = fc.oneof(
        { arbitrary: seed002Cases(), weight: 8 },
        { arbitrary: authenticateCases(), weight: 1 },
        { arbitrary: anonymousCases(), weight: 1 },
        { arbitrary: unknownEventCases(ALL_SOCKET_EVENTS), weight: 1 },
        { arbitrary: deepPackets(), weight: 1 },
      );
      await fuzzSocketEvents(cases, (c) => (c.anonymous ? f.anonymous : f.fuzzer));
      expect(await databaseState(f.t.app)).toEqual(f.world.state);
      expect(f.heard).toEqual([]);
    },
    FUZZ_TIMEOUT_MS,
  );

  it('leaves the fuzzing user free to call, and the server healthy', async () => {
    await expectUsersStillFree(f.t, f.world, f.observer);
  });
});
