// npm run db:check: fails when prisma/migrations and prisma/schema.prisma drift apart, and, given
// DATABASE_URL or --pglite <dir>, when that migrated database differs from the schema or its
// migration history is not what `prisma migrate deploy` expects.
// --schema <file> and --migrations <dir> check other files than the project's (tests use them).
import { openSchemaEngine } from './schema-engine.mjs';

const option = (name) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
};
const pgliteDir = option('--pglite');
const databaseUrl = pgliteDir ? undefined : process.env.DATABASE_URL;
const files = { schemaPath: option('--schema'), migrationsDir: option('--migrations') };
for (const key of Object.keys(files)) if (!files[key]) delete files[key];
const problems = [];

// With a database, its engine also replays the migrations (into a shadow database beside it);
// without one, an in-memory PGlite serves.
const live = databaseUrl || pgliteDir;
const engine = await openSchemaEngine(live ? { databaseUrl, pgliteDir, ...files } : files);
try {
  const sql = await engine.migrationsToSchemaSql();
  if (sql) problems.push(`prisma/migrations lag behind schema.prisma; run npm run db:diff -- <name>. Missing:\n${sql}`);
  if (live) {
    const drift = await engine.databaseToSchemaSql();
    if (drift) problems.push(`the database differs from schema.prisma:\n${drift}`);
    const history = await engine.diagnoseHistory();
    if (!history.hasMigrationsTable) problems.push('the database has no _prisma_migrations table');
    if (history.history) problems.push(`migration history: ${JSON.stringify(history.history)}`);
    if (history.failedMigrationNames.length) problems.push(`failed migrations: ${history.failedMigrationNames}`);
    if (history.editedMigrationNames.length) problems.push(`edited migrations: ${history.editedMigrationNames}`);
  }
} finally {
  await engine.close();
}

if (problems.length) {
  console.error(`Schema drift:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`schema.prisma, prisma/migrations${live ? ' and the database' : ''} agree.`);
// The engine's shadow database keeps the event loop busy for a while after it is freed.
process.exit(0);
