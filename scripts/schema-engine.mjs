// Prisma's schema engine, compiled to WebAssembly, driven through driver adapters: it diffs and
// checks migrations with no engine binary to download. Development tooling only; the server
// applies migrations with its own runner (src/database/migrator.ts).
import { PGlite } from '@electric-sql/pglite';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPg } from '@prisma/adapter-pg';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPGlite } from 'pglite-prisma-adapter';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_PATH = join(ROOT, 'prisma', 'schema.prisma');
export const MIGRATIONS_DIR = join(ROOT, 'prisma', 'migrations');
const NO_FILTER = { externalTables: [], externalEnums: [] };

let engineModule;

function loadEngineModule() {
  engineModule ??= instantiateEngineModule();
  return engineModule;
}

async function instantiateEngineModule() {
  // The engine reports a Rust panic's message here before it throws.
  globalThis.PRISMA_WASM_PANIC_REGISTRY ??= {
    message: '',
    set_message(m) {
      this.message = `RuntimeError: ${m}`;
    },
  };
  const require = createRequire(import.meta.url);
  const bindingsPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const bindings = await import(bindingsPath);
  const packageDir = dirname(bindingsPath);
  const bytes = readFileSync(join(packageDir, 'schema_engine_bg.wasm'));
  const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bindings });
  bindings.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return bindings;
}

function schemaFiles(schemaPath) {
  return [{ path: schemaPath, content: readFileSync(schemaPath, 'utf8') }];
}

function migrationList(migrationsDir) {
  const lockPath = join(migrationsDir, 'migration_lock.toml');
  const names = existsSync(migrationsDir)
    ? readdirSync(migrationsDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockPath, content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: names.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok', value: readFileSync(join(migrationsDir, name, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

/**
 * Opens the engine on a database: PostgreSQL at `databaseUrl`, the PGlite directory `pgliteDir`,
 * or, with neither, a throwaway in-memory PGlite (enough for diffs, which replay migrations
 * into a shadow database of the same kind).
 */
export async function openSchemaEngine({ databaseUrl, pgliteDir, schemaPath = SCHEMA_PATH, migrationsDir = MIGRATIONS_DIR } = {}) {
  const schema = schemaFiles(schemaPath);
  const migrations = migrationList(migrationsDir);
  const bindings = await loadEngineModule();
  const pglite = databaseUrl ? undefined : await PGlite.create(pgliteDir);
  const factory = databaseUrl ? new PrismaPg({ connectionString: databaseUrl }) : new PrismaPGlite(pglite);
  const engine = await bindings.SchemaEngine.new(
    { datamodels: schema.map((f) => [f.path, f.content]) },
    () => {},
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  return {
    /** SQL that turns the state of the migrations folder into schema.prisma; '' when they agree. */
    async migrationsToSchemaSql() {
      const result = await engine.diff({
        from: { tag: 'migrations', ...migrations },
        to: { tag: 'schemaDatamodel', files: schema },
        script: true,
        exitCode: true,
        filters: NO_FILTER,
      });
      return result.exitCode === 2 ? result.stdout : '';
    },
    /** SQL that turns the live database into schema.prisma; '' when they agree. */
    async databaseToSchemaSql() {
      const result = await engine.diff({
        from: { tag: 'schemaDatasource', files: schema, configDir: ROOT },
        to: { tag: 'schemaDatamodel', files: schema },
        script: true,
        exitCode: true,
        filters: NO_FILTER,
      });
      return result.exitCode === 2 ? result.stdout : '';
    },
    /** Prisma's own reading of `_prisma_migrations` against the migrations folder. */
    diagnoseHistory() {
      return engine.diagnoseMigrationHistory({ migrationsList: migrations, optInToShadowDatabase: false, filters: NO_FILTER });
    },
    async close() {
      engine.free();
      await pglite?.close();
    },
  };
}
