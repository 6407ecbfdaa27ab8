// A plain description of a PostgreSQL schema (tables, columns, constraints, indexes, enums),
// equal for two databases exactly when their structure is.
const QUERIES = {
  columns: `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default,
                   character_maximum_length, numeric_precision, datetime_precision
              FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
             ORDER BY table_name, column_name`,
  constraints: `SELECT t.relname AS table_name, c.conname, c.contype::text AS type, pg_get_constraintdef(c.oid) AS definition
                  FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                 -- PostgreSQL 18 (PGlite) lists NOT NULL as constraints too; columns.is_nullable covers them.
                 WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations' AND c.contype <> 'n'
                 ORDER BY t.relname, c.conname`,
  indexes: `SELECT tablename, indexname, indexdef FROM pg_indexes
             WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'
             ORDER BY tablename, indexname`,
  enums: `SELECT t.typname, e.enumlabel FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
            JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = 'public' ORDER BY t.typname, e.enumsortorder`,
};

/** `query(sql)` resolves to rows; works with pg and PGlite alike. */
export async function describeSchema(query) {
  const description = {};
  for (const [name, sql] of Object.entries(QUERIES)) description[name] = (await query(sql)).map((row) => JSON.stringify(row));
  return description;
}

/** Lines present in one description and not the other, marked - (only in `a`) and + (only in `b`). */
export function describeDifferences(a, b) {
  const lines = [];
  for (const name of Object.keys(QUERIES)) {
    const left = new Set(a[name]);
    const right = new Set(b[name]);
    for (const row of a[name]) if (!right.has(row)) lines.push(`- ${name} ${row}`);
    for (const row of b[name]) if (!left.has(row)) lines.push(`+ ${name} ${row}`);
  }
  return lines;
}
