import { Client } from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { testEnv } from './test-env';

const HOW_TO_START_POSTGRES = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
const HOW_TO_START_NATS =
  'nats-server -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log &';

function message(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

/**
 * Checks that the integration-test dependencies answer: Postgres (a `SELECT 1` on the test
 * database) and NATS with JetStream enabled. Rejects with one Error listing every problem and
 * the command that starts the missing service (`.ci/run` starts both). Used as Jest
 * globalSetup for the integration project (see `global-setup.ts`). `databaseUrl` / `natsUrl`
 * override the environment's (`TEST_DATABASE_URL`, `TEST_NATS_URL`); `timeoutMs` (default
 * 3 000 ms) bounds each connection attempt.
 */
export async function ensureServices(
  options: { timeoutMs?: number; databaseUrl?: string; natsUrl?: string } = {},
): Promise<void> {
  const env = testEnv();
  const databaseUrl = options.databaseUrl ?? env.databaseUrl;
  const natsUrl = options.natsUrl ?? env.natsUrl;
  const timeoutMs = options.timeoutMs ?? 3_000;
  const problems: string[] = [];

  const pg = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs });
  try {
    await pg.connect();
    await pg.query('SELECT 1');
  } catch (err) {
    problems.push(
      `Postgres is not reachable at ${databaseUrl} (${message(err)}).\n` +
        `  Start it with: ${HOW_TO_START_POSTGRES}\n` +
        `  (the database "test" must exist: createdb -h 127.0.0.1 -U postgres test; or set TEST_DATABASE_URL)`,
    );
  } finally {
    await pg.end().catch(() => undefined);
  }

  try {
    const nc = await connect({ servers: natsUrl, timeout: timeoutMs, reconnect: false });
    try {
      const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
      await jsm.getAccountInfo();
    } catch (err) {
      problems.push(`NATS at ${natsUrl} answers but JetStream is not available (${message(err)}): start nats-server with -js.\n  ${HOW_TO_START_NATS}`);
    } finally {
      await nc.close();
    }
  } catch (err) {
    problems.push(
      `NATS is not reachable at ${natsUrl} (${message(err)}).\n` +
        `  Start it with: ${HOW_TO_START_NATS}\n` +
        `  (or set TEST_NATS_URL)`,
    );
  }

  if (problems.length > 0) {
    throw new Error(`Integration tests need Postgres and NATS JetStream:\n- ${problems.join('\n- ')}`);
  }
}
