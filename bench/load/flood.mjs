// Load generator for the flood scenario, in its own process, in one of two roles:
// - bystander: `calls` established calls on the Socket.IO calls protocol whose parties relay 3 KB
//   offers to each other at `rate`/s from `startAt` for `durationMs`; it reports every offer's
//   wall-clock send time and one-way latency, so the scenario can cut them into windows.
// - attacker: from `startAt`, `frames` garbage frames over signed-in connections (Socket.IO framing
//   and raw WebSocket) as fast as the sockets take them, for at most `maxMs`, reconnecting whatever
//   the server closes (a refused connection is tried again after `retryAfterMs`).
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { mintToken, readTask, sleep } from '../lib.mjs';

const task = await readTask();
const wallClock = () => performance.timeOrigin + performance.now();
const wsUrl = task.url.replace('http', 'ws');

function once(emitter, event, ms = 20_000) {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no ${event} within ${ms} ms`)), ms);
    emitter.once(event, (value) => {
      clearTimeout(timer);
      done(value);
    });
    // A raw WebSocket refused at the upgrade (say, 429) ends in error and close, never open.
    if (emitter instanceof WebSocket && event === 'open') {
      emitter.once('close', () => {
        clearTimeout(timer);
        fail(new Error('refused'));
      });
    }
  });
}

async function untilWallClock(at) {
  while (wallClock() < at - 20) await sleep(10);
  while (wallClock() < at) await new Promise(setImmediate);
}

// ---------------------------------------------------------------- bystander

const SDP =
  `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n${'a=candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host generation 0\r\n'.repeat(40)}`.slice(
    0,
    2_950,
  );

async function bystander() {
  const samples = [];
  const parties = [];
  for (let i = 0; i < task.calls; i++) {
    const caller = { userId: `flood-caller-${i}`, role: 'student' };
    const callee = { userId: `flood-callee-${i}`, role: 'mentor', peer: caller };
    caller.peer = callee;
    parties.push(caller, callee);
  }
  // A few at a time: the server admits a bounded number of handshakes from one address at once.
  for (let i = 0; i < parties.length; i += 10) {
    await Promise.all(
      parties.slice(i, i + 10).map(async (party) => {
        party.socket = io(task.url, {
          transports: ['websocket'],
          auth: { token: mintToken(party.userId, party.role) },
          reconnection: false,
        });
        party.socket.on('connect_error', (error) => console.error(`bystander ${party.userId}: ${error.message}`));
        await once(party.socket, 'authenticated');
        party.socket.on('offer', ({ offer }) => samples.push([Math.round(offer.sentAt), +(wallClock() - offer.sentAt).toFixed(2)]));
      }),
    );
  }
  for (const caller of parties.filter((_, i) => i % 2 === 0)) {
    const started = await caller.socket.emitWithAck('startCall', { recipientUserId: caller.peer.userId });
    if (!started.ok) throw new Error(`startCall: ${JSON.stringify(started.error)}`);
    for (const party of [caller.peer, caller]) {
      const joined = await party.socket.emitWithAck('joinCall', { callId: started.call.id, hasVideo: true, hasAudio: true });
      if (!joined.ok) throw new Error(`joinCall: ${JSON.stringify(joined.error)}`);
    }
  }
  await untilWallClock(task.startAt);
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < task.durationMs) {
    const due = Math.floor(((performance.now() - start) / 1000) * task.rate);
    for (; sent < due; sent++) {
      const party = parties[sent % parties.length];
      party.socket.emit('offer', { targetSocketId: party.peer.socket.id, signal: { type: 'offer', sdp: SDP, sentAt: wallClock() } });
    }
    await sleep(1);
  }
  await sleep(2_000); // what is still in flight
  for (const party of parties) party.socket.close();
  return { sent, samples };
}

// ---------------------------------------------------------------- attacker

const deepArray = (depth) => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const junk = (bytes) => Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 131 + 7) & 0xff));

/** What each kind of connection sends, in turn: [what, frame or frames]. */
const SOCKET_IO_FRAMES = [
  ['20 000-deep array', `42["offer",${deepArray(20_000)}]`],
  ['20 000-deep object', `42["startCall",${deepObject(20_000)}]`],
  ['70 KB binary attachment', [`451-["offer",{"targetSocketId":"x","signal":{"_placeholder":true,"num":0}}]`, junk(70_000)]],
  ['truncated packet', `42["offer",{"targetSocketId":"x","signal":{"type":"offer","sdp":"${'v=0 '.repeat(2_000)}`],
  ['unknown event with 60 KB', `42["no-such-event","${'x'.repeat(60_000)}"]`],
  ['not a packet', junk(2_000).toString('latin1')],
  ['1 MB frame', `42["offer","${'x'.repeat(1_000_000)}"]`],
];
const RAW_WS_FRAMES = [
  ['20 000-deep array', deepArray(20_000)],
  ['20 000-deep object', deepObject(20_000)],
  ['binary junk', junk(70_000)],
  ['truncated JSON', `{"action":"offer","callee_id":"x","offer":{"sdp":"${'v=0 '.repeat(2_000)}`],
  ['60 KB unknown action', JSON.stringify({ action: 'no-such-action', data: 'x'.repeat(60_000) })],
  ['1 MB frame', 'x'.repeat(1_000_000)],
];

/** A signed-in Socket.IO session spoken to by hand (Engine.IO 4 over WebSocket), so any frame can be sent. */
async function socketIoConnection(userId) {
  const socket = new WebSocket(`${wsUrl}/socket.io/?EIO=4&transport=websocket`);
  socket.on('error', () => {});
  socket.on('message', (data, binary) => {
    if (!binary && data.toString() === '2') socket.send('3');
  });
  await once(socket, 'open');
  socket.send(`40${JSON.stringify({ token: mintToken(userId, 'student') })}`);
  await new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error('not authenticated within 20 s')), 20_000);
    socket.on('message', function authenticated(data) {
      const text = String(data);
      if (!text.startsWith('42["authenticated"') && !text.startsWith('44')) return;
      clearTimeout(timer);
      socket.off('message', authenticated);
      // 44: Socket.IO's CONNECT_ERROR, the handshake refused.
      if (text.startsWith('44')) {
        socket.terminate();
        fail(new Error('refused'));
      } else done();
    });
  });
  return socket;
}

async function rawWsConnection(userId, path) {
  const socket = new WebSocket(`${wsUrl}${path}?token=${mintToken(userId, 'student')}`);
  socket.on('error', () => {});
  await once(socket, 'open');
  return socket;
}

async function attacker() {
  const lanes = [];
  for (let i = 0; i < task.connections; i++) {
    const userId = `flood-attacker-${i}`;
    const kind = i % 3 === 0 ? (i % 2 ? '/ws/call/' : '/ws/signaling/') : 'socket.io';
    const connect = kind === 'socket.io' ? () => socketIoConnection(userId) : () => rawWsConnection(userId, kind);
    const frames = (kind === 'socket.io' ? SOCKET_IO_FRAMES : RAW_WS_FRAMES).filter(([what]) => !task.only || task.only === what);
    if (frames.length) lanes.push({ connect, frames, socket: await connect(), next: i });
  }
  await untilWallClock(task.startAt);
  const startedAt = wallClock();
  let sent = 0;
  let reconnects = 0;
  const failures = [];
  await Promise.all(
    lanes.map(async (lane) => {
      while (sent < task.frames && wallClock() < startedAt + task.maxMs) {
        if (lane.socket.readyState !== WebSocket.OPEN) {
          try {
            lane.socket = await lane.connect();
            reconnects += 1;
          } catch (error) {
            failures.push(String(error.message ?? error));
            await sleep(task.retryAfterMs);
          }
          continue;
        }
        const [, frame] = lane.frames[lane.next++ % lane.frames.length];
        for (const part of [frame].flat()) lane.socket.send(part);
        sent += 1;
        // As fast as the socket takes them: wait only while its send buffer is full.
        while (lane.socket.readyState === WebSocket.OPEN && lane.socket.bufferedAmount > 1_000_000) await sleep(1);
        await new Promise(setImmediate);
      }
    }),
  );
  const endedAt = wallClock();
  for (const lane of lanes) lane.socket.terminate();
  return {
    startedAt,
    endedAt,
    sent,
    reconnects,
    refusedConnects: failures.filter((f) => f === 'refused').length,
    otherFailures: failures.filter((f) => f !== 'refused').slice(0, 5),
  };
}

const result = task.role === 'bystander' ? await bystander() : await attacker();
// The samples are a few hundred KB: exit once the pipe has taken them.
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
