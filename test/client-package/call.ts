// One call through the packed client, as a consumer project runs it: the caller places a call, the
// callee accepts, a controller made later finds the call, the caller hangs up, and a refused step carries the server's code. Compiled and run
// by test/client-package.e2e-spec.ts as an ES module (esm/) and as CommonJS (cjs/).
import { io } from 'socket.io-client';
import { ackData, CallController, ERROR_CODES, SignalingError, type CallPhase, type CallsSocket } from '@call-signaling/client';

interface Party {
  id: string;
  token: string;
}

async function main(): Promise<void> {
  const { url, caller, callee } = JSON.parse(process.argv[2] ?? '{}') as { url: string; caller: Party; callee: Party };
  const [callerSocket, calleeSocket] = await Promise.all([signIn(url, caller), signIn(url, callee)]);
  const calling = new CallController({ socket: callerSocket, userId: caller.id, serverUrl: url, token: caller.token });
  const called = new CallController({ socket: calleeSocket, userId: callee.id, serverUrl: url, token: () => callee.token });

  const rung = phase(called, 'incoming');
  const placed = await calling.start(callee.id, { hasVideo: false });
  await rung;
  const answered = phase(calling, 'active');
  await called.accept();
  await answered;
  // A controller made once the socket is connected (as after a reload) asks for the open call itself.
  const later = new CallController({ socket: calleeSocket, userId: callee.id, serverUrl: url, token: callee.token });
  await phase(later, 'active');
  later.close();
  const hungUp = phase(called, 'idle');
  await calling.hangUp();
  await hungUp;

  let refusal = '';
  try {
    ackData(await calleeSocket.emitWithAck('acceptCall', { callId: placed.id }));
  } catch (error) {
    if (error instanceof SignalingError) refusal = error.code;
  }
  console.log(
    JSON.stringify({
      callId: placed.id,
      callerEnd: calling.getSnapshot().lastEnd,
      calleeEnd: called.getSnapshot().lastEnd,
      refusal,
      knownCode: ERROR_CODES.includes('invalid_state'),
    }),
  );
  callerSocket.close();
  calleeSocket.close();
}

function signIn(url: string, party: Party): Promise<CallsSocket> {
  const socket: CallsSocket = io(url, { auth: { token: party.token, dialect: 'calls' }, transports: ['websocket'], reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once('authenticated', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

function phase(controller: CallController, wanted: CallPhase): Promise<void> {
  return new Promise((resolve) => {
    const stop = controller.subscribe(() => {
      if (controller.getSnapshot().phase !== wanted) return;
      stop();
      resolve();
    });
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
