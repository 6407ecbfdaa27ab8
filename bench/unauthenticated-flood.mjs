// Measures what unauthenticated Socket.IO handshake load costs the server (issue 8): for
// DURATION_S seconds, CONCURRENCY loops open engine.io polling sessions (GET /socket.io/?EIO=4&
// transport=polling) from one IP, never authenticating. Reports sessions admitted and refused,
// and the server's RSS growth. The server runs in its own process with the embedded database.
//   node bench/unauthenticated-flood.mjs            (defaults: 3 s, 50 loops)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const DURATION_S = Number(process.env.DURATION_S ?? 3);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 50);
const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'flood-'));
const port = 40_000 + Math.floor(Math.random() * 20_000);

const server = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(root, 'src/main.ts')], {
  cwd: dir,
  env: {
    PATH: process.env.PATH,
    ...(process.env.MAX_UNAUTHENTICATED_PER_IP ? { MAX_UNAUTHENTICATED_PER_IP: process.env.MAX_UNAUTHENTICATED_PER_IP } : {}),
    TS_NODE_PROJECT: join(root, 'tsconfig.json'),
    PORT: String(port),
    DATA_DIR: dir,
    JWT_SECRET: 'x'.repeat(40),
    NODE_PATH: join(root, 'node_modules'),
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise((done) => server.stdout.on('data', (chunk) => String(chunk).includes('Listening on') && done()));
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]);
/** The server's own view of its JS heap, from its Prometheus metrics. */
const heapMb = async () => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return +(Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)[1]) / 2 ** 20).toFixed(1);
};

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const get = () =>
  new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path: '/socket.io/?EIO=4&transport=polling', agent }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode));
    });
    req.on('error', () => done(0));
    req.end();
  });

await new Promise((done) => setTimeout(done, 1000));
const before = rssKb();
const heapBefore = await heapMb();
const counts = {};
const deadline = Date.now() + DURATION_S * 1000;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < deadline) {
      const status = await get();
      counts[status] = (counts[status] ?? 0) + 1;
    }
  }),
);
const after = rssKb();
const heapAfter = await heapMb();
console.log(
  JSON.stringify({
    durationS: DURATION_S,
    concurrency: CONCURRENCY,
    responsesByStatus: counts,
    rssBeforeMb: +(before / 1024).toFixed(1),
    rssAfterMb: +(after / 1024).toFixed(1),
    rssGrowthMb: +((after - before) / 1024).toFixed(1),
    heapBeforeMb: heapBefore,
    heapAfterMb: heapAfter,
  }),
);
agent.destroy();
server.kill('SIGTERM');
await new Promise((done) => server.once('exit', done));
rmSync(dir, { recursive: true, force: true });
