// DataSource factory and migrations against the real Postgres.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createDataSource, platformMigrations, runMigrations, table } from '../src';
// The testing lib's fixtures; the boundary rule does not yet tell test code from library code.
import { createTestSchema, uniqueName, type TestSchema } from '@notify/testing';

class CreateWidgets1795400000000 implements MigrationInterface {
  name = 'CreateWidgets1795400000000';
  async up(qr: QueryRunner) {
    await qr.query(`CREATE TABLE ${table(qr, 'widgets')} (id uuid PRIMARY KEY, name text NOT NULL)`);
  }
  async down(qr: QueryRunner) {
    await qr.query(`DROP TABLE ${table(qr, 'widgets')}`);
  }
}

class Broken1795400001000 implements MigrationInterface {
  name = 'Broken1795400001000';
  async up(qr: QueryRunner) {
    await qr.query(`CREATE TABLE ${table(qr, 'half_done')} (id int)`);
    await qr.query('SELECT * FROM no_such_table_anywhere');
  }
  async down() {}
}

let pg: TestSchema;
let admin: Client;

async function tablesOf(schema: string): Promise<string[]> {
  const { rows } = await admin.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [schema]);
  return rows.map((r) => r.table_name);
}

beforeAll(async () => {
  pg = await createTestSchema('data_source');
  admin = new Client({ connectionString: pg.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await pg?.dropSchema();
});

it('creates the schema when missing and keeps every table, including the migrations table, inside it', async () => {
  const schema = uniqueName('ds_fresh');
  const ds = createDataSource({ url: pg.url, schema, migrations: [...platformMigrations, CreateWidgets1795400000000] });
  try {
    const ran = await runMigrations(ds);
    expect(ran).toEqual([
      'CreateOutbox1795300000000',
      'CreateDeadLetters1795300001000',
      'CreateProcessedEvents1795300002000',
      'CreateWidgets1795400000000',
    ]);
    expect(await tablesOf(schema)).toEqual(['dead_letters', 'migrations', 'outbox', 'processed_events', 'widgets']);
    expect(await runMigrations(ds)).toEqual([]); // up to date: nothing runs twice
    const id = randomUUID();
    await ds.query(`INSERT INTO "${schema}".widgets (id, name) VALUES ($1, 'w')`, [id]);
    expect(await ds.query(`SELECT name FROM "${schema}".widgets`)).toEqual([{ name: 'w' }]);
  } finally {
    await ds.destroy();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
});

it('runs migrations once when several replicas start together', async () => {
  const replicas = [1, 2, 3].map(() => createDataSource({ url: pg.url, schema: pg.schema, migrations: [...platformMigrations] }));
  try {
    const results = await Promise.all(replicas.map((ds) => runMigrations(ds)));
    expect(results.map((r) => r.length).sort()).toEqual([0, 0, 3]);
  } finally {
    await Promise.all(replicas.map((ds) => ds.destroy()));
  }
});

it('applies nothing when a migration fails', async () => {
  const schema = uniqueName('ds_broken');
  const ds = createDataSource({ url: pg.url, schema, migrations: [CreateWidgets1795400000000, Broken1795400001000] });
  try {
    await expect(runMigrations(ds)).rejects.toThrow(/no_such_table_anywhere/);
    // only TypeORM's bookkeeping table (created before the transaction), and it records nothing
    expect(await tablesOf(schema)).toEqual(['migrations']);
    expect((await admin.query(`SELECT count(*)::int AS n FROM "${schema}".migrations`)).rows).toEqual([{ n: 0 }]);
  } finally {
    await ds.destroy();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
});

it('rejects an unsafe schema name', () => {
  expect(() => createDataSource({ url: pg.url, schema: 'ticket"; DROP TABLE x; --' })).toThrow(TypeError);
});
