import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Runs one of the repo's `scripts/*.mjs` with the given arguments: whether it exited 0, and what it printed. */
export function runScript(script: string, args: string[] = []): { ok: boolean; output: string } {
  const path = resolve(__dirname, '..', '..', 'scripts', script);
  try {
    return { ok: true, output: execFileSync(process.execPath, [path, ...args], { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    return { ok: false, output: String((error as { stderr?: string }).stderr) };
  }
}
