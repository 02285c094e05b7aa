// Template rendering benchmark: renders per second through the gRPC API (a real client over
// loopback) and in-process (the RenderTemplate use case directly), side by side, in one run.
//
//   node -r ./tools/runtime/swc-register.js bench/template/template.bench.ts
//
// Starts the template service in this process against Postgres (DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/test) in a fresh schema `bench_template_<hex>`
// (migrations + seeded default templates), measures each mode for BENCH_DURATION_MS (default
// 5 s) or BENCH_MAX_RENDERS renders (default 200 000), whichever comes first, with
// BENCH_CONCURRENCY renders in flight (default 16), then stops the service and drops the
// schema (also on Ctrl-C). Both modes read the active version from Postgres on every render
// (as RenderTemplate does) and use the compiled-template cache; a third column renders a
// cached version with no Postgres read, the cost of liquidjs alone.
import { randomBytes } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { callUnary, createClient } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { commonv1, templatev1 } from '@notify/proto';
import { Client } from 'pg';
import { DEFAULT_TEMPLATES, type DefaultTemplate, type TemplateVersion } from '../../services/template/src';
import { loadTemplateConfig } from '../../services/template/src/config';
import { startTemplateService, type RunningTemplateService } from '../../services/template/src/server';
import { DEFAULT_BENCH_DATABASE_URL, loadBenchConfig } from './bench.config';

const API_KEY = `bench-${randomBytes(12).toString('hex')}`;

/** The templates rendered, in turn: WhatsApp and SMS, customer and technician, id and en. */
const WORKLOAD_IDS = [
  'ticket.created.disturbance/WHATSAPP/id',
  'ticket.completed.installation/WHATSAPP/id',
  'technician.job_offer/WHATSAPP/id',
  'sla.warning/WHATSAPP/id',
  'ticket.created.disturbance/SMS/id',
  'ticket.created.disturbance/SMS/en',
];

interface ModeResult {
  readonly name: string;
  readonly renders: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly latenciesUs: number[];
}

let stopping = false;

async function main(): Promise<void> {
  const bench = loadBenchConfig();
  const databaseUrl = bench.DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL;
  const schema = `bench_template_${randomBytes(4).toString('hex')}`;
  const workload = WORKLOAD_IDS.map((id) => {
    const t = DEFAULT_TEMPLATES.find((d) => `${d.key}/${d.channel}/${d.locale}` === id);
    if (!t) throw new Error(`benchmark workload: no seeded template ${id}`);
    return t;
  });

  let service: RunningTemplateService | undefined;
  let client: templatev1.TemplateServiceClient | undefined;
  const onSignal = (): void => {
    stopping = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const config = loadTemplateConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      NOTIFY_API_KEYS: `${API_KEY}:service`,
      SHUTDOWN_GRACE_MS: '2000',
    });
    const startedAt = performance.now();
    service = await startTemplateService(config, createLogger({ service: 'template-bench', level: 'warn' }));
    const startMs = performance.now() - startedAt;
    client = createClient(templatev1.TemplateServiceClient, `127.0.0.1:${service.grpc.port}`, { apiKey: API_KEY, deadlineMs: 10_000 });
    const { useCases } = service;
    const grpcClient = client;

    const viaGrpc = (t: DefaultTemplate) =>
      callUnary(grpcClient, 'renderTemplate', {
        key: t.key,
        channel: t.channel === 'SMS' ? commonv1.Channel.CHANNEL_SMS : commonv1.Channel.CHANNEL_WHATSAPP,
        locale: t.locale === 'en' ? commonv1.Locale.LOCALE_EN : commonv1.Locale.LOCALE_ID,
        variables: { ...t.sampleVariables },
        version: 0,
      }).then((r) => r.text);
    const inProcess = (t: DefaultTemplate) =>
      useCases.renderTemplate.execute({ key: t.key, channel: t.channel, locale: t.locale, variables: t.sampleVariables }).then((r) => r.text);
    const active = new Map<DefaultTemplate, TemplateVersion>();
    for (const t of workload) active.set(t, (await useCases.getTemplate.execute(t)).version);
    const renderOnly = async (t: DefaultTemplate) => useCases.renderer.render(active.get(t)!, t.sampleVariables).text;

    // The three modes must agree on the text before they are timed.
    for (const t of workload) {
      const texts = await Promise.all([viaGrpc(t), inProcess(t), renderOnly(t)]);
      if (new Set(texts).size !== 1) throw new Error(`modes disagree on ${t.key}/${t.channel}/${t.locale}`);
    }

    const c = bench.BENCH_CONCURRENCY;
    console.log(
      `template benchmark: ${workload.length} seeded templates in turn, concurrency ${c}, ` +
        `${bench.BENCH_DURATION_MS} ms or ${bench.BENCH_MAX_RENDERS} renders per mode; ` +
        `service started in ${startMs.toFixed(0)} ms (migrations + seed of ${DEFAULT_TEMPLATES.length} templates); schema ${schema}`,
    );
    const results: ModeResult[] = [];
    const modes: [string, (t: DefaultTemplate) => Promise<string>][] = [
      ['gRPC API (loopback)', viaGrpc],
      ['in-process use case', inProcess],
      ['renderer only (no DB)', renderOnly],
    ];
    for (const [name, fn] of modes) {
      if (stopping) break;
      await measure(name, fn, workload, c, Math.min(500, bench.BENCH_MAX_RENDERS), 1_000); // warm-up
      results.push(await measure(name, fn, workload, c, bench.BENCH_MAX_RENDERS, bench.BENCH_DURATION_MS));
    }
    printTable(results);
  } finally {
    (client as unknown as grpc.Client | undefined)?.close();
    await service?.stop().catch((err: unknown) => console.error(`stopping the service failed: ${String(err)}`));
    await dropSchema(databaseUrl, schema);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** Runs `fn` over the workload with `concurrency` workers until `maxRenders` or `durationMs`. */
async function measure(
  name: string,
  fn: (t: DefaultTemplate) => Promise<string>,
  workload: readonly DefaultTemplate[],
  concurrency: number,
  maxRenders: number,
  durationMs: number,
): Promise<ModeResult> {
  const latenciesUs: number[] = [];
  let started = 0;
  let errors = 0;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const worker = async (): Promise<void> => {
    while (!stopping && started < maxRenders && performance.now() < deadline) {
      const t = workload[started++ % workload.length]!;
      const s = performance.now();
      try {
        await fn(t);
        latenciesUs.push((performance.now() - s) * 1000);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { name, renders: latenciesUs.length, errors, elapsedMs: performance.now() - t0, latenciesUs };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function printTable(results: readonly ModeResult[]): void {
  const rows: [string, ...string[]][] = [
    ['', ...results.map((r) => r.name)],
    ['renders/s', ...results.map((r) => ((r.renders / r.elapsedMs) * 1000).toFixed(0))],
    ['renders', ...results.map((r) => String(r.renders))],
    ['errors', ...results.map((r) => String(r.errors))],
    ['elapsed (ms)', ...results.map((r) => r.elapsedMs.toFixed(0))],
  ];
  for (const p of [50, 99]) {
    rows.push([`p${p} latency (ms)`, ...results.map((r) => (percentile([...r.latenciesUs].sort((a, b) => a - b), p) / 1000).toFixed(3))]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const pg = new Client({ connectionString: url, application_name: 'notify-bench' });
  try {
    await pg.connect();
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } catch (err) {
    console.error(`could not drop schema ${schema}: ${String(err)}`);
  } finally {
    await pg.end().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`template benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
