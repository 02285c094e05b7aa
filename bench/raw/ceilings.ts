// The raw ceilings of this machine, measured in the same run as the product benchmarks so
// their ratios mean something (issue 7, "Benchmark"):
// - gRPC unary round trips per second (grpc.health.v1 Check on a grpc-kit server over loopback:
//   the transport alone, no handler work);
// - JetStream publishes per second (acked publishes with a unique Nats-Msg-Id to a stream);
// - Postgres single-row transactions per second (BEGIN; INSERT one row; COMMIT);
// - HTTP POSTs per second to the Fonnte simulator (`POST /send`, the gateway's own request).
// Each is measured with a fixed number of operations in flight for a fixed time.
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { startGrpcServer } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { connectJetStreamBus } from '@notify/messaging';
import { startFonnteSim } from '@notify/provider-sim';
import { Pool } from 'pg';
import { request as undiciRequest } from 'undici';

/** What one measurement produced. Latencies in ms. */
export interface Measurement {
  readonly name: string;
  readonly ops: number;
  readonly errors: number;
  readonly elapsedMs: number;
  /** Operations per second. */
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Options of every measurement: how long (ms), how many in flight. */
export interface MeasureOptions {
  readonly durationMs: number;
  readonly concurrency: number;
}

/** The q-quantile (0..1) of ascending-sorted values; 0 when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * Runs `op` with `concurrency` calls in flight until `durationMs` has passed; counts successes
 * and failures and records each successful call's latency.
 */
export async function measure(name: string, op: () => Promise<unknown>, options: MeasureOptions): Promise<Measurement> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        await op();
        latencies.push(performance.now() - t0);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    name,
    ops: latencies.length,
    errors,
    elapsedMs,
    rate: (latencies.length / elapsedMs) * 1000,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
  };
}

/** gRPC unary round trips: health Check against a grpc-kit server on 127.0.0.1. */
export async function measureGrpcUnary(options: MeasureOptions): Promise<Measurement> {
  const server = await startGrpcServer({ serviceName: 'bench-raw', host: '127.0.0.1', port: 0, services: [], apiKeys: [], drainMs: 0, logger: createLogger({ service: 'bench-raw', level: 'silent' }) });
  const client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  const check = (): Promise<void> =>
    new Promise((resolve, reject) =>
      client.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        () => Buffer.alloc(0),
        (b: Buffer) => b,
        {},
        new grpc.Metadata(),
        { deadline: Date.now() + 5_000 },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  try {
    await check();
    return await measure('gRPC unary round trip', check, options);
  } finally {
    client.close();
    await server.shutdown(1_000);
  }
}

/** JetStream publishes (acked, unique msgID) to a throwaway stream on `natsUrl`. */
export async function measureJetStreamPublish(natsUrl: string, options: MeasureOptions): Promise<Measurement> {
  const tag = randomBytes(4).toString('hex');
  const stream = `BENCH_RAW_${tag.toUpperCase()}`;
  const subject = `bench.raw.${tag}.event`;
  const bus = await connectJetStreamBus({ url: natsUrl.split(','), name: 'bench-raw' });
  const payload = randomBytes(256);
  let n = 0;
  try {
    await bus.ensureStreams([{ name: stream, subjects: [`bench.raw.${tag}.>`], maxAgeMs: 60_000 }]);
    return await measure('JetStream publish', () => bus.publish({ subject, data: payload, msgID: `${tag}-${n++}` }), options);
  } finally {
    await deleteStream(natsUrl, stream);
    await bus.close();
  }
}

async function deleteStream(natsUrl: string, stream: string): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: natsUrl.split(',') });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => undefined);
  } finally {
    await nc.close();
  }
}

/** Postgres single-row transactions (BEGIN; INSERT; COMMIT) in a throwaway schema; pool of `concurrency`. */
export async function measurePostgresTx(databaseUrl: string, options: MeasureOptions): Promise<Measurement> {
  const schema = `bench_raw_${randomBytes(4).toString('hex')}`;
  const pool = new Pool({ connectionString: databaseUrl, max: options.concurrency });
  await pool.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.rows (id bigserial PRIMARY KEY, body text NOT NULL, at timestamptz NOT NULL DEFAULT now())`);
  const tx = async (): Promise<void> => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`INSERT INTO ${schema}.rows (body) VALUES ($1)`, ['bench']);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  };
  try {
    return await measure('Postgres single-row tx', tx, options);
  } finally {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await pool.end();
  }
}

/**
 * HTTP POSTs to a Fonnte simulator (`POST /send`, form-encoded, token in Authorization), receipts
 * off. Uses `url` when given (a simulator the caller runs), else starts one on a free port.
 * `client`: `undici` (default; the undici package's `request`, the client the gateway's
 * provider adapters use, so the ceiling is the one the gateway could reach) or `fetch` (Node's
 * built-in fetch, a third to a half of the rate on this machine; printed for comparison).
 */
export async function measureSimulatorPost(options: MeasureOptions & { url?: string; token?: string; client?: 'undici' | 'fetch' }): Promise<Measurement> {
  const sim = options.url ? undefined : await startFonnteSim({ port: 0, receiptDelaysMs: false });
  const base = options.url ?? sim!.url;
  const token = options.token ?? 'bench-token';
  const client = options.client ?? 'undici';
  const body = new URLSearchParams({ target: '082291921583', message: 'bench: raw HTTP POST', countryCode: '62' }).toString();
  const headers = { authorization: token, 'content-type': 'application/x-www-form-urlencoded' };
  const post = async (): Promise<void> => {
    let status: number;
    let json: { status?: boolean };
    if (client === 'fetch') {
      const res = await fetch(`${base}/send`, { method: 'POST', headers, body });
      status = res.status;
      json = (await res.json()) as { status?: boolean };
    } else {
      const res = await undiciRequest(`${base}/send`, { method: 'POST', headers, body });
      status = res.statusCode;
      json = (await res.body.json()) as { status?: boolean };
    }
    if (status !== 200 || json.status !== true) throw new Error(`simulator answered ${status}`);
  };
  try {
    return await measure(`HTTP POST to simulator (${client})`, post, options);
  } finally {
    await sim?.close();
  }
}

/** One table row per measurement: rate, p50 and p99. */
export function formatMeasurements(rows: readonly Measurement[]): string {
  const header = ['measurement', 'ops', 'errors', 'ops/s', 'p50 ms', 'p99 ms'];
  const lines = rows.map((m) => [m.name, String(m.ops), String(m.errors), m.rate.toFixed(0), m.p50Ms.toFixed(2), m.p99Ms.toFixed(2)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}
