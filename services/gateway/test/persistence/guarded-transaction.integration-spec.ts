// guardedTransaction (the dispatcher's claims and round groups) against real Postgres: START and
// the planner guard sent as one message, the guard in force inside and gone after commit, the
// outbox writer accepting the transaction, commit and rollback, and a connection that is clean
// for the next user after a failure (pool of one, so every call reuses it).
import { appendManyToOutbox } from '@notify/db';
import type { TestSchema } from '@notify/testing';
import type { DataSource } from 'typeorm';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';
import { guardedTransaction } from '../../src/infrastructure/persistence/delivery.store';

describe('guardedTransaction (Postgres)', () => {
  let schema: GatewaySchema;
  let pg: TestSchema;
  let ds: DataSource;
  const setting = async (m: Pick<DataSource, 'query'>): Promise<string> =>
    ((await m.query(`SELECT current_setting('enable_seqscan') AS v`)) as Array<{ v: string }>)[0]!.v;
  const outboxCount = async (): Promise<number> =>
    Number(((await ds.query(`SELECT count(*)::int AS n FROM "${pg.schema}".outbox`)) as Array<{ n: number }>)[0]!.n);

  beforeAll(async () => {
    schema = await openGatewaySchema('gw_guarded_tx', 1);
    ({ pg, ds } = schema);
  });
  afterAll(async () => {
    await schema?.close();
  });

  it('runs fn with the guard on, inside one transaction the outbox writer accepts, and commits', async () => {
    const inside = await guardedTransaction(ds, async (m) => {
      await appendManyToOutbox(m, [{ id: '00000000-0000-4000-8000-000000000001', subject: 'tns.test.guarded', data: new Uint8Array([1]) }], { schema: pg.schema });
      const tx = ((await m.query(`SELECT now() = statement_timestamp() AS single, txid_current_if_assigned() IS NOT NULL AS assigned`)) as Array<{ single: boolean; assigned: boolean }>)[0]!;
      return { seqscan: await setting(m), ...tx };
    });
    // now() is the transaction's start, statement_timestamp() this statement's: different inside a transaction.
    expect(inside).toEqual({ seqscan: 'off', single: false, assigned: true });
    expect(await outboxCount()).toBe(1);
    // SET LOCAL ends with the transaction: the same (only) pooled connection plans normally again.
    expect(await setting(ds)).toBe('on');
  });

  it('rolls back everything when fn throws or a statement fails, and leaves the connection usable', async () => {
    const before = await outboxCount();
    await expect(guardedTransaction(ds, async (m) => {
      await appendManyToOutbox(m, [{ id: '00000000-0000-4000-8000-000000000002', subject: 'tns.test.guarded', data: new Uint8Array([2]) }], { schema: pg.schema });
      throw new Error('boom');
    })).rejects.toThrow('boom');
    await expect(guardedTransaction(ds, async (m) => {
      await appendManyToOutbox(m, [{ id: '00000000-0000-4000-8000-000000000003', subject: 'tns.test.guarded', data: new Uint8Array([3]) }], { schema: pg.schema });
      await m.query('SELECT 1/0');
    })).rejects.toThrow(/division by zero/);
    expect(await outboxCount()).toBe(before);
    // Not left inside an aborted transaction: plain queries and a new guarded transaction work.
    expect(await setting(ds)).toBe('on');
    await expect(guardedTransaction(ds, async (m) => setting(m))).resolves.toBe('off');
  });
});
