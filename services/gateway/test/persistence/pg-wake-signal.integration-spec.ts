// The dispatcher's LISTEN wake-up across a Postgres outage: the connection goes through a TCP
// proxy the test cuts for longer than several reconnect attempts; once Postgres is reachable
// again the LISTEN comes back by itself (logged once) and a NOTIFY wakes the dispatcher at once.
// (PgListener of @notify/db does the reconnecting; its own spec covers the streak and close().)
import { Client } from 'pg';
import { createDataSource } from '@notify/db';
import type { Logger } from '@notify/logger';
import { createTestSchema, startOutageProxy, waitFor, type OutageProxy, type TestSchema } from '@notify/testing';
import { PgWakeSignal } from '../../src/infrastructure/persistence/pg-wake.signal';

describe('PgWakeSignal (LISTEN through a cut-able proxy)', () => {
  let pg: TestSchema;
  let proxy: OutageProxy;
  let signal: PgWakeSignal;
  const lines: Array<[string, string]> = [];
  const record = (level: string) => (...args: unknown[]) => void lines.push([level, String(args[1])]);
  const logger = { warn: record('warn'), info: record('info') } as unknown as Pick<Logger, 'warn' | 'info'>;
  const channel = `wake_it_${process.pid}`;

  beforeAll(async () => {
    pg = await createTestSchema('gw_wake');
    proxy = await startOutageProxy(pg.url);
    signal = new PgWakeSignal(createDataSource({ url: proxy.url, schema: pg.schema, entities: [], migrations: [] }), channel, logger, 200);
    await signal.start();
  });
  afterAll(async () => {
    await signal?.close();
    await proxy?.close();
    await pg?.dropSchema();
  });

  const notify = async () => {
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    try {
      await c.query('SELECT pg_notify($1, $2)', [channel, '']);
    } finally {
      await c.end();
    }
  };
  /** ms until `wait(10 s)` resolves after a NOTIFY. */
  const wokenIn = async (): Promise<number> => {
    const t0 = Date.now();
    const woken = signal.wait(10_000);
    await notify();
    await woken;
    return Date.now() - t0;
  };

  it('a NOTIFY wakes a waiting dispatcher; after an outage longer than several reconnect attempts the LISTEN comes back and wakes it again', async () => {
    expect(await wokenIn()).toBeLessThan(2_000);
    await proxy.down();
    await waitFor(() => lines.some(([, msg]) => msg === 'dispatcher: LISTEN connection lost, reconnecting'), { timeoutMs: 5_000 });
    await new Promise((r) => setTimeout(r, 1_000)); // about five failed reconnect attempts
    await proxy.up();
    await waitFor(() => lines.some(([, msg]) => msg === 'dispatcher: LISTEN reconnected'), { timeoutMs: 5_000 });
    // The wake-up after the reconnect (rows may have come meanwhile) is pending: take it.
    await signal.wait(0);
    expect(await wokenIn()).toBeLessThan(2_000);
    // The loss once, the failed reconnects as one streak (its first at warn; the logger has no debug), the return once.
    expect(lines).toEqual([
      ['warn', 'dispatcher: LISTEN connection lost, reconnecting'],
      ['warn', 'dispatcher: LISTEN reconnect failed'],
      ['info', 'dispatcher: LISTEN reconnected'],
    ]);
  });
});
