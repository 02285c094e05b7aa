/**
 * Test helper process: `node -r tools/runtime/swc-register.js embedded-postgres.main.ts <dataDir>`
 * starts the embedded Postgres (PGlite loads its WebAssembly with a dynamic import, which Jest's
 * module registry cannot run), prints `{"url": …}` as one line, and closes it on SIGTERM (exit 0).
 */
import { startEmbeddedPostgres } from '../../src/embedded-postgres';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: embedded-postgres.main.ts <dataDir>');
  const pg = await startEmbeddedPostgres({ dataDir });
  process.once('SIGTERM', () => {
    pg.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  process.stdout.write(JSON.stringify({ url: pg.url }) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`embedded-postgres: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
