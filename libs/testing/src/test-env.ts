/**
 * Where the test fixtures find Postgres and NATS. This is the testing library's only reader of
 * process.env (test tooling, not service configuration):
 * - `TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`
 * - `TEST_NATS_URL`, else `NATS_URL`, default `nats://127.0.0.1:4222`
 */
export interface TestEnv {
  databaseUrl: string;
  natsUrl: string;
}

export function testEnv(env: NodeJS.ProcessEnv = process.env): TestEnv {
  return {
    databaseUrl: env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    natsUrl: env.TEST_NATS_URL || env.NATS_URL || 'nats://127.0.0.1:4222',
  };
}
