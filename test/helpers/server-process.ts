import { ChildProcess, spawn } from 'node:child_process';
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

/**
 * Starts the server as its own process (src/main.ts through ts-node), exactly as `npm start`
 * would run it, and resolves once /health answers.
 */
export async function spawnServer(env: Record<string, string>, cwd: string): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), resolve(ROOT, 'src/main.ts')], {
    cwd,
    env: { PATH: process.env.PATH, TS_NODE_PROJECT: resolve(ROOT, 'tsconfig.json'), ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (chunk) => (log += chunk));
  child.stderr!.on('data', (chunk) => (log += chunk));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited during start:\n${log}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, process: child, exited, output: () => log };
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not answer /health within 60 s:\n${log}`);
}
