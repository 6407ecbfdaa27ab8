import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLock } from './data-dir-lock';

describe('DataDirLock', () => {
  let dir: string;
  const lockFile = () => join(dir, 'server.pid');
  /** A pid no process has: one that has just exited. */
  const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'data-dir-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a second server of this process off, and lets it in after the release', () => {
    const lock = DataDirLock.acquire(dir);
    expect(readFileSync(lockFile(), 'utf8').trim()).toBe(`${process.pid} ${hostname()}`);
    expect(() => DataDirLock.acquire(dir)).toThrow(/is in use by process/);
    lock.release();
    DataDirLock.acquire(dir).release();
  });

  it('refuses a directory a live process holds, or one a process on another host holds (our pid or not)', () => {
    writeFileSync(lockFile(), `${process.ppid} ${hostname()}`);
    expect(() => DataDirLock.acquire(dir)).toThrow(`is in use by process ${process.ppid}`);
    for (const pid of [process.pid, deadPid()]) {
      writeFileSync(lockFile(), `${pid} another-container`);
      expect(() => DataDirLock.acquire(dir)).toThrow(`is in use by process ${pid} on host another-container`);
    }
  });

  it("takes over another host's lock that its holder stopped keeping fresh (a crashed container recreated under a new name)", () => {
    writeFileSync(lockFile(), '1 the-container-before');
    const longAgo = new Date(Date.now() - 120_000);
    utimesSync(lockFile(), longAgo, longAgo);
    const lock = DataDirLock.acquire(dir);
    expect(readFileSync(lockFile(), 'utf8').trim()).toBe(`${process.pid} ${hostname()}`);
    lock.release();
  });

  it('takes over a file left by a process that is gone, even one that had our pid (a container restarted)', () => {
    for (const held of [String(deadPid()), `${process.pid} ${hostname()}`, String(process.pid)]) {
      writeFileSync(lockFile(), held);
      const lock = DataDirLock.acquire(dir);
      expect(readFileSync(lockFile(), 'utf8').trim()).toBe(`${process.pid} ${hostname()}`);
      lock.release();
    }
  });

  it('waits for a file without a pid while it may still be written, and takes it over after', () => {
    writeFileSync(lockFile(), '');
    expect(() => DataDirLock.acquire(dir)).toThrow(/is in use by process \(unknown\)/);
    const longAgo = new Date(Date.now() - 60_000);
    utimesSync(lockFile(), longAgo, longAgo);
    DataDirLock.acquire(dir).release();
  });

  it('lets exactly one of several processes starting at once take over a stale file', async () => {
    writeFileSync(lockFile(), String(deadPid()));
    const [go, done] = [join(dir, 'go'), join(dir, 'done')];
    // Each waits for the same moment, tries, says how it went, and holds what it got until all have tried.
    const child = `
      const { existsSync } = require('node:fs');
      const { DataDirLock } = require(${JSON.stringify(join(__dirname, 'data-dir-lock.ts'))});
      process.stdout.write('ready\\n');
      while (!existsSync(${JSON.stringify(go)}));
      let outcome;
      try { DataDirLock.acquire(${JSON.stringify(dir)}); outcome = 'locked'; } catch (e) { outcome = /in use/.test(e.message) ? 'refused' : e.message; }
      process.stdout.write(outcome + '\\n');
      const holding = setInterval(() => existsSync(${JSON.stringify(done)}) && clearInterval(holding), 10);
    `;
    const children = Array.from({ length: 6 }, () => {
      const running = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', child], { cwd: join(__dirname, '..', '..') });
      let errors = '';
      running.stderr.on('data', (data: Buffer) => (errors += data.toString()));
      const exited = new Promise<void>((gone) => running.on('exit', () => gone()));
      // The child's `count`th line, or what it wrote to stderr if it ended before.
      const said = (count: number) =>
        new Promise<string>((heard) => {
          let output = '';
          running.stdout.on('data', (data: Buffer) => {
            output += data.toString();
            const complete = output.split('\n').slice(0, -1);
            if (complete.length >= count) heard(complete[count - 1]);
          });
          void exited.then(() => heard(`exited: ${errors}`));
        });
      return { ready: said(1), outcome: said(2), exited };
    });
    await Promise.all(children.map((c) => c.ready));
    writeFileSync(go, '');
    const outcomes = await Promise.all(children.map((c) => c.outcome));
    writeFileSync(done, '');
    await Promise.all(children.map((c) => c.exited));
    expect(outcomes.sort()).toEqual(['locked', 'refused', 'refused', 'refused', 'refused', 'refused']);
  }, 30_000);
});
