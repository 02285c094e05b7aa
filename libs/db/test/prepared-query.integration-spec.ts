// preparedQuery against real Postgres: a statement runs as a named prepared statement (the name
// shows in pg_prepared_statements of that connection and is reused, not prepared twice), inside a
// TypeORM transaction it runs on the transaction's connection (sees its uncommitted row, which a
// rollback then removes), and with prepared statements off it runs unnamed.
import { createTestSchema, type TestSchema } from '@notify/testing';
import { createDataSource, preparedQuery, preparedStatementName, usesPreparedStatements } from '../src';

let pg: TestSchema;
let ds: ReturnType<typeof createDataSource>;
let unnamed: ReturnType<typeof createDataSource>;

beforeAll(async () => {
  pg = await createTestSchema('prepared_q');
  // One connection each, so "the connection" of a pooled query is always the same one.
  ds = createDataSource({ url: pg.url, schema: pg.schema, poolSize: 1 });
  unnamed = createDataSource({ url: pg.url, schema: pg.schema, poolSize: 1, preparedStatements: false });
  await ds.initialize();
  await unnamed.initialize();
  await ds.query(`CREATE TABLE "${pg.schema}".items (n int PRIMARY KEY, label text NOT NULL)`);
});
afterAll(async () => {
  await ds?.destroy();
  await unnamed?.destroy();
  await pg?.dropSchema();
});

const preparedNames = async (source: typeof ds): Promise<string[]> =>
  (await source.query(`SELECT name FROM pg_prepared_statements ORDER BY name`)).map((r: { name: string }) => r.name);

describe('preparedQuery', () => {
  const insert = () => `INSERT INTO "${pg.schema}".items (n, label) VALUES ($1, $2) RETURNING n, label`;

  it('names a statement by its text: one name per text, different texts different names', () => {
    expect(preparedStatementName('SELECT 1')).toBe(preparedStatementName('SELECT 1'));
    expect(preparedStatementName('SELECT 1')).not.toBe(preparedStatementName('SELECT 2'));
    expect(preparedStatementName('SELECT 1')).toMatch(/^n_[A-Za-z0-9_-]{24}$/);
  });

  it('runs a statement as a named prepared statement on a pooled connection, prepared once', async () => {
    expect(usesPreparedStatements(ds)).toBe(true);
    const first = await preparedQuery<{ n: number; label: string }>(ds, insert(), [1, 'satu']);
    const second = await preparedQuery<{ n: number; label: string }>(ds.manager, insert(), [2, 'dua']);
    expect([first.rows, second.rows, first.rowCount]).toEqual([[{ n: 1, label: 'satu' }], [{ n: 2, label: 'dua' }], 1]);
    const names = await preparedNames(ds);
    expect(names.filter((n) => n === preparedStatementName(insert()))).toHaveLength(1);
  });

  it("runs inside a transaction on the transaction's connection", async () => {
    const select = `SELECT label FROM "${pg.schema}".items WHERE n = $1`;
    await expect(
      ds.transaction(async (m) => {
        await preparedQuery(m, insert(), [10, 'sepuluh']);
        const seen = (await preparedQuery<{ label: string }>(m, select, [10])).rows;
        expect(seen).toEqual([{ label: 'sepuluh' }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await preparedQuery(ds, select, [10])).rows).toEqual([]);
  });

  it('passes Postgres errors on with their code', async () => {
    await expect(preparedQuery(ds, insert(), [1, 'again'])).rejects.toMatchObject({ code: '23505' });
  });

  it('runs unnamed when the DataSource has prepared statements off', async () => {
    expect(usesPreparedStatements(unnamed)).toBe(false);
    const select = `SELECT count(*)::int AS c FROM "${pg.schema}".items WHERE n < $1`;
    expect((await preparedQuery<{ c: number }>(unnamed, select, [3])).rows).toEqual([{ c: 2 }]);
    await unnamed.transaction(async (m) => {
      expect((await preparedQuery<{ c: number }>(m, select, [3])).rows).toEqual([{ c: 2 }]);
    });
    expect(await preparedNames(unnamed)).toEqual([]);
  });
});
