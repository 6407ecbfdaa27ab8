// Scenario 1: relay between the two parties of established calls, on the product's Socket.IO calls
// protocol and its /ws/call/ raw-WebSocket protocol, next to bare Socket.IO and bare ws
// relays started in the same run. Every server is started fresh for each run.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { perRunRatios, runLoad, spread, startServer } from '../lib.mjs';
import { summarizeProfile } from '../profile-summary.mjs';
import { fmt, ratioCell, table } from '../report.mjs';

const P99_LIMIT_MS = 50;

/** What is measured, and against which baseline. */
const SUBJECTS = [
  { id: 'bare-socket.io', server: 'bare-socket.io', load: 'bare-socket.io', label: 'bare Socket.IO' },
  {
    id: 'app-socket.io-pglite',
    server: 'app',
    db: 'pglite',
    load: 'app-socket.io',
    label: 'Socket.IO calls protocol, PGlite',
    baseline: 'bare-socket.io',
  },
  {
    id: 'app-socket.io-postgres',
    server: 'app',
    db: 'postgres',
    load: 'app-socket.io',
    label: 'Socket.IO calls protocol, PostgreSQL',
    baseline: 'bare-socket.io',
  },
  { id: 'bare-ws', server: 'bare-ws', load: 'bare-ws', label: 'bare ws' },
  { id: 'app-ws-pglite', server: 'app', db: 'pglite', load: 'app-ws', label: '/ws/call/, PGlite', baseline: 'bare-ws' },
  { id: 'app-ws-postgres', server: 'app', db: 'postgres', load: 'app-ws', label: '/ws/call/, PostgreSQL', baseline: 'bare-ws' },
];

/** Where the remaining time goes: the last run profiles 3 KB offers at this rate, after its measured phases. */
const PROFILED = { kind: 'offer', rate: 5_000 };

function loadTask(subject, server, quick, profiled) {
  return {
    target: subject.load,
    url: server.url,
    serverPid: server.pid,
    calls: 100,
    p99LimitMs: P99_LIMIT_MS,
    fixed: ['offer', 'ice'].flatMap((kind) => [1_000, 5_000].map((rate) => ({ kind, rate }))),
    fixedTiming: quick ? { warmupS: 0.5, measureS: 1.5 } : { warmupS: 1, measureS: 2.5 },
    sustainedKinds: ['offer'],
    sustainedStart: 5_000,
    sustainedFactor: 1.3,
    sustainedMax: 60_000,
    sustainedTiming: quick ? { warmupS: 0.5, measureS: 1.5 } : { warmupS: 0.5, measureS: 2 },
    bisections: quick ? 1 : 2,
    profiled: profiled ? PROFILED : undefined,
    deadlineMs: 240_000,
  };
}

export async function runRelay({ runs, postgresUrl, quick, only, log = console.error }) {
  const subjects = SUBJECTS.filter((s) => (s.db !== 'postgres' || postgresUrl) && (!only || s.id.includes(only)));
  const rows = [];
  const profiles = {};
  for (let run = 1; run <= runs; run++) {
    for (const subject of subjects) {
      log(`relay: run ${run}/${runs}, ${subject.label}`);
      const profileDir = run === runs && subject.db !== 'postgres' ? mkdtempSync(join(tmpdir(), 'bench-profile-')) : undefined;
      const server = await startServer(subject.server, { db: subject.db, postgresUrl, profileDir });
      try {
        rows.push({ run, subject: subject.id, ...(await runLoad('relay', loadTask(subject, server, quick, Boolean(profileDir)))) });
        if (profileDir) profiles[subject.id] = await profileOf(server, profileDir);
      } finally {
        await server.stop();
        if (profileDir) rmSync(profileDir, { recursive: true, force: true });
      }
    }
  }
  return { rows, profiles, markdown: [render(subjects, rows), renderProfiles(subjects, profiles)].join('\n\n') };
}

/** The profile the server wrote when the load generator ended its profiled window. */
async function profileOf(server, dir) {
  await server.waitForLine(/bench:profile-written/, 30_000);
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  return file ? summarizeProfile(join(dir, file), 12) : null;
}

function renderProfiles(subjects, profiles) {
  const sections = subjects
    .filter((subject) => profiles[subject.id])
    .map((subject) => {
      const profile = profiles[subject.id];
      const rows = profile.byFunction.map((f, i) => [
        f.name.replace(/\|/g, '\\|'),
        `${f.percent} %`,
        profile.byOrigin[i] ? `${profile.byOrigin[i].name} ${profile.byOrigin[i].percent} %` : '',
      ]);
      return [
        `#### ${subject.label}: ${fmt(profile.busyMs)} ms of busy main thread`,
        '',
        table(['function (self time)', 'share', 'by package / directory'], rows),
      ].join('\n');
    });
  if (sections.length === 0) return '';
  return [
    `### Where the time goes: CPU profiles of ${fmt(PROFILED.rate)} offers/s`,
    '',
    "One window of the last run, profiled with the V8 sampling profiler (started and stopped inside the server by bench/servers/bench-hooks.cjs, after the measured phases, so its cost is not in the figures above). Self time of the main thread; `(garbage collector)` and `writev` (the socket writes, loopback delivery included) are the transport's share as much as ours.",
    '',
    ...sections,
  ].join('\n\n');
}

/** One figure of a subject's result in one run, and its ratio to the baseline of that run. */
function figures(rows, subject, pick) {
  const own = rows.filter((r) => r.subject === subject.id);
  const values = own.map(pick);
  const ratios = subject.baseline ? perRunRatios(rows, 'subject', subject.id, subject.baseline, pick) : [];
  return { value: spread(values), ratio: spread(ratios) };
}

function render(subjects, rows) {
  const fixedRows = [];
  for (const subject of subjects) {
    for (const kind of ['offer', 'ice']) {
      for (const rate of [1_000, 5_000]) {
        const at = (r) => r.fixed.find((f) => f.kind === kind && f.rate === rate);
        const p = (key) => figures(rows, subject, (r) => at(r)[key]);
        const cpu = p('serverCpuUsPerMessage');
        const p99 = p('p99Ms');
        fixedRows.push([
          subject.label,
          kind === 'offer' ? '3 KB offer' : '200 B ICE',
          fmt(rate),
          fmt(p('p50Ms').value, 2),
          fmt(p('p95Ms').value, 2),
          fmt(p99.value, 2),
          ratioCell(p99.ratio),
          fmt(cpu.value, 1),
          ratioCell(cpu.ratio),
          fmt(p('lost').value),
        ]);
      }
    }
  }
  const sustainedRows = subjects.map((subject) => {
    const max = figures(rows, subject, (r) => r.sustained.offer.maxRate);
    return [subject.label, fmt(max.value), ratioCell(max.ratio)];
  });
  return [
    '## Relay between the parties of established calls',
    '',
    `100 calls (200 connections), both parties of every call sending to each other; the aggregate rate is spread evenly over the 200 senders. One-way latency is measured in the load generator, which both sends and receives (one clock). Server CPU per message is the server process's utime + stime from \`/proc/<pid>/stat\` over the measured window, divided by the messages relayed in it. Each fixed-rate point: 1 s warm-up, then 2.5 s measured.`,
    '',
    table(['server', 'message', 'rate/s', 'p50 ms', 'p95 ms', 'p99 ms', 'p99 ÷ bare', 'CPU µs/msg', 'CPU ÷ bare', 'lost'], fixedRows),
    '',
    `### Maximum sustained rate of 3 KB offers with p99 ≤ ${P99_LIMIT_MS} ms`,
    '',
    'The rate rises by 30 % per step (0.5 s warm-up, 2 s measured; from 5 000/s) while p99 ≤ 50 ms, nothing is lost and the generator keeps up (≥ 95 % of the rate), then the last step is bisected twice.',
    '',
    table(['server', 'offers/s sustained', '÷ bare'], sustainedRows),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const { markdown, rows } = await runRelay({
    runs: quick ? 1 : 3,
    quick,
    postgresUrl: process.env.BENCH_POSTGRES_URL,
    only: process.env.BENCH_ONLY,
  });
  console.log(markdown);
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
}
