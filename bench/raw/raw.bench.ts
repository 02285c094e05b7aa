// Raw ceilings of this machine: gRPC unary round trips, JetStream publishes, Postgres
// single-row transactions and HTTP POSTs to a provider simulator, per second, with p50/p99.
//
//   npm run bench raw      (or: node -r ./tools/runtime/swc-register.js bench/raw/raw.bench.ts)
//
// Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), NATS_URL
// (default nats://127.0.0.1:4222), BENCH_DURATION_MS per measurement (default 5000 ms),
// BENCH_CONCURRENCY operations in flight (default 16). Cleans up its schema and stream.
import { durationMs, envSchema, loadConfig, positiveInt, url } from '@notify/config';
import { formatMeasurements, measureGrpcUnary, measureJetStreamPublish, measurePostgresTx, measureSimulatorPost, type Measurement } from './ceilings';

const config = loadConfig(
  envSchema({
    DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/test'),
    NATS_URL: url(['nats:']).default('nats://127.0.0.1:4222'),
    BENCH_DURATION_MS: durationMs().default(5_000),
    BENCH_CONCURRENCY: positiveInt().default(16),
  }),
);

async function main(): Promise<void> {
  const options = { durationMs: config.BENCH_DURATION_MS, concurrency: config.BENCH_CONCURRENCY };
  console.log(`raw ceilings: ${options.durationMs} ms each, ${options.concurrency} in flight`);
  const rows: Measurement[] = [];
  rows.push(await measureGrpcUnary(options));
  rows.push(await measureJetStreamPublish(config.NATS_URL, options));
  rows.push(await measurePostgresTx(config.DATABASE_URL, options));
  rows.push(await measureSimulatorPost(options));
  rows.push(await measureSimulatorPost({ ...options, client: 'fetch' }));
  console.log(formatMeasurements(rows));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('bench raw failed:', err);
    process.exit(1);
  },
);
