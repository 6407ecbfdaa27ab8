// Prints a notice, never a failure, when the team's contract (../shared/CONTRACT.md, beside the
// checkout in the team's workspace and in CI) differs from docs/CONTRACT.md, the copy this repo
// implements and its tests check. It names the sections that differ, so a developer knows which
// parts of the new contract are not built yet.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Both paths may be given (the test of this script passes two files of its own).
const [ours = join(root, 'docs', 'CONTRACT.md'), theirs = join(root, '..', 'shared', 'CONTRACT.md')] = process.argv.slice(2);

/** `heading → body` of every `##` and `###` section; a `###` heading is named under its `##`. */
function sections(text) {
  const found = new Map();
  let name = '(before the first section)';
  let parent = '';
  for (const line of text.split('\n')) {
    const heading = /^(##|###) (.+)$/.exec(line);
    if (heading) {
      if (heading[1] === '##') parent = heading[2].trim();
      name = heading[1] === '##' ? parent : `${parent} › ${heading[2].trim()}`;
      found.set(name, '');
    } else {
      found.set(name, (found.get(name) ?? '') + line.trimEnd() + '\n');
    }
  }
  return found;
}

if (!existsSync(theirs)) process.exit(0);
const [a, b] = [ours, theirs].map((path) => sections(readFileSync(path, 'utf8')));
const differing = [...new Set([...a.keys(), ...b.keys()])].flatMap((name) => {
  if (!a.has(name)) return [`${name} (new)`];
  if (!b.has(name)) return [`${name} (removed)`];
  return a.get(name).trim() === b.get(name).trim() ? [] : [name];
});
if (differing.length > 0) {
  console.log(
    `Notice: the team's contract (${relative(root, theirs)}) differs from docs/CONTRACT.md, which this repo implements and tests against.\n` +
      `Sections that differ:\n  ${differing.join('\n  ')}\n` +
      'The tests keep checking docs/CONTRACT.md; the change that builds the new text copies it there.',
  );
}
