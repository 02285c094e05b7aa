// SqlExecutor.batchedTransaction (the outbox relay's batches) over a TypeORM DataSource and over a
// pg Pool against real Postgres: BEGIN travels with `open` and COMMIT with `close`, in one
// transaction; a throw in fn, a failing `close` or a failing `open` leaves nothing behind, and the
// (single) connection is clean for the next caller.
import { Pool } from 'pg';
import { createTestSchema, type TestSchema } from '@notify/testing';
import { createDataSource, type SqlSource } from '../src';
import { sqlExecutor } from '../src/sql-source';

let pg: TestSchema;
const sources: Array<[string, () => SqlSource]> = [];
let ds: ReturnType<typeof createDataSource>;
let pool: Pool;

beforeAll(async () => {
  pg = await createTestSchema('batched_tx');
  ds = createDataSource({ url: pg.url, schema: pg.schema, poolSize: 1 });
  await ds.initialize();
  pool = new Pool({ connectionString: pg.url, max: 1 });
  await pool.query(`CREATE TABLE "${pg.schema}".items (n int PRIMARY KEY)`);
  sources.push(['DataSource', () => ds], ['pg Pool', () => pool]);
});
afterAll(async () => {
  await ds?.destroy();
  await pool?.end();
  await pg?.dropSchema();
});

const items = async (): Promise<number[]> => (await pool.query(`SELECT n FROM "${pg.schema}".items ORDER BY n`)).rows.map((r: { n: number }) => r.n);

describe.each([['DataSource'], ['pg Pool']])('batchedTransaction over a %s', (name) => {
  const db = () => sqlExecutor(sources.find(([n]) => n === name)![1]());
  beforeEach(async () => {
    await pool.query(`DELETE FROM "${pg.schema}".items`);
    await pool.query(`INSERT INTO "${pg.schema}".items VALUES (1), (2)`);
  });

  it('hands fn the rows of open, in a transaction, and commits close with it', async () => {
    const value = await db().batchedTransaction<{ n: number }, string>(
      `SELECT n FROM "${pg.schema}".items ORDER BY n FOR UPDATE`,
      async (rows, query) => {
        await query(`INSERT INTO "${pg.schema}".items VALUES ($1)`, [3]);
        // now() is the transaction's start (the BEGIN's message), statement_timestamp() this statement's.
        const tx = (await query<{ in_tx: boolean }>(`SELECT now() <> statement_timestamp() AS in_tx`)).rows[0]!.in_tx;
        return { value: `${rows.map((r) => r.n).join(',')} in_tx=${tx}`, close: `DELETE FROM "${pg.schema}".items WHERE n = 1` };
      },
    );
    expect(value).toBe('1,2 in_tx=true');
    expect(await items()).toEqual([2, 3]);
    // No close: only COMMIT.
    await db().batchedTransaction(`SELECT 1`, async (_rows, query) => {
      await query(`INSERT INTO "${pg.schema}".items VALUES (4)`);
      return { value: undefined };
    });
    expect(await items()).toEqual([2, 3, 4]);
  });

  it('rolls back on a throw in fn, a failing close or a failing open, and the connection stays usable', async () => {
    await expect(db().batchedTransaction(`SELECT 1`, async (_rows, query) => {
      await query(`INSERT INTO "${pg.schema}".items VALUES (5)`);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    await expect(db().batchedTransaction(`SELECT 1`, async (_rows, query) => {
      await query(`INSERT INTO "${pg.schema}".items VALUES (6)`);
      return { value: 1, close: `INSERT INTO "${pg.schema}".items VALUES (1)` }; // duplicate key: COMMIT never runs
    })).rejects.toThrow(/duplicate key/);
    await expect(db().batchedTransaction(`SELECT * FROM "${pg.schema}".no_such_table`, async () => ({ value: 1 }))).rejects.toThrow(/does not exist/);
    expect(await items()).toEqual([1, 2]);
    // The one pooled connection is not left inside a transaction.
    const again = await db().batchedTransaction<{ n: number }, number>(`SELECT count(*)::int AS n FROM "${pg.schema}".items`, async (rows) => ({ value: rows[0]!.n }));
    expect(again).toBe(2);
    expect((await db().query<{ in_tx: boolean }>(`SELECT now() <> statement_timestamp() AS in_tx`)).rows[0]!.in_tx).toBe(false);
  });
});
