// Helpers shared by the gateway, lifecycle and broadcast benchmarks: throw-away Postgres schemas
// and NATS namespaces on the configured servers (not the test fixtures' TEST_* variables), Ctrl-C
// handling that still cleans up, bounded concurrency, waiting with a deadline, and tables.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { quantile } from '../raw/ceilings';

/** A schema created for one benchmark run. */
export interface BenchSchema {
  readonly url: string;
  readonly schema: string;
  /** DROP SCHEMA … CASCADE; errors are printed, never thrown (cleanup must go on). */
  drop(): Promise<void>;
}

/** `<prefix>_<8 hex>`: valid as a Postgres schema, a NATS subject token and (upper-cased) a stream name prefix. */
export function benchName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** Runs `fn` on a fresh Postgres connection to `url` (closed afterwards). */
export async function withPg<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url, application_name: 'notify-bench', connectionTimeoutMillis: 5_000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Creates the empty schema `name` on `url`. */
export async function createBenchSchema(url: string, name: string): Promise<BenchSchema> {
  await withPg(url, (c) => c.query(`CREATE SCHEMA "${name}"`));
  return {
    url,
    schema: name,
    drop: () =>
      withPg(url, (c) => c.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)).then(
        () => undefined,
        (err: unknown) => console.error(`could not drop schema ${name}: ${String(err)}`),
      ),
  };
}

/** Deletes every JetStream stream whose name starts with the upper-cased `namespace`; returns their names. */
export async function deleteNamespaceStreams(natsUrl: string, namespace: string): Promise<string[]> {
  const upper = namespace.toUpperCase();
  const nc = await connect({ servers: natsUrl.split(','), timeout: 5_000 });
  try {
    const jsm = await jetstreamManager(nc);
    const deleted: string[] = [];
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(upper)) {
        await jsm.streams.delete(name);
        deleted.push(name);
      }
    }
    return deleted;
  } catch (err) {
    console.error(`could not delete the streams of ${namespace}: ${String(err)}`);
    return [];
  } finally {
    await nc.close();
  }
}

/** A TCP port free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Thrown by the helpers below once Ctrl-C (SIGINT) or SIGTERM was received. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

/**
 * Runs a benchmark section's `main` and exits the process: 0 when it finished, 130 when it was
 * interrupted (Ctrl-C / SIGTERM, after its own cleanup), 1 with the error's stack otherwise.
 */
export function runBenchMain(section: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      if (err instanceof Interrupted) {
        console.error(`${section} benchmark interrupted; cleaned up`);
        process.exit(130);
      }
      console.error(`${section} benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}

const interruption = new AbortController();

/** True once SIGINT / SIGTERM arrived (see {@link handleInterrupts}). */
export const interrupted = (): boolean => interruption.signal.aborted;

/** Throws {@link Interrupted} when a stop was asked for. */
export function checkInterrupted(): void {
  if (interruption.signal.aborted) throw new Interrupted();
}

/**
 * First SIGINT / SIGTERM: loops and waits of this module throw {@link Interrupted}, so the
 * benchmark's `finally` cleans up (schemas, streams, processes); a second one exits at once (1).
 */
export function handleInterrupts(name: string): void {
  const on = (signal: NodeJS.Signals): void => {
    if (interruption.signal.aborted) {
      console.error(`${name}: second ${signal}, exiting without cleanup`);
      process.exit(1);
    }
    console.error(`${name}: ${signal}, stopping and cleaning up (again to force)…`);
    interruption.abort();
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
}

/** Sleeps `ms`, cut short (throwing Interrupted) by a stop. */
export function sleep(ms: number): Promise<void> {
  checkInterrupted();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new Interrupted());
    };
    const t = setTimeout(() => {
      interruption.signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    interruption.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Polls `check` every `intervalMs` until it returns a non-null value; throws after `timeoutMs` (naming `what`) or on a stop. */
export async function waitUntil<T>(what: string, check: () => T | null | undefined | Promise<T | null | undefined>, timeoutMs: number, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Runs `fn` over `items` with at most `concurrency` in flight; results in input order. Stops early on a stop. */
export async function mapConcurrent<I, O>(items: readonly I[], concurrency: number, fn: (item: I, index: number) => Promise<O>): Promise<O[]> {
  const out = new Array<O>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      checkInterrupted();
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

/** p50 / p99 / max of unsorted latencies (ms). */
export function latencySummary(values: readonly number[]): { n: number; p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.length ? sorted[sorted.length - 1]! : 0 };
}

/** Two-column (or more) text table; first column left-aligned, the others right-aligned. */
export function formatTable(rows: ReadonlyArray<readonly string[]>): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** An Indonesian mobile number (local form `0815…` and E.164 digits `62815…`) unique per `i` within a run (`base` spreads runs). */
export function benchPhone(base: number, i: number): { local: string; e164: string } {
  const n = String((base + i) % 100_000_000).padStart(8, '0');
  return { local: `0815${n}`, e164: `62815${n}` };
}

/** Counts of SQL statements this process sent to Postgres, by normalized statement head. */
export interface PgQueryCounter {
  /** Starts counting from zero. */
  reset(): void;
  /** Total statements since the last reset. */
  total(): number;
  /** The `n` most frequent statement heads (first words, schema names and literals blurred). */
  top(n: number): Array<[string, number]>;
  /** Restores the original pg client. */
  restore(): void;
}

/**
 * Profiling aid (BENCH_PROFILE=1): wraps `pg.Client.prototype.query` of this process so every
 * statement any in-process service sends is counted. Costs a little CPU; off by default.
 */
export function countPgQueries(): PgQueryCounter {
  type QueryFn = (this: Client, ...args: unknown[]) => unknown;
  const proto = Client.prototype as unknown as { query: QueryFn };
  const original = proto.query;
  let counts = new Map<string, number>();
  let total = 0;
  proto.query = function (this: Client, ...args: unknown[]): unknown {
    const first = args[0];
    const text = typeof first === 'string' ? first : typeof first === 'object' && first && 'text' in first ? String((first as { text: unknown }).text) : '?';
    const head = text.replace(/\s+/g, ' ').replace(/"?[a-z]+_[a-z]+_[0-9a-f]{8}_[a-z]"?\./g, '').trim().slice(0, 70);
    counts.set(head, (counts.get(head) ?? 0) + 1);
    total += 1;
    return original.apply(this, args);
  };
  return {
    reset: () => {
      counts = new Map();
      total = 0;
    },
    total: () => total,
    top: (n) => [...counts].sort((a, b) => b[1] - a[1]).slice(0, n),
    restore: () => {
      proto.query = original;
    },
  };
}

/** Drops every schema whose name starts with `prefix` (a run's schemas, pg-boss's `<schema>_boss` included); returns their names. */
export async function dropSchemasWithPrefix(url: string, prefix: string): Promise<string[]> {
  if (!/^[a-z0-9_]+$/.test(prefix)) throw new Error(`unsafe schema prefix ${prefix}`);
  try {
    return await withPg(url, async (c) => {
      const r = await c.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`${prefix.replace(/_/g, '\\_')}%`]);
      for (const { nspname } of r.rows) await c.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
      return r.rows.map((x) => x.nspname);
    });
  } catch (err) {
    console.error(`could not drop the schemas ${prefix}*: ${String(err)}`);
    return [];
  }
}

/** CPU time spent, ms: by this process, and by the Postgres server processes of this machine. */
export interface CpuSample {
  readonly processMs: number;
  /** Sum over every process named `postgres` (/proc/<pid>/stat utime+stime+cutime+cstime); 0 where /proc is not readable. */
  readonly postgresMs: number;
}

/** Reads {@link CpuSample} now. Postgres is found by process name, so run it on a machine whose Postgres serves this benchmark only. */
export function sampleCpu(): CpuSample {
  const u = process.cpuUsage();
  let postgresMs = 0;
  try {
    const ticksPerSecond = 100; // USER_HZ on Linux
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // utime + stime, and cutime + cstime: the postmaster's reaped backends (a closed connection's CPU)
        postgresMs += ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / ticksPerSecond;
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    // no /proc: Postgres CPU unknown
  }
  return { processMs: (u.user + u.system) / 1000, postgresMs };
}

/** CPU spent between two samples, ms. */
export function cpuBetween(a: CpuSample, b: CpuSample): CpuSample {
  return { processMs: b.processMs - a.processMs, postgresMs: b.postgresMs - a.postgresMs };
}
