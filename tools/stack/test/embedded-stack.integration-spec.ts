/**
 * Smoke test of `npm start` (tools/stack/bin/stack.js start) as a user runs it: a child process
 * with no DATABASE_URL, no NATS_URL and no provider credentials, so it runs PGlite on a fresh
 * temp folder, the shared in-process bus and the four simulators (STACK_PORTS=auto: free ports).
 * Checks the defaults it chose (among them no per-recipient rate limit), the five services
 * answer SERVING, the seeds' first step over gRPC (customer 082291921583, a PSB ticket created
 * from the registration through the in-process bus, a GANGGUAN ticket), the message at the
 * Fonnte simulator, and that SIGTERM stops it with exit 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { callUnary, createClient } from '@notify/grpc-kit';
import { customerv1, schedulerv1, ticketv1 } from '@notify/proto';
import { checkHealth, waitFor } from '@notify/testing';
import { PROVIDER_CREDENTIAL_VARS } from '../src/stack-env';

const ROOT = path.resolve(__dirname, '../../..');
const ADMIN_KEY = `admin-${randomBytes(12).toString('hex')}`;
const SERVICE_KEY = `service-${randomBytes(12).toString('hex')}`;

interface StackJson {
  pid: number;
  grpc: Record<'ticket' | 'customer' | 'template' | 'scheduler' | 'gateway', string>;
  webhookUrl: string;
  database: { mode: string; dataDir?: string };
  events: { mode: string };
  providers: { mode: string; urls: Record<'fonnte' | 'wablas' | 'twilio' | 'advanta', string> };
  rateLimit: { perRecipient: number; windowMs: number; chosen: boolean };
}

describe('npm start (embedded stack, one process)', () => {
  let dataDir: string;
  let child: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;
  let info: StackJson;
  let customers: customerv1.CustomerServiceClient;
  let tickets: ticketv1.TicketServiceClient;
  let scheduler: schedulerv1.SchedulerServiceClient;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'notify-stack-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      STACK_PORTS: 'auto',
      NOTIFY_DATA_DIR: dataDir,
      NOTIFY_API_KEYS: `${ADMIN_KEY}:admin,${SERVICE_KEY}:service`,
      SERVICE_API_KEY: SERVICE_KEY,
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: '5000',
    };
    for (const v of ['DATABASE_URL', 'NATS_URL', 'NATS_NAMESPACE', 'STACK_INFO_FILE', 'PGLITE_DATA_DIR', 'PGLITE_PORT', 'RECIPIENT_RATE_LIMIT', ...PROVIDER_CREDENTIAL_VARS]) delete env[v];
    child = spawn(process.execPath, [path.join(ROOT, 'tools/stack/bin/stack.js'), 'start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));

    const infoFile = path.join(dataDir, 'stack.json');
    await waitFor(() => existsSync(infoFile) || child.exitCode !== null, { timeoutMs: 60_000, intervalMs: 200 });
    if (!existsSync(infoFile)) throw new Error(`npm start exited (${child.exitCode}) before it was up:\n${output.slice(-4000)}`);
    // The banner is written before the info file, but its bytes may still be in the pipe.
    await waitFor(() => output.includes('Ctrl-C stops everything.'), { timeoutMs: 10_000, intervalMs: 50 });
    info = JSON.parse(readFileSync(infoFile, 'utf8')) as StackJson;
    customers = createClient(customerv1.CustomerServiceClient, info.grpc.customer, { apiKey: ADMIN_KEY });
    tickets = createClient(ticketv1.TicketServiceClient, info.grpc.ticket, { apiKey: ADMIN_KEY });
    scheduler = createClient(schedulerv1.SchedulerServiceClient, info.grpc.scheduler, { apiKey: ADMIN_KEY });
  }, 90_000);

  afterAll(async () => {
    for (const c of [customers, tickets, scheduler]) (c as unknown as { close(): void } | undefined)?.close();
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('chose the embedded defaults and printed where everything listens and the next steps', () => {
    expect(info.database).toEqual({ mode: 'embedded', url: expect.stringMatching(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/), dataDir: path.join(dataDir, 'pglite') });
    expect(existsSync(path.join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);
    expect(info.events).toEqual({ mode: 'in-process' });
    expect(info.providers.mode).toBe('simulators');
    expect(output).toContain('in-process bus shared by the five services: SINGLE PROCESS ONLY');
    for (const addr of Object.values(info.grpc)) expect(output).toContain(addr);
    expect(output).toContain('npm run demo');
    expect(output).toContain('from NOTIFY_API_KEYS');
    // RECIPIENT_RATE_LIMIT unset: no per-recipient limit on a laptop stack (the demo replays the same numbers).
    expect(info.rateLimit).toEqual({ perRecipient: 0, windowMs: 3_600_000, chosen: true });
    expect(output).toContain('  Rate limit none per recipient (RECIPIENT_RATE_LIMIT=0');
  });

  it('serves the five services: gRPC health SERVING', async () => {
    for (const [name, addr] of Object.entries(info.grpc)) {
      await expect(checkHealth(addr, '', 5_000).then((s) => `${name}:${s}`)).resolves.toBe(`${name}:SERVING`);
    }
  });

  let customerId: string;
  let gangguanNumber: string;

  it('registers customer 082291921583 and, through the shared in-process bus, opens its PSB ticket', async () => {
    const res = await callUnary(
      customers,
      'registerCustomer',
      customerv1.RegisterCustomerRequest.fromPartial({
        name: 'Budi Santoso',
        phone: '082291921583',
        address: 'Jl. Mawar 1, Karawang',
        workZone: 'karawang',
        packageName: 'Home 50 Mbps',
        wantsInstallation: true,
      }),
    );
    expect(res.customer?.phone).toBe('6282291921583');
    customerId = res.customer!.id;

    // customer outbox → relay (polls: PGlite never delivers NOTIFY to the listener) → bus → ticket consumer.
    const psb = await waitFor(
      async () => {
        const list = await callUnary(tickets, 'listTickets', ticketv1.ListTicketsRequest.fromPartial({ customerId }));
        return list.tickets.find((t) => t.type === ticketv1.TicketType.TICKET_TYPE_INSTALLATION);
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    expect(psb.number).toMatch(/^PSB-\d{8}-\d{4}$/);
    expect(psb.customerId).toBe(customerId);
  }, 30_000);

  it('creates a GANGGUAN ticket for that customer', async () => {
    const res = await callUnary(
      tickets,
      'createTicket',
      ticketv1.CreateTicketRequest.fromPartial({
        type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
        customerId,
        title: 'Internet mati',
        description: 'Lampu LOS merah sejak pagi',
        address: 'Jl. Mawar 1, Karawang',
        workZone: 'karawang',
      }),
    );
    expect(res.ticket?.number).toMatch(/^GGN-\d{8}-\d{4}$/);
    gangguanNumber = res.ticket!.number;
    expect(res.ticket?.status).toBe(ticketv1.TicketStatus.TICKET_STATUS_OPEN);
  });

  it("runs a triggered scheduler job through pg-boss on the embedded Postgres (the run finishes)", async () => {
    const started = await callUnary(scheduler, 'triggerJob', schedulerv1.TriggerJobRequest.fromPartial({ name: 'sla_monitor' }));
    const runId = started.run!.id;
    const run = await waitFor(
      async () => {
        const res = await callUnary(scheduler, 'listJobRuns', schedulerv1.ListJobRunsRequest.fromPartial({ jobName: 'sla_monitor' }));
        return res.runs.find((r) => r.id === runId && r.finishedAt);
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    expect(run.jobName).toBe('sla_monitor');
  }, 30_000);

  it('delivers "TIKET GANGGUAN DITERIMA" to the customer through the Fonnte simulator, whose receipt the gateway accepts', async () => {
    // ticket outbox → relay → in-process bus → gateway (recipients, template render) → Fonnte.
    const message = await waitFor(
      async () => {
        const res = await fetch(`${info.providers.urls.fonnte}/__sim/messages`);
        const messages = (await res.json()) as Array<{ to: string; text: string }>;
        return messages.find((m) => m.to === '6282291921583' && m.text.includes('TIKET GANGGUAN DITERIMA'));
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(message.text).toContain(gangguanNumber);

    // Its receipts go to the gateway's webhook server (with the generated secret) and are accepted.
    const receipt = await waitFor(
      async () => {
        const res = await fetch(`${info.providers.urls.fonnte}/__sim/webhooks`);
        const posts = (await res.json()) as Array<{ kind: string; url: string; httpStatus?: number; error?: string }>;
        return posts.find((p) => p.kind === 'receipt' && p.url.startsWith(`${info.webhookUrl}/webhooks/fonnte/status`));
      },
      { timeoutMs: 10_000, intervalMs: 250 },
    );
    expect({ status: receipt.httpStatus, error: receipt.error }).toEqual({ status: 200, error: undefined });
  }, 40_000);

  it('stops on SIGTERM in order and exits 0', async () => {
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<string>((r) => (timer = setTimeout(() => r('timeout'), 45_000)))]);
    clearTimeout(timer);
    expect({ code, tail: code === 0 ? '' : output.slice(-3000) }).toEqual({ code: 0, tail: '' });
    expect(output).toContain('notify: stopped');
    expect(existsSync(path.join(dataDir, 'stack.json'))).toBe(false);
  }, 50_000);
});
