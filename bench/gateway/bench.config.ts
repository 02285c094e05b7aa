import { bool, durationMs, envSchema, loadConfig, positiveInt, url, z, type ConfigOf, type Env } from '@notify/config';
import { prefixedEnv } from '../support/bench-env';

/**
 * Gateway settings the gateway benchmark (and bench/broadcast) runs with unless BENCH_GATEWAY_<VAR>
 * overrides them: 256 concurrent sends claimed up to 128 at a time (the simulator, unlike a real
 * provider, has no concurrency limit). Measured here (4000 customers, DISPATCH_WORKERS / DISPATCH_BATCH_SIZE, ratio
 * to the raw POST rate, several runs each on this shared 2-core machine): 16/16 ≈ 0.17–0.19,
 * 64/64 (the gateway's defaults) ≈ 0.26–0.33, 128/64 ≈ 0.34, 256/128 ≈ 0.34–0.39: set-wise claims
 * and group commits cost less per delivery the more rounds they carry.
 */
export const GATEWAY_BENCH_TUNING: Readonly<Record<string, string>> = { DISPATCH_WORKERS: '256', DISPATCH_BATCH_SIZE: '128' };

/**
 * Environment of the gateway benchmark (parsed once; process.env is read only here):
 * - `DATABASE_URL` Postgres (default postgres://postgres@127.0.0.1:5432/test): three fresh
 *   schemas (customer, template, gateway), dropped at the end;
 * - `NATS_URL` NATS JetStream (default nats://127.0.0.1:4222): a fresh namespace, its streams
 *   deleted at the end;
 * - `BENCH_DURATION_MS` raw HTTP POST measurement time, ms (default 5000);
 * - `BENCH_CONCURRENCY` raw HTTP POSTs in flight (default 16);
 * - `BENCH_CUSTOMERS` customers seeded in the broadcast area (default 4000);
 * - `BENCH_SEED_CONCURRENCY` RegisterCustomer / ActivateCustomer calls in flight (default 16);
 * - `BENCH_BROADCAST_TIMEOUT_MS` how long the broadcast may take to reach the simulator (default 180 s);
 * - `BENCH_EVENTS` ticket events published for the latency phase (default 100), paced at
 *   `BENCH_EVENT_RATE` per second (default 10);
 * - `BENCH_PROFILE` 1 = count the SQL statements sent during the broadcast (per delivery, by kind);
 * - `BENCH_CPU_PROFILE` a folder: a V8 CPU profile of this process during the broadcast is written there;
 * - `BENCH_GATEWAY_<VAR>`: passed to the gateway as `<VAR>` (tuning: BENCH_GATEWAY_DISPATCH_WORKERS=64,
 *   BENCH_GATEWAY_DISPATCH_BATCH_SIZE, BENCH_GATEWAY_RESOLVE_PAGE_SIZE, …); none = the gateway's defaults.
 */
const schema = envSchema({
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/test'),
  NATS_URL: url(['nats:']).default('nats://127.0.0.1:4222'),
  BENCH_DURATION_MS: durationMs().default(5_000),
  BENCH_CONCURRENCY: positiveInt().default(16),
  BENCH_CUSTOMERS: positiveInt().default(4_000),
  BENCH_SEED_CONCURRENCY: positiveInt().default(16),
  BENCH_BROADCAST_TIMEOUT_MS: durationMs().default(180_000),
  BENCH_EVENTS: positiveInt().default(100),
  BENCH_EVENT_RATE: positiveInt().default(10),
  BENCH_PROFILE: bool().default(false),
  BENCH_CPU_PROFILE: z.string().optional(),
});

export type GatewayBenchConfig = ConfigOf<typeof schema> & {
  /** BENCH_GATEWAY_<VAR> entries, prefix removed. */
  readonly gatewayEnv: Readonly<Record<string, string>>;
};

/** Parses the benchmark's environment (throws ConfigError naming each bad variable). */
export function loadGatewayBenchConfig(env: Env = process.env): GatewayBenchConfig {
  const gatewayEnv = prefixedEnv(env, 'BENCH_GATEWAY_');
  return { ...loadConfig(schema, env), gatewayEnv };
}
