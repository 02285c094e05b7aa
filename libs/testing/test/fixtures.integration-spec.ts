import { Client } from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { createTestNats, createTestSchema, ensureServices } from '../src';

async function schemaExists(url: string, schema: string): Promise<boolean> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
    return rows.length === 1;
  } finally {
    await c.end();
  }
}

describe('createTestSchema', () => {
  it('creates a fresh unique schema and drops it with everything inside', async () => {
    const a = await createTestSchema('fixture');
    const b = await createTestSchema('fixture');
    try {
      expect(a.schema).not.toBe(b.schema);
      expect(await schemaExists(a.url, a.schema)).toBe(true);
      const c = new Client({ connectionString: a.url });
      await c.connect();
      await c.query(`CREATE TABLE "${a.schema}".things (id int)`);
      await c.end();
      await a.dropSchema();
      expect(await schemaExists(a.url, a.schema)).toBe(false);
      await a.dropSchema(); // idempotent
    } finally {
      await b.dropSchema();
    }
  });
});

describe('createTestNats', () => {
  it('deletes exactly the streams of its namespace', async () => {
    const mine = createTestNats('fixture');
    const other = createTestNats('fixture');
    expect(mine.namespace).not.toBe(other.namespace);
    const nc = await connect({ servers: mine.url });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: mine.stream('A'), subjects: [mine.subject('a.>')] });
      await jsm.streams.add({ name: mine.stream('B'), subjects: [mine.subject('b.>')] });
      await jsm.streams.add({ name: other.stream('A'), subjects: [other.subject('a.>')] });

      expect((await mine.cleanup()).sort()).toEqual([mine.stream('A'), mine.stream('B')]);
      const left: string[] = [];
      for await (const name of jsm.streams.names()) left.push(name);
      expect(left).not.toContain(mine.stream('A'));
      expect(left).toContain(other.stream('A'));
    } finally {
      await other.cleanup();
      await nc.close();
    }
  });
});

describe('ensureServices', () => {
  it('passes when Postgres and NATS JetStream answer', async () => {
    await expect(ensureServices()).resolves.toBeUndefined();
  });

  it('names each unreachable service and how to start it', async () => {
    const failure = ensureServices({
      databaseUrl: 'postgres://postgres@127.0.0.1:1/test',
      natsUrl: 'nats://127.0.0.1:1',
      timeoutMs: 1_000,
    });
    await expect(failure).rejects.toThrow(/Postgres is not reachable at postgres:\/\/postgres@127\.0\.0\.1:1\/test/);
    await expect(failure).rejects.toThrow(/pg_ctlcluster --skip-systemctl-redirect/);
    await expect(failure).rejects.toThrow(/NATS is not reachable at nats:\/\/127\.0\.0\.1:1/);
    await expect(failure).rejects.toThrow(/nats-server -a 127\.0\.0\.1 -p 4222 -js/);
  });
});
