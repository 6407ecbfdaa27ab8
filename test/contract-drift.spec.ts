import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from './helpers/run-script';

const CONTRACT = [
  '# The calling contract',
  'Intro.',
  '## 1. Identity',
  'Tokens carry sub.',
  '## 2. The call core',
  '### States',
  'CALLING, ACTIVE.',
  '### Rules',
  'One call at a time.',
  '',
].join('\n');

/** Runs the notice with the repo's copy and the team's copy of the contract given as texts. */
function drift(ours: string, theirs: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'contract-'));
  try {
    writeFileSync(join(dir, 'ours.md'), ours);
    writeFileSync(join(dir, 'theirs.md'), theirs);
    return runScript('contract-drift.mjs', [join(dir, 'ours.md'), join(dir, 'theirs.md')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the notice when the team's contract differs from docs/CONTRACT.md", () => {
  it('says nothing when the two are equal', () => {
    expect(drift(CONTRACT, CONTRACT)).toEqual({ ok: true, output: '' });
  });

  it('names each differing section, a subsection under its section, and never fails', () => {
    const theirs = CONTRACT.replace('Tokens carry sub.', 'Tokens carry sub or user_id.').replace(
      'One call at a time.',
      'One call at a time, per user.',
    );
    const result = drift(CONTRACT, theirs);
    expect(result.ok).toBe(true);
    expect(result.output).toContain('Sections that differ:\n  1. Identity\n  2. The call core › Rules\n');
    expect(result.output).not.toContain('States');
  });

  it('names sections only one of them has', () => {
    const result = drift(CONTRACT, CONTRACT.replace('## 2. The call core', '## 1b. Sign-in\nNew.\n## 2. The call core'));
    expect(result.output).toContain('1b. Sign-in (new)');
    expect(drift(CONTRACT + '## 9. Errors\nCodes.\n', CONTRACT).output).toContain('9. Errors (removed)');
  });

  it('says nothing when there is no team copy beside the checkout', () => {
    expect(runScript('contract-drift.mjs', [join(__dirname, '..', 'docs', 'CONTRACT.md'), join(tmpdir(), 'no-such-contract.md')])).toEqual({
      ok: true,
      output: '',
    });
  });
});
