// npm run db:check: fails when prisma/migrations and prisma/schema.prisma drift apart, and, given
// DATABASE_URL or --pglite <dir>, when that migrated database differs from the schema or its
// migration history is not what `prisma migrate deploy` expects.
//
// On PGlite the schema engine reads the database itself. On PostgreSQL it cannot (through
// @prisma/adapter-pg its catalog queries fail on the "char" type), so the database's structure is
// compared with the migrations replayed into PGlite, which the engine has just checked.
// --schema <file> and --migrations <dir> check other files than the project's (tests use them).
import { PGlite } from '@electric-sql/pglite';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describeDifferences, describeSchema } from './describe-schema.mjs';
import { MIGRATIONS_DIR, openSchemaEngine } from './schema-engine.mjs';

const option = (name) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
};
const pgliteDir = option('--pglite');
const databaseUrl = pgliteDir ? undefined : process.env.DATABASE_URL;
const files = { schemaPath: option('--schema'), migrationsDir: option('--migrations') };
for (const key of Object.keys(files)) if (!files[key]) delete files[key];
const problems = [];

// Migrations are replayed into an in-memory PGlite shadow database; the live database, if any,
// is only read.
const live = databaseUrl || pgliteDir;
const offline = await openSchemaEngine(files);
try {
  const sql = await offline.migrationsToSchemaSql();
  if (sql) problems.push(`prisma/migrations lag behind schema.prisma; run npm run db:diff -- <name>. Missing:\n${sql}`);
} finally {
  await offline.close();
}
if (live) {
  const engine = await openSchemaEngine({ databaseUrl, pgliteDir, ...files });
  try {
    const drift = databaseUrl ? await structureAgainstMigrations(databaseUrl) : await engine.databaseToSchemaSql();
    if (drift) problems.push(`the database differs from schema.prisma:\n${drift}`);
    const history = await engine.diagnoseHistory();
    if (!history.hasMigrationsTable) problems.push('the database has no _prisma_migrations table');
    if (history.history) problems.push(`migration history: ${JSON.stringify(history.history)}`);
    if (history.failedMigrationNames.length) problems.push(`failed migrations: ${history.failedMigrationNames}`);
    if (history.editedMigrationNames.length) problems.push(`edited migrations: ${history.editedMigrationNames}`);
  } finally {
    await engine.close();
  }
}

async function structureAgainstMigrations(url) {
  const reference = new PGlite();
  const dir = files.migrationsDir ?? MIGRATIONS_DIR;
  for (const name of readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    await reference.exec(readFileSync(join(dir, name, 'migration.sql'), 'utf8'));
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const expected = await describeSchema(async (sql) => (await reference.query(sql)).rows);
    const actual = await describeSchema(async (sql) => (await client.query(sql)).rows);
    return describeDifferences(expected, actual).join('\n');
  } finally {
    await client.end();
    await reference.close();
  }
}

if (problems.length) {
  console.error(`Schema drift:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`schema.prisma, prisma/migrations${live ? ' and the database' : ''} agree.`);
// The engine's shadow database keeps the event loop busy for a while after it is freed.
process.exit(0);
