// A service that cannot reach a dependency, or whose port is taken, says which variable to check.
import { createServer, type Server } from 'node:net';
import { createLogger } from '@notify/logger';
import { DeferredJetStreamBus } from '@notify/messaging';
import { createTestSchema, type TestSchema } from '@notify/testing';
import { openServiceRuntime, serveGrpc } from '../src';

const logger = createLogger({ service: 'start-errors', level: 'silent' });

describe('start-up errors name the variable', () => {
  it('DATABASE_URL when Postgres cannot be reached', async () => {
    const open = openServiceRuntime({
      service: 'probe', logger, entities: [], migrations: [],
      config: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test', DATABASE_SCHEMA: 'probe' },
    });
    await expect(open).rejects.toThrow(/^DATABASE_URL: cannot reach Postgres at 127\.0\.0\.1:1\/test \(.*ECONNREFUSED.*\)$/);
  });

  it('a failing migration stays what it is (Postgres answered: not "cannot reach")', async () => {
    const pg: TestSchema = await createTestSchema('start_errors_mig');
    class Broken1795399999000 {
      name = 'Broken1795399999000';
      async up(qr: { query(sql: string): Promise<unknown> }) {
        await qr.query('SELECT * FROM no_such_table_for_start_errors');
      }
      async down() {}
    }
    try {
      const open = openServiceRuntime({
        service: 'probe', logger, entities: [], migrations: [Broken1795399999000],
        config: { DATABASE_URL: pg.url, DATABASE_SCHEMA: pg.schema },
      });
      const err = (await open.then(() => new Error('opened'), (e: unknown) => e)) as Error;
      expect(err.message).toMatch(/no_such_table_for_start_errors/);
      expect(err.message).not.toMatch(/^DATABASE_URL: cannot reach/);
    } finally {
      await pg.dropSchema();
    }
  });

  it('not NATS_URL when NATS cannot be reached: the service starts and connects later (start-without-nats spec)', async () => {
    const pg: TestSchema = await createTestSchema('start_errors');
    try {
      const runtime = await openServiceRuntime({
        service: 'probe', logger, entities: [], migrations: [],
        config: { DATABASE_URL: pg.url, DATABASE_SCHEMA: pg.schema, NATS_URL: 'nats://127.0.0.1:1' },
      });
      try {
        expect(runtime.bus).toBeInstanceOf(DeferredJetStreamBus);
      } finally {
        await runtime.close();
      }
    } finally {
      await pg.dropSchema();
    }
  });

  it('GRPC_PORT when the port is taken', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const serve = serveGrpc('template', {}, { GRPC_HOST: '127.0.0.1', GRPC_PORT: port, NOTIFY_API_KEYS: [] as never }, logger);
      await expect(serve).rejects.toThrow(`GRPC_PORT: 127.0.0.1:${port} is already in use`);
    } finally {
      taken.close();
    }
  });
});
