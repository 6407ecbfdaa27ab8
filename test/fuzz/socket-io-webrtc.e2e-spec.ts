import fc from 'fast-check';
import type { TestSocket } from '../helpers/sockets';
import { databaseState, FUZZ_TIMEOUT_MS, Payload } from '../helpers/fuzz';
import { buildWorld, connectIn, eventCases, expectUsersStillFree, fuzzSocketEvents, FUZZ_APP_ENV, FuzzWorld, idPool, overhear, settle, unknownEventCases } from '../helpers/fuzz-world';
import { startTestApp, TestApp } from '../helpers/test-app';

const WEBRTC_EVENTS = ['webrtc:call', 'webrtc:offer', 'webrtc:answer', 'webrtc:ice-candidate', 'webrtc:end-call'];

describe('fuzz: Socket.IO seed 004 webrtc:* events (e2e)', () => {
  let t: TestApp;
  let world: FuzzWorld;
  let fuzzer: TestSocket;
  let observer: TestSocket;
  let heard: string[];

  beforeAll(async () => {
    t = await startTestApp(FUZZ_APP_ENV);
    const built = await buildWorld(t);
    fuzzer = await connectIn(t, built.fuzzer, 'webrtc');
    observer = await connectIn(t, built.observer, 'calls');
    world = await settle(t, built);
    heard = overhear(observer);
  }, 60_000);

  afterAll(async () => {
    for (const socket of [fuzzer, observer]) socket?.disconnect();
    await t?.close();
  });

  function webrtcCases() {
    const { fuzzer: me, observer: them, offline, missedCallId, foreignCallId } = world;
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
      eventCases('webrtc:call', { required: { to: { type: 'id', valid: idPool(me.id) } }, optional: { callId, room_name: { type: 'text', max: 200 } } }, callOutcome),
      eventCases('webrtc:offer', { required: { to: peer, sdp: { type: 'opaque' } }, optional: { callId } }, () => ['not_found']),
      eventCases('webrtc:answer', { required: { to: peer, sdp: { type: 'opaque' } }, optional: { callId } }, () => ['not_found']),
      eventCases('webrtc:ice-candidate', { required: { to: peer, candidate: { type: 'opaque' } }, optional: { callId } }, () => ['not_found']),
      // Without a callId it ends the fuzzer's open call: there is none.
      eventCases('webrtc:end-call', { required: { to: peer }, optional: { callId } }, (p) => [p.callId === missedCallId ? 'invalid_state' : 'not_found']),
    );
  }

  it('answers every malformed, foreign or unknown webrtc:* event with a contract error and changes nothing', async () => {
    const cases = fc.oneof({ arbitrary: webrtcCases(), weight: 8 }, { arbitrary: unknownEventCases(WEBRTC_EVENTS), weight: 1 });
    await fuzzSocketEvents(cases, () => fuzzer);
    expect(await databaseState(t.app)).toEqual(world.state);
    expect(heard).toEqual([]);
  }, FUZZ_TIMEOUT_MS);

  it('leaves the fuzzing user free to call, and the server healthy', async () => {
    await expectUsersStillFree(t, world, observer);
  });
});
