// Broadcast benchmark: proves (or refutes) the gateway issue's sentence "a broadcast to 100,000
// customers streams: memory stays flat, and the first message leaves before the last recipient is
// resolved" (README, "The delivery pipeline": Broadcast is resolved and sent page by page).
//
//   npm run bench broadcast   (or: node -r ./tools/runtime/swc-register.js bench/broadcast/broadcast.bench.ts)
//
// 1. A Fonnte simulator in this process (free port, receipts off; it keeps every accepted message
//    in memory, which is this process's memory, not the gateway's; progress is read from its
//    counter, the message list is copied once at the end).
// 2. The template, customer and gateway services as separate processes (bench/support/
//    service-processes.ts: `services/<svc>/src/main.ts` through the swc register, the environment
//    of tools/stack's serviceEnv) on fresh schemas of DATABASE_URL (`<run>_<service>`) and a fresh
//    namespace on NATS_URL, each with its heap cap (SERVICE_HEAP_MB in @notify/config, as
//    start:services, compose and Kubernetes run them; BENCH_GATEWAY_NODE_OPTIONS=--max-old-space-size=4096
//    measures the gateway without it). The gateway has Fonnte only and runs with its defaults except
//    DISPATCH_WORKERS 256 / DISPATCH_BATCH_SIZE 128 (bench/gateway's GATEWAY_BENCH_TUNING, measured
//    there); BENCH_GATEWAY_<VAR> overrides any gateway variable. RECIPIENT_RATE_LIMIT stays at its
//    default (every customer gets one message).
// 3. Seeds BENCH_CUSTOMERS ACTIVE customers in one work zone with SQL straight into the customer
//    service's `customers` table (its fresh schema, after its migrations ran). THIS BYPASSES THE API
//    on purpose: RegisterCustomer + ActivateCustomer over gRPC manage ≈ 400 customers/s here (100,000
//    would take minutes), and each would also publish customer.registered / customer.activated,
//    whose confirmation and welcome messages the gateway would send into the very simulator this
//    benchmark counts. The rows are what those two RPCs leave behind (migration
//    1795400100000-CreateCustomerDirectory, PgCustomerRepository, registerCustomer/activateCustomer):
//    uuid id, status ACTIVE, version 2, activated_at set, normalized work zone, phone as unique
//    Indonesian E.164 digits `62815xxxxxxxx` (valid under libphonenumber's full metadata, as
//    normalizePhone requires), no preferences or opt-out rows (the defaults apply). Then ANALYZE, and
//    a check through gRPC that the customer service sees them as the broadcast will: the first page of
//    ResolveRecipients for the same audience, GetCustomer of the first, middle and last, ListCustomers
//    of the zone.
// 4. Broadcast MAINTENANCE to AUDIENCE_KIND_AREA_CUSTOMERS of the zone (as bench/gateway does); every
//    BENCH_SAMPLE_MS until every customer's message reached the simulator: the gateway's and the
//    customer service's VmRSS (/proc/<pid>/status), the simulator's accepted count and the
//    notification (GetNotification: status RESOLVING → RESOLVED, deliveries_created). The run fails,
//    saying where it stood, after BENCH_BROADCAST_TIMEOUT_MS or when nothing moved for BENCH_STALL_MS.
//    With BENCH_HEAP_PROBE (default on) the gateway runs with `--inspect` on a free loopback port and
//    each sample also reads, through the inspector (bench/support/inspector-probe.ts), its heap and
//    the used heap after every full GC since (a v8.GCProfiler in the process; nothing is forced):
//    RSS includes the headroom V8 grows between major GCs under a high allocation rate, the heap
//    after a full GC is what the process keeps.
// 5. Prints: customers, total time, deliveries/s, time to first send, time until RESOLVED (the
//    notification's resolved_at), messages already at the simulator then (> 0 = the first message
//    left before the last recipient was resolved), the gateway's RSS before the broadcast, at 10% of
//    the messages, its peak, at the end, every 10%, the growth from 10% to the peak and a verdict
//    (flat = peak ≤ 1.25 × the RSS at 10%), the same for the heap after full GCs, and the customer
//    service's peak RSS.
// Then SIGTERM to the services, the simulator closed, schemas dropped, streams deleted (also on Ctrl-C).
import { randomBytes } from 'node:crypto';
import { heapCapNodeOptions, SERVICE_HEAP_MB } from '@notify/config';
import { callUnary, createClient } from '@notify/grpc-kit';
import { commonv1, customerv1, gatewayv1 } from '@notify/proto';
import { startFonnteSim, type FonnteSimHandle } from '@notify/provider-sim';
import { loadGatewayConfig } from '../../services/gateway/src/config';
import { freePort, resolvePorts, serviceEnv, type StackKeys } from '../../tools/stack/src/stack-env';
import {
  runBenchMain, benchName, deleteNamespaceStreams, dropSchemasWithPrefix, formatTable, handleInterrupts, sleep, withPg,
} from '../gateway/bench-support';
import { GATEWAY_BENCH_TUNING } from '../gateway/bench.config';
import { InspectorProbe } from '../support/inspector-probe';
import { assertAlive, memoryOf, spawnService, stopServices, waitServing, type ServiceProcess } from '../support/service-processes';
import { loadBroadcastBenchConfig } from './bench.config';

const FONNTE_TOKEN = 'bench-fonnte-token';
/** "Flat": the gateway's peak RSS is at most this many times its RSS once 10% of the messages were sent. */
const FLAT_MAX_GROWTH = 0.25;
/** Customers inserted per INSERT … SELECT generate_series statement (all in one transaction). */
const SEED_CHUNK = 25_000;
const SERVICES = ['template', 'customer', 'gateway'] as const;

/** One observation during the broadcast. */
interface Sample {
  /** ms since the Broadcast call. */
  readonly t: number;
  readonly accepted: number;
  readonly status: string;
  readonly created: number;
  /** VmRSS, MiB (NaN when unreadable). */
  readonly gatewayRss: number;
  readonly customerRss: number;
  /** BENCH_HEAP_PROBE: the gateway's heap now (MiB) and its used heap after each full GC since the previous sample. */
  readonly heap?: { readonly used: number; readonly total: number; readonly afterFullGc: readonly number[]; readonly live: number | undefined };
}

const STATUS = (s: gatewayv1.NotificationStatus): string => gatewayv1.NotificationStatus[s]?.replace('NOTIFICATION_STATUS_', '') ?? String(s);
const mib = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '?');
const secs = (ms: number): string => (ms / 1000).toFixed(1);

/** Inserts `n` ACTIVE customers in `zone` (phones 62815 + 8 digits from `phoneBase`); returns the ids of the first, middle and last. */
async function seedCustomers(url: string, schema: string, zone: string, n: number, phoneBase: number): Promise<Array<{ index: number; id: string; phone: string }>> {
  const table = `"${schema}".customers`;
  await withPg(url, async (c) => {
    await c.query('BEGIN');
    for (let from = 0; from < n; from += SEED_CHUNK) {
      const to = Math.min(n, from + SEED_CHUNK) - 1;
      // As RegisterCustomer (version 1, PENDING) then ActivateCustomer (version 2, ACTIVE) leave a row.
      await c.query(
        `INSERT INTO ${table} (id, name, phone, address, work_zone, package_name, status, wants_installation, created_at, updated_at, activated_at, version)
         SELECT gen_random_uuid()::text, 'Pelanggan ' || i, '62815' || lpad(($1::bigint + i)::text, 8, '0'), 'Jl. Bench ' || i, $2,
                'Home 30 Mbps', 'ACTIVE', false, t0 + i * interval '1 millisecond', t0 + i * interval '1 millisecond' + interval '1 second',
                t0 + i * interval '1 millisecond' + interval '1 second', 2
         FROM generate_series($3::int, $4::int) AS i, (SELECT now() - interval '1 day' AS t0) AS base`,
        [phoneBase, zone, from, to],
      );
    }
    await c.query('COMMIT');
    await c.query(`ANALYZE ${table}`);
  });
  const picks = [0, Math.floor(n / 2), n - 1];
  return withPg(url, async (c) => {
    const phones = picks.map((i) => `62815${String(phoneBase + i).padStart(8, '0')}`);
    const r = await c.query<{ id: string; phone: string }>(`SELECT id, phone FROM ${table} WHERE phone = ANY($1)`, [phones]);
    return picks.map((index, k) => {
      const row = r.rows.find((x) => x.phone === phones[k]);
      if (!row) throw new Error(`seeded customer ${index} (phone ${phones[k]}) not found`);
      return { index, id: row.id, phone: row.phone };
    });
  });
}

async function main(): Promise<void> {
  handleInterrupts('bench broadcast');
  const bench = loadBroadcastBenchConfig();
  const n = bench.BENCH_CUSTOMERS;
  if (n > 10_000_000) throw new Error(`BENCH_CUSTOMERS ${n}: at most 10,000,000 (phones are 62815 + 8 digits)`);
  const run = benchName('bench_bc');
  const zone = `benchzone${run.slice(-8)}`;
  let sim: FonnteSimHandle | undefined;
  const procs: ServiceProcess[] = [];
  const grpcClients: Array<{ close(): void }> = [];
  let servicesStarted = false;
  let probe: InspectorProbe | undefined;
  try {
    sim = await startFonnteSim({ port: 0, token: FONNTE_TOKEN, receiptDelaysMs: false });

    // 2. The services as separate processes.
    servicesStarted = true;
    const ports = await resolvePorts('auto', { sims: false });
    const adminKey = `admin-${randomBytes(18).toString('base64url')}`;
    const serviceKey = `service-${randomBytes(18).toString('base64url')}`;
    const keys: StackKeys = { apiKeys: `${adminKey}:admin,${serviceKey}:service`, adminKey, serviceKey, source: 'generated' };
    const base: Record<string, string> = { PATH: bench.path, NODE_ENV: 'production', LOG_LEVEL: 'warn', SHUTDOWN_GRACE_MS: '3000', NATS_NAMESPACE: run };
    for (const s of SERVICES) base[`${s.toUpperCase()}_DATABASE_SCHEMA`] = `${run}_${s}`;
    const input = {
      base, databaseUrl: bench.DATABASE_URL, natsUrl: bench.NATS_URL, ports, keys,
      providerEnv: { FONNTE_BASE_URL: sim.url, FONNTE_TOKEN },
    };
    const gatewayVars = { ...GATEWAY_BENCH_TUNING, ...bench.gatewayEnv };
    const envs = Object.fromEntries(SERVICES.map((s) => [s, serviceEnv(s, input)])) as Record<(typeof SERVICES)[number], Record<string, string | undefined>>;
    // The gateway's heap cap (SERVICE_HEAP_MB, as serviceEnv and the deployment files give it) stays
    // unless BENCH_GATEWAY_NODE_OPTIONS sets its own --max-old-space-size.
    const gatewayNodeOptions = heapCapNodeOptions(gatewayVars['NODE_OPTIONS'], SERVICE_HEAP_MB.gateway);
    Object.assign(envs.gateway, gatewayVars, { NODE_OPTIONS: gatewayNodeOptions });
    const inspectPort = bench.BENCH_HEAP_PROBE ? await freePort() : undefined;
    if (inspectPort) envs.gateway['NODE_OPTIONS'] = `${gatewayNodeOptions} --inspect=127.0.0.1:${inspectPort}`;
    const gatewayConfig = loadGatewayConfig(envs.gateway); // fails here, naming the variable, on a bad BENCH_GATEWAY_ value
    const startAt = performance.now();
    for (const s of SERVICES) procs.push(spawnService(s, envs[s], `127.0.0.1:${ports.grpc[s]}`));
    await waitServing(procs, bench.BENCH_START_TIMEOUT_MS);
    const [, customerProc, gatewayProc] = procs as [ServiceProcess, ServiceProcess, ServiceProcess];
    if (inspectPort) probe = await InspectorProbe.connect(inspectPort, 10_000);
    const shown = ['DISPATCH_WORKERS', 'DISPATCH_BATCH_SIZE', 'DISPATCH_POLL_MS', 'RESOLVE_PAGE_SIZE', 'EVENT_CONSUMER_CONCURRENCY', 'FONNTE_RATE_PER_SECOND', 'RECIPIENT_RATE_LIMIT'] as const;
    console.log(
      `broadcast benchmark: ${n} customers in zone ${zone}; template, customer, gateway SERVING in ${secs(performance.now() - startAt)} s ` +
        `(separate processes, pids ${procs.map((p) => `${p.name} ${p.child.pid}`).join(', ')}; schemas ${run}_*, NATS namespace ${run})`,
    );
    console.log(
      `gateway ${shown.map((k) => `${k}=${String(gatewayConfig[k])}`).join(' ')} (bench settings ${JSON.stringify(gatewayVars)}; the rest are the gateway's defaults)` +
        (inspectPort ? `; heap probe: gateway --inspect=127.0.0.1:${inspectPort}, a v8.GCProfiler in it reports the heap after each full GC` : '; heap probe off'),
    );
    const customerClient = createClient(customerv1.CustomerServiceClient, `127.0.0.1:${ports.grpc.customer}`, { apiKey: adminKey, deadlineMs: 30_000 });
    const gatewayClient = createClient(gatewayv1.NotificationServiceClient, `127.0.0.1:${ports.grpc.gateway}`, { apiKey: adminKey, deadlineMs: 30_000 });
    grpcClients.push(customerClient as unknown as { close(): void }, gatewayClient as unknown as { close(): void });

    // 3. Seed with SQL (see the header: the API would take minutes and send welcome messages).
    const seedStart = performance.now();
    const phoneBase = Math.floor(Math.random() * (100_000_000 - n));
    const picks = await seedCustomers(bench.DATABASE_URL, `${run}_customer`, zone, n, phoneBase);
    const seedMs = performance.now() - seedStart;
    const audience = { kind: commonv1.AudienceKind.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: zone };
    const firstPage = await callUnary(customerClient, 'resolveRecipients', customerv1.ResolveRecipientsRequest.fromPartial({
      notificationType: commonv1.NotificationType.NOTIFICATION_TYPE_MAINTENANCE, audiences: [audience], page: { pageSize: 5 },
    }));
    const expectedFirst = Math.min(5, n);
    const badRecipient = firstPage.recipients.find((r) => r.channel !== commonv1.Channel.CHANNEL_WHATSAPP || !/^62815\d{8}$/.test(r.address));
    if (firstPage.recipients.length !== expectedFirst || firstPage.leftOut.length > 0 || badRecipient || (n > 5) !== (firstPage.nextPageToken !== '')) {
      throw new Error(`ResolveRecipients' first page does not show the seeded customers: ${JSON.stringify(customerv1.ResolveRecipientsResponse.toJSON(firstPage))}`);
    }
    for (const p of picks) {
      const c = (await callUnary(customerClient, 'getCustomer', customerv1.GetCustomerRequest.fromPartial({ id: p.id }))).customer!;
      if (c.status !== customerv1.CustomerStatus.CUSTOMER_STATUS_ACTIVE || c.workZone !== zone || c.phone !== p.phone) {
        throw new Error(`GetCustomer of seeded customer ${p.index} (${p.id}) shows ${JSON.stringify(customerv1.Customer.toJSON(c))}`);
      }
    }
    const listed = await callUnary(customerClient, 'listCustomers', customerv1.ListCustomersRequest.fromPartial({
      workZone: zone, statuses: [customerv1.CustomerStatus.CUSTOMER_STATUS_ACTIVE], page: { pageSize: 3 },
    }));
    if (listed.customers.length !== Math.min(3, n)) throw new Error(`ListCustomers of zone ${zone} returned ${listed.customers.length} customers`);
    console.log(
      `seeded ${n} ACTIVE customers with SQL in ${secs(seedMs)} s (${(n / (seedMs / 1000)).toFixed(0)} rows/s); the customer service sees them: ` +
        `ResolveRecipients' first page (${firstPage.recipients.length} WhatsApp recipients, more pages), GetCustomer of #${picks.map((p) => p.index).join(', #')}, ListCustomers of the zone`,
    );

    // 4. The broadcast, sampled.
    await sleep(2_000); // idle moment: the "before" RSS is the gateway at rest
    assertAlive(procs);
    const before = { gateway: memoryOf(gatewayProc.child.pid), customer: memoryOf(customerProc.child.pid), heap: (await probe?.read())?.memory };
    // No `_` in it: the templates escape WhatsApp markup characters in variables.
    const marker = `BENCH-${run.slice(-8)}`;
    const bcStart = Date.now();
    const bc = await callUnary(gatewayClient, 'broadcast', gatewayv1.BroadcastRequest.fromPartial({
      idempotencyKey: `bench:${run}`,
      notificationType: commonv1.NotificationType.NOTIFICATION_TYPE_MAINTENANCE,
      audiences: [audience],
      variables: { maintenance_type: 'Pemeliharaan jaringan', area: zone, start_at: '2026-11-23T01:00:00+07:00', duration_minutes: 120, impact: 'Internet mati sementara', reason: marker },
    }));
    const bcAnsweredMs = Date.now() - bcStart;
    const nid = bc.notification!.id;
    const samples: Sample[] = [];
    let notification = bc.notification!;
    let statusErrors = 0;
    let lastMove = Date.now();
    let live: number | undefined; // used heap after the latest full GC of the gateway
    const deadline = bcStart + bench.BENCH_BROADCAST_TIMEOUT_MS;
    const where = (s: Sample): string =>
      s.status === 'RESOLVING'
        ? `still resolving: ${s.created} of ${n} deliveries created, ${s.accepted} messages at the simulator`
        : `${s.status}: ${s.created} deliveries created, dispatch at ${s.accepted} of ${n} messages at the simulator`;
    for (;;) {
      assertAlive(procs);
      const t = Date.now() - bcStart;
      const accepted = sim.stats().accepted;
      const gatewayRss = memoryOf(gatewayProc.child.pid)?.rss ?? NaN;
      const customerRss = memoryOf(customerProc.child.pid)?.rss ?? NaN;
      try {
        notification = (await callUnary(gatewayClient, 'getNotification', { notificationId: nid, idempotencyKey: '' }, { deadline: Date.now() + 10_000 })).notification!;
      } catch (err) {
        statusErrors += 1; // the previous status stands; counted in the report
        if (statusErrors === 1) console.error(`GetNotification failed during the broadcast (counted, previous status kept): ${String(err)}`);
      }
      const reading = await probe?.read();
      if (reading?.afterFullGc.length) live = reading.afterFullGc[reading.afterFullGc.length - 1];
      const heap = reading ? { used: reading.memory.heapUsed, total: reading.memory.heapTotal, afterFullGc: reading.afterFullGc, live } : undefined;
      const s: Sample = { t, accepted, status: STATUS(notification.status), created: notification.deliveriesCreated, gatewayRss, customerRss, ...(heap ? { heap } : {}) };
      const prev = samples[samples.length - 1];
      samples.push(s);
      if (s.status === 'FAILED') throw new Error(`the broadcast FAILED: ${notification.error} (${where(s)})`);
      if (accepted >= n) break;
      if (!prev || prev.accepted !== s.accepted || prev.created !== s.created) lastMove = Date.now();
      const stalledFor = Date.now() - lastMove;
      if (stalledFor > bench.BENCH_STALL_MS || Date.now() > deadline) {
        const why = stalledFor > bench.BENCH_STALL_MS ? `nothing moved for ${secs(stalledFor)} s` : `BENCH_BROADCAST_TIMEOUT_MS (${bench.BENCH_BROADCAST_TIMEOUT_MS} ms) reached`;
        throw new Error(
          `broadcast stalled after ${secs(t)} s (${why}): ${where(s)}; simulator ${JSON.stringify(sim.stats())}; ` +
            `gateway's last output:\n${gatewayProc.tail.join('\n') || '(none)'}\ncustomer service's last output:\n${customerProc.tail.join('\n') || '(none)'}`,
        );
      }
      await sleep(bench.BENCH_SAMPLE_MS);
    }
    // The notification once more, for resolved_at (RESOLVED can be seen after the last message).
    for (let i = 0; notification.status === gatewayv1.NotificationStatus.NOTIFICATION_STATUS_RESOLVING && i < 20; i++) {
      await sleep(250);
      notification = (await callUnary(gatewayClient, 'getNotification', { notificationId: nid, idempotencyKey: '' })).notification!;
    }
    const end = { gateway: memoryOf(gatewayProc.child.pid), customer: memoryOf(customerProc.child.pid) };

    // 5. What reached the simulator (the message list, copied once).
    const sent = sim.messages().filter((m) => m.text.includes(marker)).map((m) => Date.parse(m.at)).sort((a, b) => a - b);
    if (sent.length < n) throw new Error(`the simulator accepted ${sim.stats().accepted} messages but only ${sent.length} carry the broadcast's marker`);
    const first = sent[0]!;
    const last = sent[sent.length - 1]!;
    const resolvedAt = notification.resolvedAt?.getTime();
    const atResolved = resolvedAt === undefined ? undefined : sent.filter((at) => at <= resolvedAt).length;
    const firstResolvedSample = samples.find((s) => s.status === 'RESOLVED');
    const totalMs = last - bcStart;

    const at = (fraction: number): Sample => samples.find((s) => s.accepted >= Math.ceil(fraction * n)) ?? samples[samples.length - 1]!;
    const at10 = at(0.1);
    const peak = samples.reduce((a, b) => (b.gatewayRss > a.gatewayRss ? b : a));
    const growth = peak.gatewayRss - at10.gatewayRss;
    const growthPct = (growth / at10.gatewayRss) * 100;
    const flat = peak.gatewayRss <= at10.gatewayRss * (1 + FLAT_MAX_GROWTH);
    const customerPeak = samples.reduce((a, b) => (b.customerRss > a.customerRss ? b : a));
    const pct = (s: Sample): string => `${((s.accepted / n) * 100).toFixed(0)}%`;

    console.log('');
    console.log(formatTable([
      ['measurement', 'value'],
      ['customers (broadcast recipients)', String(n)],
      ['messages at the simulator (carrying the broadcast marker)', String(sent.length)],
      ['Broadcast RPC answered (ms)', String(bcAnsweredMs)],
      ['total time: Broadcast → last message at the simulator (s)', secs(totalMs)],
      ['deliveries/s (customers ÷ total time)', (n / (totalMs / 1000)).toFixed(0)],
      ['deliveries/s first → last message', (((sent.length - 1) / Math.max(1, last - first)) * 1000).toFixed(0)],
      ['time to first send: Broadcast → first message at the simulator (ms)', String(first - bcStart)],
      ['Broadcast → RESOLVED (notification resolved_at) (s)', resolvedAt === undefined ? '? (no resolved_at)' : secs(resolvedAt - bcStart)],
      ['messages at the simulator when resolution finished (at ≤ resolved_at)', atResolved === undefined ? '?' : `${atResolved} (${((atResolved / n) * 100).toFixed(1)}%)`],
      ['  same, simulator counter at the first sample showing RESOLVED', firstResolvedSample ? `${firstResolvedSample.accepted} (sample at ${secs(firstResolvedSample.t)} s)` : '-'],
      ['first message left before the last recipient was resolved (count above > 0)', atResolved !== undefined && atResolved > 0 ? 'YES' : 'NO'],
      ['samples (every ' + `${bench.BENCH_SAMPLE_MS} ms) / GetNotification failures`, `${samples.length} / ${statusErrors}`],
    ]));
    console.log('');
    console.log(formatTable([
      ['gateway memory (VmRSS, MiB)', 'value'],
      ['at start (idle, before the Broadcast)', mib(before.gateway?.rss ?? NaN)],
      [`after the first 10% of messages (${at10.accepted} at ${secs(at10.t)} s)`, mib(at10.gatewayRss)],
      [`peak sampled (at ${pct(peak)}, ${secs(peak.t)} s)`, mib(peak.gatewayRss)],
      ['at the end (every message at the simulator)', mib(end.gateway?.rss ?? NaN)],
      ['VmHWM at the end (peak since the process started, between samples too)', mib(end.gateway?.hwm ?? NaN)],
      ['growth from 10% to peak (MiB)', mib(growth)],
      ['growth from 10% to peak (%)', Number.isFinite(growthPct) ? growthPct.toFixed(1) : '?'],
      [`verdict (flat = peak ≤ ${(1 + FLAT_MAX_GROWTH).toFixed(2)} × RSS at 10%, i.e. ≤ ${FLAT_MAX_GROWTH * 100}% growth from 10% to peak)`, flat ? 'FLAT' : 'NOT FLAT'],
      ...liveHeapRows(samples, at),
    ]));
    console.log('');
    console.log(formatTable([
      ['progress', 'time s', 'messages', 'deliveries created', 'status', 'gateway RSS MiB', 'heap total MiB', 'heap used MiB', 'heap after last full GC MiB', 'customer RSS MiB'],
      ['before', '-', '0', '0', '-', mib(before.gateway?.rss ?? NaN), mib(before.heap?.heapTotal ?? NaN), mib(before.heap?.heapUsed ?? NaN), '-', mib(before.customer?.rss ?? NaN)],
      ...Array.from({ length: 10 }, (_, i) => at((i + 1) / 10)).map((s, i) => [
        `${(i + 1) * 10}%`, secs(s.t), String(s.accepted), String(s.created), s.status, mib(s.gatewayRss),
        mib(s.heap?.total ?? NaN), mib(s.heap?.used ?? NaN), s.heap?.live === undefined ? '-' : mib(s.heap.live), mib(s.customerRss),
      ]),
    ]));
    console.log('');
    console.log(formatTable([
      ['customer service memory (MiB)', 'value'],
      ['VmRSS at start (before the Broadcast)', mib(before.customer?.rss ?? NaN)],
      [`peak sampled VmRSS (at ${pct(customerPeak)}, ${secs(customerPeak.t)} s)`, mib(customerPeak.customerRss)],
      ['VmHWM at the end (peak since the process started)', mib(end.customer?.hwm ?? NaN)],
      ['VmRSS at the end', mib(end.customer?.rss ?? NaN)],
    ]));
  } finally {
    probe?.close();
    for (const c of grpcClients) c.close();
    await stopServices(procs);
    await sim?.close().catch((err: unknown) => console.error(`closing the simulator failed: ${String(err)}`));
    if (servicesStarted) {
      await deleteNamespaceStreams(bench.NATS_URL, run);
      await dropSchemasWithPrefix(bench.DATABASE_URL, run);
    }
  }
}

/**
 * The live-heap lines of the gateway's memory table (BENCH_HEAP_PROBE): the used heap after the
 * first full GC at or after the 10% mark, the largest after any later full GC, and the same
 * flatness rule as the RSS verdict.
 */
function liveHeapRows(samples: readonly Sample[], at: (fraction: number) => Sample): string[][] {
  if (!samples.some((s) => s.heap)) return [['heap after full GCs (BENCH_HEAP_PROBE)', 'off']];
  const from = at(0.1).t;
  const gcs = samples.flatMap((s) => (s.heap && s.t >= from ? s.heap.afterFullGc : []));
  const all = samples.reduce((k, s) => k + (s.heap?.afterFullGc.length ?? 0), 0);
  if (gcs.length === 0) return [[`heap after full GCs: ${all} full GCs during the broadcast, none from 10% on`, '-']];
  const ref = gcs[0]!;
  const max = Math.max(...gcs);
  const growth = max - ref;
  return [
    [`full GCs of the gateway during the broadcast (from 10% on)`, `${all} (${gcs.length})`],
    ['heap after the first full GC from 10% on (live heap)', mib(ref)],
    ['heap after a later full GC, largest', mib(max)],
    ['live heap growth (MiB / %)', `${mib(growth)} / ${((growth / ref) * 100).toFixed(1)}`],
    [`live heap verdict (same rule: largest ≤ ${(1 + FLAT_MAX_GROWTH).toFixed(2)} × the first)`, max <= ref * (1 + FLAT_MAX_GROWTH) ? 'FLAT' : 'NOT FLAT'],
  ];
}

runBenchMain('broadcast', main);
