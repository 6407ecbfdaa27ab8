import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    expect(readFileSync(lockFile(), 'utf8').trim()).toBe(String(process.pid));
    expect(() => DataDirLock.acquire(dir)).toThrow(/is in use by process/);
    lock.release();
    DataDirLock.acquire(dir).release();
  });

  it('refuses a directory a live process holds', () => {
    writeFileSync(lockFile(), String(process.ppid));
    expect(() => DataDirLock.acquire(dir)).toThrow(`is in use by process ${process.ppid}`);
  });

  it('takes over a file left by a process that is gone, even one that had our pid (a container restarted)', () => {
    for (const pid of [deadPid(), process.pid]) {
      writeFileSync(lockFile(), String(pid));
      const lock = DataDirLock.acquire(dir);
      expect(readFileSync(lockFile(), 'utf8').trim()).toBe(String(process.pid));
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
    const go = join(dir, 'go');
    // Each waits for the same moment, tries, and holds what it got until all have tried.
    const child = `
      const { existsSync } = require('node:fs');
      const { DataDirLock } = require(${JSON.stringify(join(__dirname, 'data-dir-lock.ts'))});
      process.stdout.write('ready ');
      while (!existsSync(${JSON.stringify(go)}));
      let outcome;
      try { DataDirLock.acquire(${JSON.stringify(dir)}); outcome = 'locked'; } catch (e) { outcome = /in use/.test(e.message) ? 'refused' : e.message; }
      process.stdout.write(outcome);
      setTimeout(() => {}, 1500);
    `;
    const children = Array.from({ length: 6 }, () => {
      const running = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', child], { cwd: join(__dirname, '..', '..') });
      let output = '';
      const ready = new Promise<void>((loaded) =>
        running.stdout.on('data', (data: Buffer) => {
          output += data.toString();
          if (output.startsWith('ready ')) loaded();
        }),
      );
      running.stderr.on('data', (data: Buffer) => (output += data.toString()));
      const outcome = new Promise<string>((done) => running.on('exit', () => done(output.replace('ready ', ''))));
      return { ready, outcome };
    });
    await Promise.all(children.map((c) => c.ready));
    writeFileSync(go, '');
    const outcomes = await Promise.all(children.map((c) => c.outcome));
    expect(outcomes.sort()).toEqual(['locked', 'refused', 'refused', 'refused', 'refused', 'refused']);
  }, 30_000);
});
