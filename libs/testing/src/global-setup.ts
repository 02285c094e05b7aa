import { ensureServices } from './ensure-services';

/** Jest `globalSetup` for integration tests: fail fast, with instructions, when Postgres or NATS is down. */
export default async function globalSetup(): Promise<void> {
  await ensureServices();
}
