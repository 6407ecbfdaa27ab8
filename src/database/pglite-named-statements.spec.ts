import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { MAX_NAMED_STATEMENTS, withNamedStatements } from './pglite-named-statements';

describe('PGlite queries as named statements', () => {
  let dir: string;
  let db: PGlite;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pglite-named-'));
    db = withNamedStatements(await PGlite.create(dir));
    await db.exec('CREATE TABLE t (id int PRIMARY KEY, name text, tags text[], at timestamptz, doc jsonb, ok boolean)');
  }, 60_000);
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers as PGlite does, run after run, for every kind of value', async () => {
    const at = new Date('2026-12-07T04:00:00.000Z');
    for (let id = 1; id <= 3; id++) {
      await db.query('INSERT INTO t (id, name, tags, at, doc, ok) VALUES ($1, $2, $3, $4, $5, $6)', [
        id,
        `n${id}`,
        ['a', 'b"c'],
        at,
        { id },
        null,
      ]);
    }
    const read = (id: number) => db.query('SELECT id, name, tags, at, doc, ok FROM t WHERE id = $1', [id]);
    for (const id of [1, 2, 3, 2]) {
      expect((await read(id)).rows).toEqual([{ id, name: `n${id}`, tags: ['a', 'b"c'], at, doc: { id }, ok: null }]);
    }
    expect((await db.query('SELECT name FROM t WHERE id = ANY($1) ORDER BY id', [[1, 3]], { rowMode: 'array' })).rows).toEqual([
      ['n1'],
      ['n3'],
    ]);
  });

  it('fails as PGlite does, and the next query runs', async () => {
    await expect(db.query('INSERT INTO t (id) VALUES ($1)', [1])).rejects.toMatchObject({ code: '23505' });
    await expect(db.query('SELECT nope FROM t WHERE id = $1', [1])).rejects.toMatchObject({ code: '42703' });
    expect((await db.query('SELECT count(*)::int AS n FROM t WHERE id > $1', [0])).rows).toEqual([{ n: 3 }]);
  });

  it(`keeps at most ${MAX_NAMED_STATEMENTS} statements parsed`, async () => {
    for (let i = 0; i < MAX_NAMED_STATEMENTS + 20; i++) await db.query(`SELECT $1::int + ${i} AS n`, [1]);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements')).rows[0].n).toBe(MAX_NAMED_STATEMENTS);
    expect((await db.query('SELECT $1::int + 0 AS n', [2])).rows).toEqual([{ n: 2 }]);
  }, 60_000);
});
