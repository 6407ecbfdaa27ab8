import fc from 'fast-check';
import { databaseState, FUZZ_TIMEOUT_MS, Outcome, Payload, Shape } from '../helpers/fuzz';
import { expectUsersStillFree, fuzzRawFrames, idPool, junkFrames, messageCases, useFuzzWorld } from '../helpers/fuzz-world';
import { RawClient } from '../helpers/raw-ws';

const ACTIONS = ['start_call', 'answer_call', 'reject_call', 'cancel_call', 'offer', 'answer', 'ice_candidate', 'hang_up'];

describe('fuzz: raw WebSocket /ws/call/, seed 001 (e2e)', () => {
  const f = useFuzzWorld(async (t, built) => ({ fuzzer: await RawClient.connect(t.url, '/ws/call/', built.fuzzer.token) }));

  function seed001Cases() {
    const { fuzzer: me, observer: them, offline, missedCallId, foreignCallId } = f.world;
    const id = (valid = idPool()) => ({ type: 'id', valid }) as const;
    const callId = id(idPool(missedCallId, foreignCallId));
    const peer = id(idPool(me.id, them.id, offline.id));
    const onMissed =
      (outcome: Outcome) =>
      (p: Payload): Outcome[] => [p.call_id === missedCallId ? outcome : 'not_found'];
    // Without call_id, the fuzzer's open call, and it has none.
    const closing =
      (outcome: Outcome) =>
      (p: Payload): Outcome[] =>
        p.call_id === undefined ? ['not_found'] : onMissed(outcome)(p);
    // No call is open: every relay names nobody in a call with the fuzzer.
    const relay = (peerKey: string, payloadKey: string): Shape => ({
      required: { [peerKey]: peer, [payloadKey]: { type: 'opaque' } },
      optional: { call_id: callId },
    });
    return fc.oneof(
      messageCases('action', 'start_call', { required: { callee_id: id(idPool(me.id)) } }, (p) => [
        p.callee_id === me.id ? 'validation_failed' : 'not_found',
      ]),
      messageCases('action', 'answer_call', { required: { call_id: callId }, optional: { caller_id: peer } }, onMissed('forbidden')),
      messageCases('action', 'reject_call', { required: { call_id: callId }, optional: { caller_id: peer } }, onMissed('forbidden')),
      messageCases('action', 'cancel_call', { required: {}, optional: { call_id: callId, callee_id: peer } }, closing('invalid_state')),
      messageCases('action', 'offer', relay('callee_id', 'offer'), () => ['not_found']),
      messageCases('action', 'answer', relay('caller_id', 'answer'), () => ['not_found']),
      messageCases('action', 'ice_candidate', relay('peer_id', 'candidate'), () => ['not_found']),
      messageCases('action', 'hang_up', { required: {}, optional: { call_id: callId, peer_id: peer } }, closing('invalid_state')),
    );
  }

  it(
    'answers every malformed, foreign, unknown, non-JSON or binary frame with an error and changes nothing',
    async () => {
      const cases = fc.oneof({ arbitrary: seed001Cases(), weight: 4 }, { arbitrary: junkFrames('action', ACTIONS), weight: 1 });
      await fuzzRawFrames(f.fuzzer, cases, { echoesAction: true });
      expect(await databaseState(f.t.app)).toEqual(f.world.state);
      expect(f.heard).toEqual([]);
    },
    FUZZ_TIMEOUT_MS,
  );

  it('leaves the fuzzing user free to call, and the server healthy', async () => {
    await expectUsersStillFree(f.t, f.world, f.observer);
  });
});
