// Load generator for the relay scenario, in its own process. It connects the two parties of
// `calls` calls to the server under test (establishing each call where the server has calls),
// then runs phases: each sends offers or ICE candidates at a fixed aggregate rate, both parties
// of every call sending to each other, and records the one-way latency of every message (sender
// and receiver are in this process: one clock) and the server's CPU time over the phase.
// A search then finds the highest rate whose p99 stays within the limit.
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { cpuMs, mintToken, percentile, readTask, sleep } from '../lib.mjs';

const task = await readTask();
/** The servers whose CPU is read: `serverPids` (several instances) or `serverPid`; the first is the one profiled and reported alone. */
const pids = task.serverPids ?? [task.serverPid];
const deadline = Date.now() + task.deadlineMs - 5_000;
const within = (what) => {
  if (Date.now() > deadline) throw new Error(`time is up while ${what}`);
};

// Realistic sizes: a 3 KB SDP offer, a 200 B ICE candidate (with the sender's timestamp).
const SDP =
  `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n${'a=candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host generation 0\r\n'.repeat(40)}`.slice(
    0,
    2_950,
  );
const payloadFor = {
  offer: (phase) => ({ type: 'offer', sdp: SDP, phase, sentAt: performance.now() }),
  ice: (phase) => ({
    candidate: 'candidate:842163049 1 udp 1677729535 192.168.1.23 56143 typ srflx raddr 10.0.0.5 rport 56143 generation 0 ufrag sXyZ',
    sdpMid: '0',
    sdpMLineIndex: 0,
    phase,
    sentAt: performance.now(),
  }),
};

/**
 * Each target: how a party connects, how it sends a signal of a kind to its peer, and where the
 * payload is in what the peer receives.
 */
const TARGETS = {
  'bare-socket.io': {
    async connect(party) {
      const socket = io(party.url, { transports: ['websocket'], auth: { userId: party.userId }, reconnection: false });
      await once(socket, 'connect');
      socket.on('relay', (message) => received(message.payload));
      return socket;
    },
    send: (party, kind, payload) => party.socket.emit('relay', { to: party.peer.userId, payload }),
  },
  'bare-ws': {
    async connect(party) {
      const socket = new WebSocket(`${party.url.replace('http', 'ws')}/?user=${party.userId}`);
      await once(socket, 'open');
      socket.on('message', (data) => received(JSON.parse(data).payload));
      return socket;
    },
    send: (party, kind, payload) => party.socket.send(JSON.stringify({ to: party.peer.userId, payload })),
  },
  'app-socket.io': {
    async connect(party) {
      const socket = io(party.url, {
        transports: ['websocket'],
        auth: { token: mintToken(party.userId, party.role) },
        reconnection: false,
      });
      await once(socket, 'authenticated');
      socket.on('offer', (message) => received(message.offer));
      socket.on('iceCandidate', (message) => received(message.candidate));
      socket.on('error', (error) => errors.push(error));
      return socket;
    },
    async establish(caller, callee) {
      const started = await caller.socket.emitWithAck('startCall', { recipientUserId: callee.userId });
      if (!started.ok) throw new Error(`startCall: ${JSON.stringify(started.error)}`);
      for (const party of [callee, caller]) {
        const joined = await party.socket.emitWithAck('joinCall', { callId: started.call.id, hasVideo: true, hasAudio: true });
        if (!joined.ok) throw new Error(`joinCall: ${JSON.stringify(joined.error)}`);
      }
    },
    send(party, kind, payload) {
      if (kind === 'offer') party.socket.emit('offer', { targetSocketId: party.peer.socket.id, signal: payload });
      else party.socket.emit('iceCandidate', { targetSocketId: party.peer.socket.id, candidate: payload });
    },
  },
  'app-ws': {
    async connect(party) {
      const socket = new WebSocket(`${party.url.replace('http', 'ws')}/ws/call/?token=${mintToken(party.userId, party.role)}`);
      await once(socket, 'open');
      party.inbox = [];
      socket.on('message', (data) => {
        const message = JSON.parse(data);
        if (message.type === 'call_offer') received(message.offer);
        else if (message.type === 'ice_candidate') received(message.candidate);
        else if (message.type === 'error') errors.push(message);
        else party.inbox.push(message);
      });
      return socket;
    },
    async establish(caller, callee) {
      caller.socket.send(JSON.stringify({ action: 'start_call', callee_id: callee.userId }));
      const ring = await nextMessage(callee, 'incoming_call');
      callee.socket.send(JSON.stringify({ action: 'answer_call', call_id: ring.call_id }));
      await nextMessage(caller, 'call_answered');
    },
    send(party, kind, payload) {
      const message =
        kind === 'offer'
          ? { action: 'offer', callee_id: party.peer.userId, offer: payload }
          : { action: 'ice_candidate', peer_id: party.peer.userId, candidate: payload };
      party.socket.send(JSON.stringify(message));
    },
  },
};

function once(emitter, event) {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no ${event} within 20 s`)), 20_000);
    emitter.once(event, (value) => {
      clearTimeout(timer);
      done(value);
    });
    emitter.once(emitter instanceof WebSocket ? 'error' : 'connect_error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
  });
}

async function nextMessage(party, type) {
  const until = Date.now() + 20_000;
  for (;;) {
    const index = party.inbox.findIndex((m) => m.type === type);
    if (index >= 0) return party.inbox.splice(index, 1)[0];
    if (Date.now() > until) throw new Error(`no ${type} within 20 s: ${JSON.stringify(party.inbox.concat(errors))}`);
    await sleep(5);
  }
}

// What arrives is counted for the phase it was sent in; late arrivals of an older phase are ignored.
let recording = null;
const errors = [];
function received(payload) {
  if (recording && payload.phase === recording.id) recording.latencies.push(performance.now() - payload.sentAt);
}

const target = TARGETS[task.target];
const parties = [];
for (let i = 0; i < task.calls; i++) {
  // Callees on another server (instance) than the callers when `calleeUrl` names one.
  const caller = { userId: `bench-caller-${i}`, role: 'student', url: task.url };
  const callee = { userId: `bench-callee-${i}`, role: 'mentor', url: task.calleeUrl ?? task.url };
  caller.peer = callee;
  callee.peer = caller;
  parties.push(caller, callee);
}
for (let i = 0; i < parties.length; i += 20) {
  within('connecting');
  await Promise.all(parties.slice(i, i + 20).map(async (party) => (party.socket = await target.connect(party))));
}
// Users who only stay connected, on the servers `bystanders` names: [{url, users}].
const bystanders = (task.bystanders ?? []).flatMap(({ url, users }, k) =>
  Array.from({ length: users }, (_, i) => ({ userId: `bench-bystander-${k}-${i}`, role: 'student', url })),
);
for (let i = 0; i < bystanders.length; i += 20) {
  within('connecting bystanders');
  await Promise.all(bystanders.slice(i, i + 20).map(async (party) => (party.socket = await target.connect(party))));
}
if (target.establish) {
  for (let i = 0; i < parties.length; i += 20) {
    within('establishing calls');
    await Promise.all(
      parties
        .slice(i, i + 20)
        .filter((_, j) => j % 2 === 0)
        .map((caller) => target.establish(caller, caller.peer)),
    );
  }
}

await settle();

/**
 * Setting up 100 calls leaves the server busy for a while (presence and status broadcasts to every
 * connection, database writes): the phases start once it has been quiet for half a second.
 */
async function settle() {
  let quiet = 0;
  while (quiet < 2 && Date.now() < deadline - 60_000) {
    const before = pids.map(cpuMs);
    await sleep(250);
    quiet = pids.every((pid, i) => cpuMs(pid) - before[i] <= 10) ? quiet + 1 : 0;
  }
}

/** Each server's CPU per second while idle, over `seconds` (taken off its CPU in a phase, with `idleS`). */
async function idleCpuPerS(seconds) {
  if (!seconds) return pids.map(() => 0);
  const before = pids.map(cpuMs);
  await sleep(seconds * 1000);
  return pids.map((pid, i) => (cpuMs(pid) - before[i]) / seconds);
}

let phaseCount = 0;
/** Sends `kind` at `rate` messages/s for warm-up + measured seconds; measures the measured part. */
async function runPhase(kind, rate, { warmupS, measureS }, profile = false) {
  within(`sending ${kind} at ${rate}/s`);
  const idlePerS = await idleCpuPerS(task.idleS);
  const id = ++phaseCount;
  const phase = { id, latencies: [] };
  let sent = 0;
  let next = 0;
  let cpusBefore = [];
  let measuredFrom = 0;
  let ownCpuBefore = null;
  const start = performance.now();
  const measureFrom = start + warmupS * 1000;
  const end = measureFrom + measureS * 1000;
  while (performance.now() < end) {
    const now = performance.now();
    if (now >= measureFrom && recording !== phase) {
      recording = phase;
      cpusBefore = pids.map(cpuMs);
      measuredFrom = performance.now();
      ownCpuBefore = process.cpuUsage();
      if (profile) process.kill(pids[0], 'SIGTTIN');
    }
    const due = Math.floor(((now - start) / 1000) * rate);
    for (; sent < due; sent++) {
      target.send(parties[next], kind, payloadFor[kind](recording === phase ? id : -1));
      next = (next + 1) % parties.length;
      if (recording === phase) phase.sent = (phase.sent ?? 0) + 1;
    }
    await sleep(1);
  }
  if (profile) process.kill(pids[0], 'SIGTTOU');
  const measuredSent = phase.sent ?? 0;
  // Wait for what is still in flight (bounded), then read the server's CPU.
  const drainUntil = performance.now() + 3_000;
  while (phase.latencies.length < measuredSent && performance.now() < drainUntil) await sleep(5);
  const measuredS = (performance.now() - measuredFrom) / 1000;
  const spentCpus = pids.map((pid, i) => cpuMs(pid) - cpusBefore[i]);
  const netCpus = spentCpus.map((ms, i) => ms - idlePerS[i] * measuredS);
  const serverCpu = spentCpus[0];
  const ownCpu = process.cpuUsage(ownCpuBefore);
  recording = null;
  const sorted = phase.latencies.sort((a, b) => a - b);
  const round = (ms) => (ms === null ? null : +ms.toFixed(2));
  return {
    kind,
    rate,
    sent: measuredSent,
    received: sorted.length,
    lost: measuredSent - sorted.length,
    achievedRate: Math.round(measuredSent / measureS),
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    p99Ms: round(percentile(sorted, 99)),
    serverCpuUsPerMessage: sorted.length ? +((serverCpu * 1000) / sorted.length).toFixed(1) : null,
    // With several servers: each one's CPU per message, less what it spends idle (with `idleS`).
    ...(task.serverPids && {
      cpuUsPerMessageByServer: netCpus.map((ms) => (sorted.length ? +((ms * 1000) / sorted.length).toFixed(1) : null)),
    }),
    generatorCpuShare: +((ownCpu.user + ownCpu.system) / 1000 / (measureS * 1000 + 1)).toFixed(2),
  };
}

const holds = (result) =>
  result.p99Ms !== null && result.p99Ms <= task.p99LimitMs && result.lost === 0 && result.achievedRate >= 0.95 * result.rate;

const fixed = [];
for (const { kind, rate } of task.fixed) {
  fixed.push(await runPhase(kind, rate, task.fixedTiming));
  await sleep(300);
}
// Profiled apart from the measured phases: the profiler's own cost stays out of their figures.
if (task.profiled) await runPhase(task.profiled.kind, task.profiled.rate, task.fixedTiming, true);

/** The highest rate that holds: up by a factor while it holds, then bisect the last step. */
const sustained = {};
for (const kind of task.sustainedKinds) {
  const steps = [];
  let good = null;
  let bad = null;
  let rate = task.sustainedStart;
  while (!bad && rate <= task.sustainedMax && Date.now() < deadline - 30_000) {
    const result = await runPhase(kind, rate, task.sustainedTiming);
    steps.push(result);
    if (holds(result)) good = rate;
    else bad = rate;
    rate = Math.round(rate * task.sustainedFactor);
    await sleep(500);
  }
  for (let i = 0; i < task.bisections && good && bad && Date.now() < deadline - 30_000; i++) {
    const middle = Math.round((good + bad) / 2);
    const result = await runPhase(kind, middle, task.sustainedTiming);
    steps.push(result);
    if (holds(result)) good = middle;
    else bad = middle;
    await sleep(500);
  }
  sustained[kind] = { maxRate: good, firstFailingRate: bad, steps };
}

for (const party of [...parties, ...bystanders]) party.socket.close();
console.log(JSON.stringify({ target: task.target, fixed, sustained, errors: errors.slice(0, 5), errorCount: errors.length }));
process.exit(0);
