// Gateway delivery benchmark (issue 5, "Benchmark"): deliveries per second into the Fonnte
// simulator and event-to-provider latency p50/p99, printed beside the raw HTTP POST rate to the
// same simulator measured in the same run. Target: deliveries/s ≥ 0.5 × raw POSTs/s.
//
//   npm run bench gateway   (or: node -r ./tools/runtime/swc-register.js bench/gateway/gateway.bench.ts)
//
// In this process: a Fonnte simulator on a free port (receipts off), the customer and template
// services (fresh schemas, each on its own in-process bus, so the registration events of the
// seeding never reach the gateway) and the gateway (fresh schema, a fresh NATS namespace on
// NATS_URL, Fonnte only, DISPATCH_WORKERS 256 / DISPATCH_BATCH_SIZE 128 (see TUNING), everything else at its
// defaults; BENCH_GATEWAY_<VAR> overrides any gateway variable).
// 1. seeds BENCH_CUSTOMERS customers in one area (RegisterCustomer + ActivateCustomer over gRPC);
// 2. raw ceiling: HTTP POSTs to the simulator for BENCH_DURATION_MS (measureSimulatorPost) with the
//    client the gateway's adapters use (undici's request), before and again after the broadcast (the
//    machine is shared: the ratio uses the mean of the two); once more with Node's fetch, for
//    comparison only (a third to a half of the undici rate here; earlier runs' ratios were against it);
// 3. Broadcast MAINTENANCE to the area; deliveries/s = messages reaching the simulator between the
//    first and the last one's `at` (counted from the simulator's record);
// 4. latency: BENCH_EVENTS ticket-created events (notify.ticket.v1.TicketEvent, encoded as the
//    ticket service's outbox relay does) published at BENCH_EVENT_RATE/s; latency = the
//    simulator's `at` of the message carrying the ticket number − the publish time.
// Then everything is stopped, the schemas dropped and the streams deleted (also on Ctrl-C).
import { randomBytes, randomUUID } from 'node:crypto';
import { encodeEvent } from '@notify/events';
import { callUnary, createClient } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { connectJetStreamBus, type EventBus } from '@notify/messaging';
import { commonv1, customerv1, gatewayv1, ticketv1 } from '@notify/proto';
import { startFonnteSim, type FonnteSimHandle } from '@notify/provider-sim';
import { loadCustomerConfig } from '../../services/customer/src/config';
import { startCustomerService, type RunningCustomerService } from '../../services/customer/src/server';
import { loadGatewayConfig } from '../../services/gateway/src/config';
import { startGatewayService, type RunningGatewayService } from '../../services/gateway/src/server';
import { loadTemplateConfig } from '../../services/template/src/config';
import { startTemplateService, type RunningTemplateService } from '../../services/template/src/server';
import { formatMeasurements, measureSimulatorPost, type Measurement } from '../raw/ceilings';
import { startCpuProfile } from '../support/cpu-profile';
import {
  runBenchMain, benchName, benchPhone, countPgQueries, createBenchSchema, deleteNamespaceStreams, formatTable, freePort, handleInterrupts, latencySummary,
  cpuBetween, mapConcurrent, sampleCpu, sleep, waitUntil, type BenchSchema, type CpuSample,
} from './bench-support';
import { GATEWAY_BENCH_TUNING as TUNING, loadGatewayBenchConfig } from './bench.config';

const ADMIN_KEY = `bench-admin-${randomBytes(12).toString('hex')}`;
const SERVICE_KEY = `bench-service-${randomBytes(12).toString('hex')}`;
const FONNTE_TOKEN = 'bench-fonnte-token';
/** Deliveries/s must be at least this share of the raw POST rate (issue 5). */
const TARGET_RATIO = 0.5;

type Closeable = { close(): void };

async function main(): Promise<void> {
  handleInterrupts('bench gateway');
  const bench = loadGatewayBenchConfig();
  const run = benchName('bench_gw');
  const area = `benchzone${run.slice(-8)}`;
  const logger = createLogger({ service: 'gateway-bench', level: 'warn' });
  const schemas: BenchSchema[] = [];
  let sim: FonnteSimHandle | undefined;
  let customer: RunningCustomerService | undefined;
  let template: RunningTemplateService | undefined;
  let gateway: RunningGatewayService | undefined;
  let publisher: EventBus | undefined;
  const clients: Closeable[] = [];
  try {
    for (const s of ['c', 't', 'g']) schemas.push(await createBenchSchema(bench.DATABASE_URL, `${run}_${s}`));
    const [cs, ts, gs] = schemas as [BenchSchema, BenchSchema, BenchSchema];
    sim = await startFonnteSim({ port: 0, token: FONNTE_TOKEN, receiptDelaysMs: false });
    const common = {
      NODE_ENV: 'production', LOG_LEVEL: 'warn', GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', SHUTDOWN_GRACE_MS: '2000',
      NOTIFY_API_KEYS: `${ADMIN_KEY}:admin,${SERVICE_KEY}:service`, DATABASE_URL: bench.DATABASE_URL,
    };
    customer = await startCustomerService(loadCustomerConfig({ ...common, DATABASE_SCHEMA: cs.schema }), logger);
    template = await startTemplateService(loadTemplateConfig({ ...common, DATABASE_SCHEMA: ts.schema }), logger);
    const gatewayEnv: Record<string, string> = {
      ...common,
      DATABASE_SCHEMA: gs.schema,
      NATS_URL: bench.NATS_URL,
      NATS_NAMESPACE: run,
      SERVICE_API_KEY: SERVICE_KEY,
      CUSTOMER_ADDR: `127.0.0.1:${customer.grpc.port}`,
      TEMPLATE_ADDR: `127.0.0.1:${template.grpc.port}`,
      TICKET_ADDR: `127.0.0.1:${await freePort()}`, // technician replies only; not used here
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_PORT: '0',
      FONNTE_TOKEN,
      FONNTE_BASE_URL: sim.url,
      ...TUNING,
      ...bench.gatewayEnv,
    };
    const gatewayConfig = loadGatewayConfig(gatewayEnv);
    gateway = await startGatewayService(gatewayConfig, logger);
    const customerClient = createClient(customerv1.CustomerServiceClient, `127.0.0.1:${customer.grpc.port}`, { apiKey: ADMIN_KEY, deadlineMs: 30_000 });
    const gatewayClient = createClient(gatewayv1.NotificationServiceClient, `127.0.0.1:${gateway.grpc.port}`, { apiKey: ADMIN_KEY, deadlineMs: 30_000 });
    clients.push(customerClient as unknown as Closeable, gatewayClient as unknown as Closeable);
    const tuning = ['DISPATCH_WORKERS', 'DISPATCH_BATCH_SIZE', 'DISPATCH_POLL_MS', 'RESOLVE_PAGE_SIZE', 'FONNTE_RATE_PER_SECOND', 'RECIPIENT_RATE_LIMIT'] as const;
    console.log(
      `gateway benchmark: ${bench.BENCH_CUSTOMERS} customers in area ${area}; gateway ` +
        tuning.map((k) => `${k}=${String(gatewayConfig[k])}`).join(' ') +
        ` (bench tuning ${JSON.stringify(TUNING)}` + (Object.keys(bench.gatewayEnv).length ? `, BENCH_GATEWAY_ overrides: ${Object.keys(bench.gatewayEnv).join(', ')})` : ')'),
    );

    // 1. Seed the area.
    const seedStart = performance.now();
    const phoneBase = Math.floor(Math.random() * 90_000_000);
    const people = await mapConcurrent(Array.from({ length: bench.BENCH_CUSTOMERS }, (_, i) => i), bench.BENCH_SEED_CONCURRENCY, async (i) => {
      const phone = benchPhone(phoneBase, i);
      const reg = await callUnary(customerClient, 'registerCustomer', customerv1.RegisterCustomerRequest.fromPartial({
        name: `Pelanggan ${i}`, phone: phone.local, address: `Jl. Bench ${i}`, workZone: area, packageName: 'Home 30 Mbps', wantsInstallation: false,
      }));
      const c = reg.customer!;
      await callUnary(customerClient, 'activateCustomer', customerv1.ActivateCustomerRequest.fromPartial({ customerId: c.id }));
      return { id: c.id, phone: phone.e164 };
    });
    const seedMs = performance.now() - seedStart;
    console.log(`seeded ${people.length} active customers in ${(seedMs / 1000).toFixed(1)} s (${((people.length * 2) / (seedMs / 1000)).toFixed(0)} customer RPCs/s)`);

    // 2. The raw ceiling: HTTP POSTs to this very simulator.
    // Measured before and after the broadcast (this machine is shared and noisy); the ratio uses their mean.
    const rawOptions = { url: sim.url, token: FONNTE_TOKEN, durationMs: bench.BENCH_DURATION_MS, concurrency: bench.BENCH_CONCURRENCY };
    const rawBefore: Measurement = { ...(await measureSimulatorPost(rawOptions)), name: 'HTTP POST to simulator (before)' };
    sim.reset();

    // 3. Broadcast to the area; count what reaches the simulator.
    const queries = bench.BENCH_PROFILE ? countPgQueries() : undefined;
    // No `_` in it: the templates escape WhatsApp markup characters in variables.
    const marker = `BENCH-${run.slice(-8)}`;
    const profile = await startCpuProfile(bench.BENCH_CPU_PROFILE, 'gateway-broadcast');
    const bcStart = Date.now();
    const cpuStart = sampleCpu();
    const bc = await callUnary(gatewayClient, 'broadcast', gatewayv1.BroadcastRequest.fromPartial({
      idempotencyKey: `bench:${run}`,
      notificationType: commonv1.NotificationType.NOTIFICATION_TYPE_MAINTENANCE,
      audiences: [{ kind: commonv1.AudienceKind.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: area }],
      variables: { maintenance_type: 'Pemeliharaan jaringan', area, start_at: '2026-11-23T01:00:00+07:00', duration_minutes: 120, impact: 'Internet mati sementara', reason: marker },
    }));
    const bcAnsweredMs = Date.now() - bcStart;
    const nid = bc.notification!.id;
    let resolvedAtMs: number | undefined;
    let cpuAtResolved: CpuSample | undefined;
    let acceptedAtResolved = 0;
    const broadcastMessages = (): Array<{ to: string; at: number }> =>
      sim!.messages().filter((m) => m.text.includes(marker)).map((m) => ({ to: m.to, at: Date.parse(m.at) }));
    let lastCount = -1;
    let lastProgress = Date.now();
    // Progress is polled on the simulator's counter (cheap); the message list — a copy of every
    // message — is read once at the end, so the measuring does not load the process it measures.
    await waitUntil('the broadcast to reach every customer', async () => {
      if (resolvedAtMs === undefined) {
        const n = (await callUnary(gatewayClient, 'getNotification', { notificationId: nid, idempotencyKey: '' })).notification!;
        if (n.status === gatewayv1.NotificationStatus.NOTIFICATION_STATUS_RESOLVED) {
          resolvedAtMs = Date.now() - bcStart;
          cpuAtResolved = sampleCpu();
          acceptedAtResolved = sim!.stats().accepted;
        }
      }
      const accepted = sim!.stats().accepted;
      if (accepted !== lastCount) {
        lastCount = accepted;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > 30_000) {
        const n = (await callUnary(gatewayClient, 'getNotification', { notificationId: nid, idempotencyKey: '' })).notification!;
        const ds = (await callUnary(gatewayClient, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial({ notificationId: nid, page: { pageSize: 5 } }))).deliveries;
        throw new Error(
          `broadcast stalled at ${accepted}/${people.length} messages for 30 s; notification ${JSON.stringify(gatewayv1.Notification.toJSON(n))}; ` +
            `simulator ${JSON.stringify(sim!.stats())}; deliveries ${JSON.stringify(ds.map((d) => ({ status: d.status, lastError: d.lastError })))}`,
        );
      }
      return accepted >= people.length ? true : null;
    }, bench.BENCH_BROADCAST_TIMEOUT_MS, 200);
    const cpuEnd = sampleCpu();
    const profileFile = await profile?.stop();
    if (profileFile) console.log(`CPU profile of the broadcast: ${profileFile}`);
    const cpu = cpuBetween(cpuStart, cpuEnd);
    const dispatchCpu = cpuAtResolved ? cpuBetween(cpuAtResolved, cpuEnd) : undefined;
    const dispatchCount = people.length - acceptedAtResolved;
    const sent = broadcastMessages();
    if (sent.length < people.length) throw new Error(`the simulator accepted ${lastCount} messages but only ${sent.length} carry the broadcast's marker`);
    queries?.restore();
    const ats = sent.map((m) => m.at).sort((a, b) => a - b);
    const first = ats[0]!;
    const last = ats[ats.length - 1]!;
    const spanMs = Math.max(1, last - first);
    const deliveryRate = ((sent.length - 1) / spanMs) * 1000;
    const distinct = new Set(sent.map((m) => m.to)).size;
    // After the last page was resolved and rendered the gateway only dispatches: that rate shows
    // how much the resolution (ResolveRecipients + one RenderTemplate per recipient) costs.
    const afterResolve = resolvedAtMs === undefined ? [] : ats.filter((a) => a >= bcStart + resolvedAtMs!);
    const dispatchOnlyRate = afterResolve.length > 1 ? ((afterResolve.length - 1) / Math.max(1, afterResolve[afterResolve.length - 1]! - afterResolve[0]!)) * 1000 : NaN;

    await sleep(1_000); // let the outbox relay publish the last delivery events
    sim.reset();
    const rawCpuStart = sampleCpu();
    const rawAfter: Measurement = { ...(await measureSimulatorPost(rawOptions)), name: 'HTTP POST to simulator (after)' };
    const rawCpu = cpuBetween(rawCpuStart, sampleCpu());
    sim.reset();
    const fetchCpuStart = sampleCpu();
    const rawFetch: Measurement = { ...(await measureSimulatorPost({ ...rawOptions, client: 'fetch' })), name: 'HTTP POST to simulator with fetch (comparison only)' };
    const fetchCpu = cpuBetween(fetchCpuStart, sampleCpu());
    sim.reset();
    const rawRate = (rawBefore.rate + rawAfter.rate) / 2;

    // 4. Event-to-provider latency at a paced rate.
    publisher = await connectJetStreamBus({ url: bench.NATS_URL.split(','), name: 'gateway-bench-publisher' });
    const published = new Map<string, number>();
    const intervalMs = 1000 / bench.BENCH_EVENT_RATE;
    const latStart = performance.now();
    for (let i = 0; i < bench.BENCH_EVENTS; i++) {
      const due = latStart + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const who = people[i % people.length]!;
      const number = `BGW-${run.slice(-8)}-${String(i).padStart(5, '0')}`;
      const now = new Date();
      const evt = ticketv1.TicketEvent.fromPartial({
        eventId: randomUUID(),
        occurredAt: now,
        type: ticketv1.TicketEventType.TICKET_EVENT_TYPE_CREATED,
        ticket: {
          id: randomUUID(), number, type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE, status: ticketv1.TicketStatus.TICKET_STATUS_OPEN,
          priority: commonv1.Priority.PRIORITY_NORMAL, customerId: who.id, title: 'Internet putus', description: 'Internet putus total',
          address: 'Jl. Bench', workZone: area, version: 1, createdAt: now, updatedAt: now, slaDueAt: new Date(now.getTime() + 4 * 3_600_000),
        },
        previousStatus: ticketv1.TicketStatus.TICKET_STATUS_UNSPECIFIED,
        actor: { kind: commonv1.ActorKind.ACTOR_KIND_SYSTEM, id: 'bench', name: 'bench' },
      });
      const e = encodeEvent('ticket.created', evt, run);
      published.set(number, Date.now());
      await publisher.publish({ subject: e.subject, data: e.data, msgID: e.msgID });
    }
    const pattern = new RegExp(`BGW-${run.slice(-8)}-\\d{5}`);
    const arrivals = await waitUntil('every ticket event to reach the simulator', () => {
      const found = new Map<string, number>();
      for (const m of sim!.messages()) {
        const n = pattern.exec(m.text)?.[0];
        if (n && published.has(n) && !found.has(n)) found.set(n, Date.parse(m.at));
      }
      return found.size >= published.size ? found : null;
    }, 60_000, 100);
    const latencies = [...arrivals].map(([n, at]) => at - published.get(n)!);
    const lat = latencySummary(latencies);

    // Report.
    console.log('');
    console.log(formatMeasurements([rawBefore, rawAfter, rawFetch]));
    console.log('');
    const ratio = deliveryRate / rawRate;
    console.log(formatTable([
      ['measurement', 'value'],
      ['raw HTTP POST to the simulator, undici request (ops/s, mean of before/after)', rawRate.toFixed(0)],
      ['gateway deliveries into the simulator (/s)', deliveryRate.toFixed(0)],
      ['ratio deliveries / raw', ratio.toFixed(2)],
      [`  deliveries/s once resolved (last ${afterResolve.length} sends, dispatch only)`, Number.isNaN(dispatchOnlyRate) ? '-' : dispatchOnlyRate.toFixed(0)],
      [`target ≥ ${TARGET_RATIO} of raw`, ratio >= TARGET_RATIO ? 'MET' : 'NOT MET'],
      ['  (ratio against the fetch raw rate, comparison only)', (deliveryRate / rawFetch.rate).toFixed(2)],
      ['broadcast recipients (messages / distinct)', `${sent.length} / ${distinct}`],
      ['Broadcast RPC answered (ms)', String(bcAnsweredMs)],
      ['Broadcast → first send (ms)', String(first - bcStart)],
      ['Broadcast → all resolved (ms)', resolvedAtMs === undefined ? '?' : `≤ ${resolvedAtMs}`],
      ['Broadcast → last send (ms)', String(last - bcStart)],
      ['first → last send (ms)', String(spanMs)],
      [`event → provider latency p50 (ms), ${lat.n} events at ${bench.BENCH_EVENT_RATE}/s`, lat.p50.toFixed(0)],
      ['event → provider latency p99 (ms)', lat.p99.toFixed(0)],
      ['event → provider latency max (ms)', lat.max.toFixed(0)],
      ['CPU per raw POST: this process (client + simulator) (µs)', ((rawCpu.processMs * 1000) / Math.max(1, rawAfter.ops)).toFixed(0)],
      ['  CPU per raw POST with fetch, comparison only (µs)', ((fetchCpu.processMs * 1000) / Math.max(1, rawFetch.ops)).toFixed(0)],
      ['CPU per delivery: this process (gateway, customer, template, simulator) (µs)', ((cpu.processMs * 1000) / sent.length).toFixed(0)],
      ['CPU per delivery: Postgres (µs)', ((cpu.postgresMs * 1000) / sent.length).toFixed(0)],
      [`CPU per delivery once resolved (last ${dispatchCount} sends): this process / Postgres (µs)`,
        dispatchCpu && dispatchCount > 0 ? `${((dispatchCpu.processMs * 1000) / dispatchCount).toFixed(0)} / ${((dispatchCpu.postgresMs * 1000) / dispatchCount).toFixed(0)}` : '-'],
    ]));
    if (queries) {
      console.log('');
      console.log(`SQL statements during the broadcast (all in-process services): ${queries.total()}, ${(queries.total() / sent.length).toFixed(1)} per delivery`);
      console.log(formatTable([['statement', 'count', 'per delivery'], ...queries.top(15).map(([q, n]) => [q, String(n), (n / sent.length).toFixed(2)])]));
    }
  } finally {
    for (const c of clients) c.close();
    await publisher?.close().catch(() => undefined);
    const stop = async (what: string, f: (() => Promise<void>) | undefined): Promise<void> => {
      if (!f) return;
      await f().catch((err: unknown) => console.error(`stopping ${what} failed: ${String(err)}`));
    };
    await stop('gateway', gateway && (() => gateway!.stop()));
    await stop('template', template && (() => template!.stop()));
    await stop('customer', customer && (() => customer!.stop()));
    await stop('simulator', sim && (() => sim!.close()));
    await deleteNamespaceStreams(bench.NATS_URL, run);
    for (const s of schemas) await s.drop();
  }
}

runBenchMain('gateway', main);
