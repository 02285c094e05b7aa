import { Client } from 'pg';
import { testEnv } from './test-env';
import { uniqueName } from './unique-name';

/** A throw-away Postgres schema for one test file. */
export interface TestSchema {
  /** Connection URL of the test database (`TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`). */
  url: string;
  /** The schema's name, `t_<prefix>_<8 hex>` (already created, empty). */
  schema: string;
  /** `DROP SCHEMA … CASCADE`; safe to call twice. Close DataSources/relays using it first. */
  dropSchema(): Promise<void>;
}

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000, application_name: 'notify-tests' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates a fresh, uniquely named schema in the test database, so test files running at the
 * same time never see each other's tables. Rejects when Postgres is unreachable.
 */
export async function createTestSchema(prefix: string): Promise<TestSchema> {
  const url = testEnv().databaseUrl;
  const schema = uniqueName(prefix);
  await withClient(url, (c) => c.query(`CREATE SCHEMA "${schema}"`));
  return {
    url,
    schema,
    dropSchema: () => withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).then(() => undefined),
  };
}
