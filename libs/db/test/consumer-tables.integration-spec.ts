// Idempotent-consumer marks and the dead-letter recorder against the real Postgres.
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import {
  createDataSource,
  createDeadLetterRecorder,
  listDeadLetters,
  markProcessed,
  platformMigrations,
  purgeProcessedEvents,
  runMigrations,
} from '../src';
// The testing lib's fixtures; the boundary rule does not yet tell test code from library code.
import { createTestSchema, type TestSchema } from '@notify/testing';

let pg: TestSchema;
let ds: DataSource;

beforeAll(async () => {
  pg = await createTestSchema('consumer_tables');
  ds = createDataSource({ url: pg.url, schema: pg.schema, migrations: [...platformMigrations], poolSize: 4 });
  await runMigrations(ds);
});

afterAll(async () => {
  await ds?.destroy();
  await pg?.dropSchema();
});

describe('markProcessed', () => {
  it('returns true the first time and false for the same (consumer, event) afterwards', async () => {
    const eventId = randomUUID();
    expect(await ds.transaction((m) => markProcessed(m, 'gateway-ticket', eventId))).toBe(true);
    expect(await ds.transaction((m) => markProcessed(m, 'gateway-ticket', eventId))).toBe(false);
    // another consumer of the same event is independent
    expect(await ds.transaction((m) => markProcessed(m, 'ticket-customer', eventId))).toBe(true);
  });

  it('is undone with the transaction that made it', async () => {
    const eventId = randomUUID();
    await expect(
      ds.transaction(async (m) => {
        expect(await markProcessed(m, 'gateway-ticket', eventId)).toBe(true);
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await ds.transaction((m) => markProcessed(m, 'gateway-ticket', eventId))).toBe(true);
  });

  it('lets exactly one of two concurrent handlers of the same event proceed', async () => {
    const eventId = randomUUID();
    const results = await Promise.all(
      [1, 2].map(() =>
        ds.transaction(async (m) => {
          const first = await markProcessed(m, 'gateway-ticket', eventId);
          await new Promise((r) => setTimeout(r, 50)); // the "effects"
          return first;
        }),
      ),
    );
    expect(results.sort()).toEqual([false, true]);
  });

  it('purgeProcessedEvents removes only marks older than the given age', async () => {
    const oldId = randomUUID();
    const newId = randomUUID();
    await ds.transaction((m) => markProcessed(m, 'purge-test', oldId));
    await ds.transaction((m) => markProcessed(m, 'purge-test', newId));
    await ds.query(`UPDATE "${pg.schema}".processed_events SET processed_at = now() - interval '8 days' WHERE event_id = $1`, [oldId]);
    expect(await purgeProcessedEvents(ds, 7 * 24 * 3600 * 1000)).toBe(1);
    expect(await ds.transaction((m) => markProcessed(m, 'purge-test', newId))).toBe(false);
    expect(await ds.transaction((m) => markProcessed(m, 'purge-test', oldId))).toBe(true);
  });
});

describe('dead-letter recorder', () => {
  it('writes one row per recorded message with subject, msg id, payload, headers, reason and delivery count', async () => {
    const recorder = createDeadLetterRecorder(ds);
    const msgID = randomUUID();
    const data = Uint8Array.from([0, 1, 2, 250]);
    const id = await recorder.record(
      { subject: 'notify.ticket.v1.created', data, msgID, headers: { traceparent: '00-abc-def-01' }, deliveryCount: 5 },
      'max deliveries reached: template not found',
      { stream: 'TICKET_EVENTS', durable: 'gateway-ticket', cause: 'max_deliver' },
    );

    const [row] = await listDeadLetters(ds, { limit: 10 });
    expect(row).toMatchObject({
      id,
      subject: 'notify.ticket.v1.created',
      msgId: msgID,
      headers: { traceparent: '00-abc-def-01' },
      reason: 'max deliveries reached: template not found',
      deliveryCount: 5,
      stream: 'TICKET_EVENTS',
      durable: 'gateway-ticket',
      cause: 'max_deliver',
    });
    expect([...row.payload]).toEqual([...data]);
    expect(row.createdAt).toBeInstanceOf(Date);
  });

  it('works over a pg Pool with an explicit schema, and without msgID or headers', async () => {
    const pool = new Pool({ connectionString: pg.url, max: 1 });
    try {
      const recorder = createDeadLetterRecorder(pool, { schema: pg.schema });
      const id = await recorder.record({ subject: 'notify.x.v1.y', data: new Uint8Array(), deliveryCount: 1 }, 'poison message');
      const rows = await listDeadLetters(pool, { schema: pg.schema });
      expect(rows.find((r) => r.id === id)).toMatchObject({ msgId: null, headers: {}, reason: 'poison message', durable: null });
    } finally {
      await pool.end();
    }
  });
});
