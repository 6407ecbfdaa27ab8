import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseDriver, openDatabaseDriver } from '../src/database/database-driver';
import { migrate, MIGRATIONS_DIR, readLocalMigrations } from '../src/database/migrator';
import { createTestDatabase, TestDatabase } from './helpers/test-database';
import request from 'supertest';
import { startTestApp } from './helpers/test-app';

const ROOT = resolve(__dirname, '..');

/** Runs the schema engine's drift check (scripts/db-check.mjs) against `db`. */
function dbCheck(db: TestDatabase | undefined, ...args: string[]) {
  const target = db?.pgliteDir ? ['--pglite', db.pgliteDir] : [];
  const result = spawnSync(process.execPath, ['scripts/db-check.mjs', ...target, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: db?.env.DATABASE_URL ?? '' },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

async function withDriver<T>(db: TestDatabase, work: (driver: DatabaseDriver) => Promise<T>): Promise<T> {
  const driver = await openDatabaseDriver({ databaseUrl: db.env.DATABASE_URL, dataDir: db.env.DATA_DIR });
  try {
    return await work(driver);
  } finally {
    await driver.close();
  }
}

async function migrateWith(driver: DatabaseDriver, dir = MIGRATIONS_DIR) {
  const session = await driver.openSession();
  try {
    return await migrate(session, await readLocalMigrations(dir));
  } finally {
    await session.close();
  }
}

describe('migrations (e2e)', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db.drop());

  it('applies every migration once, recorded as prisma migrate deploy records them', async () => {
    const local = await readLocalMigrations();
    expect(local.length).toBeGreaterThan(0);
    await withDriver(db, async (driver) => {
      expect((await migrateWith(driver)).applied).toEqual(local.map((m) => m.name));
      expect((await migrateWith(driver)).applied).toEqual([]);
      const session = await driver.openSession();
      const rows = await session.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
        'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
      );
      await session.close();
      expect(rows).toEqual(
        local.map((m) => ({ migration_name: m.name, checksum: m.checksum, finished_at: expect.any(Date), applied_steps_count: 1 })),
      );
    });
  });

  it('leaves a database that matches schema.prisma, with a history Prisma accepts', async () => {
    await withDriver(db, (driver) => migrateWith(driver));
    const check = dbCheck(db);
    expect(check.output).toContain('agree');
    expect(check.status).toBe(0);
  });

  it('notices a database changed behind the migrations', async () => {
    await withDriver(db, async (driver) => {
      await migrateWith(driver);
      const session = await driver.openSession();
      await session.exec('ALTER TABLE "users" ADD COLUMN "nickname" TEXT');
      await session.close();
    });
    const check = dbCheck(db);
    expect(check.status).toBe(1);
    expect(check.output).toMatch(/database differs from schema\.prisma[\s\S]*nickname/);
  });

  it('keeps the help requests made before the queue: open ones wait, accepted ones are fulfilled, and the server starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const queueAndAfter = readdirSync(dir).filter((name) => /^\d{14}_/.test(name) && name >= '20261206172302_help_queue');
    expect(queueAndAfter.slice(0, 2)).toEqual(['20261206172302_help_queue', '20261206172303_help_queue_settled']);
    for (const name of queueAndAfter) rmSync(join(dir, name), { recursive: true });
    await withDriver(db, async (driver) => {
      await migrateWith(driver, dir);
      const session = await driver.openSession();
      await session.exec(`
        INSERT INTO "users" ("id", "email", "display_name", "role", "updated_at") VALUES
          ('s1', 's1@example.test', 'Sam', 'student', now()), ('m1', 'm1@example.test', 'Mia', 'mentor', now());
        INSERT INTO "help_requests" ("id", "student_id", "topic", "status", "accepted_by", "expires_at") VALUES
          ('open-1', 's1', E'\tLinear   Algebra ', 'open', NULL, now() + interval '1 hour'),
          ('taken-1', 's1', 'Essays', 'accepted', 'm1', now() + interval '1 hour');
      `);
      await session.close();
      for (const name of queueAndAfter) cpSync(join(MIGRATIONS_DIR, name), join(dir, name), { recursive: true });
      expect((await migrateWith(driver, dir)).applied).toEqual(queueAndAfter);
      const check = await driver.openSession();
      const rows = await check.query('SELECT "id", "status", "subject" FROM "help_requests" ORDER BY "id"');
      await check.close();
      expect(rows).toEqual([
        { id: 'open-1', status: 'waiting', subject: 'linear algebra' },
        { id: 'taken-1', status: 'fulfilled', subject: 'essays' },
      ]);
    });
    rmSync(dir, { recursive: true, force: true });
    // The server starts on it (re-arming the waiting request's timers) and serves it.
    const app = await startTestApp(db.env);
    try {
      expect((await request(app.url).get('/health/ready')).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('rolls back a failing migration entirely and names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    mkdirSync(join(dir, '99990101000000_broken'));
    writeFileSync(join(dir, '99990101000000_broken', 'migration.sql'), 'CREATE TABLE "half_done" (id INT);\nSELECT no_such_function();\n');
    await withDriver(db, async (driver) => {
      await expect(migrateWith(driver, dir)).rejects.toThrow(/Migration 99990101000000_broken failed and was rolled back/);
      const session = await driver.openSession();
      const names = await session.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations"');
      const tables = await session.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'");
      await session.close();
      expect(names.map((r) => r.migration_name)).not.toContain('99990101000000_broken');
      expect(tables).toEqual([]);
      // Fixed, it applies on the next start.
      writeFileSync(join(dir, '99990101000000_broken', 'migration.sql'), 'CREATE TABLE "half_done" (id INT);\n');
      expect((await migrateWith(driver, dir)).applied).toEqual(['99990101000000_broken']);
      // Edited after being applied: reported, not re-run.
      writeFileSync(join(dir, '99990101000000_broken', 'migration.sql'), 'CREATE TABLE "half_done" (id BIGINT);\n');
      expect(await migrateWith(driver, dir)).toEqual({ applied: [], edited: ['99990101000000_broken'] });
    });
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('schema drift check', () => {
  it('passes for the project as committed', () => {
    const check = dbCheck(undefined);
    expect(check.output).toContain('agree');
    expect(check.status).toBe(0);
  });

  it('fails when schema.prisma gains what no migration creates', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schema-'));
    const schema = readFileSync(join(ROOT, 'prisma', 'schema.prisma'), 'utf8').replace(/model User \{/, 'model User {\n  nickname String?');
    writeFileSync(join(dir, 'schema.prisma'), schema);
    const check = dbCheck(undefined, '--schema', join(dir, 'schema.prisma'));
    rmSync(dir, { recursive: true, force: true });
    expect(check.status).toBe(1);
    expect(check.output).toMatch(/migrations lag behind schema\.prisma[\s\S]*ADD COLUMN\s+"nickname"/);
  });
});

describe('embedded database', () => {
  it('refuses a second server on the same DATA_DIR', async () => {
    // DATABASE_URL='' selects the embedded database even in the PostgreSQL run.
    const first = await startTestApp({ DATABASE_URL: '' });
    await expect(startTestApp({ DATABASE_URL: '', DATA_DIR: first.config.dataDir })).rejects.toThrow(/DATA_DIR .* is in use by process/);
    await first.close();
  });
});
