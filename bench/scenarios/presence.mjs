// Presence by interest: the server CPU one mentor status change costs as more users are connected
// who do not watch that mentor (1 000, 5 000, 20 000, each with a tutor list open), beside as many
// users told of every mentor (subscribed to nothing, PRESENCE_BROADCAST_LIMIT above the level: the
// contract's rule, everyone hears every mentor). A mentor toggles between busy and available, each
// change acknowledged before the next; the server's CPU meanwhile, less what it spends idle with
// those connections open (measured just before), over the number of changes.
//   node bench/scenarios/presence.mjs [--quick]     (PostgreSQL from BENCH_POSTGRES_URL)
import { io } from 'socket.io-client';
import { pathToFileURL } from 'node:url';
import { mintToken, runLoad, sleep, spread, startServer } from '../lib.mjs';
import { fmt, table } from '../report.mjs';
import { generatorPool, openFds, openFileLimit, untilQuiet } from './idle-capacity.mjs';

const LEVELS = [1_000, 5_000, 20_000];
const QUICK_LEVELS = [1_000, 5_000];
const CHANGES = 300;
const QUICK_CHANGES = 100;
const WARM_CHANGES = 100;
/** Over the broadcast window (50 ms), so the last changes' broadcasts are counted. */
const FLUSH_MS = 300;
const IDLE_WINDOW_MS = 3_000;
const ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);

export const MODES = [
  { name: 'not watching the mentor (a tutor list open)', key: 'watchers', subscribe: { role: 'tutor', limit: 1 }, env: {} },
  {
    name: 'told of every mentor (subscribed to nothing)',
    key: 'everyone',
    subscribe: null,
    env: { PRESENCE_BROADCAST_LIMIT: '100000000' },
  },
];

export async function runPresence({ runs = 3, postgresUrl, quick = false, log = () => {} }) {
  if (!postgresUrl) return { rows: [], markdown: '## Presence by interest\n\nNot measured: it needs PostgreSQL.\n' };
  const levels = quick ? QUICK_LEVELS : LEVELS;
  const changes = quick ? QUICK_CHANGES : CHANGES;
  const rows = [];
  const started = Date.now();
  for (let run = 1; run <= (quick ? 1 : runs); run++) {
    for (const mode of MODES) {
      log(`presence: ${mode.name}, run ${run}`);
      try {
        rows.push({ mode: mode.key, run, levels: await measureRun(mode, { levels, changes, postgresUrl, log }) });
      } catch (error) {
        log(`presence: ${mode.name}, run ${run} failed: ${error.message}`);
        rows.push({ mode: mode.key, run, error: error.message.split('\n').slice(0, 12).join('\n') });
      }
    }
  }
  return { rows, changes, markdown: report(levels, rows, { changes, minutes: (Date.now() - started) / 60_000 }) };
}

async function measureRun(mode, { levels, changes, postgresUrl, log }) {
  // Heartbeats every 2 min: 20 000 connections opened in a burst ping in bursts, which would fall
  // into some measurements and not others.
  const env = { SOCKET_PING_INTERVAL_MS: '120000', SOCKET_PING_TIMEOUT_MS: '30000', ...mode.env };
  const server = await startServer('app', { db: 'postgres', postgresUrl, env });
  const task = {
    client: 'app-socket.io',
    port: server.port,
    addresses: ADDRESSES,
    perAddress: 16,
    connsPerUser: 1,
    subscribe: mode.subscribe,
  };
  const generators = generatorPool(task);
  const mentor = io(server.url, {
    transports: ['websocket'],
    reconnection: false,
    auth: { token: mintToken('presence-mentor', 'mentor') },
  });
  const mentorIn = new Promise((resolve, reject) => {
    mentor.once('authenticated', resolve);
    mentor.once('connect_error', reject);
  });
  try {
    const warmup = await runLoad('idle', { ...task, subscribe: null, warmUsers: levels.at(-1), deadlineMs: 300_000 });
    if (warmup.failed) throw new Error(`warm-up: ${warmup.failed} users failed to connect`);
    await mentorIn;
    await sleep(7_000); // over PRESENCE_GRACE_MS: the warm-up's users are offline again
    // Unmeasured changes first, so that the first level does not pay for compiling the path.
    await toggle(mentor, WARM_CHANGES);
    // The server's open-file limit, less what it holds and a margin, caps the top level (as in the idle scenario).
    const ceiling = openFileLimit(server.pid) - openFds(server.pid) - 64;
    const measured = [];
    for (const level of levels) {
      const step = await generators.openUpTo(Math.min(level, ceiling));
      if (step.failed) throw new Error(`${step.failed} connections failed: ${JSON.stringify(step.failures)}`);
      await untilQuiet(server, 30_000); // its new users' presence announced
      const idleBefore = server.cpuMs();
      await sleep(IDLE_WINDOW_MS);
      const idleMsPerMs = (server.cpuMs() - idleBefore) / IDLE_WINDOW_MS;
      const cpuBefore = server.cpuMs();
      const startedAt = Date.now();
      await toggle(mentor, changes);
      await sleep(FLUSH_MS);
      const elapsedMs = Date.now() - startedAt;
      const cpuMs = server.cpuMs() - cpuBefore - idleMsPerMs * elapsedMs;
      const { open, dropped } = await generators.count();
      measured.push({
        level,
        held: open,
        dropped,
        cpuUsPerChange: (cpuMs * 1000) / changes,
        idleCpuPerS: idleMsPerMs * 1000,
        changesPerS: changes / (elapsedMs / 1000),
      });
      log(
        `  ${level}: ${open} held, ${((cpuMs * 1000) / changes).toFixed(0)} µs per change (idle ${(idleMsPerMs * 1000).toFixed(0)} ms/s), dropped ${dropped}`,
      );
    }
    return measured;
  } finally {
    mentor.close();
    await generators.exit();
    await server.stop();
  }
}

/** `count` status changes of the mentor, busy and available in turn, each acknowledged before the next. */
async function toggle(mentor, count) {
  for (let i = 0; i < count; i++) {
    const reply = await mentor.emitWithAck(i % 2 === 0 ? 'mentor_busy' : 'mentor_available', {});
    if (!reply.ok) throw new Error(`status change refused: ${reply.error.code}`);
  }
}

/** Per-run ratios of CPU per change at the top level to the lowest, for one mode. */
export function flatness(rows, mode) {
  const ratios = rows
    .filter((row) => row.mode === mode && row.levels?.length)
    .map(({ levels }) => levels.at(-1).cpuUsPerChange / levels[0].cpuUsPerChange);
  return spread(ratios);
}

export function report(levels, rows, { changes, minutes }) {
  const lines = ['## Presence by interest', ''];
  const held = (level) =>
    Math.min(
      ...rows
        .flatMap((r) => r.levels ?? [])
        .filter((l) => l.level === level)
        .map((l) => l.held),
    );
  lines.push(
    `One mentor toggles between busy and available ${changes} times, each change acknowledged before the next, while 1 000, 5 000 and 20 000 other users are connected (Socket.IO, one connection each, PostgreSQL). Either they have a tutor list open (\`presence_subscribe {role: "tutor"}\`), so none of them watches the mentor, or they subscribed to nothing in a deployment that tells everyone of every mentor (\`PRESENCE_BROADCAST_LIMIT\` above the level: the contract's rule). Server CPU per change is the server's CPU over the changes, less what it spent idle with the same connections in the 3 s before, over the number of changes; median (range) of the runs.`,
    '',
  );
  const cell = (mode, level, key) => {
    const values = rows.filter((r) => r.mode === mode && r.levels).map((r) => r.levels.find((l) => l.level === level)?.[key]);
    const s = spread(values.filter((v) => v !== undefined && v !== null));
    return s.median === null ? '–' : `${fmt(s.median, 0)} (${fmt(s.min, 0)}–${fmt(s.max, 0)})`;
  };
  lines.push(
    table(
      ['connected users', ...MODES.map((m) => `µs per change: ${m.name}`)],
      levels.map((level) => [
        held(level) < level ? `${fmt(level, 0)} (${fmt(held(level), 0)} held: the open-file limit)` : fmt(level, 0),
        ...MODES.map((m) => cell(m.key, level, 'cpuUsPerChange')),
      ]),
    ),
  );
  for (const mode of MODES) {
    const f = flatness(rows, mode.key);
    if (f.median !== null)
      lines.push(
        '',
        `${mode.name}: at ${fmt(levels.at(-1), 0)} users, ${fmt(f.median, 2)}× (${fmt(f.min, 2)}–${fmt(f.max, 2)}) the CPU per change at ${fmt(levels[0], 0)}.`,
      );
  }
  const failed = rows.filter((r) => r.error);
  if (failed.length) lines.push('', ...failed.map((r) => `Run ${r.run} (${r.mode}) failed: ${r.error.split('\n')[0]}`));
  lines.push('', `Scenario wall time: ${fmt(minutes, 1)} min.`, '');
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runPresence({
    postgresUrl: process.env.BENCH_POSTGRES_URL,
    quick: process.argv.includes('--quick'),
    log: console.error,
  });
  console.log(result.markdown);
}
