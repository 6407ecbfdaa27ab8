import request from 'supertest';
import { useCluster } from './helpers/cluster';
import { collect, connectAs } from './helpers/parties';
import type { ServerProcess } from './helpers/server-process';
import { emitWithAck, nextEvent, type TestSocket } from './helpers/sockets';
import { registerUser } from './helpers/users';

describe('session limits across two instances (e2e)', () => {
  const fixture = useCluster(2, { CALL_LIMIT_WARNINGS_S: '2,1' });
  const sockets: TestSocket[] = [];
  afterAll(() => {
    for (const socket of sockets) socket.disconnect();
  });

  /** An active call of `limit` seconds, the caller on `from` and the callee on `to`. */
  async function limitedCall(from: ServerProcess, to: ServerProcess, limit: number) {
    const [caller, callee] = await Promise.all([registerUser(from.url, 'student'), registerUser(to.url, 'mentor')]);
    const [callerSocket, calleeSocket] = await Promise.all([connectAs(from.url, caller), connectAs(to.url, callee)]);
    sockets.push(callerSocket, calleeSocket);
    const ringing = nextEvent(calleeSocket, 'incomingCall', 15_000);
    const { call } = await emitWithAck(callerSocket, 'startCall', { recipientUserId: callee.id, maxDurationS: limit });
    await ringing;
    await emitWithAck(calleeSocket, 'acceptCall', { callId: call.id });
    return { caller, callee, callerSocket, calleeSocket, callId: call.id };
  }

  it('warns each party once per warning and ends each call once, parties and timers on both instances', async () => {
    const [a, b] = fixture.instances;
    const calls = await Promise.all([limitedCall(a, b, 3), limitedCall(b, a, 3), limitedCall(a, b, 4)]);
    const heard = calls.map((call) => ({
      warnings: [collect(call.callerSocket, 'callTimeWarning'), collect(call.calleeSocket, 'callTimeWarning')],
      ended: [collect(call.callerSocket, 'callEnded'), collect(call.calleeSocket, 'callEnded')],
      end: Promise.all([nextEvent(call.callerSocket, 'callEnded', 15_000), nextEvent(call.calleeSocket, 'callEnded', 15_000)]),
    }));
    for (const [i, call] of calls.entries()) {
      await heard[i].end;
      for (const warnings of heard[i].warnings) expect(warnings.map((w) => w.secondsLeft)).toEqual([2, 1]);
      const { body } = await request(a.url).get(`/calls/${call.callId}`).set('Authorization', `Bearer ${call.caller.token}`).expect(200);
      expect(body).toMatchObject({ status: 'ENDED', endReason: 'time_limit' });
    }
    // The last call ended a second after the others: by then a second firing of any timer would have shown.
    for (const { ended } of heard) for (const events of ended) expect(events).toEqual([expect.objectContaining({ reason: 'time_limit' })]);
  });
});
