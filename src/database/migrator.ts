import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SqlSession } from './sql-session';

/** prisma/migrations, found from src/database or dist/database alike. */
export const MIGRATIONS_DIR = resolve(__dirname, '..', '..', 'prisma', 'migrations');

/** The same table and columns `prisma migrate deploy` keeps, so either tool sees the other's work. */
const CREATE_HISTORY_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface LocalMigration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  /** Applied earlier, but the file on disk has changed since. */
  edited: string[];
}

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export async function readLocalMigrations(dir = MIGRATIONS_DIR): Promise<LocalMigration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name, 'migration.sql'), 'utf8');
      // Prisma's checksum: SHA-256 of the file, hex.
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/**
 * Applies the migrations in prisma/migrations that the database lacks, each in its own
 * transaction, recording them in `_prisma_migrations` exactly as `prisma migrate deploy` does.
 */
export async function migrate(session: SqlSession, migrations: LocalMigration[]): Promise<MigrationReport> {
  return session.withLock(async () => {
    await session.exec(CREATE_HISTORY_TABLE);
    const history = await session.query<HistoryRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
    );
    const failed = history.filter((row) => !row.finished_at && !row.rolled_back_at);
    if (failed.length > 0) {
      throw new Error(
        `Migration ${failed[0].migration_name} is recorded as failed in _prisma_migrations; ` +
          'resolve it (prisma migrate resolve) before starting the server.',
      );
    }
    const done = new Map(history.filter((row) => row.finished_at && !row.rolled_back_at).map((r) => [r.migration_name, r]));
    const report: MigrationReport = { applied: [], edited: [] };
    for (const migration of migrations) {
      const previous = done.get(migration.name);
      if (previous) {
        if (previous.checksum !== migration.checksum) report.edited.push(migration.name);
        continue;
      }
      await applyOne(session, migration);
      report.applied.push(migration.name);
    }
    return report;
  });
}

async function applyOne(session: SqlSession, migration: LocalMigration): Promise<void> {
  await session.exec('BEGIN');
  try {
    await session.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`, [
      randomUUID(),
      migration.checksum,
      migration.name,
    ]);
    await session.exec(migration.sql);
    await session.query(
      `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE migration_name = $1 AND finished_at IS NULL`,
      [migration.name],
    );
    await session.exec('COMMIT');
  } catch (error) {
    // On a lost connection the transaction went with it: the migration's own failure is the one to tell.
    await session.exec('ROLLBACK').catch(() => undefined);
    throw new Error(`Migration ${migration.name} failed and was rolled back: ${(error as Error).message}`, { cause: error });
  }
}
