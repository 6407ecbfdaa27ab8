// Deliveries routed to their instance: 1, 2 and 4 instances on one PostgreSQL and one Redis, and a
// fixed relay load between them. 100 calls on the Socket.IO calls protocol, callers on the first
// instance and callees on the second (both on the one instance when there is one), send each other
// 3 KB offers, then ICE candidates, at a fixed aggregate rate; every further instance holds
// connected users who take part in no call. Each instance's CPU per relayed message, less what it
// spent idle just before: the further instances' is what an instance spends on messages it does
// not deliver.
//   node bench/scenarios/routing.mjs [--quick]     (PostgreSQL from BENCH_POSTGRES_URL)
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createDatabase, runLoad, spread, startServer } from '../lib.mjs';
import { startRedis } from '../redis.mjs';
import { fmt, table } from '../report.mjs';

const INSTANCE_COUNTS = [1, 2, 4];
const CALLS = 100;
const RATE = 2_000;
const USERS_ON_OTHER_INSTANCES = 200;
const KINDS = ['offer', 'ice'];

export async function runRouting({ runs = 3, postgresUrl, quick = false, log = () => {} }) {
  if (!postgresUrl) return notMeasured('it needs PostgreSQL');
  const redis = await startRedis();
  if (!redis) return notMeasured('it needs redis-server');
  const rows = [];
  const started = Date.now();
  try {
    for (let run = 1; run <= (quick ? 1 : runs); run++) {
      for (const instances of INSTANCE_COUNTS) {
        log(`routing: ${instances} instance(s), run ${run}`);
        try {
          rows.push({ run, instances, phases: await measure(instances, { postgresUrl, redis, quick }) });
        } catch (error) {
          log(`routing: ${instances} instance(s), run ${run} failed: ${error.message}`);
          rows.push({ run, instances, error: error.message.split('\n').slice(0, 12).join('\n') });
        }
      }
    }
  } finally {
    await redis.stop();
  }
  return { rows, markdown: report(rows, { quick, minutes: (Date.now() - started) / 60_000 }) };
}

function notMeasured(why) {
  return { rows: [], markdown: `## Deliveries routed to their instance\n\nNot measured: ${why}.\n` };
}

async function measure(count, { postgresUrl, redis, quick }) {
  const database = await createDatabase(postgresUrl);
  const env = {
    REDIS_URL: redis.url,
    // Keys of their own: nothing left from the previous measurement's instances.
    REDIS_PREFIX: `bench-${randomUUID().slice(0, 8)}:`,
    // Connections opened in a burst ping in bursts, which would fall into some windows and not others.
    SOCKET_PING_INTERVAL_MS: '120000',
    SOCKET_PING_TIMEOUT_MS: '30000',
  };
  // V8's memory reducer runs full collections some seconds after allocation slows down (on an
  // instance in no call, ~120 ms after its users connected), which would land in one window or
  // another; without it, what is left in an idle instance's windows is what the load costs it.
  const nodeArgs = ['--no-memory-reducer'];
  const servers = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await startServer('app', { db: 'postgres', database, env, nodeArgs }));
    const [callers, callees = callers] = servers;
    const result = await runLoad('relay', {
      target: 'app-socket.io',
      url: callers.url,
      calleeUrl: callees.url,
      serverPids: servers.map((s) => s.pid),
      bystanders: servers.slice(2).map((s) => ({ url: s.url, users: USERS_ON_OTHER_INSTANCES })),
      calls: CALLS,
      p99LimitMs: 50,
      fixed: KINDS.map((kind) => ({ kind, rate: RATE })),
      fixedTiming: quick ? { warmupS: 0.5, measureS: 1.5 } : { warmupS: 1, measureS: 3 },
      idleS: quick ? 1 : 2,
      sustainedKinds: [],
      bisections: 0,
      deadlineMs: 240_000,
    });
    return result.fixed.map(({ kind, rate, sent, lost, p50Ms, p99Ms, cpuUsPerMessageByServer }) => ({
      kind,
      rate,
      sent,
      lost,
      p50Ms,
      p99Ms,
      cpuUsPerMessage: cpuUsPerMessageByServer,
    }));
  } finally {
    for (const server of servers) await server.stop();
    await database.drop();
  }
}

/** Per run, a figure of one phase (kind) at one instance count. */
function figures(rows, instances, kind, pick) {
  return spread(
    rows
      .filter((r) => r.instances === instances && r.phases)
      .map((r) => pick(r.phases.find((p) => p.kind === kind)))
      .filter((v) => v !== null && v !== undefined && Number.isFinite(v)),
  );
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

/** What the targets check: per run, at 4 instances, one that relays nothing against the relaying ones, and the relaying ones against 2 instances. */
export const routingFigures = {
  /** CPU per message of an instance in no call, over that of an instance whose users relay (4 instances, offers). */
  bystanderShare: (rows) =>
    spread(
      rows
        .filter((r) => r.instances === 4 && r.phases)
        .map((r) => {
          const cpu = r.phases.find((p) => p.kind === 'offer').cpuUsPerMessage;
          return Math.max(0, mean(cpu.slice(2))) / mean(cpu.slice(0, 2));
        }),
    ),
  /** The relaying instances' CPU per message with 4 instances over with 2, per run (offers). */
  flatness: (rows) => {
    const relaying = (r) => mean(r.phases.find((p) => p.kind === 'offer').cpuUsPerMessage.slice(0, 2));
    const ratios = [];
    for (const four of rows.filter((r) => r.instances === 4 && r.phases)) {
      const two = rows.find((r) => r.instances === 2 && r.run === four.run && r.phases);
      if (two) ratios.push(relaying(four) / relaying(two));
    }
    return spread(ratios);
  },
};

function report(rows, { minutes }) {
  const lines = ['## Deliveries routed to their instance', ''];
  lines.push(
    `1, 2 and 4 instances share one PostgreSQL and one Redis (a fresh database and fresh keys for each measurement). ${CALLS} calls on the Socket.IO calls protocol, callers connected to the first instance and callees to the second (both on the one instance when there is one), send each other 3 KB offers, then 200 B ICE candidates, at ${fmt(RATE)} messages/s in all (1 s warm-up, 3 s measured); each further instance holds ${USERS_ON_OTHER_INSTANCES} connected users who are in no call. Each instance's CPU over the measured window, less what it spent idle in the 2 s before, over the messages relayed; latency is one-way, send to receipt. Median (range) of the runs.`,
    '',
  );
  const server = (i) => (r) => r?.cpuUsPerMessage?.[i];
  const others = (r) => (r?.cpuUsPerMessage?.length > 2 ? mean(r.cpuUsPerMessage.slice(2)) : null);
  const body = [];
  for (const kind of KINDS) {
    for (const instances of INSTANCE_COUNTS) {
      body.push([
        kind === 'offer' ? '3 KB offers' : 'ICE candidates',
        fmt(instances),
        fmt(
          figures(rows, instances, kind, (p) => p?.p50Ms),
          2,
        ),
        fmt(
          figures(rows, instances, kind, (p) => p?.p99Ms),
          2,
        ),
        fmt(figures(rows, instances, kind, (p) => p?.lost)),
        fmt(figures(rows, instances, kind, server(0)), 1),
        instances > 1 ? fmt(figures(rows, instances, kind, server(1)), 1) : '(the same)',
        instances > 2 ? fmt(figures(rows, instances, kind, others), 1) : '–',
      ]);
    }
  }
  lines.push(
    table(
      [
        'messages',
        'instances',
        'p50, ms',
        'p99, ms',
        'lost',
        'µs CPU per message: callers’ instance',
        'callees’ instance',
        'each other instance (in no call)',
      ],
      body,
    ),
  );
  const share = routingFigures.bystanderShare(rows);
  const flat = routingFigures.flatness(rows);
  if (share.median !== null)
    lines.push(
      '',
      `With 4 instances, one whose users are in no call spends ${fmt(share.median * 100, 1)} % (${fmt(share.min * 100, 1)}–${fmt(share.max * 100, 1)} %) of the CPU per offer of an instance whose users relay; the relaying instances spend ${fmt(flat.median, 2)}× (${fmt(flat.min, 2)}–${fmt(flat.max, 2)}×) what they spend with 2 instances.`,
    );
  const failed = rows.filter((r) => r.error);
  if (failed.length) lines.push('', ...failed.map((r) => `Run ${r.run} (${r.instances} instances) failed: ${r.error.split('\n')[0]}`));
  lines.push('', `Scenario wall time: ${fmt(minutes, 1)} min.`, '');
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runRouting({
    postgresUrl: process.env.BENCH_POSTGRES_URL,
    quick: process.argv.includes('--quick'),
    log: console.error,
  });
  console.log(result.markdown);
  console.log(JSON.stringify(result.rows));
}
