import fc from 'fast-check';
import { databaseState, FUZZ_TIMEOUT_MS, Payload } from '../helpers/fuzz';
import {
  connectIn,
  eventCases,
  expectUsersStillFree,
  fuzzSocketEvents,
  idPool,
  unknownEventCases,
  useFuzzWorld,
} from '../helpers/fuzz-world';

const WEBRTC_EVENTS = ['webrtc:call', 'webrtc:offer', 'webrtc:answer', 'webrtc:ice-candidate', 'webrtc:end-call'];

describe('fuzz: Socket.IO seed 004 webrtc:* events (e2e)', () => {
  const f = useFuzzWorld(async (t, built) => ({ fuzzer: await connectIn(t, built.fuzzer, 'webrtc') }));

  function webrtcCases() {
    const { fuzzer: me, observer: them, offline, missedCallId, foreignCallId } = f.world;
    const callId = { type: 'id', valid: idPool(missedCallId, foreignCallId) } as const;
    // Relays may name real users: with no call open, none of them is the fuzzer's peer.
    const peer = { type: 'id', valid: idPool(me.id, them.id, offline.id) } as const;
    /**
     * With a callId, webrtc:call invites into that call: only the missed call is the fuzzer's,
     * and it refuses a self-invite, then an unknown user. Without one it starts a call the same way.
     */
    const callOutcome = (p: Payload) => {
      if (p.callId !== undefined && p.callId !== missedCallId) return ['not_found'] as const;
      return [p.to === me.id ? 'validation_failed' : 'not_found'] as const;
    };
    return fc.oneof(
      eventCases(
        'webrtc:call',
        { required: { to: { type: 'id', valid: idPool(me.id) } }, optional: { callId, room_name: { type: 'text', max: 200 } } },
        callOutcome,
      ),
      eventCases('webrtc:offer', { required: { to: peer, sdp: { type: 'opaque' } }, optional: { callId } }, () => ['not_found']),
      eventCases('webrtc:answer', { required: { to: peer, sdp: { type: 'opaque' } }, optional: { callId } }, () => ['not_found']),
      eventCases('webrtc:ice-candidate', { required: { to: peer, candidate: { type: 'opaque' } }, optional: { callId } }, () => [
        'not_found',
      ]),
      // Without a callId it ends the fuzzer's open call: there is none.
      eventCases('webrtc:end-call', { required: { to: peer }, optional: { callId } }, (p) => [
        p.callId === missedCallId ? 'invalid_state' : 'not_found',
      ]),
    );
  }

  it(
    'answers every malformed, foreign or unknown webrtc:* event with a contract error and changes nothing',
    async () => {
      const cases = fc.oneof({ arbitrary: webrtcCases(), weight: 8 }, { arbitrary: unknownEventCases(WEBRTC_EVENTS), weight: 1 });
      await fuzzSocketEvents(cases, () => f.fuzzer);
      expect(await databaseState(f.t.app)).toEqual(f.world.state);
      expect(f.heard).toEqual([]);
    },
    FUZZ_TIMEOUT_MS,
  );

  it('leaves the fuzzing user free to call, and the server healthy', async () => {
    await expectUsersStillFree(f.t, f.world, f.observer);
  });
});
