import { ChildProcess, ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

export interface ServerProcess {
  url: string;
  process: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  output(): string;
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
    server.on('error', fail);
  });
}

/** Whether a port on loopback can be listened on now. */
export function isFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer()
      .once('error', () => done(false))
      .listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/** src/main.ts through ts-node, as `npm start` runs it, with only PATH and `env` in its environment. */
function spawnMain(env: Record<string, string>, cwd: string): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), resolve(ROOT, 'src/main.ts')], {
    cwd,
    env: { PATH: process.env.PATH, TS_NODE_PROJECT: resolve(ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Starts the server as its own process (src/main.ts through ts-node), exactly as `npm start`
 * would run it, and resolves once /health answers.
 */
export async function spawnServer(env: Record<string, string>, cwd: string): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawnMain({ ...env, PORT: String(port) }, cwd);
  let log = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  // main.ts logs "Listening on …" once the port is open: wait for that line, or for an early exit.
  const listening = new Promise<boolean>((done) => {
    const onData = (chunk: Buffer) => {
      log += chunk;
      if (log.includes('Listening on')) done(true);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => done(false));
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((done) => (timer = setTimeout(() => done(false), 60_000)));
  const started = await Promise.race([listening, timedOut]);
  clearTimeout(timer);
  const url = `http://127.0.0.1:${port}`;
  if (started && (await fetch(`${url}/health`)).ok) return { url, process: child, exited, output: () => log };
  child.kill('SIGKILL');
  throw new Error(`server did not start (exit or 60 s without "Listening on"):\n${log}`);
}

/** Starts the server as spawnServer does and sends it `signal` once its output has shown `line`: how it ended, and its output. */
export async function signalWhileStarting(
  env: Record<string, string>,
  cwd: string,
  line: string,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  const child = spawnMain(env, cwd);
  let output = '';
  const read = (chunk: Buffer) => {
    output += chunk;
    if (output.includes(line) && child.signalCode === null && !child.killed) child.kill(signal);
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  // Before the test's own timeout, so that a start that hangs fails with its output.
  const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, exitSignal) => done({ code, signal: exitSignal })),
  );
  clearTimeout(timer);
  return { ...ended, output };
}

/** Starts the server as spawnServer does, on `env`'s PORT, for a start that must fail: its exit code and output. */
export async function failedStart(env: Record<string, string>, cwd: string): Promise<{ code: number | null; output: string }> {
  const child = spawnMain(env, cwd);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((done) => child.once('exit', (exitCode) => done(exitCode)));
  clearTimeout(timer);
  return { code, output };
}
