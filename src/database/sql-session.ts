/** The little the migration runner needs from a database connection, for PGlite and PostgreSQL alike. */
export interface SqlSession {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements. */
  exec(script: string): Promise<void>;
  /** Serializes migration runs across processes sharing the database. */
  withLock<T>(work: () => Promise<T>): Promise<T>;
}
