// Two relays (two DataSources, as two replicas would have) on one schema: SKIP LOCKED must
// give every event to exactly one of them.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { appendToOutbox, createDataSource, platformMigrations, runMigrations, startOutboxRelay, type OutboxRelay } from '../src';
// The testing lib's fixtures; the boundary rule does not yet tell test code from library code.
import { createTestNats, createTestSchema, waitFor, type TestNats, type TestSchema } from '@notify/testing';
import { openTestJetStream, type RecordingPublisher, type TestJetStream } from './jetstream-test-publisher';

jest.setTimeout(60_000);

let pg: TestSchema;
let nats: TestNats;
let js: TestJetStream;
const dataSources: DataSource[] = [];
const relays: OutboxRelay[] = [];

beforeAll(async () => {
  pg = await createTestSchema('outbox_concurrency');
  nats = createTestNats('outbox_concurrency');
  for (let i = 0; i < 3; i++) {
    dataSources.push(createDataSource({ url: pg.url, schema: pg.schema, migrations: [...platformMigrations], poolSize: 3 }));
  }
  await runMigrations(dataSources[0]);
  await Promise.all(dataSources.slice(1).map((ds) => ds.initialize()));
  js = await openTestJetStream(nats.url, nats.stream('EVENTS'), [nats.subject('>')]);
});

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  await js?.close();
  await Promise.all(dataSources.map((ds) => ds.isInitialized && ds.destroy()));
  await pg?.dropSchema();
  await nats?.cleanup();
});

it('two relays on one schema publish each of 200 events exactly once', async () => {
  const [writer, dsA, dsB] = dataSources;
  const subject = nats.subject('notify.test.v1.concurrent');
  const enc = new TextEncoder();
  const ids: string[] = [];
  const writeBatch = (n: number) =>
    writer.transaction(async (m) => {
      for (let i = 0; i < n; i++) {
        const id = randomUUID();
        ids.push(id);
        await appendToOutbox(m, { id, subject, data: enc.encode(`event ${ids.length}`) });
      }
    });

  // 100 events wait before the relays start, 100 arrive while both are running
  for (let i = 0; i < 10; i++) await writeBatch(10);
  const pubA: RecordingPublisher = js.publisher();
  const pubB: RecordingPublisher = js.publisher();
  const options = { batchSize: 7, pollIntervalMs: 10_000 };
  relays.push(...(await Promise.all([
    startOutboxRelay({ ...options, dataSource: dsA, publisher: pubA }),
    startOutboxRelay({ ...options, dataSource: dsB, publisher: pubB }),
  ])));
  for (let i = 0; i < 20; i++) await writeBatch(5);
  expect(ids).toHaveLength(200);

  await waitFor(() => js.count(subject).then((n) => n >= 200), { timeoutMs: 30_000, description: '200 messages' });
  await waitFor(
    async () => {
      const [{ n }] = await writer.query(`SELECT count(*)::int AS n FROM "${pg.schema}".outbox WHERE published_at IS NULL`);
      return n === 0;
    },
    { description: 'every row marked published' },
  );
  await Promise.all(relays.map((r) => r.drain()));

  const all = [...pubA.acks, ...pubB.acks];
  console.info(`relay A published ${pubA.acks.length}, relay B ${pubB.acks.length}`);
  expect(await js.count(subject)).toBe(200);
  expect(all).toHaveLength(200); // no event was handed to a publisher twice…
  expect(all.filter((a) => a.duplicate)).toEqual([]); // …so JetStream never had to drop one
  expect(new Set(all.map((a) => a.msgID))).toEqual(new Set(ids));
  expect(pubA.acks.length).toBeGreaterThan(0); // both relays took part
  expect(pubB.acks.length).toBeGreaterThan(0);
});
