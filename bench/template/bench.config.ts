import { durationMs, envSchema, loadConfig, positiveInt, url, type ConfigOf, type Env } from '@notify/config';

/** Postgres the benchmark uses when DATABASE_URL is unset. */
export const DEFAULT_BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Environment of the template benchmark (parsed once; process.env is read only here):
 * - `DATABASE_URL` Postgres to use (default postgres://postgres@127.0.0.1:5432/test); the
 *   benchmark creates a fresh schema there and drops it at the end;
 * - `BENCH_DURATION_MS` measuring time per mode, ms (default 5000);
 * - `BENCH_MAX_RENDERS` cap on renders per mode (default 200 000), whichever comes first;
 * - `BENCH_CONCURRENCY` renders in flight at once per mode (default 16).
 */
const schema = envSchema({
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  BENCH_DURATION_MS: durationMs().default(5_000),
  BENCH_MAX_RENDERS: positiveInt().default(200_000),
  BENCH_CONCURRENCY: positiveInt().default(16),
});

export type BenchConfig = ConfigOf<typeof schema>;

export const loadBenchConfig = (env?: Env): BenchConfig => loadConfig(schema, env);
