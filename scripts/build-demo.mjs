// Writes public/demo/peer-call.js, the browser copy of packages/client/src/peer-call.ts (the demo page imports
// it as an ES module; it has no runtime imports, so transpiling is all it takes).
// `--check` writes nothing and fails when the checked-in copy differs: a test runs it, so the two never drift.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const source = fileURLToPath(new URL('../packages/client/src/peer-call.ts', import.meta.url));
const target = fileURLToPath(new URL('../public/demo/peer-call.js', import.meta.url));

const HEADER = '// Generated from packages/client/src/peer-call.ts by `npm run build:demo`; edit that file, not this one.\n';
const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
  compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, removeComments: false },
  fileName: 'peer-call.ts',
});
const built = HEADER + outputText;

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // Missing counts as stale.
  }
  if (current !== built) {
    console.error('public/demo/peer-call.js is stale: run `npm run build:demo`');
    process.exit(1);
  }
  console.log('public/demo/peer-call.js matches packages/client/src/peer-call.ts');
} else {
  writeFileSync(target, built);
  console.log('wrote public/demo/peer-call.js');
}
