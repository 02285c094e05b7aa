/**
 * The seeds' scenario end to end (issue 7, "End-to-end tests"): the five services as separate
 * processes (`node -r tools/runtime/swc-register.js services/<svc>/src/main.ts`) against the
 * real Postgres (one fresh schema each) and the real NATS JetStream (one fresh namespace), the
 * four provider simulators in this process on free ports posting receipts and inbound messages
 * to the gateway's webhook server, and an OTLP/HTTP receiver here collecting every process's
 * spans. The story is tools/demo/src/scenario.ts, played over the public interfaces only; this
 * file checks every message's recipient and text against the seeds (the template service's
 * seeded texts rendered with the story's facts) and that the spans of all processes form one
 * trace from CreateTicket to the HTTP request to Fonnte.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';
import type { ServiceName } from '@notify/config';
import { callUnary, createClient } from '@notify/grpc-kit';
import { commonv1, templatev1, ticketv1 } from '@notify/proto';
import { startAllSims, type AllSims } from '@notify/provider-sim';
import { createTestNats, createTestSchema, waitFor, type TestNats, type TestSchema } from '@notify/testing';

/** First lines of the seeded WhatsApp templates (services/template/src/seed; customer-notification-system.md). */
const HEADLINES = {
  registrationConfirmation: '✅ *REGISTRASI BERHASIL*',
  welcome: '🎉 *SELAMAT DATANG!*',
  gangguanCreated: '🎫 *TIKET GANGGUAN DITERIMA*',
  gangguanAssigned: '👨‍🔧 *TEKNISI DITUGASKAN*',
  gangguanStarted: '🚀 *PENANGANAN GANGGUAN DIMULAI*',
  gangguanCompleted: '✅ *GANGGUAN BERHASIL DIATASI*',
  psbCreated: '🎫 *TIKET PSB DITERIMA*',
  jobOffer: '🆕 TICKET BARU!',
  slaWarning: '⚠️ *SLA WARNING*',
} as const;

/** The parts of tools/demo's ScenarioResult (printed as JSON by `npm run demo -- --json`) this file reads. */
interface Person {
  id: string;
  name: string;
  phone: string;
  workZones: string[];
}
interface ScenarioMessage {
  provider: string;
  to: string;
  text: string;
  delivery?: { id: string; status: string; templateKey: string; failover: boolean };
  traceId?: string;
}
interface ScenarioResult {
  directory: {
    customer: { id: string; name: string; phone: string; address: string; packageName: string; createdAt: string; activatedAt?: string };
    technicians: { karawang: Person[]; bekasi: Person[] };
    groups: { karawang: { chatId: string; workZone: string }; bekasi: { chatId: string; workZone: string } };
    supervisor: Person;
  };
  steps: Array<{ step: number; title: string; messages: ScenarioMessage[]; notes: string[]; skipped?: string }>;
  tickets: { gangguan?: { id: string }; psb?: { id: string }; failover?: { id: string }; urgent?: { id: string; number: string } };
  newCustomer?: { id: string; name: string; phone: string };
  traces: Record<string, string>;
  stats?: { before: { failovers: number }; after: { failovers: number } };
}

const ROOT = path.resolve(__dirname, '../..');
const ADMIN_KEY = 'scenario-admin-key-000001';
const SERVICE_KEY = 'scenario-service-key-00001';
const WEBHOOK_SECRET = 'scenario-webhook-secret';
const SERVICES: readonly ServiceName[] = ['template', 'customer', 'ticket', 'scheduler', 'gateway'];
const CALLS: Record<ServiceName, readonly ServiceName[]> = {
  template: [],
  customer: [],
  ticket: ['customer'],
  scheduler: ['ticket', 'customer', 'template'],
  gateway: ['customer', 'template', 'ticket'],
};

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number };
}
interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttribute[];
  /** OTLP span links (the gateway's batched calls: a caller's span ↔ the batch's span). */
  links?: Array<{ traceId: string; spanId: string }>;
  service: string;
}
interface Proc {
  name: ServiceName;
  child: ChildProcess;
  out: string[];
  err: string[];
  exit: Promise<number | null>;
}

const SPAN_KIND = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

let receiver: Server;
const spans: Span[] = [];
const schemas = {} as Record<ServiceName, TestSchema>;
let nats: TestNats;
let sims: AllSims;
const procs: Proc[] = [];
const ports = {} as Record<ServiceName, number>;
let webhookPort: number;
let result: ScenarioResult;
/** What `npm run demo` printed for people (stderr in --json mode). */
let demoOutput = '';
let template: templatev1.TemplateServiceClient;
let ticketClient: ticketv1.TicketServiceClient;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The parent links from `from` up to `to`, as `service:kind:name` hops (both ends included;
 * publish / process / relay names without their namespace). Throws naming the hop whose
 * parent is not in `byId`.
 */
function hopsTo(from: Span, to: Span, byId: ReadonlyMap<string, Span>): string[] {
  const chain: Span[] = [];
  let cur = from;
  while (cur.spanId !== to.spanId) {
    chain.push(cur);
    const parent = cur.parentSpanId ? byId.get(cur.parentSpanId) : undefined;
    if (!parent) throw new Error(`parent link broken at ${cur.service} "${cur.name}" (kind ${cur.kind}); chain: ${chain.map((s) => `${s.service}:${s.name}`).join(' ← ')}`);
    cur = parent;
  }
  chain.push(to);
  return chain.map((s) => `${s.service}:${s.kind}:${s.name.replace(/^(publish|process|outbox relay) \S*(notify\.\S+)$/, '$1 $2')}`);
}

/**
 * The gRPC call a gateway caller span (`gateway.resolve_recipients`, `gateway.render_templates`:
 * the gateway sends the requests of concurrent events in one call) went out in: its link leads to
 * the batch span (in the first caller's trace), whose CLIENT child matching `name` is the call;
 * `server` is the called service's span under it. Undefined while any of them has not arrived.
 */
function batchedCall(caller: Span, name: RegExp): { batch: Span; client: Span; server: Span } | undefined {
  const link = caller.links?.[0];
  const batch = link && spans.find((sp) => sp.spanId === link.spanId && sp.traceId === link.traceId);
  const client = batch && spans.find((sp) => sp.kind === SPAN_KIND.CLIENT && sp.parentSpanId === batch.spanId && name.test(sp.name));
  const server = client && spans.find((sp) => sp.kind === SPAN_KIND.SERVER && sp.parentSpanId === client.spanId);
  return batch && client && server ? { batch, client, server } : undefined;
}

/** OTLP/HTTP JSON receiver: every exported span, tagged with its process's service.name. */
function startReceiver(): Promise<number> {
  receiver = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeSpans: Array<{ spans: Omit<Span, 'service'>[] }> }>;
        };
        for (const rs of body.resourceSpans) {
          const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service });
        }
      } catch {
        // Not JSON (the exporter is configured for JSON; anything else is ignored and the trace test fails).
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => receiver.listen(0, '127.0.0.1', () => resolve((receiver.address() as AddressInfo).port)));
}

function startService(name: ServiceName, otlpPort: number): Proc {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: String(ports[name]),
    NOTIFY_API_KEYS: `${ADMIN_KEY}:admin,${SERVICE_KEY}:service`,
    SERVICE_API_KEY: SERVICE_KEY,
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_MS: '2000',
    DATABASE_URL: schemas[name].url,
    DATABASE_SCHEMA: schemas[name].schema,
    NATS_URL: nats.url,
    NATS_NAMESPACE: nats.namespace,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`,
    OTEL_BSP_SCHEDULE_DELAY: '250',
  };
  for (const callee of CALLS[name]) env[`${callee.toUpperCase()}_ADDR`] = `127.0.0.1:${ports[callee]}`;
  if (name === 'gateway') {
    Object.assign(env, {
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_PORT: String(webhookPort),
      WEBHOOK_SECRET,
      WEBHOOK_PUBLIC_URL: `http://127.0.0.1:${webhookPort}`,
      FONNTE_BASE_URL: sims.fonnte.url,
      FONNTE_TOKEN: 'scenario-fonnte-token',
      WABLAS_BASE_URL: sims.wablas.url,
      WABLAS_TOKEN: 'scenario-wablas-token',
      WABLAS_SECRET_KEY: 'scenario-wablas-secret',
      TWILIO_BASE_URL: sims.twilio.url,
      TWILIO_ACCOUNT_SID: 'ACscenario000000000000000000000000',
      TWILIO_AUTH_TOKEN: 'scenario-twilio-auth-token',
      TWILIO_FROM: '+15005550006',
      ADVANTA_BASE_URL: sims.advanta.url,
      ADVANTA_API_KEY: 'scenario-advanta-key',
      ADVANTA_PARTNER_ID: '1000',
      ADVANTA_SHORTCODE: 'NOTIFY',
      DISPATCH_POLL_MS: '100',
      PROVIDER_TIMEOUT_MS: '3000',
      BREAKER_RESET_TIMEOUT_MS: '1000',
      SUPPORT_PHONE: '6282112345678',
    });
  }
  const child = spawn(process.execPath, ['-r', path.join(ROOT, 'tools/runtime/swc-register.js'), path.join(ROOT, `services/${name}/src/main.ts`)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: Proc = { name, child, out: [], err: [], exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  child.stdout!.on('data', (d: Buffer) => proc.out.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (d: Buffer) => proc.err.push(d.toString()));
  return proc;
}

async function listening(proc: Proc): Promise<void> {
  await waitFor(
    () => {
      if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited ${proc.child.exitCode}: ${proc.err.join('').slice(-2000)}`);
      return proc.out.some((l) => l.includes('"grpc_port"'));
    },
    { timeoutMs: 90_000, intervalMs: 100, description: `${proc.name} listening` },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nstderr: ${proc.err.join('').slice(-2000)}`);
  });
}

beforeAll(async () => {
  const otlpPort = await startReceiver();
  nats = createTestNats('scn');
  for (const s of SERVICES) ports[s] = await freePort();
  webhookPort = await freePort();
  const created = await Promise.all(SERVICES.map((s) => createTestSchema(`scn_${s}`)));
  SERVICES.forEach((s, i) => (schemas[s] = created[i]!));
  sims = await startAllSims({
    webhookBaseUrl: `http://127.0.0.1:${webhookPort}`,
    webhookSecret: WEBHOOK_SECRET,
    receiptDelaysMs: { sent: 50, delivered: 100, read: null },
    fonnte: { port: 0 },
    wablas: { port: 0 },
    twilio: { port: 0 },
    advanta: { port: 0 },
  });
  // All five at once (the slow part is each process's start-up); each waits for what it calls lazily.
  for (const s of SERVICES) procs.push(startService(s, otlpPort));
  await Promise.all(procs.map(listening));
  await waitFor(() => fetch(`http://127.0.0.1:${webhookPort}/healthz`).then((r) => r.ok, () => false), {
    timeoutMs: 30_000,
    intervalMs: 100,
    description: "the gateway's webhook server",
  });

  template = createClient(templatev1.TemplateServiceClient, `127.0.0.1:${ports.template}`, { apiKey: ADMIN_KEY });
  ticketClient = createClient(ticketv1.TicketServiceClient, `127.0.0.1:${ports.ticket}`, { apiKey: ADMIN_KEY });

  // The story runs as `npm run demo -- --json --no-start` does (tools/demo/src/main.ts): its
  // own process, the public interfaces only, the step reports on stderr, the result on stdout.
  const demo = spawn(process.execPath, ['-r', path.join(ROOT, 'tools/runtime/swc-register.js'), path.join(ROOT, 'tools/demo/src/main.ts'), '--json', '--no-start', '--keep-tickets'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NO_COLOR: '1',
      NOTIFY_API_KEY: ADMIN_KEY,
      STACK_INFO_FILE: path.join(ROOT, 'tests/e2e/fixtures/scenario-no-stack.json'),
      ...Object.fromEntries(SERVICES.map((s) => [`${s.toUpperCase()}_ADDR`, `127.0.0.1:${ports[s]}`])),
      WEBHOOK_URL: `http://127.0.0.1:${webhookPort}`,
      FONNTE_SIM_URL: sims.fonnte.url,
      WABLAS_SIM_URL: sims.wablas.url,
      TWILIO_SIM_URL: sims.twilio.url,
      ADVANTA_SIM_URL: sims.advanta.url,
      DEMO_STEP_TIMEOUT_MS: '20000',
      DEMO_SETTLE_MS: '500',
      DEMO_FONNTE_DOWN_MS: '10000',
      // Step 6: a separate process's clock cannot be set, so the demo moves the urgent ticket's
      // sla_due_at to now + 50 min (inside the URGENT warning threshold of 60) in the ticket
      // service's own table, as three hours passing would.
      DEMO_DATABASE_URL: schemas.ticket.url,
      TICKET_DATABASE_SCHEMA: schemas.ticket.schema,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  demo.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  demo.stderr!.on('data', (d: Buffer) => (demoOutput += d.toString()));
  const code = await new Promise<number | null>((resolve) => demo.on('close', resolve));
  if (code !== 0) throw new Error(`npm run demo exited ${code}:\n${demoOutput.slice(-6000)}`);
  result = JSON.parse(stdout.trim().split('\n').pop()!) as ScenarioResult;
}, 170_000);

afterAll(async () => {
  (template as unknown as { close?: () => void } | undefined)?.close?.();
  (ticketClient as unknown as { close?: () => void } | undefined)?.close?.();
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGTERM');
  await Promise.all(
    procs.map(async (p) => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([p.exit, new Promise((resolve) => (timer = setTimeout(resolve, 8000)))]);
      clearTimeout(timer);
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
    }),
  );
  await sims?.close();
  await nats?.cleanup().catch(() => undefined);
  const pg = new Client({ connectionString: schemas.scheduler?.url ?? schemas.ticket?.url });
  if (schemas.scheduler) {
    await pg.connect();
    await pg.query(`DROP SCHEMA IF EXISTS "${schemas.scheduler.schema}_boss" CASCADE`).catch(() => undefined);
    await pg.end();
  }
  await Promise.all(Object.values(schemas).map((s) => s.dropSchema()));
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
}, 60_000);

// ── helpers ─────────────────────────────────────────────────────────────────────

function step(n: number) {
  const s = result.steps.find((x) => x.step === n);
  if (!s) throw new Error(`step ${n} was not played`);
  return s;
}

/** The step's messages to `to` whose first line is `headline`. */
function to(n: number, recipient: string, headline: string): ScenarioMessage[] {
  return step(n).messages.filter((m) => m.to === recipient && m.text.split('\n', 1)[0] === headline);
}

/** The seeded WhatsApp template `key` rendered by the template service with the story's facts. */
async function seedText(key: string, variables: Record<string, unknown>): Promise<string> {
  const res = await callUnary(template, 'renderTemplate', {
    key,
    channel: commonv1.Channel.CHANNEL_WHATSAPP,
    locale: commonv1.Locale.LOCALE_ID,
    variables,
    version: 0,
  });
  return res.text;
}

async function ticket(id: string): Promise<ticketv1.Ticket> {
  return (await callUnary(ticketClient, 'getTicket', { id })).ticket!;
}

const iso = (d: Date | undefined) => d?.toISOString();

// ── the story ───────────────────────────────────────────────────────────────────

describe("the seeds' scenario, five service processes, real Postgres and NATS", () => {
  it('1. directory: the seeds customer 082291921583 (E.164 6282291921583), technicians in two zones, their groups, a supervisor', async () => {
    const d = result.directory;
    expect(d.customer.phone).toBe('6282291921583');
    expect(d.technicians.karawang.every((t) => t.workZones.join() === 'karawang')).toBe(true);
    expect(d.technicians.bekasi.every((t) => t.workZones.join() === 'bekasi')).toBe(true);
    expect([d.groups.karawang.workZone, d.groups.bekasi.workZone]).toEqual(['karawang', 'bekasi']);
    // Fresh database: the customer was registered and activated, and heard about both.
    const [registered] = to(1, d.customer.phone, HEADLINES.registrationConfirmation);
    const [welcome] = to(1, d.customer.phone, HEADLINES.welcome);
    expect(registered!.text).toBe(
      await seedText('customer.registration_confirmation', {
        customer_name: d.customer.name,
        customer_id: d.customer.id,
        package_name: d.customer.packageName,
        address: d.customer.address,
        registered_at: d.customer.createdAt,
      }),
    );
    expect(welcome!.text).toBe(
      await seedText('customer.welcome', {
        customer_name: d.customer.name,
        customer_id: d.customer.id,
        package_name: d.customer.packageName,
        activated_at: d.customer.activatedAt,
        support_phone: '6282112345678',
      }),
    );
  });

  it('2. GANGGUAN ticket: the customer gets the seed text "TIKET GANGGUAN DITERIMA"; Karawang technicians and group the job offer; Bekasi nothing', async () => {
    const d = result.directory;
    const t = await ticket(result.tickets.gangguan!.id);
    const [received] = to(2, d.customer.phone, HEADLINES.gangguanCreated);
    expect(received).toBeDefined();
    expect(received!.text).toBe(
      await seedText('ticket.created.disturbance', {
        customer_name: d.customer.name,
        ticket_number: t.number,
        description: t.description,
        address: t.address,
        created_at: iso(t.createdAt),
      }),
    );
    // The seed's exact lines (customer-notification-system.md "1. Ticket Created").
    expect(received!.text).toContain(`Halo ${d.customer.name},\n\nTiket gangguan Anda telah berhasil diterima dan sedang diproses.`);
    expect(received!.text).toContain(`🎫 Nomor: ${t.number}\n`);
    expect(received!.text).toContain('⏰ Status: OPEN\n');
    for (const tech of d.technicians.karawang) {
      const offer = to(2, tech.phone, HEADLINES.jobOffer);
      expect(offer).toHaveLength(1);
      expect(offer[0]!.text).toContain(t.number);
    }
    expect(to(2, d.groups.karawang.chatId, HEADLINES.jobOffer)).toHaveLength(1);
    const bekasi = new Set([...d.technicians.bekasi.map((x) => x.phone), d.groups.bekasi.chatId]);
    expect(step(2).messages.filter((m) => bekasi.has(m.to))).toEqual([]);
    expect(step(2).messages.filter((m) => m.to === d.supervisor.phone)).toEqual([]);
    for (const m of step(2).messages) expect(m.provider).toBe('fonnte');
  });

  it('3. the technician replies "1" three times through the Fonnte webhook: ASSIGNED, IN_PROGRESS, COMPLETED, with the seed texts to the customer', async () => {
    const d = result.directory;
    const tech = d.technicians.karawang[0]!;
    const t = await ticket(result.tickets.gangguan!.id);
    expect(t.status).toBe(ticketv1.TicketStatus.TICKET_STATUS_COMPLETED);
    expect(t.technicianId).toBe(tech.id);
    const assigned = to(3, d.customer.phone, HEADLINES.gangguanAssigned);
    const started = to(3, d.customer.phone, HEADLINES.gangguanStarted);
    const completed = to(3, d.customer.phone, HEADLINES.gangguanCompleted);
    expect([assigned.length, started.length, completed.length]).toEqual([1, 1, 1]);
    expect(assigned[0]!.text).toBe(
      await seedText('ticket.assigned.disturbance', { customer_name: d.customer.name, ticket_number: t.number, technician_name: tech.name, technician_phone: tech.phone }),
    );
    expect(started[0]!.text).toBe(
      await seedText('ticket.started.disturbance', { customer_name: d.customer.name, ticket_number: t.number, technician_name: tech.name, started_at: iso(t.startedAt) }),
    );
    expect(completed[0]!.text).toBe(
      await seedText('ticket.completed.disturbance', {
        customer_name: d.customer.name,
        ticket_number: t.number,
        technician_name: tech.name,
        completed_at: iso(t.completedAt),
        completion_notes: t.completionNotes,
      }),
    );
    expect(assigned[0]!.text).toContain(`👨‍🔧 Teknisi: ${tech.name}\n`);
    expect(completed[0]!.text).toContain('Gangguan WiFi Anda telah berhasil diatasi!');
    // In the seed's order: assigned, then started, then completed.
    const order = step(3).messages.filter((m) => m.to === d.customer.phone).map((m) => m.text.split('\n', 1)[0]);
    expect(order).toEqual([HEADLINES.gangguanAssigned, HEADLINES.gangguanStarted, HEADLINES.gangguanCompleted]);
    // The technician's WhatsApp: the reply flow confirms each step, naming the ticket; the other
    // Karawang technician hears nothing more.
    const toTech = step(3).messages.filter((m) => m.to === tech.phone);
    expect(toTech.map((m) => m.text.split('\n', 1)[0])).toEqual(['✅ *PEKERJAAN BERHASIL DIAMBIL*', '🚀 *PEKERJAAN DIMULAI*', '✅ *PEKERJAAN SELESAI*']);
    for (const m of toTech) expect(m.text).toContain(`🎫 Nomor: ${t.number}\n`);
    expect(step(3).messages.filter((m) => m.to === d.technicians.karawang[1]!.phone)).toEqual([]);
  });

  it('4. a new customer registers for installation: the PSB ticket opens by itself, the customer gets "TIKET PSB DITERIMA"', async () => {
    const c = result.newCustomer!;
    const psb = await ticket(result.tickets.psb!.id);
    expect(psb.type).toBe(ticketv1.TicketType.TICKET_TYPE_INSTALLATION);
    expect(psb.customerId).toBe(c.id);
    expect(psb.number).toMatch(/^PSB-\d{8}-\d{4}$/);
    const [received] = to(4, c.phone, HEADLINES.psbCreated);
    expect(received!.text).toBe(
      await seedText('ticket.created.installation', { customer_name: c.name, ticket_number: psb.number, description: psb.description, address: psb.address, created_at: iso(psb.createdAt) }),
    );
    for (const tech of result.directory.technicians.bekasi) expect(to(4, tech.phone, HEADLINES.jobOffer)).toHaveLength(1);
  });

  it('5. Fonnte down: the next messages go through Wablas, marked as failover, and GetStats counts them', () => {
    const s = step(5);
    const c = result.newCustomer!;
    const [received] = to(5, c.phone, HEADLINES.gangguanCreated);
    expect(received!.provider).toBe('wablas');
    expect(s.messages.every((m) => m.provider === 'wablas')).toBe(true);
    expect(received!.delivery?.failover).toBe(true);
    expect(result.stats!.after.failovers - result.stats!.before.failovers).toBeGreaterThanOrEqual(1);
    expect(sims.fonnte.currentFault()).toBeNull();
  });

  it('6. an urgent ticket near its SLA: TriggerJob sla_monitor sends the supervisor the SLA warning', async () => {
    const s = step(6);
    expect(s.skipped).toBeUndefined();
    const urgent = await ticket(result.tickets.urgent!.id);
    expect(urgent.priority).toBe(commonv1.Priority.PRIORITY_URGENT);
    const warning = to(6, result.directory.supervisor.phone, HEADLINES.slaWarning);
    expect(warning).toHaveLength(1);
    // Due in 50 min when the job ran (URGENT is warned 60 min before): a little under 50 left.
    const remaining = Number(/^Remaining: (\d+) menit$/m.exec(warning[0]!.text)?.[1]);
    expect(remaining).toBeGreaterThanOrEqual(40);
    expect(remaining).toBeLessThanOrEqual(50);
    expect(warning[0]!.text).toBe(
      await seedText('sla.warning', { ticket_number: urgent.number, status: 'OPEN', sla_deadline: iso(urgent.slaDueAt), remaining_minutes: remaining }),
    );
    // Only the supervisor and Bekasi's technician group (sla.warning routing rules); no technician is assigned yet.
    expect(new Set(s.messages.filter((m) => m.text.startsWith(HEADLINES.slaWarning)).map((m) => m.to))).toEqual(
      new Set([result.directory.supervisor.phone, result.directory.groups.bekasi.chatId]),
    );
  });

  it('npm run demo prints each message as the phone shows it, with the trace id of the send', () => {
    expect(demoOutput).toContain('Step 2. An admin creates a GANGGUAN ticket in Karawang');
    expect(demoOutput).toContain('┌─ WhatsApp to +62 822-9192-1583 · Budi Santoso (customer) · via Fonnte');
    expect(demoOutput).toContain('│ 🎫 *TIKET GANGGUAN DITERIMA*\n│ \n│ Halo Budi Santoso,');
    expect(demoOutput).toContain(`└─ trace ${result.traces['createGangguan']}`);
  });

  it("the trace id the demo prints for a message is the trace of that message's notification (gateway consume → RenderTemplate, or the technician's inbound webhook)", async () => {
    const all = result.steps.flatMap((st) => st.messages);
    // Every message has one (Delivery.trace_id): those made by a call of the demo, by the
    // technician's reply (the trace starts at the gateway's webhook) and by the SLA job's run.
    expect(all.filter((m) => !m.traceId)).toEqual([]);
    // A technician's confirmation is written by the reply flow itself (no template, template
    // key ''): its trace is the inbound webhook's, whose gateway SERVER span also made the
    // AssignTicket / StartTicket / CompleteTicket call. Every other message comes from an event:
    // the render may have gone out in a call shared with other events' texts, so the trace holds
    // the gateway's render span, linked to the batch under which the RenderTemplate /
    // BatchRenderTemplates call ran.
    const isReply = (m: (typeof all)[number]) => m.delivery?.templateKey === '';
    const replies = all.filter(isReply);
    expect(replies.length).toBe(3); // take, start, complete
    const explained = (m: (typeof all)[number]) => {
      const inTrace = spans.filter((sp) => sp.traceId === m.traceId);
      if (isReply(m)) {
        return inTrace.some((sp) => sp.kind === SPAN_KIND.SERVER && sp.service === 'gateway') &&
          inTrace.some((sp) => sp.kind === SPAN_KIND.CLIENT && sp.service === 'gateway' && /TicketService\/(Assign|Start|Complete)Ticket/.test(sp.name));
      }
      return inTrace.some((sp) => sp.kind === SPAN_KIND.CONSUMER && sp.service === 'gateway') &&
        inTrace.some((sp) => sp.service === 'gateway' && sp.name === 'gateway.render_templates' && batchedCall(sp, /RenderTemplate|BatchRenderTemplates/) !== undefined);
    };
    await waitFor(() => all.every(explained), {
      timeoutMs: 15_000, intervalMs: 200,
      description: 'in every printed trace: the gateway consume and render spans (linked to their RenderTemplate call), or the webhook and the ticket call of a reply',
    });
  }, 30_000);

  it("one trace: CreateTicket → outbox relay → NATS → the gateway's consumer → its gRPC calls ResolveRecipients and RenderTemplate (parent links back to CreateTicket)", async () => {
    const traceId = result.traces['createGangguan']!;
    // The gateway's resolve and render spans in this trace; each links to the batch its request went
    // out in (one call for the events handled at once), and the batch holds the gRPC call.
    const callers = (inTrace: Span[]) => ({
      resolve: inTrace.find((sp) => sp.service === 'gateway' && sp.name === 'gateway.resolve_recipients'),
      render: inTrace.find((sp) => sp.service === 'gateway' && sp.name === 'gateway.render_templates'),
    });
    const found = await waitFor(
      () => {
        const inTrace = spans.filter((sp) => sp.traceId === traceId);
        const { resolve, render } = callers(inTrace);
        const resolveCall = resolve && batchedCall(resolve, /ResolveRecipients/);
        const renderCall = render && batchedCall(render, /RenderTemplate|BatchRenderTemplates/);
        return resolveCall && renderCall ? { inTrace, resolve: resolve!, render: render!, resolveCall, renderCall } : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, description: `the spans of trace ${traceId} up to the gateway's gRPC calls` },
    );
    const byId = new Map(found.inTrace.map((s) => [s.spanId, s]));
    const createTicket = found.inTrace.find((s) => s.kind === SPAN_KIND.SERVER && s.service === 'ticket' && /CreateTicket/.test(s.name));
    expect(createTicket).toBeDefined();
    // The called services answered the calls (their server spans are the calls' children).
    expect(found.resolveCall.server).toMatchObject({ service: 'customer' });
    expect(found.resolveCall.server.name).toMatch(/ResolveRecipients/);
    expect(found.renderCall.server).toMatchObject({ service: 'template' });
    expect(found.renderCall.server.name).toMatch(/RenderTemplate/);
    // Each batch links back to this trace's caller span.
    expect(found.resolveCall.batch.links?.map((l) => l.spanId)).toContain(found.resolve.spanId);
    expect(found.renderCall.batch.links?.map((l) => l.spanId)).toContain(found.render.spanId);
    // Walk each caller span's parent links back to CreateTicket: every hop is a span of this
    // trace, and the walk passes the gateway's consumer, the ticket service's producer (the
    // relay's publish) and the relay.
    for (const caller of [found.resolve, found.render]) {
      const hops = hopsTo(caller, createTicket!, byId);
      expect(hops).toEqual(
        expect.arrayContaining([
          `gateway:${SPAN_KIND.CONSUMER}:process notify.ticket.v1.created`,
          `ticket:${SPAN_KIND.PRODUCER}:publish notify.ticket.v1.created`,
          'ticket:1:outbox relay notify.ticket.v1.created',
          `ticket:${SPAN_KIND.SERVER}:grpc.notify.ticket.v1.TicketService/CreateTicket`,
        ]),
      );
    }
  }, 30_000);

  it("one trace on to the provider: the gateway's send span and its HTTP POST to Fonnte's /send (parent links back to CreateTicket)", async () => {
    const traceId = result.traces['createGangguan']!;
    const attr = (sp: Span, key: string) => sp.attributes?.find((a) => a.key === key)?.value.stringValue;
    const posts = (inTrace: Span[]) =>
      inTrace.filter((sp) => sp.kind === SPAN_KIND.CLIENT && sp.service === 'gateway' && (attr(sp, 'url.full') ?? '').startsWith(`${sims.fonnte.url}/send`));
    const inTrace = await waitFor(
      () => {
        const found = spans.filter((sp) => sp.traceId === traceId);
        return posts(found).length > 0 ? found : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, description: `an HTTP POST to the Fonnte simulator in trace ${traceId}` },
    );
    const byId = new Map(inTrace.map((sp) => [sp.spanId, sp]));
    const createTicket = inTrace.find((sp) => sp.kind === SPAN_KIND.SERVER && sp.service === 'ticket' && /CreateTicket/.test(sp.name));
    expect(createTicket).toBeDefined();
    // The ticket-created messages (customer's receipt, Karawang's job offer) each went through Fonnte.
    expect(posts(inTrace).length).toBeGreaterThanOrEqual(2);
    for (const post of posts(inTrace)) {
      expect(attr(post, 'http.request.method')).toBe('POST');
      expect(hopsTo(post, createTicket!, byId)).toEqual(
        expect.arrayContaining([
          'gateway:1:gateway.send',
          `gateway:${SPAN_KIND.CONSUMER}:process notify.ticket.v1.created`,
          `ticket:${SPAN_KIND.PRODUCER}:publish notify.ticket.v1.created`,
          'ticket:1:outbox relay notify.ticket.v1.created',
        ]),
      );
      // The send span carries the delivery, and no unmasked phone number.
      const send = inTrace.find((sp) => sp.spanId === post.parentSpanId)!;
      expect(send.name).toBe('gateway.send');
      expect(attr(send, 'notify.delivery_id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(attr(send, 'notify.recipient') ?? '').not.toMatch(/^\+?62\d{8,}$/);
    }
  }, 30_000);
});
