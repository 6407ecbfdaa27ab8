import { PGlite } from '@electric-sql/pglite';
import { Logger } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Pool, types } from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { withNamedStatements } from './pglite-named-statements';
import type { AppConfig } from '../config/app-config';
import { DataDirLock } from './data-dir-lock';
import { SqlSession } from './sql-session';

/** Prisma's own advisory lock key, so our runner and `prisma migrate deploy` exclude each other. */
const MIGRATION_LOCK_KEY = 72707369;
/** Distinct statements prepared by name, at most; past them (there should be far fewer), statements go unnamed. */
const MAX_NAMED_STATEMENTS = 500;

/**
 * A name for each distinct SQL text: pg then prepares it once per pooled connection, and
 * PostgreSQL parses and plans it once rather than on every execution (the call core's statements
 * are CTEs of several writes, run for every call).
 */
export function statementNamer(limit = MAX_NAMED_STATEMENTS): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  return ({ sql }) => {
    let name = names.get(sql);
    if (name === undefined && names.size < limit) names.set(sql, (name = `s${names.size}`));
    // pg runs a statement without a name unprepared; its types say string.
    return name as string;
  };
}

/** A statement with $1, $2 … placeholders and its values (what Prisma.sql builds). */
export interface Statement {
  text: string;
  values: unknown[];
}

/**
 * The chosen database: an adapter for Prisma Client, the same connections for statements run
 * directly (`rows`), and a raw session for migrations.
 */
export interface DatabaseDriver {
  readonly kind: 'pglite' | 'postgresql';
  readonly adapter: SqlDriverAdapterFactory;
  /** Runs a hand-written statement on the connections Prisma uses, without Prisma's query layers. */
  rows<Row>(statement: Statement): Promise<Row[]>;
  openSession(): Promise<SqlSession & { close(): Promise<void> }>;
  close(): Promise<void>;
}

const TIMESTAMP_OID = 1114;
/** A `timestamp` column holds UTC here (as Prisma writes it); the drivers would read it as local time. */
const parseTimestamp = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
/** As Prisma sends values: a Date as UTC text, which a `::timestamp(3)` cast takes as it is. */
const toParameter = (value: unknown) => (value instanceof Date ? value.toISOString() : value);

/** How long a new PostgreSQL connection may take. */
const CONNECT_TIMEOUT_MS = 10_000;

export async function openDatabaseDriver(config: Pick<AppConfig, 'databaseUrl' | 'dataDir'>): Promise<DatabaseDriver> {
  return config.databaseUrl ? openPostgres(config.databaseUrl) : openEmbedded(config.dataDir);
}

function openPostgres(connectionString: string): DatabaseDriver {
  // A server that takes no connection (gone without a reset) fails the statement rather than hang it.
  const pool = new Pool({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle connection that breaks is replaced; the next statement on it reports the failure.
  pool.on('error', () => undefined);
  const statementName = statementNamer();
  const resultTypes = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === TIMESTAMP_OID ? parseTimestamp : (types.getTypeParser(oid, format) as unknown)) as typeof types.getTypeParser,
  };
  return {
    kind: 'postgresql',
    adapter: new PrismaPg(pool, { statementNameGenerator: statementName }),
    async rows<Row>({ text, values }: Statement) {
      const result = await pool.query({ name: statementName({ sql: text }), text, values: values.map(toParameter), types: resultTypes });
      return result.rows as Row[];
    },
    async openSession() {
      const client = new Client({ connectionString });
      // A connection lost under a statement fails that statement; unheard, the error would end the process.
      client.on('error', () => undefined);
      await client.connect();
      return {
        query: async <Row>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as Row[],
        exec: async (script: string) => void (await client.query(script)),
        withLock: async <T>(work: () => Promise<T>) => {
          await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
          try {
            return await work();
          } finally {
            // On a lost connection the lock went with it; what `work` threw is what to report.
            await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
          }
        },
        close: () => client.end(),
      };
    },
    close: () => pool.end(),
  };
}

async function openEmbedded(dataDir: string): Promise<DatabaseDriver> {
  const directory = join(dataDir, 'pglite');
  mkdirSync(directory, { recursive: true });
  // PGlite is single-process: a second server on the same files would corrupt them.
  const lock = DataDirLock.acquire(dataDir);
  let db: PGlite;
  try {
    db = withNamedStatements(await PGlite.create(directory));
  } catch (error) {
    lock.release();
    throw error;
  }
  new Logger('Database').log(`Embedded PGlite database at ${directory}`);
  return {
    kind: 'pglite',
    adapter: new PrismaPGlite(db),
    async rows<Row>({ text, values }: Statement) {
      return (await db.query<Row>(text, values.map(toParameter), { parsers: { [TIMESTAMP_OID]: parseTimestamp } })).rows;
    },
    async openSession() {
      return {
        query: async <Row>(sql: string, params?: unknown[]) => (await db.query<Row>(sql, params)).rows,
        exec: async (script: string) => void (await db.exec(script)),
        withLock: (work) => work(),
        close: async () => {},
      };
    },
    async close() {
      if (db.closed) return;
      await db.close();
      lock.release();
    },
  };
}
