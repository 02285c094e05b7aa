import { durationMs, envSchema, loadConfig, positiveInt, url, z, type ConfigOf, type Env } from '@notify/config';
import { prefixedEnv } from '../support/bench-env';

/**
 * Environment of the lifecycle benchmark (parsed once; process.env is read only here):
 * - `DATABASE_URL` Postgres (default postgres://postgres@127.0.0.1:5432/test): one fresh schema per
 *   service, dropped at the end;
 * - `NATS_URL` NATS JetStream (default nats://127.0.0.1:4222): a fresh namespace, its streams
 *   deleted at the end;
 * - `BENCH_DURATION_MS` each raw ceiling's measuring time, ms (default 3000);
 * - `BENCH_CONCURRENCY` raw operations in flight (default 16);
 * - `BENCH_TICKETS_IN_FLIGHT` K, tickets driven at once in the maximum-rate phase (default 64: the services
 *   batch what arrives together, so the maximum rate needs enough in flight; measured 2026-12-06 with
 *   the gateway's default consumer concurrency: 8 left the machine idle between batches, 64 made
 *   more than 32, 128 no more than 64);
 * - `BENCH_LIFECYCLE_MS` how long new tickets are started in the maximum-rate phase (default 20 s);
 * - `BENCH_HALF_RATE_MS` how long the half-rate phase starts tickets (default 15 s);
 * - `BENCH_TECHNICIANS` technicians in the benchmark zone (default 2);
 * - `BENCH_CUSTOMERS` customers the tickets are opened for, in turn (default 8);
 * - `BENCH_STEP_TIMEOUT_MS` how long one step's messages may take before the run fails (default 30 s);
 * - `BENCH_START_TIMEOUT_MS` how long the five services may take to answer SERVING (default 180 s);
 * - `BENCH_SERVICE_NODE_OPTIONS` NODE_OPTIONS of every service process (default none), for
 *   profiling, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (one .cpuprofile per service at exit);
 * - `BENCH_GATEWAY_<VAR>`: passed to the gateway process as `<VAR>` (overrides the bench's tuning).
 */
const schema = envSchema({
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/test'),
  NATS_URL: url(['nats:']).default('nats://127.0.0.1:4222'),
  BENCH_DURATION_MS: durationMs().default(3_000),
  BENCH_CONCURRENCY: positiveInt().default(16),
  BENCH_TICKETS_IN_FLIGHT: positiveInt().default(64),
  BENCH_LIFECYCLE_MS: durationMs().default(20_000),
  BENCH_HALF_RATE_MS: durationMs().default(15_000),
  BENCH_TECHNICIANS: positiveInt().default(2),
  BENCH_CUSTOMERS: positiveInt().default(8),
  BENCH_STEP_TIMEOUT_MS: durationMs().default(30_000),
  BENCH_START_TIMEOUT_MS: durationMs().default(180_000),
  BENCH_SERVICE_NODE_OPTIONS: z.string().optional(),
});

export type LifecycleBenchConfig = ConfigOf<typeof schema> & {
  /** BENCH_GATEWAY_<VAR> entries, prefix removed. */
  readonly gatewayEnv: Readonly<Record<string, string>>;
  /** PATH handed to the service processes. */
  readonly path: string;
};

/** Parses the benchmark's environment (throws ConfigError naming each bad variable). */
export function loadLifecycleBenchConfig(env: Env = process.env): LifecycleBenchConfig {
  const gatewayEnv = prefixedEnv(env, 'BENCH_GATEWAY_');
  return { ...loadConfig(schema, env), gatewayEnv, path: env['PATH'] ?? '' };
}
