// Load generator of the call-setup scenario: caller/callee pairs on the Socket.IO calls protocol
// run full cycles (start → ring → accept → both join → offer/answer → both leave). First closed
// loops at rising concurrency (max cycles/s), then an open loop at a fixed rate (per-step latency).
// Task (stdin): {url, serverPid, pairs, calleeRole?, openLoop: {ratePerS, warmupMs, durationMs},
// gentleOpenLoop? (the same, at a lower rate, run first), closedLoop: {levels, warmupMs, durationMs,
// jitWarmupMs?}}.
// Prints one JSON line.
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { cpuMs, mintToken, percentile, postgresCpuMs, readTask, sleep } from '../lib.mjs';

const STEP_TIMEOUT_MS = 10_000;
const MAX_WARMUP_MS = 15_000;
const MAX_WINDOW_MS = 20_000;
/** Below the server's MAX_UNAUTHENTICATED_PER_IP (20): a session counts until it has authenticated. */
const CONNECT_CONCURRENCY = 10;
const STEPS = ['startToIncoming', 'acceptToAccepted', 'join', 'offerToAnswer', 'leave', 'cycle'];
const OFFER = { type: 'offer', sdp: `v=0\r\n${'a=candidate:bench\r\n'.repeat(40)}` };
const ANSWER = { type: 'answer', sdp: OFFER.sdp };
const now = () => performance.now();

const task = await readTask();
/** Failed cycles of the current phase, by error. */
let failures = {};

/** A Socket.IO client that can wait for the next event of a kind matching a predicate. */
class Client {
  constructor(userId, role) {
    this.userId = userId;
    this.token = mintToken(userId, role);
    this.waiters = [];
    this.socket = io(task.url, {
      transports: ['websocket'],
      auth: { token: this.token },
      reconnection: false,
      forceNew: true,
      autoConnect: false,
    });
    this.socket.onAny((event, payload) => {
      const at = now();
      const index = this.waiters.findIndex((w) => w.event === event && w.match(payload));
      if (index >= 0) this.waiters.splice(index, 1)[0].resolve({ payload, at });
    });
  }

  async connect() {
    const failed = new Promise((_, reject) => this.socket.once('connect_error', reject));
    this.socket.connect();
    ({
      payload: { socketId: this.socketId },
    } = await Promise.race([this.next('authenticated'), failed]));
  }

  /** Resolves with {payload, at} (its arrival time); register it before the action that causes it. */
  next(event, match = () => true) {
    const waiter = { event, match };
    const arrived = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no ${event} within ${STEP_TIMEOUT_MS} ms`));
      }, STEP_TIMEOUT_MS);
      waiter.resolve = (value) => (clearTimeout(timer), resolve(value));
    });
    this.waiters.push(waiter);
    arrived.catch(() => {}); // a cycle that fails earlier never awaits it
    return arrived;
  }

  /** Emits with an acknowledgement; a `{ok: false}` reply throws its error code. */
  async request(event, payload) {
    const reply = await this.socket.timeout(STEP_TIMEOUT_MS).emitWithAck(event, payload);
    if (!reply?.ok) throw new Error(`${event}: ${reply?.error?.code ?? 'no ack'}`);
    return reply;
  }

  /** REST, for recovery: the call this user is in, hung up. */
  async hangUpCurrent() {
    const http = (method, path) =>
      fetch(`${task.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}` },
        signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
      });
    const current = await http('GET', '/calls/user/current');
    if (current.status === 200) await http('DELETE', `/calls/${(await current.json()).id}`);
  }
}

/**
 * One full cycle; resolves with each step's duration in ms, or null when it failed (counted, and
 * the pair's call hung up over REST so that it is not left busy; a pair that cannot be freed, or
 * was disconnected, retires).
 */
async function cycle(pair) {
  const { caller, callee } = pair;
  const steps = {};
  const begin = now();
  try {
    const ringing = callee.next('incomingCall', (p) => p.caller?.userId === caller.userId);
    const { call } = await caller.request('startCall', { recipientUserId: callee.userId });
    if (call.status !== 'CALLING') throw new Error(`startCall: call ${call.status}`);
    const callId = call.id;
    const ofCall = (p) => p.callId === callId;
    const ring = await ringing;
    if (!ofCall(ring.payload)) throw new Error('incomingCall: of an earlier call'); // a late ring after a failed cycle
    steps.startToIncoming = ring.at - begin;

    let from = now();
    const accepted = caller.next('callAccepted', ofCall);
    await callee.request('acceptCall', { callId });
    steps.acceptToAccepted = (await accepted).at - from;

    from = now();
    const joined = caller.next('userJoined', (p) => p.socketId === callee.socketId);
    const media = { callId, hasVideo: true, hasAudio: true };
    await caller.request('joinCall', media);
    const second = await callee.request('joinCall', media);
    if (!second.participants.some((p) => p.socketId === caller.socketId)) throw new Error('joinCall: caller not listed');
    await joined;
    steps.join = now() - from;

    from = now();
    const offered = callee.next('offer', (p) => p.senderId === caller.socketId);
    const answered = caller.next('answer', (p) => p.senderId === callee.socketId);
    await Promise.all([
      caller.request('offer', { targetSocketId: callee.socketId, signal: OFFER }),
      offered.then(() => callee.request('answer', { targetSocketId: caller.socketId, signal: ANSWER })),
    ]);
    steps.offerToAnswer = (await answered).at - from;

    // The call has ended (busy slots freed) once both parties heard callEnded: the pair may call again.
    from = now();
    const ended = [caller, callee].map((client) => client.next('callEnded', ofCall));
    await caller.request('leaveCall', { callId });
    await callee.request('leaveCall', { callId });
    await Promise.all(ended);
    steps.leave = now() - from;
    steps.cycle = now() - begin;
    return steps;
  } catch (error) {
    failures[error.message] = (failures[error.message] ?? 0) + 1;
    if (!caller.socket.connected || !callee.socket.connected)
      pair.broken = true; // the server dropped it
    else await caller.hangUpCurrent().catch(() => (pair.broken = true));
    return null;
  }
}

/** Server, PostgreSQL and generator CPU between two moments, and the wall time between them. */
function cpuMeter() {
  const start = { server: cpuMs(task.serverPid), postgres: postgresCpuMs(), client: process.cpuUsage(), wall: now() };
  return () => {
    const wallMs = now() - start.wall;
    const client = process.cpuUsage(start.client);
    return {
      wallMs,
      serverCpuMs: cpuMs(task.serverPid) - start.server,
      postgresCpuMs: postgresCpuMs() - start.postgres,
      clientCpuMs: (client.user + client.system) / 1000,
    };
  };
}

function summarize(samples, meter, extra) {
  const { wallMs, serverCpuMs, postgresCpuMs: databaseCpuMs, clientCpuMs } = meter;
  const steps = {};
  for (const step of STEPS) {
    const sorted = samples.map((s) => s[step]).sort((a, b) => a - b);
    steps[step] = { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)) };
  }
  return {
    ...extra,
    cycles: samples.length,
    failures,
    cyclesPerS: round((samples.length * 1000) / wallMs),
    serverCpuMsPerCycle: samples.length ? round(serverCpuMs / samples.length, 2) : null,
    postgresCpuMsPerCycle: samples.length ? round(databaseCpuMs / samples.length, 2) : null,
    serverCpuPct: round((100 * serverCpuMs) / wallMs),
    clientCpuPct: round((100 * clientCpuMs) / wallMs),
    steps,
  };
}

const round = (value, digits = 1) => (value === null ? null : Number(value.toFixed(digits)));

/**
 * Open loop: a new cycle every 1/rate s on the next idle pair (none idle: counted as unserved),
 * whatever the earlier ones are doing. Samples are cycles started after the warm-up.
 */
async function openLoop(pairs, { ratePerS, warmupMs, durationMs }) {
  failures = {};
  const idle = pairs.filter((pair) => !pair.broken);
  const samples = [];
  const running = new Set();
  let meter = null;
  let unserved = 0;
  const intervalMs = 1000 / ratePerS;
  const start = now();
  for (let k = 0; k * intervalMs < warmupMs + durationMs; k++) {
    await sleep(start + k * intervalMs - now());
    const measured = k * intervalMs >= warmupMs;
    if (measured) meter ??= cpuMeter();
    const pair = idle.pop();
    if (!pair) {
      if (measured) unserved++;
      continue;
    }
    const run = cycle(pair).then((steps) => {
      if (!pair.broken) idle.unshift(pair);
      if (steps && measured) samples.push(steps);
    });
    running.add(run);
    run.finally(() => running.delete(run));
  }
  await Promise.all(running);
  const window = meter(); // after the last cycles ended: their whole cost is inside
  return summarize(samples, window, { ratePerS, unserved });
}

/**
 * Closed loop: `concurrency` pairs run cycles back to back; cycles that end inside the window count.
 * A saturated server serves the pairs in convoy (each step of every pair, then the next step), so
 * cycles end in waves one cycle time apart: the window opens once every pair has finished a cycle
 * (at most MAX_WARMUP_MS) and spans several cycle times (from durationMs up to MAX_WINDOW_MS).
 */
async function closedLoop(pairs, { concurrency, warmupMs, durationMs }) {
  failures = {};
  const active = pairs.filter((pair) => !pair.broken).slice(0, concurrency);
  const samples = [];
  let measuring = false;
  let stopped = false;
  let slowestFirstCycleMs = 0;
  let settled;
  const cycled = new Set();
  const allCycled = new Promise((resolve) => (settled = resolve));
  const workers = active.map(async (pair, index) => {
    await sleep((index * warmupMs) / active.length); // spread the first starts
    while (!stopped && !pair.broken) {
      const started = now();
      const steps = await cycle(pair);
      if (steps && measuring) samples.push(steps);
      if (cycled.has(pair)) continue;
      slowestFirstCycleMs = Math.max(slowestFirstCycleMs, now() - started);
      if (cycled.add(pair).size === active.length) settled();
    }
  });
  await Promise.all([sleep(warmupMs), Promise.race([allCycled, sleep(MAX_WARMUP_MS)])]);
  const windowMs = Math.min(Math.max(durationMs, 4 * slowestFirstCycleMs), MAX_WINDOW_MS);
  const meter = cpuMeter();
  measuring = true;
  await sleep(windowMs);
  measuring = false;
  stopped = true;
  const window = meter();
  await Promise.all(workers);
  return summarize(samples, window, { concurrency, windowMs: Math.round(windowMs) });
}

/** Opens every client, a few at a time. */
async function connectAll(clients) {
  const queue = [...clients];
  await Promise.all(
    Array.from({ length: CONNECT_CONCURRENCY }, async () => {
      for (let client = queue.shift(); client; client = queue.shift()) await client.connect();
    }),
  );
}

const pairs = Array.from({ length: task.pairs }, (_, i) => ({
  caller: new Client(`setup-caller-${i}`, 'student'),
  callee: new Client(`setup-callee-${i}`, task.calleeRole ?? 'mentor'),
}));
const connectStart = now();
await connectAll(pairs.flatMap((pair) => [pair.caller, pair.callee]));
const connectMs = round(now() - connectStart, 0);
await sleep(500); // connection booking and presence announcements run in the background

// A server's first seconds of load also pay for compiling its hot code (V8 optimizes in background
// threads, whose CPU counts): cycles at the first level, unmeasured, so that the figures are the
// steady state's. Reported apart, as the warm-up.
const warmup = task.closedLoop.jitWarmupMs
  ? await closedLoop(pairs, { ...task.closedLoop, concurrency: task.closedLoop.levels[0], durationMs: task.closedLoop.jitWarmupMs })
  : undefined;
// Rising concurrency until throughput stops growing: more pairs would only queue (and time out).
const closed = [];
for (const concurrency of task.closedLoop.levels) {
  await sleep(500); // let the previous loop's background work (chat records, mentor status) finish
  closed.push(await closedLoop(pairs, { ...task.closedLoop, concurrency }));
  const [before, last] = closed.slice(-2);
  if (closed.length > 1 && !(last.cyclesPerS > before.cyclesPerS * 1.05)) break;
}
// Last, as they may overload the server: an open loop does not slow down when the server does.
await sleep(2_000);
const gentle = task.gentleOpenLoop ? await openLoop(pairs, task.gentleOpenLoop) : undefined;
if (gentle) await sleep(2_000);
const open = await openLoop(pairs, task.openLoop);
for (const { caller, callee } of pairs) {
  caller.socket.close();
  callee.socket.close();
}
const brokenPairs = pairs.filter((pair) => pair.broken).length;
console.log(
  JSON.stringify({ pairs: task.pairs, connectMs, brokenPairs, warmup, openLoop: open, gentleOpenLoop: gentle, closedLoop: closed }),
);
process.exit(0);
