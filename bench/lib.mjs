// What every benchmark scenario shares: starting a server under test (the product or a bare
// baseline) in its own process, reading its CPU time and memory from /proc, minting tokens, fresh
// PostgreSQL databases, running a load generator in its own process, and summary statistics.
import { spawn } from 'node:child_process';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

export const ROOT = resolve(import.meta.dirname, '..');
/** The same in every bench process (servers and load generators), and random-looking, as production asks. */
export const JWT_SECRET = createHash('sha512').update('call-signaling bench').digest('base64');
export const JWT_ISSUER = 'bench-idp';
const CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux

/** An HS256 token from the bench's identity provider: its user is created on first use. */
export function mintToken(sub, role = 'student') {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub, role, name: sub, iss: JWT_ISSUER, exp: Math.floor(Date.now() / 1000) + 86_400 })}`;
  return `${body}.${createHmac('sha256', JWT_SECRET).update(body).digest('base64url')}`;
}

export function freePort() {
  return new Promise((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

/**
 * The servers a scenario can run: the product, the two bare relays it is compared with, and the
 * minimal call server (PostgreSQL only) its call setup is compared with.
 */
const SERVERS = {
  app: [join(ROOT, 'dist/main.js')],
  'bare-socket.io': [join(ROOT, 'bench/servers/bare-socket-io.mjs')],
  'bare-ws': [join(ROOT, 'bench/servers/bare-ws.mjs')],
  'minimal-calls': [join(ROOT, 'bench/servers/minimal-calls.mjs')],
};

/**
 * Starts a server under test in a fresh process (and, for the product and the minimal call
 * server, a fresh database: a new PGlite directory, or a new database on `postgresUrl`).
 * `--expose-gc` and the gc hook let the bench force a collection before reading memory.
 * `limits: 'product'` keeps the product's own rate limits instead of the bench's raised ones.
 * `database`: one made by createDatabase that several instances share (its maker drops it).
 * `nodeArgs`: flags for Node before the server's script.
 */
export async function startServer(
  kind,
  { db = 'pglite', postgresUrl, database, env = {}, nodeArgs = [], profileDir, limits = 'raised' } = {},
) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-server-'));
  let dropDatabase = async () => {};
  const appEnv = {};
  if (kind === 'app') {
    Object.assign(appEnv, { JWT_SECRET, JWT_ISSUER, NODE_ENV: 'production', ...(limits === 'raised' ? BENCH_LIMITS : {}) });
    if (db !== 'postgres') appEnv.DATA_DIR = dir;
  }
  if (kind === 'minimal-calls') appEnv.JWT_SECRET = JWT_SECRET;
  if ((kind === 'app' || kind === 'minimal-calls') && db === 'postgres') {
    const fresh = database ?? (await createDatabase(postgresUrl));
    appEnv.DATABASE_URL = fresh.url;
    if (!database) dropDatabase = fresh.drop;
  }
  const child = spawn(process.execPath, ['--expose-gc', ...nodeArgs, '-r', join(ROOT, 'bench/servers/bench-hooks.cjs'), ...SERVERS[kind]], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), BENCH_PROFILE_DIR: profileDir ?? dir, ...appEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = new LineWatcher(child);
  await lines.waitFor(/Listening on/, 60_000, `${kind} did not start`);
  const pid = child.pid;
  return {
    kind,
    db: kind === 'app' || kind === 'minimal-calls' ? db : null,
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    cpuMs: () => cpuMs(pid),
    /** A line the server printed, already or from now on. */
    waitForLine: (pattern, timeoutMs) => lines.waitFor(pattern, timeoutMs, `no line matching ${pattern}`, true),
    rssKb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]),
    /** Two full collections in the server, then its RSS and its JavaScript heap in use and committed. */
    async afterGc() {
      const done = lines.waitFor(/bench:gc-done/, 30_000, 'the server did not collect garbage');
      child.kill('SIGUSR2');
      const line = await done;
      return {
        rssKb: this.rssKb(),
        heapKb: Number(/heap=(\d+)/.exec(line)[1]) / 1024,
        heapCommittedKb: Number(/committed=(\d+)/.exec(line)[1]) / 1024,
      };
    },
    async stop() {
      const exited = new Promise((done) => (child.exitCode !== null || child.signalCode ? done() : child.once('exit', done)));
      child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
      await dropDatabase();
    },
  };
}

/**
 * Limits raised so that no limiter refuses the load the bench offers; every limiter is still
 * consulted on every message and connection, so its cost is measured.
 */
export const BENCH_LIMITS = {
  RATE_LIMIT_EVENTS_PER_S: '100000',
  RATE_LIMIT_ICE_BURST: '100000',
  RATE_LIMIT_CALL_STARTS_PER_MIN: '1000000',
  RATE_LIMIT_HTTP_PER_MIN: '10000000',
  RATE_LIMIT_BYTES_PER_S: '1000000000',
  RATE_LIMIT_CONNECTS_PER_MIN: '1000000',
  RATE_LIMIT_REFUSED_CONNECTS_PER_MIN: '1000000',
};

/** utime + stime of a process, in milliseconds. */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}

/** CPU of every PostgreSQL process on this machine (the bench runs one cluster, one server at a time). */
export function postgresCpuMs() {
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') total += cpuMs(pid);
    } catch {
      // The process ended while it was read.
    }
  }
  return total;
}

/** A new database on the server of `adminUrl`, with a way to drop it. */
export async function createDatabase(adminUrl) {
  const name = `bench_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Lines a child prints, kept so a caller can wait for one (stderr too: errors explain a failed start). */
class LineWatcher {
  constructor(child) {
    this.tail = [];
    this.waiters = [];
    this.exited = null;
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream.on('data', (chunk) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop();
        for (const line of parts) this.line(line);
      });
    }
    child.once('exit', (code, signal) => {
      this.exited = `exited (${code ?? signal})`;
      for (const waiter of this.waiters) waiter.fail(new Error(`${waiter.what}: ${this.exited}\n${this.tail.join('\n')}`));
    });
  }

  line(text) {
    this.tail.push(text);
    if (this.tail.length > 30) this.tail.shift();
    for (const waiter of [...this.waiters]) if (waiter.pattern.test(text)) waiter.done(text);
  }

  waitFor(pattern, timeoutMs, what, includePast = false) {
    const past = includePast && this.tail.find((line) => pattern.test(line));
    if (past) return Promise.resolve(past);
    return new Promise((resolveWait, reject) => {
      const waiter = { pattern, what };
      const timer = setTimeout(() => waiter.fail(new Error(`${what} within ${timeoutMs} ms\n${this.tail.join('\n')}`)), timeoutMs);
      const settle = (fn) => (value) => {
        clearTimeout(timer);
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        fn(value);
      };
      waiter.done = settle(resolveWait);
      waiter.fail = settle(reject);
      if (this.exited) return waiter.fail(new Error(`${what}: ${this.exited}\n${this.tail.join('\n')}`));
      this.waiters.push(waiter);
    });
  }
}

/**
 * Runs a load generator (bench/load/<name>.mjs) in its own process with a JSON task on stdin;
 * resolves with the JSON it prints last. Its own time limit is the task's `deadlineMs`.
 */
export function runLoad(name, task) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--max-old-space-size=4096', join(ROOT, `bench/load/${name}.mjs`)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const limit = setTimeout(() => child.kill('SIGKILL'), task.deadlineMs ?? 300_000);
    child.once('exit', (code, signal) => {
      clearTimeout(limit);
      const last = out.trim().split('\n').pop();
      if (code === 0 && last) done(JSON.parse(last));
      else fail(new Error(`load generator ${name} ${signal ? `killed (${signal})` : `exited ${code}`}\n${out.slice(-2000)}`));
    });
    child.stdin.end(JSON.stringify(task));
  });
}

/** Reads the task a load generator was given on stdin. */
export async function readTask() {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return JSON.parse(text);
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function median(values) {
  const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median with min–max, the form every table reports. */
export function spread(values) {
  const present = values.filter((v) => v !== null && v !== undefined);
  return {
    median: median(present),
    min: present.length ? Math.min(...present) : null,
    max: present.length ? Math.max(...present) : null,
    runs: present.length,
  };
}

/**
 * Per run, the figure of the rows whose `key` is `subject` over that of the row of the same run
 * whose `key` is `baseline` (null where either is missing).
 */
export function perRunRatios(rows, key, subject, baseline, pick) {
  return rows
    .filter((r) => r[key] === subject)
    .map((r) => {
      const base = rows.find((b) => b.run === r.run && b[key] === baseline);
      const [value, baseValue] = [pick(r), base && pick(base)];
      return value !== null && value !== undefined && baseValue ? value / baseValue : null;
    });
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
