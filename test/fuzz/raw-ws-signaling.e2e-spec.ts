import fc from 'fast-check';
import { databaseState, FUZZ_TIMEOUT_MS, junkValue } from '../helpers/fuzz';
import {
  expectUsersStillFree,
  FrameCase,
  fuzzRawFrames,
  idPool,
  junkFrames,
  messageCases,
  textCase,
  useFuzzWorld,
} from '../helpers/fuzz-world';
import { RawClient } from '../helpers/raw-ws';

const TYPES = ['call.invite', 'call.response'];

describe('fuzz: raw WebSocket /ws/signaling/, seed 000 (e2e)', () => {
  const f = useFuzzWorld(async (t, built) => {
    const fuzzer = await RawClient.connect(t.url, '/ws/signaling/', built.fuzzer.token);
    await fuzzer.next('connection_established');
    return { fuzzer };
  });

  function seed000Cases() {
    const { fuzzer: me, missedCallId, foreignCallId } = f.world;
    const room = { type: 'id', max: 200, valid: idPool(missedCallId, foreignCallId) } as const;
    return fc.oneof(
      // The fuzzer is a student: inviting itself fails on target_type; anyone else is unknown.
      messageCases(
        'type',
        'call.invite',
        {
          required: {
            to_user_id: { type: 'id', valid: idPool(me.id) },
            target_type: { type: 'enum', values: ['mentor', 'tutor'] },
            room_id: { type: 'id', max: 200, valid: idPool() },
          },
          optional: { caller_display: { type: 'text', max: 200 } },
        },
        (p) => [p.to_user_id === me.id ? 'validation_failed' : 'not_found'],
      ),
      // A call id names its call too: the missed call is the fuzzer's, but only its recipient may answer.
      messageCases(
        'type',
        'call.response',
        { required: { to_user_id: { type: 'id', valid: idPool() }, room_id: room, accept: { type: 'boolean' } } },
        (p) => [p.room_id === missedCallId ? 'forbidden' : 'not_found'],
      ),
    );
  }

  /** ping takes no fields and ignores any: it gets a pong, unless it nests too deep to be read. */
  const pings = fc
    .dictionary(fc.string({ maxLength: 12 }), junkValue, { maxKeys: 3 })
    .map((fields): FrameCase => textCase('ping', JSON.stringify({ ...fields, type: 'ping' }), ['ok'], 'type'));

  it(
    'answers every malformed, foreign, unknown, non-JSON or binary frame with an error and changes nothing',
    async () => {
      const cases = fc.oneof(
        { arbitrary: seed000Cases(), weight: 6 },
        { arbitrary: pings, weight: 1 },
        { arbitrary: junkFrames('type', TYPES, ['ping']), weight: 2 },
      );
      await fuzzRawFrames(f.fuzzer, cases, { echoesAction: false });
      expect(await databaseState(f.t.app)).toEqual(f.world.state);
      expect(f.heard).toEqual([]);
    },
    FUZZ_TIMEOUT_MS,
  );

  it('leaves the fuzzing user free to call, and the server healthy', async () => {
    await expectUsersStillFree(f.t, f.world, f.observer);
  });
});
