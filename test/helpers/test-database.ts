import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { openDatabaseDriver } from '../../src/database/database-driver';
import { runMigrations } from '../../src/database/run-migrations';

/** What an app under test is pointed at, and how to throw it away afterwards. */
export interface TestDatabase {
  env: { DATABASE_URL?: string; DATA_DIR: string };
  /** The PGlite directory (embedded) or undefined (PostgreSQL). */
  pgliteDir?: string;
  drop(): Promise<void>;
}

/**
 * A fresh database per app: with DATABASE_URL set (CI's PostgreSQL run) a new, empty database on
 * that server, otherwise a new embedded PGlite directory. That directory is empty too, unless
 * `migrated` asks for a copy of one migrated once per jest run (creating and migrating a PGlite
 * database takes seconds; on PostgreSQL it is quick, and the app migrates what it finds empty).
 */
export async function createTestDatabase({ migrated = false } = {}): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'calls-test-'));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const pgliteDir = join(dataDir, 'pglite');
    const template = migrated ? await migratedPgliteTemplate() : undefined;
    if (template) cpSync(template, pgliteDir, { recursive: true });
    return { env: { DATA_DIR: dataDir }, pgliteDir, drop: async () => removeDir() };
  }
  const name = `test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString(), DATA_DIR: dataDir },
    drop: async () => {
      await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      removeDir();
    },
  };
}

/** The migrations' "Applied migration …" lines are the app's to log, not the test helper's. */
const SILENT = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The run's migrated PGlite directory, made by the first suite that asks (in the directory
 * test/global-setup.mjs made for the run); undefined outside a jest run that has one. Suites in
 * other workers may make it at the same time: each builds its own, and the first to rename it
 * into place wins.
 */
async function migratedPgliteTemplate(): Promise<string | undefined> {
  const shared = process.env.CALLS_TEST_SHARED_DIR;
  if (!shared) return undefined;
  const template = join(shared, 'pglite-migrated');
  if (existsSync(template)) return template;
  const building = mkdtempSync(join(shared, 'building-'));
  try {
    const driver = await openDatabaseDriver({ databaseUrl: undefined, dataDir: building });
    try {
      await runMigrations(driver, SILENT);
    } finally {
      await driver.close();
    }
    renameSync(join(building, 'pglite'), template);
  } catch (error) {
    // Another worker's won the race: theirs is as good.
    if (!existsSync(template)) throw error;
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return template;
}

async function withAdmin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
