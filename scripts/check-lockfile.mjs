// Says plainly, before any test runs, when package.json, package-lock.json and node_modules are out
// of step: the lockfile is the only source of versions (CI installs with `npm ci`), so a range
// changed in package.json without `npm install`, or a lockfile pulled without `npm ci`, fails here.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The project root, or another tree to check (the test of this script passes one).
const root = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..');
const readJson = (path) => JSON.parse(readFileSync(join(root, path), 'utf8'));

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

/** `field name: range` of every dependency package.json (or the lockfile's copy of it) declares. */
function declared(manifest) {
  return new Map(
    DEPENDENCY_FIELDS.flatMap((field) => Object.entries(manifest[field] ?? {}).map(([name, range]) => [`${field} ${name}`, range])),
  );
}

const manifest = readJson('package.json');
if (!existsSync(join(root, 'package-lock.json')))
  fail(['package-lock.json is missing.'], 'Run `npm install` and commit package-lock.json.');
const lock = readJson('package-lock.json');

const inManifest = declared(manifest);
const inLock = declared(lock.packages?.[''] ?? {});
const unsynced = [...new Set([...inManifest.keys(), ...inLock.keys()])]
  .filter((key) => inManifest.get(key) !== inLock.get(key))
  .map((key) => `${key}: ${inManifest.get(key) ?? '(absent)'} in package.json, ${inLock.get(key) ?? '(absent)'} in package-lock.json`);
if (unsynced.length > 0)
  fail(unsynced, 'package-lock.json is out of step with package.json. Run `npm install` and commit package-lock.json.');

// Complete for every platform: each locked package's optional dependencies (other platforms'
// binaries) are locked too, else `npm ci` refuses the lockfile ("Missing: … from lock file").
const lockedAt = (from, name) => {
  for (let base = from; ; base = base.slice(0, Math.max(base.lastIndexOf('/node_modules/'), 0))) {
    if (lock.packages[`${base ? `${base}/` : ''}node_modules/${name}`]) return true;
    if (!base) return false;
  }
};
const incomplete = Object.entries(lock.packages).flatMap(([path, entry]) =>
  Object.keys(entry.optionalDependencies ?? {})
    .filter((name) => !lockedAt(path, name))
    .map((name) => `${path || 'package.json'}: optional dependency ${name} is not locked`),
);
if (incomplete.length > 0)
  fail(incomplete, "package-lock.json lacks other platforms' packages. Run `npm install` and commit package-lock.json.");

// Every locked package that belongs on this machine must be installed at its locked version.
// Optional ones (other platforms' binaries) may be absent; present, they must match too.
const stale = [];
for (const [path, entry] of Object.entries(lock.packages)) {
  if (path === '' || entry.link || !path.includes('node_modules/')) continue;
  const installed = join(root, path, 'package.json');
  if (!existsSync(installed)) {
    if (!entry.optional && !entry.devOptional) stale.push(`${path}: not installed (locked at ${entry.version})`);
    continue;
  }
  const { version } = JSON.parse(readFileSync(installed, 'utf8'));
  if (version !== entry.version) stale.push(`${path}: ${version} installed, ${entry.version} locked`);
}
if (stale.length > 0) fail(stale, 'node_modules does not match package-lock.json. Run `npm ci`.');

console.log(`package.json, package-lock.json and node_modules agree (${Object.keys(lock.packages).length - 1} locked packages).`);

function fail(lines, advice) {
  const shown = lines.slice(0, 10).concat(lines.length > 10 ? [`… and ${lines.length - 10} more`] : []);
  console.error(`${advice}\n  ${shown.join('\n  ')}`);
  process.exit(1);
}
