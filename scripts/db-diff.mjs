// npm run db:diff -- <name>: writes prisma/migrations/<timestamp>_<name>/migration.sql with the
// SQL that brings the existing migrations up to prisma/schema.prisma (the offline stand-in for
// `prisma migrate dev --create-only`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_DIR, openSchemaEngine } from './schema-engine.mjs';

const name = (process.argv[2] ?? '')
  .toLowerCase()
  .replace(/[^a-z0-9]+/g, '_')
  .replace(/^_|_$/g, '');
if (!name) {
  console.error('usage: npm run db:diff -- <migration_name>');
  process.exit(64);
}
const engine = await openSchemaEngine();
try {
  const sql = await engine.migrationsToSchemaSql();
  if (!sql) {
    console.log('prisma/schema.prisma and prisma/migrations already agree; nothing to write.');
  } else {
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const dir = join(MIGRATIONS_DIR, `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'migration.sql'), sql);
    console.log(`Wrote ${dir}/migration.sql:\n\n${sql}`);
  }
} finally {
  await engine.close();
}
// The engine's shadow database keeps the event loop busy for a while after it is freed.
process.exit(0);
