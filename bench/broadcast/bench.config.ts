import { bool, durationMs, envSchema, loadConfig, positiveInt, url, type ConfigOf, type Env } from '@notify/config';
import { prefixedEnv } from '../support/bench-env';

/**
 * Environment of the broadcast benchmark (parsed once; process.env is read only here):
 * - `DATABASE_URL` Postgres (default postgres://postgres@127.0.0.1:5432/test): one fresh schema per
 *   service run (customer, template, gateway), dropped at the end;
 * - `NATS_URL` NATS JetStream (default nats://127.0.0.1:4222): a fresh namespace, its streams
 *   deleted at the end;
 * - `BENCH_CUSTOMERS` ACTIVE customers seeded in the broadcast's work zone (default 100000);
 * - `BENCH_BROADCAST_TIMEOUT_MS` how long the broadcast may take to reach the simulator in all
 *   (default 15 min);
 * - `BENCH_STALL_MS` the run fails when neither the simulator's count nor the notification's
 *   deliveries_created moved for this long (default 60 s);
 * - `BENCH_SAMPLE_MS` sampling interval of memory, progress and status (default 500 ms);
 * - `BENCH_START_TIMEOUT_MS` how long the services may take to answer SERVING (default 180 s);
 * - `BENCH_HEAP_PROBE` 1 (default) = the gateway runs with `--inspect` on a free loopback port and
 *   its live heap (heapUsed after a full GC forced through the inspector) is read before the
 *   broadcast and at every 10% of the messages; 0 = RSS only;
 * - `BENCH_GATEWAY_<VAR>`: passed to the gateway process as `<VAR>` (overrides the bench's tuning;
 *   e.g. BENCH_GATEWAY_RESOLVE_PAGE_SIZE=5000, BENCH_GATEWAY_NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2;
 *   NODE_OPTIONS keeps the gateway's heap cap, SERVICE_HEAP_MB, unless it sets --max-old-space-size).
 */
const schema = envSchema({
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/test'),
  NATS_URL: url(['nats:']).default('nats://127.0.0.1:4222'),
  BENCH_CUSTOMERS: positiveInt().default(100_000),
  BENCH_BROADCAST_TIMEOUT_MS: durationMs().default(15 * 60_000),
  BENCH_STALL_MS: durationMs().default(60_000),
  BENCH_SAMPLE_MS: durationMs().default(500),
  BENCH_START_TIMEOUT_MS: durationMs().default(180_000),
  BENCH_HEAP_PROBE: bool().default(true),
});

export type BroadcastBenchConfig = ConfigOf<typeof schema> & {
  /** BENCH_GATEWAY_<VAR> entries, prefix removed. */
  readonly gatewayEnv: Readonly<Record<string, string>>;
  /** PATH handed to the service processes. */
  readonly path: string;
};

/** Parses the benchmark's environment (throws ConfigError naming each bad variable). */
export function loadBroadcastBenchConfig(env: Env = process.env): BroadcastBenchConfig {
  return { ...loadConfig(schema, env), gatewayEnv: prefixedEnv(env, 'BENCH_GATEWAY_'), path: env['PATH'] ?? '' };
}
