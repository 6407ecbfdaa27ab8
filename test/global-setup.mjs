// Once per jest run, before any suite: a directory of the run's own where test helpers may keep
// what every suite can share (test/helpers/test-database.ts keeps a migrated embedded database
// there). Workers inherit the variable; global-teardown.mjs removes the directory.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default async function globalSetup() {
  process.env.CALLS_TEST_SHARED_DIR = mkdtempSync(join(tmpdir(), 'calls-test-run-'));
}
