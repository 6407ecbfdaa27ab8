import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** What an app under test is pointed at, and how to throw it away afterwards. */
export interface TestDatabase {
  env: { DATABASE_URL?: string; DATA_DIR: string };
  /** The PGlite directory (embedded) or undefined (PostgreSQL). */
  pgliteDir?: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database per app: with DATABASE_URL set (CI's PostgreSQL run) a new database
 * on that server, otherwise a new embedded PGlite directory.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'calls-test-'));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    return { env: { DATA_DIR: dataDir }, pgliteDir: join(dataDir, 'pglite'), drop: async () => removeDir() };
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

async function withAdmin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
