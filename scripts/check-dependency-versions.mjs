// Fails when any installed copy of a realtime transport package is older than its last security
// fix. npm may nest several copies (one per dependent), so every node_modules folder is searched.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Lowest acceptable version of each package, and the advisory that set it. */
const MINIMUMS = {
  'socket.io': ['4.6.2', 'CVE-2024-38355: unhandled error event crashes the server'],
  'engine.io': ['6.6.7', 'CVE-2026-59725: denial of service via invalid binary POST requests'],
  'socket.io-parser': ['4.2.6', 'GHSA-677m-j7p3-52f9: unbounded binary attachments'],
  ws: ['8.21.1', 'CVE-2026-48779 / CVE-2026-62389: memory exhaustion from small or unfinished fragments'],
};

// The project root, or another tree to check (the test of this script passes one).
const root = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..');

function* installed(nodeModules) {
  if (!existsSync(nodeModules)) return;
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dirs = entry.name.startsWith('@')
      ? readdirSync(join(nodeModules, entry.name), { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => join(entry.name, e.name))
      : [entry.name];
    for (const name of dirs) {
      const dir = join(nodeModules, name);
      const manifest = join(dir, 'package.json');
      if (existsSync(manifest)) yield { name, dir, version: JSON.parse(readFileSync(manifest, 'utf8')).version };
      yield* installed(join(dir, 'node_modules'));
    }
  }
}

const older = (a, b) => {
  const [x, y] = [a, b].map((v) => v.split(/[.-]/).slice(0, 3).map(Number));
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i];
  return false;
};

const problems = [];
const seen = [];
for (const { name, dir, version } of installed(join(root, 'node_modules'))) {
  if (!(name in MINIMUMS)) continue;
  const [minimum, reason] = MINIMUMS[name];
  seen.push(`${name}@${version}`);
  if (older(version, minimum)) problems.push(`${dir.slice(root.length + 1)}: ${name}@${version} is older than ${minimum} (${reason})`);
}
if (problems.length > 0) {
  console.error(`Unpatched realtime dependencies:\n  ${problems.join('\n  ')}\nUpdate them (npm update, or an override in package.json).`);
  process.exit(1);
}
for (const name of Object.keys(MINIMUMS)) {
  if (!seen.some((s) => s.startsWith(`${name}@`))) {
    console.error(`${name} is not installed: run npm install first.`);
    process.exit(1);
  }
}
console.log(`Realtime dependencies patched: ${[...new Set(seen)].sort().join(', ')}`);
