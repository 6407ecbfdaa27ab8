import fc from 'fast-check';
import type { TestSocket } from '../helpers/sockets';
import { databaseState, FUZZ_TIMEOUT_MS, junkValue } from '../helpers/fuzz';
import { buildWorld, connectIn, expectUsersStillFree, FrameCase, fuzzRawFrames, FUZZ_APP_ENV, FuzzWorld, idPool, junkFrames, messageCases, overhear, settle } from '../helpers/fuzz-world';
import { RawClient } from '../helpers/raw-ws';
import { startTestApp, TestApp } from '../helpers/test-app';

const TYPES = ['call.invite', 'call.response'];

describe('fuzz: raw WebSocket /ws/signaling/, seed 000 (e2e)', () => {
  let t: TestApp;
  let world: FuzzWorld;
  let fuzzer: RawClient;
  let observer: TestSocket;
  let heard: string[];

  beforeAll(async () => {
    t = await startTestApp(FUZZ_APP_ENV);
    const built = await buildWorld(t);
    fuzzer = await RawClient.connect(t.url, '/ws/signaling/', built.fuzzer.token);
    await fuzzer.next('connection_established');
    observer = await connectIn(t, built.observer, 'calls');
    world = await settle(t, built);
    heard = overhear(observer);
  }, 60_000);

  afterAll(async () => {
    fuzzer?.close();
    observer?.disconnect();
    await t?.close();
  });

  function seed000Cases() {
    const { fuzzer: me, missedCallId, foreignCallId } = world;
    const room = { type: 'id', max: 200, valid: idPool(missedCallId, foreignCallId) } as const;
    return fc.oneof(
      // The fuzzer is a student: inviting itself fails on target_type; anyone else is unknown.
      messageCases(
        'type',
        'call.invite',
        {
          required: { to_user_id: { type: 'id', valid: idPool(me.id) }, target_type: { type: 'enum', values: ['mentor', 'tutor'] }, room_id: { type: 'id', max: 200, valid: idPool() } },
          optional: { caller_display: { type: 'text', max: 200 } },
        },
        (p) => [p.to_user_id === me.id ? 'validation_failed' : 'not_found'],
      ),
      // A call id names its call too: the missed call is the fuzzer's, but only its recipient may answer.
      messageCases('type', 'call.response', { required: { to_user_id: { type: 'id', valid: idPool() }, room_id: room, accept: { type: 'boolean' } } }, (p) => [
        p.room_id === missedCallId ? 'forbidden' : 'not_found',
      ]),
    );
  }

  /** ping takes no fields and ignores any: it always gets a pong. */
  const pings = fc
    .dictionary(fc.string({ maxLength: 12 }), junkValue, { maxKeys: 3 })
    .map((fields): FrameCase => ({ label: 'ping', frame: JSON.stringify({ ...fields, type: 'ping' }), binary: false, expect: ['ok'], echo: null }));

  it('answers every malformed, foreign, unknown, non-JSON or binary frame with an error and changes nothing', async () => {
    const cases = fc.oneof({ arbitrary: seed000Cases(), weight: 6 }, { arbitrary: pings, weight: 1 }, { arbitrary: junkFrames('type', TYPES, ['ping']), weight: 2 });
    await fuzzRawFrames(fuzzer, cases, { echoesAction: false });
    expect(await databaseState(t.app)).toEqual(world.state);
    expect(heard).toEqual([]);
  }, FUZZ_TIMEOUT_MS);

  it('leaves the fuzzing user free to call, and the server healthy', async () => {
    await expectUsersStillFree(t, world, observer);
  });
});
