// Idle capacity: what an authenticated, idle connection costs a server. For each server under test
// (started fresh per run) the load generators open connections in steps up to 1 000, 5 000,
// 10 000 and 20 000; after each step the server's RSS after a forced GC gives KB per connection,
// and the step's wall time and server CPU give the connection rate and CPU per connection.
//   node bench/scenarios/idle-capacity.mjs [--quick]     (PostgreSQL from BENCH_POSTGRES_URL)
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, runLoad, sleep, spread, startServer } from '../lib.mjs';
import { fmt, table } from '../report.mjs';

const LEVELS = [1_000, 5_000, 10_000, 20_000];
/** Where the memory goals are judged: 10 000 connections of distinct users. */
const GOAL_LEVEL = 10_000;
const QUICK_LEVELS = [1_000, 5_000];
/** Connections per load-generator process: each process may hold at most 20 000 files. */
const PER_GENERATOR = 10_000;
/** One connection per user: each connection is a distinct user's, with what the server keeps per user. */
const CONNS_PER_USER = 1;
const ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
/** Handshakes in flight per source address, under MAX_UNAUTHENTICATED_PER_IP (20). */
const PER_ADDRESS = 16;
/** File descriptors left to the server for what it opens later (database pool, files). */
const FD_RESERVE = 16;
/** Idle time at the top level, before a last count: over a Socket.IO ping interval (10 s) and two raw-ws rounds (7 s). */
const HOLD_MS = 16_000;
/** After the warm-up: over PRESENCE_GRACE_MS (5 s), so its users have gone offline before the baseline. */
const SETTLE_MS = 7_000;
/** Then the server counts as quiet below 2 % of a core, waited for at most a minute. */
const QUIET_CPU_MS_PER_S = 20;
const QUIET_DEADLINE_MS = 60_000;
const GENERATOR_REPLY_MS = 600_000;
/**
 * The forced GC before each RSS reading stops the server for as long as a full collection of its
 * heap takes (15 s for a 3 GB heap in development). That pause is the bench's own doing; so that
 * it cannot drop connections, the app's ping timeout (default 5 s) is raised to the 30 s lib.mjs
 * waits for a GC at most. The app's own stalls while opening are reported against the 5 s.
 */
const APP_ENV = { SOCKET_PING_TIMEOUT_MS: '30000' };
const DEFAULT_PING_TIMEOUT_S = 5;

export const TARGETS = [
  { name: 'bare Socket.IO', server: 'bare-socket.io', client: 'bare-socket.io', reference: { kb: 15, rate: 1_100 } },
  { name: 'bare ws', server: 'bare-ws', client: 'bare-ws', reference: { kb: 6.6, rate: 2_000 } },
  { name: 'app Socket.IO, PGlite', server: 'app', db: 'pglite', client: 'app-socket.io', goalKb: 16 },
  { name: 'app raw ws, PGlite', server: 'app', db: 'pglite', client: 'app-ws', goalKb: 9 },
  { name: 'app Socket.IO, PostgreSQL', server: 'app', db: 'postgres', client: 'app-socket.io', goalKb: 16 },
  { name: 'app raw ws, PostgreSQL', server: 'app', db: 'postgres', client: 'app-ws', goalKb: 9 },
];

export async function runIdleCapacity({ runs = 3, postgresUrl, quick = false, log = () => {} }) {
  const levels = quick ? QUICK_LEVELS : LEVELS;
  const targets = TARGETS.filter((target) => target.db !== 'postgres' || postgresUrl);
  const rows = [];
  const started = Date.now();
  // Runs interleave the targets, so a slow spell on the machine does not fall on one target only.
  for (let run = 1; run <= (quick ? 1 : runs); run++) {
    for (const target of targets) {
      log(`idle capacity: ${target.name}, run ${run}`);
      try {
        rows.push({ target: target.name, run, ...(await measureRun(target, { levels, postgresUrl, holdMs: quick ? 0 : HOLD_MS, log })) });
      } catch (error) {
        log(`idle capacity: ${target.name}, run ${run} failed: ${error.message}`);
        rows.push({ target: target.name, run, error: error.message.split('\n').slice(0, 12).join('\n') });
      }
    }
  }
  return { rows, markdown: report(targets, levels, rows, { minutes: (Date.now() - started) / 60_000 }) };
}

/** One fresh server: users created, then connections opened level by level and measured. */
async function measureRun(target, { levels, postgresUrl, holdMs, log }) {
  const server = await startServer(target.server, { db: target.db, postgresUrl, env: target.server === 'app' ? APP_ENV : {} });
  const task = { client: target.client, port: server.port, addresses: ADDRESSES, perAddress: PER_ADDRESS, connsPerUser: CONNS_PER_USER };
  const generators = generatorPool(task);
  let firstProblemLine = null; // what the server printed that looks like an error or a warning
  server.waitForLine(/"level":"(warn|error|fatal)"|\b(WARN|ERROR|FATAL)\b|Error\b/, 24 * 3_600_000).then(
    (line) => (firstProblemLine = line),
    () => {},
  );
  // The app reports its longest event-loop stall since the previous scrape; the bare servers cannot.
  const loopStallS = target.server === 'app' ? () => metric(server, 'nodejs_eventloop_lag_max_seconds') : async () => null;
  try {
    // First use of a user creates it in the database: done beforehand, so that the steps measure connections.
    const warmup =
      target.server === 'app'
        ? await runLoad('idle', { ...task, warmUsers: Math.ceil(levels.at(-1) / CONNS_PER_USER), deadlineMs: 300_000 })
        : null;
    if (warmup?.failed) throw new Error(`warm-up: ${warmup.failed} users failed to connect: ${JSON.stringify(warmup.failures)}`);
    if (warmup) await settle(server);
    const fdLimit = openFileLimit(server.pid);
    const fdsBefore = openFds(server.pid);
    const ceiling = fdLimit - fdsBefore - FD_RESERVE;
    const { rssKb: rss0Kb, heapKb: heap0Kb } = await baseline(server);
    const measured = [];
    for (const level of levels) {
      const attempted = Math.min(level, ceiling);
      await loopStallS();
      const cpuBefore = server.cpuMs();
      const step = await generators.openUpTo(attempted);
      const cpuMs = server.cpuMs() - cpuBefore;
      const loopStall = await loopStallS();
      const droppedBeforeGc = (await generators.count()).dropped;
      const gcStarted = Date.now();
      const { rssKb, heapKb } = await server.afterGc();
      const gcMs = Date.now() - gcStarted;
      const { open, dropped, drops } = await generators.count();
      const perOpened = (ms) => (step.opened ? (ms * 1000) / step.opened : null);
      measured.push({
        level,
        attempted,
        held: open,
        serverSockets: openFds(server.pid) - fdsBefore,
        rssKb,
        kbPerConn: open ? (rssKb - rss0Kb) / open : null,
        heapKb,
        heapKbPerConn: open ? (heapKb - heap0Kb) / open : null,
        connPerS: step.opened ? step.opened / (step.ms / 1000) : null,
        cpuUsPerConn: perOpened(cpuMs),
        clientCpuUsPerConn: perOpened(step.cpuMs),
        loopStallS: loopStall,
        gcMs,
        failed: step.failed,
        failures: step.failures,
        droppedBeforeGc,
        dropped,
        drops,
      });
      const { kbPerConn, heapKbPerConn, connPerS } = measured.at(-1);
      log(
        `  ${attempted}: held ${open}, ${(rssKb / 1024).toFixed(0)} MB, ${kbPerConn?.toFixed(1)} KB/conn (heap ${heapKbPerConn?.toFixed(1)}), ${connPerS?.toFixed(0)} conn/s, stall ${loopStall?.toFixed(1) ?? '–'} s, GC ${(gcMs / 1000).toFixed(1)} s, failed ${step.failed}, dropped ${dropped}`,
      );
    }
    await sleep(holdMs);
    const afterHold = await generators.count();
    return {
      server: target.server,
      db: target.db ?? null,
      client: target.client,
      distinctUsers: CONNS_PER_USER === 1,
      fdLimit,
      fdsBefore,
      ceiling,
      rss0Kb,
      heap0Kb,
      warmup,
      levels: measured,
      holdMs,
      heldAfterHold: afterHold.open,
      dropsAfterHold: afterHold.drops,
      firstProblemLine,
    };
  } finally {
    await generators.exit();
    await server.stop();
  }
}

/**
 * Waits out the warm-up's after-effects: its users go offline PRESENCE_GRACE_MS after their
 * disconnect, which writes to the database; then until the server's CPU is quiet.
 */
async function settle(server) {
  await sleep(SETTLE_MS);
  await untilQuiet(server, QUIET_DEADLINE_MS);
}

/** Until the server spends under QUIET_CPU_MS_PER_S of a core in a second, for at most `deadlineMs`. */
export async function untilQuiet(server, deadlineMs) {
  for (const deadline = Date.now() + deadlineMs; Date.now() < deadline;) {
    const before = server.cpuMs();
    await sleep(1_000);
    if (server.cpuMs() - before <= QUIET_CPU_MS_PER_S) return;
  }
}

/**
 * RSS (and heap) after GC with no connection: V8 hands freed pages back to the system over the
 * following seconds, so collect again until two RSS readings agree, or it would overstate the
 * baseline.
 */
async function baseline(server) {
  let previous = await server.afterGc();
  for (let attempt = 0; attempt < 5; attempt++) {
    await sleep(2_000);
    const reading = await server.afterGc();
    if (Math.abs(reading.rssKb - previous.rssKb) < 1_024) return reading.rssKb < previous.rssKb ? reading : previous;
    previous = reading;
  }
  return previous;
}

/** One value from the app's Prometheus metrics; null if it does not answer in time. */
async function metric(server, name) {
  try {
    const text = await (await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    const value = new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1];
    return value === undefined ? null : Number(value);
  } catch {
    return null;
  }
}

/** Load generators filled in order, PER_GENERATOR connections each, started as they are needed. */
export function generatorPool(task) {
  const generators = [];
  let reached = 0;
  return {
    /** Opens connections up to `level` in all; the step's figures summed over the generators it used. */
    async openUpTo(level) {
      const step = { opened: 0, failed: 0, failures: {}, ms: 0, cpuMs: 0 };
      for (let g = Math.floor(reached / PER_GENERATOR); g * PER_GENERATOR < level; g++) {
        const count = Math.min(level, (g + 1) * PER_GENERATOR) - Math.max(reached, g * PER_GENERATOR);
        generators[g] ??= startGenerator({ ...task, base: g * PER_GENERATOR });
        const reply = await generators[g].request({ open: count });
        for (const key of ['opened', 'failed', 'ms', 'cpuMs']) step[key] += reply[key];
        addCounts(step.failures, reply.failures);
      }
      reached = level;
      return step;
    },
    async count() {
      const replies = await Promise.all(generators.map((generator) => generator.request({ count: true })));
      const drops = {};
      for (const reply of replies) addCounts(drops, reply.drops);
      return { open: sum(replies.map((r) => r.open)), dropped: sum(replies.map((r) => r.dropped)), drops };
    },
    exit: () => Promise.all(generators.map((generator) => generator.exit())),
  };
}

const sum = (values) => values.reduce((a, b) => a + b, 0);
const addCounts = (into, counts) => Object.entries(counts).forEach(([key, n]) => (into[key] = (into[key] ?? 0) + n));

/**
 * A load generator (bench/load/idle.mjs) kept for a dialogue: the task on stdin as runLoad gives
 * it, then commands and replies over the IPC channel, one at a time.
 */
function startGenerator(task) {
  const child = spawn(process.execPath, ['--max-old-space-size=4096', join(ROOT, 'bench/load/idle.mjs')], {
    stdio: ['pipe', 'ignore', 'inherit', 'ipc'],
  });
  child.stdin.end(JSON.stringify(task));
  let pending = null;
  child.on('message', (reply) => pending?.done(reply));
  child.once('exit', (code, signal) => pending?.fail(new Error(`load generator exited (${code ?? signal})`)));
  return {
    request(command) {
      return new Promise((done, fail) => {
        const timer = setTimeout(
          () => fail(new Error(`load generator: no reply to ${JSON.stringify(command)} within ${GENERATOR_REPLY_MS} ms`)),
          GENERATOR_REPLY_MS,
        );
        const finish = (fn) => (value) => {
          clearTimeout(timer);
          pending = null;
          fn(value);
        };
        pending = { done: finish(done), fail: finish(fail) };
        child.send(command);
      });
    },
    async exit() {
      if (child.exitCode !== null || child.signalCode) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.send({ exit: true });
      const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
    },
  };
}

export const openFds = (pid) => readdirSync(`/proc/${pid}/fd`).length;
export const openFileLimit = (pid) => Number(/^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))[1]);

// ---- the report ----

const levelName = (level) => fmt(level);
/** A level where every connection was still open when it was measured. */
const intact = (l) => l.held === l.attempted;

/** Median (min–max) over the runs. */
const format = (values, digits) => fmt(spread(values), digits);

export function report(targets, levels, rows, { minutes }) {
  const measured = rows.filter((row) => !row.error);
  const runsOf = (target) => measured.filter((row) => row.target === target.name);
  const levelsOf = (target, level) =>
    runsOf(target)
      .map((row) => row.levels.find((l) => l.level === level))
      .filter(Boolean);
  const heads = levels.map((level) => (level === 20_000 ? `${levelName(level)} target ¹` : levelName(level)));
  const byLevel = (pick, digits, marked = () => false) =>
    targets.map((target) => [
      target.name,
      ...levels.map((level) => {
        const at = levelsOf(target, level);
        return format(at.map(pick), digits) + (at.some(marked) ? ' ²' : '');
      }),
    ]);
  /** The goal judged at GOAL_LEVEL, as the targets are set, or below it at the highest level every run held intact. */
  const goal = (target) => {
    if (target.reference) return `reference ≈ ${target.reference.kb}`;
    const judged = levels.filter((l) => l <= GOAL_LEVEL);
    const level = judged.findLast((l) => levelsOf(target, l).length && levelsOf(target, l).every(intact));
    if (level === undefined) return `≤ ${target.goalKb}`;
    const kb = spread(levelsOf(target, level).map((l) => l.kbPerConn)).median;
    return `≤ ${target.goalKb}: ${kb <= target.goalKb ? 'met' : 'not met'} at ${levelName(level)}`;
  };
  const runCount = Math.max(0, ...targets.map((target) => runsOf(target).length));
  const held = measured.some((row) => row.holdMs);

  const sections = [
    '## Idle capacity',
    '',
    `Authenticated idle connections held by one server process, opened in steps up to ${levels.map(levelName).join(', ')}. ` +
      `Each server is started fresh per run (${runCount} run${runCount === 1 ? '' : 's'}); figures are the median with min–max over runs. ` +
      "The app's Socket.IO clients put the token in the handshake's `auth` and count once the server's `authenticated` event arrives; its raw-WebSocket clients " +
      '(`/ws/call/?token=`) once the socket is open, since the token is checked before the upgrade. The bare baselines authenticate nobody. ' +
      'Every Socket.IO client uses the WebSocket transport only, bare too.',
    '',
    `- Users: one connection per user, so ${levelName(20_000)} distinct users at ${levelName(20_000)}. ` +
      'Before measuring, each user connects once and disconnects (warm-up), so that creating the user in the database on first use is not counted as the cost of a connection; ' +
      "then the bench waits for the presence grace and a quiet server. A user's first connection in the measured steps still brings it online (presence).",
    `- Clients: one load-generator process per ${levelName(PER_GENERATOR)} connections, from ${ADDRESSES[0]}–${ADDRESSES.at(-1)} with at most ${PER_ADDRESS} handshakes in flight per address (the app admits 20 unauthenticated sessions per IP).`,
    '- KB per connection = (RSS after a forced GC at N − at 0) / N, N the connections still open; the 0 baseline is collected until it is stable, and at 1,000 its noise (several MB for the app) is still ± several KB per connection. ' +
      'Connection rate = connections opened in a step / wall time of the step (first connect to last authenticated); server CPU per connection = server CPU time over the step / connections opened in it. ' +
      'Both are per step: 0 → 1,000, 1,000 → 5,000, …',
    '',
    '### KB per connection (RSS after forced GC)',
    '',
    table(
      ['server', ...heads, 'goal (KB)'],
      byLevel(
        (l) => l.kbPerConn,
        1,
        (l) => !intact(l),
      ).map((cells, i) => [...cells, goal(targets[i])]),
    ),
    '',
    '### JavaScript heap per connection (KB, in use after forced GC)',
    '',
    "The same difference for the server's V8 heap in use (`process.memoryUsage().heapUsed`): steadier than RSS, which also counts native memory and pages V8 has not handed back, so it shows which RSS readings are noise.",
    '',
    table(
      ['server', ...heads],
      byLevel(
        (l) => l.heapKbPerConn,
        1,
        (l) => !intact(l),
      ),
    ),
    '',
    '### Connection rate (connections/s, per step)',
    '',
    table(
      ['server', ...heads, 'reference'],
      byLevel((l) => l.connPerS, 0).map((cells, i) => [...cells, targets[i].reference ? `≈ ${levelName(targets[i].reference.rate)}` : '']),
    ),
    '',
    '### Server CPU per connection (µs, per step)',
    '',
    table(
      ['server', ...heads],
      byLevel((l) => l.cpuUsPerConn, 0),
    ),
    '',
    '### Server RSS after forced GC (MB)',
    '',
    table(
      ['server', '0', ...heads],
      targets.map((target) => [
        target.name,
        format(
          runsOf(target).map((row) => row.rss0Kb / 1024),
          0,
        ),
        ...levels.map((level) =>
          format(
            levelsOf(target, level).map((l) => l.rssKb / 1024),
            0,
          ),
        ),
      ]),
    ),
    '',
    '### Server pauses (s): longest event-loop stall while opening the step (the app’s own metric) / the forced GC',
    '',
    "The forced GC before each reading stops the server (second figure). That pause is the bench's own doing; so that it cannot drop connections, " +
      `the app runs with SOCKET_PING_TIMEOUT_MS=${APP_ENV.SOCKET_PING_TIMEOUT_MS / 1000} s instead of its default ${DEFAULT_PING_TIMEOUT_S} s (the bare baseline has Socket.IO's 20 s). ` +
      `A stall while opening (first figure) longer than ${DEFAULT_PING_TIMEOUT_S} s would drop connections under the default; such stalls are listed under the problems below.`,
    '',
    table(
      ['server', ...heads],
      targets.map((target) => [
        target.name,
        ...levels.map((level) => {
          const at = levelsOf(target, level);
          return `${format(
            at.map((l) => l.loopStallS),
            1,
          )} / ${format(
            at.map((l) => l.gcMs / 1000),
            1,
          )}`;
        }),
      ]),
    ),
    '',
    '### Connections held',
    '',
    table(
      [
        'server',
        `attempted at ${levelName(levels.at(-1))}`,
        'held (clients)',
        'held (server sockets)',
        'failed to connect (all steps)',
        'dropped (all steps)',
        ...(held ? [`open after ${HOLD_MS / 1000} s more idle`] : []),
      ],
      targets.map((target) => {
        const runs = runsOf(target);
        const top = (pick) =>
          format(
            runs.map((row) => pick(row.levels.at(-1))),
            0,
          );
        return [
          target.name,
          top((l) => l.attempted),
          top((l) => l.held),
          top((l) => l.serverSockets),
          format(
            runs.map((row) => sum(row.levels.map((l) => l.failed))),
            0,
          ),
          top((l) => l.dropped),
          ...(held
            ? [
                format(
                  runs.map((row) => row.heldAfterHold),
                  0,
                ),
              ]
            : []),
        ];
      }),
    ),
  ];
  if (levels.includes(20_000)) {
    const attempted = measured.map((row) => row.levels.at(-1).attempted);
    const fds = measured.map((row) => row.fdsBefore);
    sections.push(
      '',
      `¹ ${levelName(20_000)} target: ${attempted.length ? `${levelName(Math.min(...attempted))}–${levelName(Math.max(...attempted))}` : '–'} attempted, held as above. ` +
        `The sandbox's hard limit of ${levelName(measured[0]?.fdLimit ?? 20_000)} open files per process (it cannot be raised here) caps it: ` +
        `the server already has ${fds.length ? `${Math.min(...fds)}–${Math.max(...fds)}` : 'some'} files open before the first connection (stdio, listening socket, database; PGlite keeps its relation files open), ` +
        `and ${FD_RESERVE} are left in reserve, so the top step attempts ${levelName(20_000)} − those − ${FD_RESERVE}.`,
    );
  }
  if (measured.some((row) => row.levels.some((l) => !intact(l)))) {
    sections.push(
      '',
      '² Connections were lost before this level was measured (see Connections held): the figure divides by those still open and overstates the cost per connection.',
    );
  }
  const problems = rows.flatMap((row) => [
    ...(row.error ? [`${row.target}, run ${row.run}: failed: ${row.error.split('\n')[0]}`] : []),
    ...(row.levels ?? []).flatMap((l) =>
      Object.entries(l.failures).map(
        ([reason, n]) => `${row.target}, run ${row.run}, step to ${levelName(l.level)}: ${n} failed to connect (${reason})`,
      ),
    ),
    ...(row.levels ?? [])
      .filter((l) => l.loopStallS > DEFAULT_PING_TIMEOUT_S)
      .map(
        (l) =>
          `${row.target}, run ${row.run}, step to ${levelName(l.level)}: event loop stalled ${l.loopStallS.toFixed(1)} s, over the default ${DEFAULT_PING_TIMEOUT_S} s ping timeout`,
      ),
    ...(row.levels ?? [])
      .filter((l) => l.dropped)
      .slice(0, 1)
      .map(
        (l) =>
          `${row.target}, run ${row.run}: first drops by ${levelName(l.level)} (${l.droppedBeforeGc} before its forced GC, ${l.dropped} after)`,
      ),
    ...(row.firstProblemLine ? [`${row.target}, run ${row.run}: the server printed: ${row.firstProblemLine.slice(0, 300)}`] : []),
    ...Object.entries(row.dropsAfterHold ?? {}).map(
      ([reason, n]) => `${row.target}, run ${row.run}: ${n} dropped after authenticating in all (${reason})`,
    ),
  ]);
  sections.push(
    '',
    problems.length ? ['Problems seen:', '', ...problems.map((p) => `- ${p}`)].join('\n') : 'No connection failed or was dropped.',
  );
  sections.push('', `Scenario wall time: ${minutes.toFixed(1)} min.`);
  return sections.join('\n') + '\n';
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const { markdown } = await runIdleCapacity({ postgresUrl: process.env.BENCH_POSTGRES_URL, quick, log: (line) => console.error(line) });
  console.log(markdown);
}
