// Lifecycle benchmark (issue 7, "Benchmark"): tickets driven create → assign → start → complete
// over gRPC against the five services running as separate processes; notifications per second
// reaching the provider simulators and ticket-change-to-provider latency p50/p99, beside the raw
// ceilings of this machine measured in the same run, their ratios, and each service's peak memory.
//
//   npm run bench lifecycle   (or: node -r ./tools/runtime/swc-register.js bench/lifecycle/lifecycle.bench.ts)
//
// Targets (issue 7): notifications/s ≥ 0.3 × raw gRPC round trips/s; p99 latency < 250 ms at half
// the maximum rate.
//
// 1. Raw ceilings (bench/raw/ceilings.ts): gRPC unary, JetStream publish, Postgres single-row tx,
//    HTTP POST to the Fonnte simulator, BENCH_DURATION_MS each.
// 2. The five services (`services/<svc>/src/main.ts` through the swc register, the environment of
//    tools/stack's start:services: serviceEnv / simulatorProviderEnv) on fresh schemas of
//    DATABASE_URL and a fresh namespace on NATS_URL, free ports; the four simulators run in this
//    process (receipts off). The gateway runs with its defaults and no per-recipient
//    rate limit (the benchmark messages the same people over and over; see GATEWAY_TUNING).
// 3. Seeds BENCH_CUSTOMERS customers and BENCH_TECHNICIANS technicians in one zone; a warm-up
//    ticket finds how many messages each step sends (those whose text carries the ticket number).
// 4. Maximum rate: BENCH_TICKETS_IN_FLIGHT tickets at once, each step driven only after the
//    previous step's messages arrived (so every message belongs to one step); latency = each
//    message's simulator `at` − its step's RPC completion.
// 5. Half rate: tickets started at half the measured maximum ticket rate; p99 latency there.
// Then where the CPU went in the max-rate phase (each service from /proc/<pid>/stat, this process,
// the rest of the machine's busy time from /proc/stat), the Postgres statements each service sent
// in it (bench/support/pg-statement-counter.js, preloaded into every service), the services' VmHWM (/proc/<pid>/status), SIGTERM to each, schemas dropped, streams deleted
// (also on Ctrl-C).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { decodeEvent, domainSubjects } from '@notify/events';
import { callUnary, createClient } from '@notify/grpc-kit';
import { commonv1, customerv1, gatewayv1, ticketv1 } from '@notify/proto';
import { startAllSims, type AllSims } from '@notify/provider-sim';
import { resolvePorts, serviceEnv, simulatorProviderEnv, START_ORDER, type StackKeys } from '../../tools/stack/src/stack-env';
import {
  runBenchMain, benchName, benchPhone, checkInterrupted, deleteNamespaceStreams, dropSchemasWithPrefix, formatTable, handleInterrupts, latencySummary,
  mapConcurrent, sleep,
} from '../gateway/bench-support';
import { formatMeasurements, measureGrpcUnary, measureJetStreamPublish, measurePostgresTx, measureSimulatorPost, type Measurement } from '../raw/ceilings';
import { assertAlive, cpuMsOf, machineCpuMs, memoryOf, PG_STATEMENT_COUNTER, spawnService, statementCountsOf, stopServices, waitServing, type ServiceProcess } from '../support/service-processes';
import { loadLifecycleBenchConfig } from './bench.config';

const TARGET_RATIO = 0.3;
const TARGET_P99_MS = 250;
const WEBHOOK_SECRET = `bench-${randomBytes(8).toString('hex')}`;
/** The seeds' ticket numbers: `GGN-20261122-0001` (services/ticket/src/domain/ticket-number.policy.ts). */
const TICKET_NUMBER = /\b(?:GGN|PSB)-\d{8}-\d{4,}\b/;
const STEPS = ['create', 'assign', 'start', 'complete'] as const;
type Step = (typeof STEPS)[number];
const EVENT_STEP: Readonly<Record<string, Step>> = { 'ticket.created': 'create', 'ticket.assigned': 'assign', 'ticket.started': 'start', 'ticket.completed': 'complete' };

/**
 * The gateway settings of this benchmark (BENCH_GATEWAY_<VAR> overrides them): the gateway's
 * defaults except no per-recipient rate limit: the default 10 an hour would defer the 11th
 * message to the same customer or technician, which is spam protection, not throughput.
 */
const GATEWAY_TUNING: Readonly<Record<string, string>> = { RECIPIENT_RATE_LIMIT: '0' };

// ── what reaches the simulators ────────────────────────────────────────────────────────────

interface Arrival {
  readonly at: number;
  readonly provider: string;
  readonly to: string;
}

/**
 * Drains the four simulators every few ms (messages() then reset(), back to back on this one
 * thread, so nothing is lost and the record stays short) and files each message under the ticket
 * number in its text; waiters are woken when a ticket has enough messages.
 */
class MessageFeed {
  private readonly byTicket = new Map<string, Arrival[]>();
  private readonly waiters = new Map<string, { count: number; resolve: () => void }>();
  private timer: NodeJS.Timeout | undefined;
  /** Messages without a ticket number (registration confirmations, welcomes…). */
  other = 0;
  total = 0;

  constructor(private readonly sims: AllSims) {}

  start(intervalMs = 5): void {
    this.timer = setInterval(() => this.drain(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  drain(): void {
    for (const sim of this.sims.all()) {
      const batch = sim.messages();
      if (batch.length === 0) continue;
      sim.reset();
      for (const m of batch) {
        this.total += 1;
        const number = TICKET_NUMBER.exec(m.text)?.[0];
        if (!number) {
          this.other += 1;
          continue;
        }
        let list = this.byTicket.get(number);
        if (!list) this.byTicket.set(number, (list = []));
        list.push({ at: Date.parse(m.at), provider: m.provider, to: m.to });
        const w = this.waiters.get(number);
        if (w && list.length >= w.count) {
          this.waiters.delete(number);
          w.resolve();
        }
      }
    }
  }

  arrivals(number: string): readonly Arrival[] {
    return this.byTicket.get(number) ?? [];
  }

  /** Resolves once `number` has at least `count` messages; rejects after `timeoutMs`. */
  async waitCount(number: string, count: number, timeoutMs: number): Promise<void> {
    if (this.arrivals(number).length >= count) return;
    checkInterrupted();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.set(number, { count, resolve })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`ticket ${number}: ${this.arrivals(number).length} of ${count} messages after ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.waiters.delete(number);
    }
  }
}

// ── driving tickets ────────────────────────────────────────────────────────────────────────

interface Directory {
  customers: string[];
  technicians: string[];
  zone: string;
}

interface TicketRun {
  number: string;
  id: string;
  /** Per step: RPC start, RPC completion (ms since epoch), messages' latencies (ms). */
  steps: Array<{ step: Step; rpcStart: number; rpcDone: number; latencies: number[]; lastAt: number }>;
}

interface Clients {
  ticket: ticketv1.TicketServiceClient;
  customer: customerv1.CustomerServiceClient;
  gateway: gatewayv1.NotificationServiceClient;
}

/** Where a step's time went, per delivery (ms): RPC completion → delivery row created (ticket outbox relay, NATS, gateway consumer, ResolveRecipients, RenderTemplate) and row created → provider accepted (dispatcher). */
interface Breakdown {
  /** RPC completion → the ticket event seen on NATS by this benchmark's own consumer (ticket outbox relay). */
  relay: number[];
  ingest: number[];
  dispatch: number[];
  rpc: number[];
}

/** The gateway's delivery records of up to `sample` tickets (ListDeliveries by ticket), split by step. */
async function breakdown(clients: Clients, runs: readonly TicketRun[], sample: number, onNats: ReadonlyMap<string, number>): Promise<Breakdown> {
  const out: Breakdown = { relay: [], ingest: [], dispatch: [], rpc: runs.flatMap((r) => r.steps.map((s) => s.rpcDone - s.rpcStart)) };
  for (const r of runs) {
    for (const s of r.steps) {
      const seen = onNats.get(`${r.number}|${s.step}`);
      if (seen !== undefined) out.relay.push(seen - s.rpcDone);
    }
  }
  const step = Math.max(1, Math.floor(runs.length / sample));
  for (let i = 0; i < runs.length; i += step) {
    const r = runs[i]!;
    const ds = (await callUnary(clients.gateway, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial({ ticketId: r.id, page: { pageSize: 100 } }))).deliveries;
    for (const d of ds) {
      if (!d.createdAt || !d.sentAt) continue;
      const created = d.createdAt.getTime();
      const owner = [...r.steps].reverse().find((s) => s.rpcDone <= created + 5) ?? r.steps[0]!;
      out.ingest.push(created - owner.rpcDone);
      out.dispatch.push(d.sentAt.getTime() - created);
    }
  }
  return out;
}

/**
 * Drives one ticket through the four steps. `expected[i]` messages are awaited after step i
 * before the next step; with `expected` undefined (warm-up) each step waits for its first message
 * and then until nothing new came for `settleMs`.
 */
async function driveTicket(
  clients: Clients,
  feed: MessageFeed,
  dir: Directory,
  seq: number,
  expected: readonly number[] | undefined,
  stepTimeoutMs: number,
  settleMs = 2_000,
): Promise<TicketRun> {
  const customerId = dir.customers[seq % dir.customers.length]!;
  const technicianId = dir.technicians[seq % dir.technicians.length]!;
  let number = '';
  let id = '';
  const run: TicketRun = { number: '', id: '', steps: [] };
  let seen = 0;
  for (const [i, step] of STEPS.entries()) {
    checkInterrupted();
    const rpcStart = Date.now();
    if (step === 'create') {
      const t = (await callUnary(clients.ticket, 'createTicket', ticketv1.CreateTicketRequest.fromPartial({
        type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE, customerId, title: 'Internet putus', description: `Internet putus total (bench ${seq})`,
        address: `Jl. Bench ${seq}`, workZone: dir.zone, priority: commonv1.Priority.PRIORITY_NORMAL,
      }))).ticket!;
      number = t.number;
      id = t.id;
      run.number = number;
      run.id = id;
    } else if (step === 'assign') {
      await callUnary(clients.ticket, 'assignTicket', ticketv1.AssignTicketRequest.fromPartial({ ticketId: id, technicianId }));
    } else if (step === 'start') {
      await callUnary(clients.ticket, 'startTicket', ticketv1.StartTicketRequest.fromPartial({ ticketId: id }));
    } else {
      await callUnary(clients.ticket, 'completeTicket', ticketv1.CompleteTicketRequest.fromPartial({ ticketId: id, notes: 'Kabel drop diganti (bench)' }));
    }
    const rpcDone = Date.now();
    let count: number;
    if (expected) {
      count = expected[i]!;
      await feed.waitCount(number, seen + count, stepTimeoutMs);
    } else {
      await feed.waitCount(number, seen + 1, stepTimeoutMs);
      let last = feed.arrivals(number).length;
      for (;;) {
        await sleep(settleMs);
        const now = feed.arrivals(number).length;
        if (now === last) break;
        last = now;
      }
      count = last - seen;
    }
    const mine = feed.arrivals(number).slice(seen, seen + count);
    run.steps.push({ step, rpcStart, rpcDone, latencies: mine.map((a) => a.at - rpcDone), lastAt: Math.max(...mine.map((a) => a.at)) });
    seen += count;
  }
  return run;
}

interface PhaseResult {
  readonly tickets: number;
  readonly messages: number;
  readonly rpcs: number;
  readonly elapsedMs: number;
  readonly latencies: number[];
  readonly byStep: Record<Step, number[]>;
}

function summarize(runs: readonly TicketRun[], startedAt: number): PhaseResult {
  const latencies: number[] = [];
  const byStep = { create: [], assign: [], start: [], complete: [] } as Record<Step, number[]>;
  let end = startedAt;
  for (const r of runs) {
    for (const s of r.steps) {
      latencies.push(...s.latencies);
      byStep[s.step].push(...s.latencies);
      end = Math.max(end, s.lastAt, s.rpcDone);
    }
  }
  return { tickets: runs.length, messages: latencies.length, rpcs: runs.length * STEPS.length, elapsedMs: Math.max(1, end - startedAt), latencies, byStep };
}

// ── main ───────────────────────────────────────────────────────────────────────────────────

/** CPU readings taken when the max-rate phase starts. */
interface CpuBefore {
  readonly procs: ReadonlyArray<number | undefined>;
  readonly self: NodeJS.CpuUsage;
  readonly machine: { busy: number; total: number };
}

/**
 * Where the CPU went since `before`, ms: each service process (/proc/<pid>/stat), this bench
 * process (the drivers, the simulators, the NATS feed), and the rest of the machine's busy time
 * (Postgres backends, nats-server, the kernel's softirq work for loopback TCP). `steps` = ticket
 * steps (RPCs) driven, for the per-step column.
 */
function cpuDuring(procs: readonly ServiceProcess[], before: CpuBefore, steps: number): {
  rows: Array<{ name: string; ms: number }>; wallMs: number; cores: number; steps: number;
} {
  const machine = machineCpuMs();
  const cores = Math.max(1, availableParallelism());
  const wallMs = (machine.total - before.machine.total) / cores;
  const rows: Array<{ name: string; ms: number }> = procs.map((p, i) => ({ name: p.name, ms: (cpuMsOf(p.child.pid) ?? NaN) - (before.procs[i] ?? NaN) }));
  const self = process.cpuUsage(before.self);
  rows.push({ name: 'bench process (drivers, simulators)', ms: (self.user + self.system) / 1000 });
  const accounted = rows.reduce((sum, r) => sum + (Number.isFinite(r.ms) ? r.ms : 0), 0);
  const busy = machine.busy - before.machine.busy;
  rows.push({ name: 'rest of the machine (Postgres, NATS, kernel)', ms: Math.max(0, busy - accounted) });
  rows.push({ name: 'machine busy in all', ms: busy });
  return { rows, wallMs, cores, steps };
}

async function main(): Promise<void> {
  handleInterrupts('bench lifecycle');
  const bench = loadLifecycleBenchConfig();
  const run = benchName('bench_lc');
  const countDir = mkdtempSync(path.join(tmpdir(), 'notify-bench-pg-'));
  const zone = `benchzone${run.slice(-8)}`;
  let sims: AllSims | undefined;
  let feed: MessageFeed | undefined;
  const procs: ServiceProcess[] = [];
  const grpcClients: Array<{ close(): void }> = [];
  let servicesStarted = false;
  let observerNc: NatsConnection | undefined;
  const onNats = new Map<string, number>();
  try {
    sims = await startAllSims({
      receiptDelaysMs: false,
      fonnte: { port: 0 }, wablas: { port: 0 }, twilio: { port: 0 }, advanta: { port: 0 },
    });

    // 1. Raw ceilings, before anything else runs.
    const opts = { durationMs: bench.BENCH_DURATION_MS, concurrency: bench.BENCH_CONCURRENCY };
    console.log(`lifecycle benchmark: raw ceilings first (${opts.durationMs} ms each, ${opts.concurrency} in flight)`);
    const raw: Measurement[] = [];
    raw.push(await measureGrpcUnary(opts));
    checkInterrupted();
    raw.push(await measureJetStreamPublish(bench.NATS_URL, opts));
    checkInterrupted();
    raw.push(await measurePostgresTx(bench.DATABASE_URL, opts));
    checkInterrupted();
    raw.push(await measureSimulatorPost({ ...opts, url: sims.fonnte.url }));
    sims.fonnte.reset();
    console.log(formatMeasurements(raw));
    const [rawGrpc] = raw as [Measurement];

    // 2. The five services as separate processes.
    servicesStarted = true;
    const ports = await resolvePorts('auto', { sims: false });
    const adminKey = `admin-${randomBytes(18).toString('base64url')}`;
    const serviceKey = `service-${randomBytes(18).toString('base64url')}`;
    const keys: StackKeys = { apiKeys: `${adminKey}:admin,${serviceKey}:service`, adminKey, serviceKey, source: 'generated' };
    const base: Record<string, string> = {
      PATH: bench.path, NODE_ENV: 'production', LOG_LEVEL: 'warn', SHUTDOWN_GRACE_MS: '3000', NATS_NAMESPACE: run,
      // Every service counts its Postgres statements (bench/support/pg-statement-counter.js).
      PG_STATEMENT_COUNT_DIR: countDir,
      NODE_OPTIONS: [`--require ${JSON.stringify(PG_STATEMENT_COUNTER)}`, bench.BENCH_SERVICE_NODE_OPTIONS ?? ''].join(' ').trim(),
    };
    for (const s of START_ORDER) base[`${s.toUpperCase()}_DATABASE_SCHEMA`] = `${run}_${s}`;
    const providerEnv = {
      ...simulatorProviderEnv({ fonnte: sims.fonnte.url, wablas: sims.wablas.url, twilio: sims.twilio.url, advanta: sims.advanta.url }, WEBHOOK_SECRET),
      WEBHOOK_PUBLIC_URL: `http://127.0.0.1:${ports.webhook}`,
    };
    const input = { base, databaseUrl: bench.DATABASE_URL, natsUrl: bench.NATS_URL, ports, keys, providerEnv };
    const startAt = performance.now();
    for (const name of START_ORDER) {
      const env = serviceEnv(name, input);
      if (name === 'gateway') Object.assign(env, GATEWAY_TUNING, bench.gatewayEnv);
      procs.push(spawnService(name, env, `127.0.0.1:${ports.grpc[name]}`));
    }
    await waitServing(procs, bench.BENCH_START_TIMEOUT_MS);
    console.log(
      `\nfive services SERVING in ${((performance.now() - startAt) / 1000).toFixed(1)} s (separate processes, schemas ${run}_*, ` +
        `NATS namespace ${run}); gateway ${JSON.stringify({ ...GATEWAY_TUNING, ...bench.gatewayEnv })}`,
    );
    const clients: Clients = {
      ticket: createClient(ticketv1.TicketServiceClient, `127.0.0.1:${ports.grpc.ticket}`, { apiKey: adminKey, deadlineMs: 30_000 }),
      customer: createClient(customerv1.CustomerServiceClient, `127.0.0.1:${ports.grpc.customer}`, { apiKey: adminKey, deadlineMs: 30_000 }),
      gateway: createClient(gatewayv1.NotificationServiceClient, `127.0.0.1:${ports.grpc.gateway}`, { apiKey: adminKey, deadlineMs: 30_000 }),
    };
    grpcClients.push(...[clients.ticket, clients.customer, clients.gateway].map((c) => c as unknown as { close(): void }));
    feed = new MessageFeed(sims);
    feed.start();
    // A plain NATS subscription of our own on the ticket subjects: when each ticket event reached
    // NATS (JetStream publishes are delivered to core subscribers too). Not a durable JetStream
    // consumer: that would add a delivery and an ack per event to what is being measured.
    observerNc = await connect({ servers: bench.NATS_URL.split(','), name: 'lifecycle-bench-observer' });
    const observed = observerNc.subscribe(domainSubjects('ticket', run));
    void (async () => {
      for await (const msg of observed) {
        const evt = decodeEvent(msg.subject, msg.data);
        if (evt.domain !== 'ticket') continue;
        const step = EVENT_STEP[evt.key];
        const number = (evt.payload as ticketv1.TicketEvent).ticket?.number;
        if (step && number) onNats.set(`${number}|${step}`, Date.now());
      }
    })();

    // 3. Directory and warm-up.
    const phoneBase = Math.floor(Math.random() * 90_000_000);
    const customers = await mapConcurrent(Array.from({ length: bench.BENCH_CUSTOMERS }, (_, i) => i), 4, async (i) => {
      const phone = benchPhone(phoneBase, i);
      const c = (await callUnary(clients.customer, 'registerCustomer', customerv1.RegisterCustomerRequest.fromPartial({
        name: `Pelanggan ${i}`, phone: phone.local, address: `Jl. Bench ${i}`, workZone: zone, packageName: 'Home 30 Mbps', wantsInstallation: false,
      }))).customer!;
      await callUnary(clients.customer, 'activateCustomer', customerv1.ActivateCustomerRequest.fromPartial({ customerId: c.id }));
      return c.id;
    });
    const technicians = await mapConcurrent(Array.from({ length: bench.BENCH_TECHNICIANS }, (_, i) => i), 4, async (i) => {
      const phone = benchPhone(phoneBase, bench.BENCH_CUSTOMERS + i);
      return (await callUnary(clients.customer, 'createStaff', customerv1.CreateStaffRequest.fromPartial({
        name: `Teknisi ${i}`, phone: phone.local, role: commonv1.Role.ROLE_TECHNICIAN, workZones: [zone],
      }))).staff!.id;
    });
    const dir: Directory = { customers, technicians, zone };
    assertAlive(procs);
    const warm = await driveTicket(clients, feed, dir, 0, undefined, bench.BENCH_STEP_TIMEOUT_MS);
    const expected = warm.steps.map((s) => s.latencies.length);
    console.log(
      `seeded ${customers.length} customers and ${technicians.length} technicians in zone ${zone}; warm-up ticket ${warm.number}: ` +
        `messages per step ${STEPS.map((s, i) => `${s} ${expected[i]}`).join(', ')} (carrying the ticket number)`,
    );
    if (expected.some((n) => n === 0)) throw new Error('a step sent no message carrying the ticket number; cannot measure its latency');
    await sleep(1_000); // let the welcome / registration messages of the seeding go out first

    // 4. Maximum rate: K tickets in flight.
    let seq = 1;
    const k = bench.BENCH_TICKETS_IN_FLIGHT;
    const statementsBefore = await statementCountsOf(procs, countDir, 1);
    const cpuBefore = { procs: procs.map((p) => cpuMsOf(p.child.pid)), self: process.cpuUsage(), machine: machineCpuMs() };
    const maxStart = Date.now();
    const deadline = maxStart + bench.BENCH_LIFECYCLE_MS;
    const maxRuns: TicketRun[] = [];
    await Promise.all(Array.from({ length: k }, async () => {
      while (Date.now() < deadline) {
        assertAlive(procs);
        maxRuns.push(await driveTicket(clients, feed!, dir, seq++, expected, bench.BENCH_STEP_TIMEOUT_MS));
      }
    }));
    const max = summarize(maxRuns, maxStart);
    const cpu = cpuDuring(procs, cpuBefore, max.tickets * STEPS.length);
    const statementsAfter = await statementCountsOf(procs, countDir, 2);
    const statements = procs.map((p, i) => ({ name: p.name, n: statementsAfter[i]! - statementsBefore[i]! }));
    const maxTicketRate = (max.tickets / max.elapsedMs) * 1000;

    // 5. Half rate: tickets started on a schedule, each still driven step by step.
    const halfTicketRate = maxTicketRate / 2;
    const gapMs = 1000 / halfTicketRate;
    const halfStart = Date.now();
    const halfDeadline = halfStart + bench.BENCH_HALF_RATE_MS;
    const pending: Array<Promise<TicketRun>> = [];
    for (let i = 0; ; i++) {
      const due = halfStart + i * gapMs;
      if (due >= halfDeadline) break;
      if (due > Date.now()) await sleep(due - Date.now());
      assertAlive(procs);
      pending.push(driveTicket(clients, feed, dir, seq++, expected, bench.BENCH_STEP_TIMEOUT_MS));
    }
    const halfRuns = await Promise.all(pending);
    const half = summarize(halfRuns, halfStart);
    const maxWhere = await breakdown(clients, maxRuns, 40, onNats);
    const halfWhere = await breakdown(clients, halfRuns, 40, onNats);

    // 6. Peak memory, then the report.
    const memory = procs.map((p) => ({ name: p.name, pid: p.child.pid, mem: memoryOf(p.child.pid) }));
    const rate = (r: PhaseResult): number => (r.messages / r.elapsedMs) * 1000;
    const ms = (v: number): string => v.toFixed(0);
    const maxLat = latencySummary(max.latencies);
    const halfLat = latencySummary(half.latencies);
    const ratio = rate(max) / rawGrpc.rate;
    console.log('');
    console.log(formatTable([
      ['phase', 'tickets', 'RPCs', 'messages', 'elapsed s', 'tickets/s', 'RPCs/s', 'notifications/s', 'p50 ms', 'p99 ms', 'max ms'],
      ...([[`max rate (${k} in flight)`, max, maxLat], [`half rate (${halfTicketRate.toFixed(2)} tickets/s)`, half, halfLat]] as const).map(([name, r, l]) => [
        name, String(r.tickets), String(r.rpcs), String(r.messages), (r.elapsedMs / 1000).toFixed(1), ((r.tickets / r.elapsedMs) * 1000).toFixed(2),
        ((r.rpcs / r.elapsedMs) * 1000).toFixed(1), rate(r).toFixed(1), ms(l.p50), ms(l.p99), ms(l.max),
      ]),
    ]));
    console.log('');
    console.log(formatTable([
      ['ticket change → provider latency by step (max rate / half rate)', 'p50 ms', 'p99 ms'],
      ...STEPS.map((s) => {
        const a = latencySummary(max.byStep[s]);
        const b = latencySummary(half.byStep[s]);
        return [`${s} (${expected[STEPS.indexOf(s)]} messages)`, `${ms(a.p50)} / ${ms(b.p50)}`, `${ms(a.p99)} / ${ms(b.p99)}`];
      }),
    ]));
    console.log('');
    const pq = (v: number[]): string => {
      const l = latencySummary(v);
      return `${ms(l.p50)} / ${ms(l.p99)}`;
    };
    console.log(formatTable([
      ['where the time goes, p50 / p99 ms (gateway delivery records)', 'max rate', 'half rate'],
      ['ticket RPC (create/assign/start/complete)', pq(maxWhere.rpc), pq(halfWhere.rpc)],
      ['RPC done → ticket event on NATS (ticket outbox relay; seen by a bench consumer)', pq(maxWhere.relay), pq(halfWhere.relay)],
      ['RPC done → delivery row (+ gateway consumer, resolve, render, insert)', pq(maxWhere.ingest), pq(halfWhere.ingest)],
      ['delivery row → provider accepted (dispatcher)', pq(maxWhere.dispatch), pq(halfWhere.dispatch)],
    ]));
    console.log('');
    console.log(formatTable([
      ['ratio', 'value', 'target', 'met'],
      ['notifications/s ÷ raw gRPC round trips/s', ratio.toFixed(3), `≥ ${TARGET_RATIO}`, ratio >= TARGET_RATIO ? 'MET' : 'NOT MET'],
      ['p99 latency at half rate (ms)', ms(halfLat.p99), `< ${TARGET_P99_MS}`, halfLat.p99 < TARGET_P99_MS ? 'MET' : 'NOT MET'],
      ...raw.slice(1).map((m) => [`notifications/s ÷ ${m.name}/s`, (rate(max) / m.rate).toFixed(3), '', '']),
      ['ticket RPCs/s ÷ raw gRPC round trips/s', ((max.rpcs / max.elapsedMs) * 1000 / rawGrpc.rate).toFixed(3), '', ''],
    ]));
    console.log('');
    console.log(formatTable([
      ['service', 'pid', 'peak RSS (VmHWM) MiB', 'RSS now MiB'],
      ...memory.map((m) => [m.name, String(m.pid ?? '?'), m.mem ? m.mem.hwm.toFixed(0) : '?', m.mem ? m.mem.rss.toFixed(0) : '?']),
    ]));
    console.log('');
    console.log(formatTable([
      [`CPU during the max-rate phase (${(cpu.wallMs / 1000).toFixed(1)} s, ${cpu.cores} cores)`, 'CPU s', '% of one core', 'ms per ticket step'],
      ...cpu.rows.map((r) => [r.name, (r.ms / 1000).toFixed(1), ((r.ms / cpu.wallMs) * 100).toFixed(0), (r.ms / Math.max(1, cpu.steps)).toFixed(1)]),
    ]));
    console.log('');
    const perStep = (n: number): string => (n / Math.max(1, cpu.steps)).toFixed(2);
    console.log(formatTable([
      ['Postgres statements during the max-rate phase (round trips; pg-statement-counter)', 'statements', 'per ticket step'],
      ...statements.map((r) => [r.name, String(r.n), perStep(r.n)]),
      ['all services', String(statements.reduce((sum, r) => sum + r.n, 0)), perStep(statements.reduce((sum, r) => sum + r.n, 0))],
    ]));
    console.log(`\nsimulators received ${feed.total} messages in all (${feed.other} without a ticket number: registrations, welcomes)`);
  } finally {
    feed?.stop();
    await observerNc?.close().catch(() => undefined);
    for (const c of grpcClients) c.close();
    await stopServices(procs);
    await sims?.close().catch((err: unknown) => console.error(`closing the simulators failed: ${String(err)}`));
    rmSync(countDir, { recursive: true, force: true });
    if (servicesStarted) {
      await deleteNamespaceStreams(bench.NATS_URL, run);
      await dropSchemasWithPrefix(bench.DATABASE_URL, run);
    }
  }
}

runBenchMain('lifecycle', main);
