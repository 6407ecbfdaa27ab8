import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from './helpers/run-script';

interface Tree {
  manifest: Record<string, unknown>;
  lock: Record<string, unknown>;
  /** `node_modules/…` path → installed version. */
  installed: Record<string, string>;
}

/** Runs the pretest check on a project made of the given package.json, lockfile and installed packages. */
function check({ manifest, lock, installed }: Tree): { ok: boolean; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'lockfile-'));
  try {
    writeFileSync(join(root, 'package.json'), JSON.stringify(manifest));
    writeFileSync(join(root, 'package-lock.json'), JSON.stringify(lock));
    for (const [path, version] of Object.entries(installed)) {
      mkdirSync(join(root, path), { recursive: true });
      writeFileSync(join(root, path, 'package.json'), JSON.stringify({ version }));
    }
    return runScript('check-lockfile.mjs', [root]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const manifest = { name: 'app', dependencies: { ws: '^8.23.0' }, devDependencies: { jest: '^30.0.0' } };
const lock = {
  lockfileVersion: 3,
  packages: {
    '': { name: 'app', dependencies: { ws: '^8.23.0' }, devDependencies: { jest: '^30.0.0' } },
    'node_modules/ws': { version: '8.23.0' },
    'node_modules/jest': { version: '30.5.2', dev: true },
    'node_modules/jest/node_modules/ws': { version: '7.5.10', dev: true },
    'node_modules/@scope/binding-darwin-arm64': { version: '1.0.0', optional: true, os: ['darwin'] },
  },
};
const installed = { 'node_modules/ws': '8.23.0', 'node_modules/jest': '30.5.2', 'node_modules/jest/node_modules/ws': '7.5.10' };

describe('the pretest check that package.json, package-lock.json and node_modules agree', () => {
  it('passes this project as installed', () => {
    expect(runScript('check-lockfile.mjs')).toEqual({ ok: true, output: expect.stringContaining('agree') });
  });

  it("passes a tree in step, where another platform's optional binary is not installed", () => {
    expect(check({ manifest, lock, installed })).toMatchObject({ ok: true });
  });

  it('names a range changed in package.json but not in the lockfile, and says to run npm install', () => {
    const result = check({ manifest: { ...manifest, dependencies: { ws: '^8.24.0' } }, lock, installed });
    expect(result).toEqual({ ok: false, output: expect.stringContaining('Run `npm install` and commit package-lock.json') });
    expect(result.output).toContain('dependencies ws: ^8.24.0 in package.json, ^8.23.0 in package-lock.json');
  });

  it('names a dependency added to package.json alone', () => {
    const result = check({ manifest: { ...manifest, dependencies: { ws: '^8.23.0', pg: '^8.0.0' } }, lock, installed });
    expect(result).toEqual({
      ok: false,
      output: expect.stringContaining('dependencies pg: ^8.0.0 in package.json, (absent) in package-lock.json'),
    });
  });

  it("names another platform's optional binary the lockfile lacks (npm ci would refuse it)", () => {
    const withBindings = {
      ...lock,
      packages: {
        ...lock.packages,
        'node_modules/jest': {
          version: '30.5.2',
          dev: true,
          optionalDependencies: { '@scope/binding-darwin-arm64': '1.0.0', '@scope/binding-win32-x64': '1.0.0' },
        },
      },
    };
    const result = check({ manifest, lock: withBindings, installed });
    expect(result).toEqual({ ok: false, output: expect.stringContaining("lacks other platforms' packages") });
    expect(result.output).toContain('node_modules/jest: optional dependency @scope/binding-win32-x64 is not locked');
    expect(result.output).not.toContain('binding-darwin-arm64 is not locked');
  });

  it('names installed packages that differ from the lockfile, nested ones too, and says to run npm ci', () => {
    const result = check({ manifest, lock, installed: { ...installed, 'node_modules/jest/node_modules/ws': '7.5.9' } });
    expect(result).toEqual({ ok: false, output: expect.stringContaining('Run `npm ci`') });
    expect(result.output).toContain('node_modules/jest/node_modules/ws: 7.5.9 installed, 7.5.10 locked');
    const { 'node_modules/jest': _jest, ...withoutJest } = installed;
    expect(check({ manifest, lock, installed: withoutJest }).output).toContain('node_modules/jest: not installed (locked at 30.5.2)');
  });

  it('fails when there is no lockfile', () => {
    const root = mkdtempSync(join(tmpdir(), 'lockfile-'));
    try {
      writeFileSync(join(root, 'package.json'), JSON.stringify(manifest));
      expect(runScript('check-lockfile.mjs', [root])).toEqual({
        ok: false,
        output: expect.stringContaining('package-lock.json is missing'),
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
