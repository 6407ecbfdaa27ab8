// The platform's webhook: what it costs a call cycle, and how soon its events arrive. The closed
// loop of call cycles (bench/load/call-setup.mjs) runs on the product with PostgreSQL without a
// webhook and with PLATFORM_WEBHOOK_URL pointing at a receiver in this process (answering 204), one
// fresh server each, in the same run: cycles/s and server CPU per cycle as ratios, and the delay
// from each move to its event's arrival (the event's `timestamp` is the move's time; one clock).
//   node bench/scenarios/webhooks.mjs [--quick]     (PostgreSQL from BENCH_POSTGRES_URL)
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { percentile, perRunRatios, runLoad, sleep, spread, startServer } from '../lib.mjs';
import { table } from '../report.mjs';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

function taskFor(quick) {
  return {
    pairs: quick ? 50 : 100,
    calleeRole: 'student',
    openLoop: { ratePerS: 20, warmupMs: 500, durationMs: quick ? 1_000 : 2_000 },
    closedLoop: { levels: [50], warmupMs: 1_000, durationMs: quick ? 3_000 : 8_000 },
    deadlineMs: 300_000,
  };
}

/** A receiver that acknowledges every event and notes how long after its move it came. */
async function startReceiver() {
  const delaysMs = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      delaysMs.push(Date.now() - Date.parse(JSON.parse(body).timestamp));
      response.writeHead(204).end();
    });
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${server.address().port}/hooks`, delaysMs, close: () => new Promise((done) => server.close(done)) };
}

export async function runWebhooks({ runs = 3, postgresUrl, quick = false, log = console.error }) {
  if (!postgresUrl) return { rows: [], markdown: '## Webhooks\n\nNot measured: it needs PostgreSQL.' };
  const task = taskFor(quick);
  const rows = [];
  for (let run = 1; run <= (quick ? 1 : runs); run++) {
    // Alternating which goes first, so that a machine warming up favours neither.
    for (const withWebhook of run % 2 ? [false, true] : [true, false]) {
      log(`webhooks: ${withWebhook ? 'with' : 'without'} a webhook, run ${run}`);
      const receiver = await startReceiver();
      const env = withWebhook ? { PLATFORM_WEBHOOK_URL: receiver.url, PLATFORM_WEBHOOK_SECRET: SECRET } : {};
      const server = await startServer('app', { db: 'postgres', postgresUrl, env });
      try {
        const result = await runLoad('call-setup', { ...task, url: server.url, serverPid: server.pid });
        const [level] = result.closedLoop;
        // Events still on their way when the load stops are waited for (until none came for a second), to count them all.
        for (let seen = -1; seen !== receiver.delaysMs.length;) {
          seen = receiver.delaysMs.length;
          await sleep(1_000);
        }
        const delays = [...receiver.delaysMs].sort((a, b) => a - b);
        rows.push({
          run,
          withWebhook,
          cyclesPerS: level.cyclesPerS,
          serverCpuMsPerCycle: level.serverCpuMsPerCycle,
          postgresCpuMsPerCycle: level.postgresCpuMsPerCycle,
          events: delays.length,
          delayP50Ms: withWebhook ? percentile(delays, 50) : null,
          delayP99Ms: withWebhook ? percentile(delays, 99) : null,
        });
        log(`  ${level.cyclesPerS} cycles/s, ${level.serverCpuMsPerCycle} ms server CPU a cycle, ${delays.length} events received`);
      } finally {
        await server.stop();
        await receiver.close();
      }
    }
  }
  return { rows, markdown: render(rows, task) };
}

function cell(values, unit = '') {
  const { median, min, max, runs } = spread(values);
  if (median === null) return '–';
  const fmt = (value) => Number(value.toPrecision(3));
  return runs > 1 ? `${fmt(median)}${unit} (${fmt(min)}–${fmt(max)})` : `${fmt(median)}${unit}`;
}

function render(rows, task) {
  const of = (withWebhook) => rows.filter((row) => row.withWebhook === withWebhook);
  const ratio = (pick) => cell(perRunRatios(rows, 'withWebhook', true, false, pick), '×');
  return [
    '## Webhooks',
    '',
    `The call-setup closed loop (${task.closedLoop.levels[0]} active pairs, ${task.closedLoop.durationMs / 1000} s window) on the product with PostgreSQL,`,
    'without a webhook and with `PLATFORM_WEBHOOK_URL` at a local receiver that answers 204 at once: a fresh server each, in the same run.',
    'Each cycle writes three events (`call.calling`, `call.active`, `call.ended`) in its moves’ own statements and sends them signed.',
    '',
    table(
      ['', 'cycles/s', 'server CPU ms/cycle', 'PostgreSQL CPU ms/cycle', 'events received', 'move → received p50', 'p99'],
      [false, true].map((withWebhook) => [
        withWebhook ? 'with a webhook' : 'without',
        cell(of(withWebhook).map((r) => r.cyclesPerS)),
        cell(of(withWebhook).map((r) => r.serverCpuMsPerCycle)),
        cell(of(withWebhook).map((r) => r.postgresCpuMsPerCycle)),
        cell(of(withWebhook).map((r) => r.events)),
        withWebhook
          ? cell(
              of(true).map((r) => r.delayP50Ms),
              ' ms',
            )
          : '–',
        withWebhook
          ? cell(
              of(true).map((r) => r.delayP99Ms),
              ' ms',
            )
          : '–',
      ]),
    ),
    '',
    `With a webhook, as a ratio to without (same run): cycles/s ${ratio((r) => r.cyclesPerS)}, server CPU per cycle ${ratio(
      (r) => r.serverCpuMsPerCycle,
    )}, PostgreSQL CPU per cycle ${ratio((r) => r.postgresCpuMsPerCycle)}.`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const { markdown } = await runWebhooks({ postgresUrl: process.env.BENCH_POSTGRES_URL, quick });
  console.log(markdown);
}
