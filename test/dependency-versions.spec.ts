import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from './helpers/run-script';

/** Runs the CI check on a node_modules tree made of the given packages (path → version). */
function check(packages: Record<string, string>): { ok: boolean; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'deps-'));
  try {
    for (const [path, version] of Object.entries(packages)) {
      mkdirSync(join(root, 'node_modules', path), { recursive: true });
      writeFileSync(join(root, 'node_modules', path, 'package.json'), JSON.stringify({ version }));
    }
    return runScript('check-dependency-versions.mjs', [root]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const PATCHED = { 'socket.io': '4.8.3', 'engine.io': '6.6.12', 'socket.io-parser': '4.2.7', ws: '8.23.0' };

describe('the CI check of realtime dependency versions', () => {
  it('passes the versions this project installs', () => {
    expect(runScript('check-dependency-versions.mjs')).toEqual({
      ok: true,
      output: expect.stringMatching(/^Realtime dependencies patched: /),
    });
  });

  it('passes a patched tree', () => {
    expect(check(PATCHED)).toMatchObject({ ok: true });
  });

  it('fails on an unpatched copy, even one nested under another package', () => {
    const result = check({ ...PATCHED, 'engine.io/node_modules/ws': '8.17.1' });
    expect(result.ok).toBe(false);
    expect(result.output).toContain('engine.io/node_modules/ws: ws@8.17.1 is older than 8.21.1');
    expect(check({ ...PATCHED, 'socket.io-parser': '4.2.4' })).toMatchObject({ ok: false });
  });

  it('fails when a package is missing altogether', () => {
    const { ws: _ws, ...withoutWs } = PATCHED;
    expect(check(withoutWs)).toEqual({ ok: false, output: expect.stringContaining('ws is not installed') });
  });
});
