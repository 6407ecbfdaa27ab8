import { io } from 'socket.io-client';
import { mintToken, sleep, startServer } from '/work/main/bench/lib.mjs';
const server = await startServer(process.env.KIND ?? 'app', {
  db: 'postgres',
  postgresUrl: 'postgresql://postgres@127.0.0.1:55433/postgres',
});
const connect = (id) =>
  new Promise((done) => {
    const s = io(server.url, { transports: ['websocket'], forceNew: true, auth: { token: mintToken(id) } });
    s.once('authenticated', (p) => {
      s.sid = p.socketId;
      s.onAny((e) => (s.heard ??= []).push(e));
      done(s);
    });
  });
const next = (s, e) => new Promise((d) => s.once(e, d));
const a = await connect('cyc-a'),
  b = await connect('cyc-b');
async function cycle() {
  const ring = next(b, 'incomingCall');
  const { call } = await a.emitWithAck('startCall', { recipientUserId: 'cyc-b' });
  await ring;
  const acc = next(a, 'callAccepted');
  await b.emitWithAck('acceptCall', { callId: call.id });
  await acc;
  await a.emitWithAck('joinCall', { callId: call.id, hasVideo: true, hasAudio: true });
  await b.emitWithAck('joinCall', { callId: call.id, hasVideo: true, hasAudio: true });
  const off = next(b, 'offer');
  await a.emitWithAck('offer', { targetSocketId: b.sid, signal: { type: 'offer', sdp: 'x' } });
  await off;
  const ans = next(a, 'answer');
  await b.emitWithAck('answer', { targetSocketId: a.sid, signal: { type: 'answer', sdp: 'x' } });
  await ans;
  const ended = [next(a, 'callEnded'), next(b, 'callEnded')];
  await a.emitWithAck('leaveCall', { callId: call.id });
  await b.emitWithAck('leaveCall', { callId: call.id });
  await Promise.all(ended);
}
await cycle();
await sleep(500);
console.log('MARK START');
await fetch('http://127.0.0.1:1/').catch(() => {});
const { execSync } = await import('node:child_process');
execSync(`psql -h 127.0.0.1 -p 55433 -U postgres -c "select 'MARK-START'"`);
a.heard = [];
b.heard = [];
await cycle();
await sleep(1000);
console.log('A', a.heard.join(' '));
console.log('B', b.heard.join(' '));
execSync(`psql -h 127.0.0.1 -p 55433 -U postgres -c "select 'MARK-END'"`);
a.close();
b.close();
await server.stop();
