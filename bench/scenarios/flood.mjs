// Scenario 4: a garbage flood next to bystander calls. Bystanders relay offers through the whole
// run; an attacker process sends 10 000 garbage frames in the middle of it. Compared: the
// bystanders' relay latency before and during the flood (and after its first second, where most
// of the slowest offers fall), and the server's memory before and after.
import { pathToFileURL } from 'node:url';
import { percentile, runLoad, sleep, spread, startServer } from '../lib.mjs';
import { fmt, ratioCell, table } from '../report.mjs';

const SETUP_MS = 15_000; // connecting and establishing the bystanders' calls, and the attackers'
const BEFORE_MS = 6_000; // bystanders alone; the first second is left out as warm-up
const FLOOD_BUDGET_MS = 15_000; // the flood stops here if the server has not taken all its frames by then
const RETRY_AFTER_MS = 50; // how soon the attacker tries a refused connection again
const AFTER_MS = 4_000;
const ONSET_MS = 1_000; // the flood's first second, reported apart

export async function runFlood({ runs, quick, postgresUrl, log = console.error }) {
  const rows = [];
  for (let run = 1; run <= runs; run++) {
    log(`flood: run ${run}/${runs}`);
    // The product as deployed: its own rate limits, not the bench's raised ones.
    const options = { limits: 'product', ...(postgresUrl ? { db: 'postgres', postgresUrl } : {}) };
    const server = await startServer('app', options);
    try {
      rows.push({ run, ...(await floodOnce(server, quick)) });
    } finally {
      await server.stop();
    }
    rows.at(-1).control = await controlOnce(options, quick);
  }
  return { rows, markdown: render(rows) };
}

/**
 * The same flood aimed at another instance on the same machine, the bystanders' server left alone:
 * how much of the bystanders' slowdown the machine itself makes (the attacker and the other
 * server competing for its cores), and so how much is their server's own doing.
 */
async function controlOnce(options, quick) {
  const servers = [];
  try {
    for (let i = 0; i < 2; i++) servers.push(await startServer('app', options));
    const [server, target] = servers;
    const { before, during, afterOnset } = await floodOnce(server, quick, target);
    return { before, during, afterOnset };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

async function floodOnce(server, quick, target = server) {
  const frames = quick ? 3_000 : 10_000;
  const startAt = Date.now() + SETUP_MS;
  const floodAt = startAt + BEFORE_MS;
  const common = { url: server.url, serverPid: server.pid, deadlineMs: SETUP_MS + BEFORE_MS + FLOOD_BUDGET_MS + AFTER_MS + 30_000 };
  const bystander = runLoad('flood', {
    ...common,
    role: 'bystander',
    calls: 20,
    rate: 400,
    startAt,
    durationMs: BEFORE_MS + FLOOD_BUDGET_MS + AFTER_MS,
  });
  const attacker = runLoad('flood', {
    ...common,
    url: target.url,
    serverPid: target.pid,
    role: 'attacker',
    connections: 24,
    frames,
    maxMs: FLOOD_BUDGET_MS,
    retryAfterMs: RETRY_AFTER_MS,
    startAt: floodAt,
  });
  await sleep(startAt - 2_000 - Date.now());
  const before = await server.afterGc();
  let peakRssKb = server.rssKb();
  const sampler = setInterval(() => (peakRssKb = Math.max(peakRssKb, server.rssKb())), 100);
  const flood = await attacker;
  await sleep(AFTER_MS / 2);
  clearInterval(sampler);
  const after = await server.afterGc();
  const calm = await bystander;

  const samplesIn = (from, to) => calm.samples.filter(([sentAt]) => sentAt >= from && sentAt < to);
  const latencies = (from, to) =>
    samplesIn(from, to)
      .map(([, ms]) => ms)
      .sort((a, b) => a - b);
  const beforeWindow = latencies(startAt + 1_000, floodAt);
  const floodWindow = latencies(flood.startedAt, flood.endedAt);
  // Where in the flood its worst hundredth falls: at the onset (every connection's first frames
  // at once), or throughout.
  const onsetEnd = flood.startedAt + ONSET_MS;
  const afterOnset = latencies(onsetEnd, flood.endedAt);
  const worst = samplesIn(flood.startedAt, flood.endedAt)
    .sort((a, b) => b[1] - a[1])
    .slice(0, Math.ceil(floodWindow.length / 100));
  const round = (ms) => (ms === null ? null : +ms.toFixed(2));
  return {
    frames: flood.sent,
    floodS: +((flood.endedAt - flood.startedAt) / 1000).toFixed(2),
    reconnects: flood.reconnects,
    refusedConnects: flood.refusedConnects,
    bystanderSent: calm.sent,
    bystanderLost: calm.sent - calm.samples.length,
    before: { p50Ms: round(percentile(beforeWindow, 50)), p99Ms: round(percentile(beforeWindow, 99)), n: beforeWindow.length },
    during: { p50Ms: round(percentile(floodWindow, 50)), p99Ms: round(percentile(floodWindow, 99)), n: floodWindow.length },
    afterOnset: { p99Ms: round(percentile(afterOnset, 99)), n: afterOnset.length },
    worstAtOnsetPct: worst.length ? Math.round((100 * worst.filter(([sentAt]) => sentAt < onsetEnd).length) / worst.length) : null,
    rssBeforeKb: before.rssKb,
    rssPeakKb: peakRssKb,
    rssAfterKb: after.rssKb,
    heapBeforeKb: Math.round(before.heapKb),
    heapAfterKb: Math.round(after.heapKb),
    heapCommittedBeforeKb: Math.round(before.heapCommittedKb),
    heapCommittedAfterKb: Math.round(after.heapCommittedKb),
  };
}

/** Per run: the p99 ratios to before (the targets read the whole flood's), and the RSS growth in MB. */
const ratioTo = (before, p99Ms) => (before.p99Ms && p99Ms != null ? p99Ms / before.p99Ms : null);
export const floodFigures = {
  p99Ratio: (r) => ratioTo(r.before, r.during.p99Ms),
  p99RatioAfterOnset: (r) => ratioTo(r.before, r.afterOnset?.p99Ms),
  rssGrowthMb: (r) => (r.rssAfterKb - r.rssBeforeKb) / 1024,
};

function render(rows) {
  /** One figure over the runs, or several joined by " / ". */
  const value = (digits, ...picks) => picks.map((pick) => fmt(spread(rows.map(pick)), digits)).join(' / ');
  const mb = (key) => (r) => r[key] / 1024;
  const controls = rows.filter((r) => r.control).map((r) => r.control);
  return [
    '## A garbage flood next to bystander calls',
    '',
    "20 calls on the Socket.IO calls protocol relay 3 KB offers at 400/s in all, from one process, through the whole run; the server runs with the product's own rate limits. After 6 s another process sends 10 000 garbage frames (3 000 with `--quick`) as fast as the server takes them, for at most 15 s, over 24 signed-in connections of 24 users (16 Socket.IO, 8 raw WebSocket), reopening whatever the server closes and trying a refused connection again after 50 ms: 20 000-deep arrays and objects, 70 KB binary attachments, truncated packets, 60 KB frames of unknown events, bytes that are no packet, and 1 MB frames. Latency is one-way, send to receipt, of the offers sent before (after a 1 s warm-up) and during the flood. Memory is read after two forced full collections, 2 s before the flood and 2 s after it. On PostgreSQL when the bench has one, else on PGlite. Each run is followed by a control: the same bystanders and flood, with the attacker sent to a second instance on the same machine, so that only the machine is shared. The flood's first second is also reported apart: the share of the flood's worst 1 % of latencies that fall in it, and the p99 after it.",
    '',
    table(
      ['figure', 'value'],
      [
        ['garbage frames sent', value(0, (r) => r.frames)],
        ['flood duration, s', value(1, (r) => r.floodS)],
        ['connections the server closed and the attacker reopened', value(0, (r) => r.reconnects)],
        ['connection attempts refused (retried after 50 ms)', value(0, (r) => r.refusedConnects)],
        [
          'bystander p50 before / during, ms',
          value(
            2,
            (r) => r.before.p50Ms,
            (r) => r.during.p50Ms,
          ),
        ],
        [
          'bystander p99 before / during, ms',
          value(
            2,
            (r) => r.before.p99Ms,
            (r) => r.during.p99Ms,
          ),
        ],
        ['bystander p99 during ÷ before', ratioCell(spread(rows.map(floodFigures.p99Ratio)))],
        ['the same, the flood aimed at another instance on the machine (control)', ratioCell(spread(controls.map(floodFigures.p99Ratio)))],
        ["share of the flood's worst 1 % of bystander latencies sent in its first second, %", value(0, (r) => r.worstAtOnsetPct)],
        ['bystander p99 during the flood after its first second ÷ before', ratioCell(spread(rows.map(floodFigures.p99RatioAfterOnset)))],
        ['the same, control', ratioCell(spread(controls.map(floodFigures.p99RatioAfterOnset)))],
        ['bystander offers lost', value(0, (r) => r.bystanderLost)],
        ['RSS before / peak / after, MB', value(0, mb('rssBeforeKb'), mb('rssPeakKb'), mb('rssAfterKb'))],
        ['RSS growth, MB', value(1, floodFigures.rssGrowthMb)],
        ['heap in use before / after, MB', value(1, mb('heapBeforeKb'), mb('heapAfterKb'))],
        ['heap committed before / after, MB', value(1, mb('heapCommittedBeforeKb'), mb('heapCommittedAfterKb'))],
      ],
    ),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const { markdown, rows } = await runFlood({ runs: quick ? 1 : 3, quick });
  console.log(markdown);
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
}
