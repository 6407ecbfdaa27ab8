import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { failedStart, freePort, signalWhileStarting, spawnServer } from './helpers/server-process';
import { useTestApp } from './helpers/suite';

const SECRET = randomBytes(48).toString('base64');
const PRODUCTION = { NODE_ENV: 'production', JWT_SECRET: SECRET };

describe('production, by default (e2e)', () => {
  const { t } = useTestApp(PRODUCTION);

  it('closes the demo, the docs and the metrics, in the contract’s shape', async () => {
    for (const path of ['/demo', '/docs', '/docs-json', '/docs/realtime']) {
      expect((await request(t.url).get(path).expect(404)).body).toMatchObject({ code: 'not_found' });
    }
    const metrics = await request(t.url).get('/metrics').expect(403);
    expect(metrics.body).toMatchObject({ code: 'forbidden', message: expect.stringContaining('METRICS_TOKEN') });
    await request(t.url).get('/health').expect(200);
    expect((await request(t.url).get('/').expect(200)).body).toEqual({ service: 'call-signaling', links: { health: '/health' } });
  });
});

describe('production, with the pages opened on purpose (e2e)', () => {
  const { t } = useTestApp({ ...PRODUCTION, DEMO_ENABLED: 'true', DOCS_ENABLED: 'true', METRICS_PUBLIC: 'true' });

  it('serves them', async () => {
    for (const path of ['/demo', '/docs', '/docs/realtime', '/metrics']) await request(t.url).get(path).expect(200);
    expect((await request(t.url).get('/').expect(200)).body.links).toEqual({
      health: '/health',
      demo: '/demo',
      docs: '/docs',
      realtimeDocs: '/docs/realtime',
    });
  });
});

describe('starting up (e2e)', () => {
  let cwd: string;
  beforeAll(() => (cwd = mkdtempSync(join(tmpdir(), 'start-up-'))));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));
  /** One line on the way out, naming the setting, no other warning or error, and no stack trace. */
  const expectOneLine = (output: string, pattern: RegExp) => {
    const lines = output.trim().split('\n');
    expect(lines.at(-1)).toMatch(pattern);
    expect(lines.slice(0, -1).filter((line) => /WARN|ERROR|FATAL|"level":"(warn|error|fatal)"/.test(line))).toEqual([]);
    expect(output).not.toMatch(/\n\s+at /);
  };

  it('says where the demo and the docs are once it listens', async () => {
    const server = await spawnServer({ DATA_DIR: join(cwd, 'listening'), LOG_FORMAT: 'text' }, cwd);
    try {
      const port = new URL(server.url).port;
      expect(server.output()).toContain(`Listening on every interface, port ${port}: http://localhost:${port}`);
      expect(server.output()).toContain(`Demo: http://localhost:${port}/demo`);
      expect(server.output()).toContain(`API docs: http://localhost:${port}/docs`);
      // Nest's module and route lists are debug lines now.
      expect(server.output()).not.toMatch(/RouterExplorer|InstanceLoader/);
    } finally {
      server.process.kill('SIGKILL');
      await server.exited;
    }
  });

  it('stops cleanly on SIGTERM while it is still starting: the database closed, its lock released, exit 0', async () => {
    const dataDir = join(cwd, 'stopped-while-starting');
    const env = { NODE_ENV: 'test', JWT_SECRET: SECRET, DATA_DIR: dataDir, PORT: '0', LOG_FORMAT: 'text' };
    // Signalled once the database is open, while the migrations are applied (before it listens).
    const stopped = await signalWhileStarting(env, cwd, 'Embedded PGlite database at', 'SIGTERM');
    expect(stopped).toMatchObject({ code: 0, signal: null });
    expect(stopped.output).toContain('SIGTERM received: draining');
    expect(stopped.output).not.toContain('Listening on');
    expect(existsSync(join(dataDir, 'server.pid'))).toBe(false);
  }, 60_000);

  /** Tests that start the server three times: each start loads the whole app, several seconds on a slow machine. */
  const THREE_STARTS_MS = 120_000;

  it(
    'refuses a published or weak JWT_SECRET in production',
    async () => {
      for (const secret of ['replace-with-a-long-random-secret', 'bench-secret-'.padEnd(48, 'x'), randomBytes(16).toString('hex')]) {
        const { code, output } = await failedStart({ ...PRODUCTION, JWT_SECRET: secret, PORT: '0', DATA_DIR: join(cwd, 'secret') }, cwd);
        expect(code).toBe(1);
        expectOneLine(output, /^Invalid configuration: JWT_SECRET (is a published example value|does not look random)/);
      }
    },
    THREE_STARTS_MS,
  );

  it(
    'names DATABASE_URL, REDIS_URL or PORT when it cannot have them',
    async () => {
      const base = { NODE_ENV: 'test', JWT_SECRET: SECRET, DATA_DIR: join(cwd, 'unreachable') };
      const unusedPort = await freePort();
      let start = await failedStart(
        { ...base, PORT: '0', DATABASE_URL: `postgresql://someone:hunter2@127.0.0.1:${unusedPort}/calls` },
        cwd,
      );
      expect(start.code).toBe(1);
      expectOneLine(
        start.output,
        new RegExp(`^Cannot start: DATABASE_URL cannot connect to PostgreSQL at 127.0.0.1:${unusedPort}/calls: .*ECONNREFUSED`),
      );
      expect(start.output).not.toContain('hunter2');

      start = await failedStart({ ...base, PORT: '0', REDIS_URL: `redis://:hunter2@127.0.0.1:${unusedPort}` }, cwd);
      expect(start.code).toBe(1);
      expectOneLine(start.output, /^Cannot start: REDIS_URL cannot reach Redis at redis:\/\/.*127\.0\.0\.1/);
      expect(start.output).not.toContain('hunter2');

      const taken: Server = await new Promise((done) => {
        const server = createServer().listen(0, () => done(server));
      });
      try {
        const { port } = taken.address() as { port: number };
        start = await failedStart({ ...base, PORT: String(port) }, cwd);
        expect(start.code).toBe(1);
        expectOneLine(start.output, new RegExp(`^Cannot start: PORT ${port} is already in use`));
        // The embedded database it had opened was closed, lock and all.
        expect(existsSync(join(base.DATA_DIR, 'server.pid'))).toBe(false);
      } finally {
        taken.close();
      }
    },
    THREE_STARTS_MS,
  );
});
