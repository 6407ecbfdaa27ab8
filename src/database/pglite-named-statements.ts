import { parse, PGlite, protocol, type QueryOptions, type Results } from '@electric-sql/pglite';

/** Statements kept parsed per database; past this many, the least recently run is closed. */
export const MAX_NAMED_STATEMENTS = 200;

/**
 * Runs `db`'s queries that have parameters as named statements. PGlite's own `query` parses and
 * plans its statement on every run, in six trips into its WebAssembly PostgreSQL (parse, describe,
 * bind, describe, execute, sync); a server runs the same few statements all day. Each is parsed
 * once under a name, and a run is then one trip: bind, describe, execute, sync. A one-row write
 * takes about half the time (bench/analysis.md). Queries without parameters, and those inside
 * `db.transaction()`, go PGlite's own way.
 */
export function withNamedStatements(db: PGlite): PGlite {
  const own = db.query.bind(db);
  /**
   * By statement text, its name and parameter types; a Map keeps them in the order last run. The
   * text alone is the key: nothing here passes `paramTypes`, so a text has one set of types.
   */
  const named = new Map<string, { name: string; types: number[] }>();
  let made = 0;

  const prepare = async (text: string, options?: QueryOptions) => {
    let statement = named.get(text);
    if (statement) {
      named.delete(text);
      named.set(text, statement);
      return statement;
    }
    const messages: Uint8Array[] = [];
    if (named.size >= MAX_NAMED_STATEMENTS) {
      const [oldestText, oldest] = named.entries().next().value!;
      named.delete(oldestText);
      messages.push(protocol.serialize.close({ type: 'S', name: oldest.name }));
    }
    const name = `named_${++made}`;
    messages.push(
      protocol.serialize.parse({ name, text, types: options?.paramTypes }),
      protocol.serialize.describe({ type: 'S', name }),
      protocol.serialize.sync(),
    );
    const described = await db.execProtocol(Buffer.concat(messages), { syncToFs: false });
    const parameters = described.messages.find((message) => message.name === 'parameterDescription') as
      { dataTypeIDs: number[] } | undefined;
    statement = { name, types: parameters?.dataTypeIDs ?? [] };
    named.set(text, statement);
    return statement;
  };

  db.query = async function <T>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    if (!params?.length || options?.blob) return own<T>(text, params, options);
    await db._checkReady();
    return db._runExclusiveTransaction(() =>
      db.runExclusive(async () => {
        const { name, types } = await prepare(text, options);
        const values = params.map((value, i) => {
          if (value === null || value === undefined) return null;
          const serialize = options?.serializers?.[types[i]] ?? db.serializers[types[i]];
          // As PGlite's own query: a type with no serializer is sent as its text.
          return serialize ? serialize(value) : (value as { toString(): string }).toString();
        });
        const ran = await db.execProtocol(
          Buffer.concat([
            protocol.serialize.bind({ statement: name, values }),
            protocol.serialize.describe({ type: 'P' }),
            protocol.serialize.execute({}),
            protocol.serialize.sync(),
          ]),
          { syncToFs: false },
        );
        await db.syncToFs();
        return parse.parseResults(ran.messages, db.parsers, options)[0] as Results<T>;
      }),
    );
  };
  return db;
}
