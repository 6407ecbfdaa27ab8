// Where a server's CPU time went, from a V8 .cpuprofile (node --cpu-prof): self time by
// function and by package or project directory.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib.mjs';

/** The place a function comes from: a package, a project directory, or node's own internals. */
function origin(url) {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node:*';
  const path = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1];
  return relative(ROOT, path).split('/').slice(0, 2).join('/');
}

export function summarizeProfile(file, top = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const selfUs = new Map(profile.nodes.map((node) => [node.id, 0]));
  for (let i = 0; i < profile.samples.length; i++)
    selfUs.set(profile.samples[i], selfUs.get(profile.samples[i]) + (profile.timeDeltas[i] ?? 0));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map();
  const byOrigin = new Map();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const us = selfUs.get(node.id);
    // Idle time, and the profiler writing itself out (inspector's dispatch), are not the server's work.
    if (functionName === '(idle)' || (functionName === 'dispatch' && !url)) continue;
    const where = url ? `${relative(ROOT, url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    byOrigin.set(origin(url), (byOrigin.get(origin(url)) ?? 0) + us);
  }
  const busy = [...byOrigin.values()].reduce((a, b) => a + b, 0);
  const share = (entries) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, percent: +((100 * us) / busy).toFixed(1) }));
  return { busyMs: Math.round(busy / 1000), totalMs: Math.round(total / 1000), byFunction: share(byFunction), byOrigin: share(byOrigin) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  console.log(JSON.stringify(summarizeProfile(process.argv[2], Number(process.argv[3] ?? 25)), null, 1));
