// Load generator of the handshake scenario's reconnect storm: `count` Socket.IO clients, each from
// its own loopback address (as after an instance's death, when its users come back from their own
// networks), start connecting evenly over `spreadMs`. A client the server refuses tries again after
// socket.io-client's default reconnection delay (1 s ± 50 %), as an app does; every refusal is
// counted by its message. Task (stdin): {url, count, spreadMs, prefix, bare?, warm?, giveUpMs, deadlineMs}:
// clients not in after `giveUpMs` are reported as not admitted.
// With `warm`, each user connects once, 20 at a time, and leaves (so that the storm's users are
// known to the server). Prints one JSON line.
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { mintToken, percentile, readTask, sleep } from '../lib.mjs';

const CONNECT_TIMEOUT_MS = 20_000;
const RETRY_MS = 1_000;
const WARM_IN_FLIGHT = 20;

const task = await readTask();
const now = () => performance.now();
/** Client i's own source address: 127.20.a.b, never .0 or .255. */
const addressOf = (i) => `127.20.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
const userOf = (i) => `${task.prefix}-${i}`;

/** Opens client i; resolves with the socket once authenticated, counting each refusal meanwhile. */
function open(i, refusals) {
  const userId = userOf(i);
  const socket = io(task.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: CONNECT_TIMEOUT_MS,
    auth: task.bare ? { userId } : { token: mintToken(userId) },
    localAddress: addressOf(i),
  });
  return new Promise((done) => {
    socket.once(task.bare ? 'connect' : 'authenticated', () => done(socket));
    socket.on('connect_error', (error) => {
      refusals[error.message] = (refusals[error.message] ?? 0) + 1;
      setTimeout(() => socket.connect(), RETRY_MS * (0.5 + Math.random()));
    });
  });
}

if (task.warm) {
  const refusals = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: WARM_IN_FLIGHT }, async () => {
      for (let i = next++; i < task.count; i = next++) (await open(i, refusals)).close();
    }),
  );
  console.log(JSON.stringify({ warmed: task.count, refusals }));
  process.exit(0);
}

const refusals = {};
const admitMs = [];
const sockets = [];
const start = now();
let lastAdmitted = start;
const everyone = Promise.all(
  Array.from({ length: task.count }, async (_, i) => {
    await sleep(start + (i * task.spreadMs) / task.count - now());
    const tried = now();
    sockets.push(await open(i, refusals));
    lastAdmitted = now();
    admitMs.push(lastAdmitted - tried);
  }),
);
await Promise.race([everyone, sleep(task.giveUpMs)]);
admitMs.sort((a, b) => a - b);
const round = (ms) => Math.round(ms);
console.log(
  JSON.stringify({
    admitted: sockets.length,
    notAdmitted: task.count - sockets.length,
    allAdmittedMs: round(lastAdmitted - start),
    admitP50Ms: round(percentile(admitMs, 50)),
    admitP99Ms: round(percentile(admitMs, 99)),
    refusals,
  }),
);
process.exit(0);
