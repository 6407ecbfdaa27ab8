// Load generator of the idle-capacity scenario: opens connections that then sit idle (answering
// heartbeats only). Its task comes on stdin (readTask):
//   {client, port, base, addresses, perAddress, connsPerUser, warmUsers?, subscribe?}
// With `subscribe` (app-socket.io only), each connection sends presence_subscribe with it once
// authenticated, and counts as ready when that is answered.
// With `warmUsers` it connects each of that many users once, disconnects, prints one JSON line and
// exits (run it with runLoad). Otherwise it waits for commands on its IPC channel, one at a time:
//   {open: n}  opens the next n connections (global indices base, base + 1, …) and replies
//              {opened, failed, failures, ms, cpuMs}, ms from the first connect to the last
//              authenticated, cpuMs the generator's own CPU time meanwhile;
//   {count}    replies {open, dropped, drops}: connections still open, and those lost since;
//   {exit}     prints the same counts as its last JSON line on stdout and exits.
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import { mintToken, readTask } from '../lib.mjs';

const CONNECT_TIMEOUT_MS = 20_000;

const task = await readTask();
const userOf = (index) => `idle-${Math.floor(index / task.connsPerUser)}`;
const tokens = new Map();
const tokenOf = (index) => {
  const user = userOf(index);
  if (!tokens.has(user)) tokens.set(user, mintToken(user));
  return tokens.get(user);
};

/** How each kind of client opens connection `index` and when it counts as ready (authenticated). */
const CLIENTS = {
  'bare-socket.io': (index, localAddress, on) => socketIo({ userId: userOf(index) }, 'connect', localAddress, on),
  'app-socket.io': (index, localAddress, on) => socketIo({ token: tokenOf(index) }, 'authenticated', localAddress, on),
  'bare-ws': (index, localAddress, on) => webSocket(`/?user=${userOf(index)}`, localAddress, on),
  // The raw-WebSocket server checks the token before the upgrade: open means authenticated.
  'app-ws': (index, localAddress, on) => webSocket(`/ws/call/?token=${tokenOf(index)}`, localAddress, on),
};

function socketIo(auth, readyEvent, localAddress, on) {
  // forceNew: one engine.io session per socket (by default sockets to one URL share one session).
  const socket = io(`http://127.0.0.1:${task.port}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: CONNECT_TIMEOUT_MS,
    auth,
    localAddress,
  });
  if (task.subscribe && readyEvent === 'authenticated')
    socket.once(readyEvent, () =>
      socket.emit('presence_subscribe', task.subscribe, (reply) =>
        reply.ok ? on.ready() : on.lost(`presence_subscribe: ${reply.error.code}`),
      ),
    );
  else socket.once(readyEvent, on.ready);
  socket.on('connect_error', (error) => on.lost(`connect_error: ${error.message}`));
  socket.on('disconnect', (reason) => on.lost(`disconnect: ${reason}`));
  return () => socket.close();
}

function webSocket(path, localAddress, on) {
  const socket = new WebSocket(`ws://127.0.0.1:${task.port}${path}`, { localAddress });
  socket.once('open', on.ready);
  socket.on('error', (error) => on.lost(`error: ${error.message}`));
  socket.on('close', (code) => on.lost(`close ${code}`));
  return () => socket.close();
}

const live = new Set();
const drops = {};
const count = (tally, reason) => (tally[reason] = (tally[reason] ?? 0) + 1);

/** Resolves with a close function once connection `index` is ready; a loss after that is a drop. */
function connect(index, localAddress) {
  return new Promise((resolve, reject) => {
    let state = 'connecting';
    const connection = () => {
      state = 'closed';
      live.delete(connection);
      close();
    };
    const fail = (reason) => {
      clearTimeout(timer);
      state = 'closed';
      close();
      reject(new Error(reason));
    };
    const timer = setTimeout(() => fail('timed out'), CONNECT_TIMEOUT_MS);
    const close = CLIENTS[task.client](index, localAddress, {
      ready() {
        if (state !== 'connecting') return;
        clearTimeout(timer);
        state = 'open';
        live.add(connection);
        resolve(connection);
      },
      lost(reason) {
        if (state === 'connecting') return fail(reason);
        if (state !== 'open') return;
        state = 'closed';
        live.delete(connection);
        count(drops, reason);
      },
    });
  });
}

/**
 * Connects every index, at most `perAddress` handshakes in flight per source address (the app
 * caps unauthenticated sessions per IP); `keep` false closes each connection once it is ready.
 */
async function connectAll(indices, keep) {
  const failures = {};
  let next = 0;
  let opened = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const worker = async (localAddress) => {
    while (next < indices.length) {
      const index = indices[next++];
      try {
        const close = await connect(index, localAddress);
        opened++;
        if (!keep) close();
      } catch (error) {
        count(failures, error.message);
      }
    }
  };
  await Promise.all(task.addresses.flatMap((address) => Array.from({ length: task.perAddress }, () => worker(address))));
  const cpu = process.cpuUsage(cpuBefore);
  return { opened, failed: indices.length - opened, failures, ms: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const counts = () => ({ open: live.size, dropped: Object.values(drops).reduce((a, b) => a + b, 0), drops });

if (task.warmUsers) {
  const firstOfEachUser = Array.from({ length: task.warmUsers }, (_, user) => user * task.connsPerUser);
  console.log(JSON.stringify(await connectAll(firstOfEachUser, false)));
  process.exit(0);
}

let nextIndex = task.base;
process.on('disconnect', () => process.exit(1)); // the scenario is gone
process.on('message', async (command) => {
  if (command.open !== undefined) {
    const indices = Array.from({ length: command.open }, (_, i) => nextIndex + i);
    nextIndex += command.open;
    process.send(await connectAll(indices, true));
  } else if (command.count) process.send(counts());
  else if (command.exit) {
    console.log(JSON.stringify(counts()));
    process.exit(0);
  }
});
