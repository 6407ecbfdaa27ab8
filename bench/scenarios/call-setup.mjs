// Call setup: full cycles (start → ring → accept → both join → offer/answer → leave) per second
// on one instance, and p50/p99 of each step at a fixed 100 calls/s, on the product with the
// embedded database and with PostgreSQL. A fresh server per run; the load runs in its own process
// (bench/load/call-setup.mjs).
//   node bench/scenarios/call-setup.mjs [--quick] [--callees=mentor]     (PostgreSQL from BENCH_POSTGRES_URL)
// Students call students, as the minimal server's comparison needs (a student's presence reaches
// only the users who share a call with them); --callees=mentor adds the fan-out of mentors'
// status, which every connected user hears of.
import { pathToFileURL } from 'node:url';
import { perRunRatios, runLoad, spread, startServer } from '../lib.mjs';

const TARGET_CYCLES_PER_S = 300;
const TARGET_RING_P99_MS = 50;
const STEP_NAMES = {
  startToIncoming: 'start → incomingCall',
  acceptToAccepted: 'accept → callAccepted',
  join: 'both join (caller, then callee)',
  offerToAnswer: 'offer → answer received',
  leave: 'both leave → callEnded',
  cycle: 'whole cycle',
};

/**
 * The closed loop runs at rising concurrency (active pairs) because the best one depends on the
 * machine and the database: too few leave the server waiting on round trips, too many only queue.
 * The load generator stops rising when throughput stops growing; the best level is the figure.
 */
function taskFor(quick) {
  return quick
    ? {
        pairs: 100,
        openLoop: { ratePerS: 100, warmupMs: 500, durationMs: 2_000 },
        closedLoop: { levels: [25, 100], warmupMs: 500, durationMs: 2_000, jitWarmupMs: 2_000 },
        deadlineMs: 120_000,
      }
    : {
        pairs: 400,
        openLoop: { ratePerS: 100, warmupMs: 1_000, durationMs: 10_000 },
        closedLoop: { levels: [25, 50, 100, 200, 400], warmupMs: 1_000, durationMs: 5_000, jitWarmupMs: 15_000 },
        deadlineMs: 600_000,
      };
}

/** What runs the cycles: the product on either database, and the minimal call server (bench/servers/minimal-calls.mjs). */
const SUBJECTS = {
  // The embedded default is also measured at the rate it is meant for, before the 100/s open loop.
  pglite: { server: 'app', db: 'pglite', label: 'product, PGlite', gentleRatePerS: 50 },
  postgres: { server: 'app', db: 'postgres', label: 'product, PostgreSQL' },
  minimal: { server: 'minimal-calls', db: 'postgres', label: 'minimal server, PostgreSQL' },
};
const label = (db) => SUBJECTS[db].label;

export async function runCallSetup({ runs = 3, postgresUrl, quick = false, calleeRole = 'student', log = console.error }) {
  const task = { ...taskFor(quick), calleeRole };
  const databases = postgresUrl ? ['pglite', 'postgres', 'minimal'] : ['pglite'];
  const rows = [];
  for (const db of databases) {
    for (let run = 1; run <= (quick ? 1 : runs); run++) {
      log(`call-setup: ${label(db)}, run ${run}`);
      const { server: kind, db: database, gentleRatePerS } = SUBJECTS[db];
      const server = await startServer(kind, { db: database, postgresUrl });
      try {
        const rssAtStartMb = (await server.afterGc()).rssKb / 1024;
        const gentleOpenLoop = gentleRatePerS ? { ...task.openLoop, ratePerS: gentleRatePerS } : undefined;
        const result = await runLoad('call-setup', { ...task, gentleOpenLoop, url: server.url, serverPid: server.pid });
        const best = result.closedLoop.reduce((a, b) => (b.cyclesPerS > a.cyclesPerS ? b : a));
        rows.push({ db, run, rssAtStartMb, ...result, best: { concurrency: best.concurrency, cyclesPerS: best.cyclesPerS } });
        log(
          `  best ${best.cyclesPerS} cycles/s at ${best.concurrency} pairs; p99 start → incomingCall at ${task.openLoop.ratePerS}/s: ${result.openLoop.steps.startToIncoming.p99} ms`,
        );
      } finally {
        await server.stop();
      }
    }
  }
  return { rows, markdown: render(rows, task, databases) };
}

/** "median (min–max)" over the runs, to 3 significant digits; a single run shows its value alone. */
function cell(values, unit = '') {
  const { median, min, max, runs } = spread(values);
  if (median === null) return '–';
  const fmt = (value) => Number(value.toPrecision(3));
  return runs > 1 ? `${fmt(median)}${unit} (${fmt(min)}–${fmt(max)})` : `${fmt(median)}${unit}`;
}

function render(rows, task, databases) {
  const of = (db) => rows.filter((row) => row.db === db);
  const level = (row, concurrency) => row.closedLoop.find((l) => l.concurrency === concurrency);
  const { levels, warmupMs, durationMs, jitWarmupMs } = task.closedLoop;
  const lines = [
    '## Call setup',
    '',
    `One instance, a fresh server per run, ${Math.max(...databases.map((db) => of(db).length))} run(s) per database; figures are median (min–max) over the runs.`,
    `${task.pairs} caller/callee pairs (students calling ${task.calleeRole}s) on the Socket.IO calls protocol, all connected before measuring`,
    `(connecting them took ${databases
      .map(
        (db) =>
          `${cell(
            of(db).map((r) => r.connectMs / 1000),
            ' s',
          )} with the ${label(db)}`,
      )
      .join(', ')}).`,
    'A cycle: `startCall` → callee `incomingCall` → `acceptCall` → caller `callAccepted` → caller, then callee, `joinCall` →',
    '`offer` relayed → `answer` relayed back → caller, then callee, `leaveCall` → both hear `callEnded` (the pair is free again).',
    '',
    '### Maximum full cycles/s (closed loop)',
    '',
    `Every active pair runs cycles back to back; cycles ending in a ${durationMs / 1000} s window count (the window opens after ${warmupMs / 1000} s`,
    `of warm-up, once every pair has finished a cycle). Concurrency rises through ${levels.join(', ')} active pairs and stops when`,
    `throughput no longer grows by 5 %; the best level is reported. Target: ≥ ${TARGET_CYCLES_PER_S}/s with PostgreSQL.`,
    '',
    `Before the first level, every server runs cycles at ${levels[0]} pairs for ${jitWarmupMs / 1000} s, unmeasured: a server's first`,
    'seconds of load also pay for V8 compiling its hot code in background threads, whose CPU counts, and the figures are meant',
    'to be the steady state a long-running server is in. What that warm-up measured (as every level, after its first second',
    'and once every pair has finished a cycle, so its very first seconds are not in it):',
    '',
    '| server | warm-up cycles/s | warm-up server CPU ms/cycle | warm-up PostgreSQL CPU ms/cycle |',
    '|---|---|---|---|',
    ...databases.map((db) => {
      const warm = of(db)
        .map((row) => row.warmup)
        .filter(Boolean);
      const postgres = SUBJECTS[db].db === 'postgres' ? cell(warm.map((w) => w.postgresCpuMsPerCycle)) : '–';
      return `| ${label(db)} | ${cell(warm.map((w) => w.cyclesPerS))} | ${cell(warm.map((w) => w.serverCpuMsPerCycle))} | ${postgres} |`;
    }),
    '',
    '| server | cycles/s | at pairs | server CPU ms/cycle | PostgreSQL CPU ms/cycle | server CPU % | load generator CPU % | failed cycles |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const db of databases) {
    const bests = of(db).map((row) => level(row, row.best.concurrency));
    const column = (pick) => cell(bests.map(pick));
    const postgresColumn = SUBJECTS[db].db === 'postgres' ? column((b) => b.postgresCpuMsPerCycle) : '–';
    lines.push(
      `| ${label(db)} | ${column((b) => b.cyclesPerS)} | ${column((b) => b.concurrency)} | ${column((b) => b.serverCpuMsPerCycle)} | ${postgresColumn} | ${column((b) => b.serverCpuPct)} | ${column((b) => b.clientCpuPct)} | ${column((b) => count(b.failures))} |`,
    );
  }
  lines.push('', 'Cycles/s and whole-cycle p50 by active pairs (– : not run, throughput had stopped growing):', '');
  lines.push(`| server | ${levels.map((n) => `${n} pairs`).join(' | ')} |`, `|---|${levels.map(() => '---').join('|')}|`);
  for (const db of databases) {
    const at = (n) =>
      of(db)
        .map((row) => level(row, n))
        .filter(Boolean);
    lines.push(
      `| ${label(db)} | ${levels
        .map((n) =>
          at(n).length
            ? `${cell(at(n).map((l) => l.cyclesPerS))}/s, ${cell(
                at(n).map((l) => l.steps.cycle.p50),
                ' ms',
              )}`
            : '–',
        )
        .join(' | ')} |`,
    );
  }
  const { ratePerS, warmupMs: openWarmupMs, durationMs: openDurationMs } = task.openLoop;
  lines.push(
    '',
    `### Per-step latency at ${ratePerS} calls/s (open loop)`,
    '',
    `A new cycle every ${1000 / ratePerS} ms on the next idle pair for ${openDurationMs / 1000} s (after ${openWarmupMs / 1000} s of warm-up), whatever the earlier ones`,
    `are doing; run after the closed loops. Target: p99 of start → incomingCall < ${TARGET_RING_P99_MS} ms.`,
    '',
    `| step | ${databases.map((db) => `${label(db)} p50 ms | p99 ms`).join(' | ')} |`,
    `|---|${databases.map(() => '---|---').join('|')}|`,
  );
  for (const [step, name] of Object.entries(STEP_NAMES)) {
    lines.push(
      `| ${name} | ${databases.map((db) => `${cell(of(db).map((r) => r.openLoop.steps[step].p50))} | ${cell(of(db).map((r) => r.openLoop.steps[step].p99))}`).join(' | ')} |`,
    );
  }
  lines.push('', `| at ${ratePerS} calls/s | ${databases.map(label).join(' | ')} |`, `|---|${databases.map(() => '---').join('|')}|`);
  const openRow = (label, pick) =>
    lines.push(`| ${label} | ${databases.map((db) => cell(of(db).map((r) => pick(r.openLoop)))).join(' | ')} |`);
  openRow('cycles completed', (o) => o.cycles);
  openRow('starts with no idle pair', (o) => o.unserved);
  openRow('failed cycles', (o) => count(o.failures));
  openRow('server CPU ms/cycle', (o) => o.serverCpuMsPerCycle);
  openRow('server CPU %', (o) => o.serverCpuPct);
  lines.push(
    `| pairs retired in the run (disconnected, or their call could not be hung up) | ${databases.map((db) => cell(of(db).map((r) => r.brokenPairs))).join(' | ')} |`,
  );
  lines.push('', ...gentleLines(of, databases), '', ...rssLines(of, databases));
  if (databases.includes('minimal')) lines.push('', ...ratioLines(rows));
  lines.push('', ...targetLines(of, databases), ...failureLines(rows));
  return lines.join('\n');
}

/** The open loops at a subject's gentler rate (the embedded default's 50 calls/s), run before the 100/s one. */
function gentleLines(of, databases) {
  const lines = [];
  for (const db of databases.filter((d) => SUBJECTS[d].gentleRatePerS)) {
    const rate = SUBJECTS[db].gentleRatePerS;
    const loops = of(db)
      .map((r) => r.gentleOpenLoop)
      .filter(Boolean);
    if (!loops.length) continue;
    lines.push(`### ${label(db)} at ${rate} calls/s (open loop, the same way)`, '', '| step | p50 ms | p99 ms |', '|---|---|---|');
    for (const [step, name] of Object.entries(STEP_NAMES)) {
      lines.push(`| ${name} | ${cell(loops.map((o) => o.steps[step].p50))} | ${cell(loops.map((o) => o.steps[step].p99))} |`);
    }
    lines.push(`| cycles completed / failed | ${cell(loops.map((o) => o.cycles))} / ${cell(loops.map((o) => count(o.failures)))} | |`);
  }
  return lines;
}

function rssLines(of, databases) {
  return [
    `RSS of the server once started, after a forced GC, before any connection (PGlite's first start in a new data directory): ${databases
      .map((db) => `${cell(of(db).map((r) => r.rssAtStartMb))} MB (${label(db)})`)
      .join(', ')}.`,
  ];
}

/** The product on PostgreSQL over the minimal server, run by run (run n of each), so both saw the same machine state. */
export const setupRatios = {
  cyclesPerS: (r) => r.best.cyclesPerS,
  serverCpuMsPerCycle: (r) => bestLevel(r).serverCpuMsPerCycle,
  postgresCpuMsPerCycle: (r) => bestLevel(r).postgresCpuMsPerCycle,
  ringP99Ms: (r) => r.openLoop.steps.startToIncoming.p99,
};
const bestLevel = (r) => r.closedLoop.find((l) => l.concurrency === r.best.concurrency);

/** Per run, the product's figure ÷ the minimal server's. */
export const overMinimal = (rows, pick) => perRunRatios(rows, 'db', 'postgres', 'minimal', pick);

function ratioLines(rows) {
  const ratio = (pick) => cell(overMinimal(rows, pick), '×');
  return [
    '### Against the minimal server',
    '',
    'The same cycle on `bench/servers/minimal-calls.mjs`: Socket.IO 4 and `pg`, one statement inserting the call and both busy slots, one conditional UPDATE per state move, the slots freed with the end. Each ratio is the product on PostgreSQL over the minimal server, run by run.',
    '',
    '| figure | product ÷ minimal |',
    '|---|---|',
    `| full cycles/s, best level | ${ratio(setupRatios.cyclesPerS)} |`,
    `| server CPU per cycle, at the best level | ${ratio(setupRatios.serverCpuMsPerCycle)} |`,
    `| PostgreSQL CPU per cycle, at the best level | ${ratio(setupRatios.postgresCpuMsPerCycle)} |`,
    `| p99 start → incomingCall at 100 calls/s | ${ratio(setupRatios.ringP99Ms)} |`,
  ];
}

function targetLines(of, databases) {
  const verdict = (ok) => (ok ? 'met' : 'NOT met');
  const lines = [];
  if (databases.includes('postgres')) {
    const best = spread(of('postgres').map((r) => r.best.cyclesPerS)).median;
    lines.push(
      `- ≥ ${TARGET_CYCLES_PER_S} full cycles/s with PostgreSQL: ${verdict(best >= TARGET_CYCLES_PER_S)} (median ${cell([best])}/s).`,
    );
  }
  for (const db of databases.filter((d) => d !== 'minimal')) {
    for (const [loop, rate] of [
      ['gentleOpenLoop', SUBJECTS[db].gentleRatePerS],
      ['openLoop', 100],
    ].filter(([, rate]) => rate)) {
      const p99 = spread(of(db).map((r) => r[loop].steps.startToIncoming.p99)).median;
      const measured = p99 === null ? 'no cycle completed' : `median ${cell([p99])} ms`;
      lines.push(
        `- p99 start → incomingCall < ${TARGET_RING_P99_MS} ms at ${rate} calls/s, ${label(db)}: ${verdict(p99 !== null && p99 < TARGET_RING_P99_MS)} (${measured}).`,
      );
    }
  }
  return lines;
}

const count = (failures) => Object.values(failures).reduce((a, b) => a + b, 0);

/** Why cycles failed, over all runs and loops (a failed cycle's call is hung up over REST). */
function failureLines(rows) {
  const all = {};
  for (const row of rows) {
    for (const phase of [row.warmup, row.gentleOpenLoop, row.openLoop, ...row.closedLoop].filter(Boolean)) {
      for (const [what, n] of Object.entries(phase.failures)) all[`${row.db}: ${what}`] = (all[`${row.db}: ${what}`] ?? 0) + n;
    }
  }
  const entries = Object.entries(all);
  return entries.length
    ? ['', 'Failed cycles (all runs and loops):', '', ...entries.map(([what, n]) => `- ${what}: ${n}`)]
    : ['- No cycle failed.'];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const calleeRole = process.argv.find((arg) => arg.startsWith('--callees='))?.slice('--callees='.length);
  const { markdown } = await runCallSetup({
    quick: process.argv.includes('--quick'),
    postgresUrl: process.env.BENCH_POSTGRES_URL,
    calleeRole,
  });
  console.log(markdown);
}
