// Builds the package twice from the same sources: dist/esm for `import`, dist/cjs for `require`,
// each with its declarations and a package.json naming its module format (so TypeScript and Node
// read dist/cjs/*.d.ts and *.js as CommonJS although this package is "type": "module").
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const here = new URL('.', import.meta.url);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const build = (outDir, ...flags) => {
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--outDir', outDir, ...flags], { cwd: here, stdio: 'inherit' });
  } catch {
    process.exit(1); // tsc printed why
  }
};
const markFormat = (dir, type) => writeFileSync(new URL(`${dir}/package.json`, here), `${JSON.stringify({ type })}\n`);

rmSync(new URL('dist', here), { recursive: true, force: true });
build('dist/esm');
build('dist/cjs', '--module', 'commonjs', '--moduleResolution', 'node10');
mkdirSync(new URL('dist', here), { recursive: true });
markFormat('dist/esm', 'module');
markFormat('dist/cjs', 'commonjs');
