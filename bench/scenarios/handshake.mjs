// Scenario 5: what a Socket.IO connection costs the server, from the handshake to the disconnect,
// for a user it has never seen and for one coming back, next to bare Socket.IO in the same run.
// Connections are opened 10 at a time (under the unauthenticated-session cap), then closed; the
// server's CPU for the opening and for the closing (with the user going offline), per connection.
// Then a reconnect storm on a fresh server with the product's own limits: 10 000 known users, each
// from its own address, arrive within one second (bench/load/storm.mjs); how long until all are in.
//   node bench/scenarios/handshake.mjs [--quick]     (PostgreSQL from BENCH_POSTGRES_URL)
import { pathToFileURL } from 'node:url';
import { io } from 'socket.io-client';
import { mintToken, perRunRatios, runLoad, sleep, spread, startServer } from '../lib.mjs';
import { fmt, ratioCell, table } from '../report.mjs';

const IN_FLIGHT = 10;
/** Each user's token: a client coming back presents the one it has. */
const tokens = new Map();
const tokenOf = (userId) => tokens.get(userId) ?? tokens.set(userId, mintToken(userId)).get(userId);
/** After the opening: what a connection starts in the background (presence) is part of its cost. */
const OPEN_SETTLE_MS = 500;
/** After the closing: presence waits PRESENCE_GRACE_MS (5 s) before a user is offline, and that work is part of the cost. */
const CLOSE_SETTLE_MS = 6_500;

/**
 * Opens `count` connections of users `prefix-0…`, then closes them; the server's CPU per
 * connection in µs for each half.
 */
async function batch(server, prefix, count) {
  const bare = server.kind !== 'app';
  const before = server.cpuMs();
  const sockets = [];
  for (let i = 0; i < count; i += IN_FLIGHT) {
    await Promise.all(
      Array.from(
        { length: Math.min(IN_FLIGHT, count - i) },
        (_, j) =>
          new Promise((done, fail) => {
            const userId = `${prefix}-${i + j}`;
            const socket = io(server.url, {
              transports: ['websocket'],
              forceNew: true,
              reconnection: false,
              auth: bare ? { userId } : { token: tokenOf(userId) },
            });
            socket.once(bare ? 'connect' : 'authenticated', done);
            socket.once('connect_error', fail);
            sockets.push(socket);
          }),
      ),
    );
  }
  await sleep(OPEN_SETTLE_MS);
  const opened = server.cpuMs();
  for (const socket of sockets) socket.close();
  await sleep(CLOSE_SETTLE_MS);
  const perConnection = (ms) => (ms * 1000) / count;
  return { openUs: perConnection(opened - before), closeUs: perConnection(server.cpuMs() - opened) };
}

/** The storm: how many, over how long, and how long a client keeps trying. */
const STORM = { count: 10_000, spreadMs: 1_000, giveUpMs: 120_000 };
const QUICK_STORM = { ...STORM, count: 2_000 };

/**
 * On a fresh server with the product's own limits: the storm's users connect once and leave (so
 * that they are known), go offline, then all come back within `spreadMs`.
 */
async function storm(subject, { postgresUrl, stormTask }) {
  const server = await startServer(subject.server, { db: subject.db, postgresUrl, limits: 'product' });
  try {
    const task = { ...stormTask, url: server.url, prefix: 'storm', bare: subject.server !== 'app', deadlineMs: 600_000 };
    await runLoad('storm', { ...task, warm: true });
    await sleep(CLOSE_SETTLE_MS);
    const before = server.cpuMs();
    const result = await runLoad('storm', task);
    return { ...result, serverCpuMs: server.cpuMs() - before };
  } finally {
    await server.stop();
  }
}

export async function runHandshake({ runs = 3, postgresUrl, quick = false, log = console.error }) {
  const count = quick ? 500 : 2_000;
  const stormTask = quick ? QUICK_STORM : STORM;
  const rows = [];
  const subjects = [
    { id: 'bare-socket.io', server: 'bare-socket.io', storm: true },
    ...(postgresUrl ? [{ id: 'app-postgres', server: 'app', db: 'postgres', storm: true }] : []),
    { id: 'app-pglite', server: 'app', db: 'pglite', storm: !postgresUrl },
  ];
  for (let run = 1; run <= runs; run++) {
    for (const subject of subjects) {
      log(`handshake: run ${run}/${runs}, ${subject.id}`);
      const server = await startServer(subject.server, { db: subject.db, postgresUrl });
      const row = { run, subject: subject.id, count };
      try {
        await batch(server, 'warm', 200);
        const fresh = await batch(server, 'user', count);
        const returning = await batch(server, 'user', count);
        Object.assign(row, { newUs: fresh.openUs, returningUs: returning.openUs, closeUs: returning.closeUs });
      } finally {
        await server.stop();
      }
      if (subject.storm) {
        log(`handshake: run ${run}/${runs}, ${subject.id}, storm of ${stormTask.count}`);
        row.storm = await storm(subject, { postgresUrl, stormTask });
      }
      rows.push(row);
    }
  }
  return { rows, markdown: render(rows, count, stormTask) };
}

/** Per run, a subject's figure over bare Socket.IO's. */
const overBare = (rows, subject, pick) => spread(perRunRatios(rows, 'subject', subject, 'bare-socket.io', pick));

function render(rows, count, stormTask) {
  const subjects = [...new Set(rows.map((r) => r.subject))];
  const value = (subject, pick) => fmt(spread(rows.filter((r) => r.subject === subject).map(pick)));
  return [
    '## What a connection costs',
    '',
    `${count} Socket.IO connections of distinct users the server has not seen, opened ${IN_FLIGHT} at a time; once all are in, closed; then the same users again, back after having gone offline. Server CPU per connection: for opening one (from the first handshake until ${OPEN_SETTLE_MS} ms after the last is authenticated), and for closing one (until ${CLOSE_SETTLE_MS / 1000} s after the last close, as the product marks a user offline 5 s after their last connection). The product checks each token, books the connection and announces presence; bare Socket.IO joins a room.`,
    '',
    table(
      ['server', 'opening, new user, µs', '÷ bare', 'opening, returning user, µs', '÷ bare', 'closing, µs', '÷ bare'],
      subjects.map((subject) => {
        const ratio = (pick) => (subject === 'bare-socket.io' ? '' : ratioCell(overBare(rows, subject, pick)));
        return [
          subject,
          value(subject, (r) => r.newUs),
          ratio((r) => r.newUs),
          value(subject, (r) => r.returningUs),
          ratio((r) => r.returningUs),
          value(subject, (r) => r.closeUs),
          ratio((r) => r.closeUs),
        ];
      }),
    ),
    '',
    ...stormLines(rows, stormTask),
  ].join('\n');
}

function stormLines(rows, { count, spreadMs }) {
  const stormed = rows.filter((r) => r.storm);
  const subjects = [...new Set(stormed.map((r) => r.subject))];
  const value = (subject, pick, digits) => fmt(spread(stormed.filter((r) => r.subject === subject).map((r) => pick(r.storm))), digits);
  const refusals = (subject) => {
    const all = {};
    for (const r of stormed.filter((row) => row.subject === subject))
      for (const [why, n] of Object.entries(r.storm.refusals)) all[why] = (all[why] ?? 0) + n;
    return (
      Object.entries(all)
        .map(([why, n]) => `${why}: ${n}`)
        .join('; ') || 'none'
    );
  };
  return [
    '### A reconnect storm',
    '',
    `On a fresh server with the product's own limits (not the bench's raised ones), ${count} users connect once each and leave, so the server knows them; once they are offline, all ${count} come back within ${spreadMs / 1000} s, evenly spread, each from its own loopback address, as after the death of the instance that held them. A refused client tries again after socket.io-client's default delay (1 s ± 50 %). "All in" is from the first attempt to the last authenticated connection.`,
    '',
    table(
      ['server', 'all in, s', 'each: p50 ms', 'p99 ms', 'not in after 2 min', 'server CPU, s', 'refusals (all runs)'],
      subjects.map((subject) => [
        subject,
        value(subject, (s) => s.allAdmittedMs / 1000, 1),
        value(subject, (s) => s.admitP50Ms),
        value(subject, (s) => s.admitP99Ms),
        value(subject, (s) => s.notAdmitted),
        value(subject, (s) => s.serverCpuMs / 1000, 1),
        refusals(subject),
      ]),
    ),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const { markdown } = await runHandshake({ runs: quick ? 1 : 3, quick, postgresUrl: process.env.BENCH_POSTGRES_URL });
  console.log(markdown);
}
