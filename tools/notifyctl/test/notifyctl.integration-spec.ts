/**
 * notifyctl against the real ticket, customer, template and gateway services: each service runs as
 * its own process (`node -r tools/runtime/swc-register.js services/<svc>/src/main.ts`; a
 * tool may not import a service) on a free port, over a unique Postgres schema; the CLI runs
 * as a child process through its launcher `bin/notifyctl.js`, and the spec asserts on its
 * stdout, stderr and exit code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createClient } from '@notify/grpc-kit';
import { ticketv1 } from '@notify/proto';
import { createTestSchema, waitFor, type TestSchema } from '@notify/testing';
import { installationTicketOf } from '../src/commands/customers';

const ROOT = path.resolve(__dirname, '../../..');
const ADMIN_KEY = 'notifyctl-admin-key-000001';
const SERVICE_KEY = 'notifyctl-service-key-00001';
const TECH_KEY = 'notifyctl-technician-key-01';
const API_KEYS = `${ADMIN_KEY}:admin,${SERVICE_KEY}:service,${TECH_KEY}:technician`;

interface Svc {
  child: ChildProcess;
  address: string;
}

async function startService(name: 'ticket' | 'customer' | 'template' | 'scheduler' | 'gateway', env: Record<string, string>): Promise<Svc> {
  const child = spawn(process.execPath, ['-r', path.join(ROOT, 'tools/runtime/swc-register.js'), path.join(ROOT, `services/${name}/src/main.ts`)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', NOTIFY_API_KEYS: API_KEYS, LOG_LEVEL: 'info', SHUTDOWN_GRACE_MS: '2000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${stderr}`);
      for (const l of lines) {
        try {
          const p = (JSON.parse(l) as { grpc_port?: number }).grpc_port;
          if (p) return p;
        } catch {
          // not a JSON log line
        }
      }
      return undefined;
    },
    { timeoutMs: 40_000, intervalMs: 50, description: `${name} listening` },
  );
  return { child, address: `127.0.0.1:${port}` };
}

async function stopService(svc: Svc | undefined): Promise<void> {
  if (!svc || svc.child.exitCode !== null) return;
  const exited = new Promise((resolve) => svc.child.once('exit', resolve));
  svc.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
  clearTimeout(timer);
  if (svc.child.exitCode === null) svc.child.kill('SIGKILL');
}

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('notifyctl (CLI process) against the ticket, customer, template and gateway services', () => {
  const schemas: TestSchema[] = [];
  let ticket: Svc | undefined;
  let customer: Svc | undefined;
  let template: Svc | undefined;
  let gateway: Svc | undefined;
  let scheduler: Svc | undefined;
  let env: Record<string, string>;

  /** Runs `node bin/notifyctl.js …args` with the services' addresses and the admin key in its env. */
  function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/notifyctl.js'), ...args], {
        cwd: ROOT,
        // STACK_INFO_FILE nowhere: a stack running on this machine (its stack.json) is not seen.
        env: { PATH: process.env.PATH, STACK_INFO_FILE: '/nonexistent/notify-stack.json', ...env, ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  beforeAll(async () => {
    const [c, t, m, g] = await Promise.all([
      createTestSchema('ctl_customer'), createTestSchema('ctl_ticket'), createTestSchema('ctl_template'), createTestSchema('ctl_gateway'),
    ]);
    const sc = await createTestSchema('ctl_scheduler');
    schemas.push(c, t, m, g, sc);
    // The ticket service asks the customer service about technicians (AssignTicket), so
    // it needs the customer's address: customer first, then ticket and template together.
    [customer, template] = await Promise.all([
      startService('customer', { DATABASE_URL: c.url, DATABASE_SCHEMA: c.schema }),
      startService('template', { DATABASE_URL: m.url, DATABASE_SCHEMA: m.schema }),
    ]);
    ticket = await startService('ticket', { DATABASE_URL: t.url, DATABASE_SCHEMA: t.schema, CUSTOMER_ADDR: customer.address, SERVICE_API_KEY: SERVICE_KEY });
    // The gateway (no NATS: its in-process bus) with one WhatsApp provider, Fonnte, at a port
    // nothing listens on and one send round: a message fails at once, DEAD after one attempt.
    // The scheduler (its jobs' engine on Postgres, no catch-up run at start) for the jobs commands.
    const schedulerStarted = startService('scheduler', {
      DATABASE_URL: sc.url, DATABASE_SCHEMA: sc.schema, SERVICE_API_KEY: SERVICE_KEY, SCHEDULER_CATCHUP_WINDOW_MS: '0',
      TICKET_ADDR: ticket.address, CUSTOMER_ADDR: customer.address, TEMPLATE_ADDR: template.address,
    });
    gateway = await startService('gateway', {
      DATABASE_URL: g.url, DATABASE_SCHEMA: g.schema, SERVICE_API_KEY: SERVICE_KEY,
      CUSTOMER_ADDR: customer.address, TEMPLATE_ADDR: template.address, TICKET_ADDR: ticket.address,
      WEBHOOK_HOST: '127.0.0.1', WEBHOOK_PORT: '0',
      FONNTE_TOKEN: 'notifyctl-fonnte-token', FONNTE_BASE_URL: `http://127.0.0.1:${await freePort()}`, WHATSAPP_PROVIDERS: 'fonnte', SMS_FALLBACK_PRIORITIES: 'LOW',
      DELIVERY_MAX_ATTEMPTS: '1', DISPATCH_POLL_MS: '200', PROVIDER_TIMEOUT_MS: '2000', RECIPIENT_RATE_LIMIT: '0',
    });
    scheduler = await schedulerStarted;
    env = {
      NOTIFY_API_KEY: ADMIN_KEY, TICKET_ADDR: ticket.address, CUSTOMER_ADDR: customer.address, TEMPLATE_ADDR: template.address, GATEWAY_ADDR: gateway.address,
      SCHEDULER_ADDR: scheduler.address,
    };
  }, 90_000);

  afterAll(async () => {
    await Promise.all([stopService(gateway), stopService(scheduler), stopService(ticket), stopService(customer), stopService(template)]);
    await Promise.all(schemas.map((s) => s.dropSchema()));
  }, 30_000);

  it('runs a ticket through its lifecycle for a registered customer, in tables and in --json', async () => {
    // Phones are passed through as typed; the customer service normalizes them.
    // The technician first: a customer registered in a zone nobody works in gets a note.
    const staff = await cli(['staff', 'create', '--name', 'Joko Teknisi', '--phone', '+62 813 1111 2222', '--role', 'technician', '--zone', 'karawang', '--json']);
    const reg = await cli(['customers', 'register', '--name', 'Budi Santoso', '--phone', '0812-3456-7890', '--address', 'Jl. Melati 5, Karawang', '--zone', 'karawang', '--package', 'Home 30 Mbps', '--json']);
    expect(reg).toMatchObject({ code: 0, stderr: '' });
    expect(staff).toMatchObject({ code: 0, stderr: '' });
    const cust = (JSON.parse(reg.stdout) as { customer: { id: string; phone: string; status: string } }).customer;
    expect(cust.phone.replace(/\D/g, '')).toBe('6281234567890');
    expect(cust.status).toBe('CUSTOMER_STATUS_PENDING');
    const techId = (JSON.parse(staff.stdout) as { staff: { id: string } }).staff.id;
    // Looked up by the phone in another common form.
    const byPhone = await cli(['customers', 'get', '+62 812 3456 7890']);
    expect(byPhone.code).toBe(0);
    expect(byPhone.stdout).toMatch(new RegExp(`^ID:\\s+${cust.id}$`, 'm'));
    expect(byPhone.stdout).toMatch(/^Name:\s+Budi Santoso$/m);
    expect(byPhone.stdout).toMatch(/^Opted out:\s+no$/m);
    // The customer's own opt-out shows on `customers get` (SMS only: the ticket below goes by WhatsApp).
    expect((await cli(['customers', 'opt-out', '--phone', '081234567890', '--channel', 'sms', '--reason', 'STOP reply'])).code).toBe(0);
    const optedOut = await cli(['customers', 'get', cust.id]);
    expect(optedOut.stdout).toMatch(/^Opted out:\s+SMS \(STOP reply, since \d{4}-\d\d-\d\d[^)]*\)$/m);
    const optedOutJson = JSON.parse((await cli(['--json', 'customers', 'get', cust.id])).stdout) as { optOuts: Array<{ channel: string; reason: string }> };
    expect(optedOutJson.optOuts).toEqual([expect.objectContaining({ channel: 'CHANNEL_SMS', reason: 'STOP reply' })]);
    expect((await cli(['customers', 'opt-in', '--phone', '081234567890', '--channel', 'sms'])).code).toBe(0);
    expect((await cli(['customers', 'get', cust.id])).stdout).toMatch(/^Opted out:\s+no$/m);

    // Opt-out and opt-in of a phone (the STOP / MULAI replies' RPCs).
    const out = await cli(['customers', 'opt-out', '--phone', '0812-9999-0001', '--channel', 'whatsapp', '--reason', 'asked by phone']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^Phone:\s+6281299990001$/m);
    expect(out.stdout).toMatch(/^WHATSAPP:\s+opted out since \d{4}-\d\d-\d\d \d\d:\d\d WIB \(asked by phone\)$/m);
    // A phone that is nobody's in the directory shows its opt-outs too (customers get cannot).
    const optOutsOf = await cli(['customers', 'opt-outs', '0812 9999 0001']);
    expect(optOutsOf).toMatchObject({ code: 0, stderr: '' });
    expect(optOutsOf.stdout).toMatch(/^Phone:\s+6281299990001$/m);
    expect(optOutsOf.stdout).toMatch(/^Opted out:\s+WHATSAPP \(asked by phone, since \d{4}-\d\d-\d\d[^)]*\)$/m);
    expect((await cli(['customers', 'opt-outs', 'bukan-nomor'])).stderr).toMatch(/^error: INVALID_ARGUMENT: phone/);
    const lifted = await cli(['customers', 'opt-in', '--phone', '+62 812 9999 0001']);
    expect(lifted).toMatchObject({ code: 0, stdout: '6281299990001: 1 opt-out(s) lifted; it is notified on every channel again\n' });
    // Again: nothing left to lift (proto3 JSON leaves the 0 out).
    const liftedAgain = JSON.parse((await cli(['--json', 'customers', 'opt-in', '--phone', '081299990001'])).stdout) as { lifted?: number; phone: string };
    expect({ lifted: liftedAgain.lifted ?? 0, phone: liftedAgain.phone }).toEqual({ lifted: 0, phone: '6281299990001' });
    expect((await cli(['customers', 'opt-outs', '081299990001'])).stdout).toMatch(/^Opted out:\s+no$/m);

    const created = await cli([
      'tickets', 'create', '--type', 'gangguan', '--customer', cust.id, '--title', 'Internet mati sejak pagi',
      '--address', 'Jl. Melati 5, Karawang', '--zone', 'karawang', '--priority', 'high',
    ]);
    expect(created.code).toBe(0);
    expect(created.stderr).toBe(''); // Joko works in karawang: he is offered the job
    const number = /^Number:\s+(\S+)$/m.exec(created.stdout)?.[1];
    const id = /^ID:\s+(\S+)$/m.exec(created.stdout)?.[1];
    expect(number).toMatch(/^GGN-\d{8}-\d{4}$/);
    expect(created.stdout).toMatch(/^Status:\s+OPEN$/m);
    expect(created.stdout).toMatch(/^Priority:\s+HIGH$/m);

    const [table, json] = await Promise.all([
      cli(['tickets', 'list', '--customer', cust.id]),
      cli(['--json', 'tickets', 'list', '--customer', cust.id, '--status', 'open']),
    ]);
    expect(table.code).toBe(0);
    const [header, row, ...more] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+NUMBER\s+TYPE\s+STATUS\s+PRIORITY\s+ZONE\s+TECHNICIAN\s+SLA DUE\s+TITLE$/);
    expect(row).toMatch(new RegExp(`^${id}\\s+${number}\\s+DISTURBANCE\\s+OPEN\\s+HIGH\\s+karawang\\s+.*WIB\\s+Internet mati sejak pagi$`));
    expect(more).toEqual([]);
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as { tickets: { id: string; number: string; status: string; type: string }[] };
    expect(listed.tickets).toEqual([expect.objectContaining({ id, number, status: 'TICKET_STATUS_OPEN', type: 'TICKET_TYPE_DISTURBANCE' })]);

    const assigned = await cli(['tickets', 'assign', id!, '--technician', techId]);
    expect(assigned.stderr).toBe('');
    expect(assigned.stdout).toMatch(/^Status:\s+ASSIGNED$/m);
    expect(assigned.stdout).toMatch(new RegExp(`^Technician:\\s+Joko Teknisi \\(${techId}\\)$`, 'm'));
    // The list names the technician (QA: a UUID there, while deliveries showed names).
    const assignedRow = (await cli(['tickets', 'list', '--customer', cust.id])).stdout.trimEnd().split('\n')[1];
    expect(assignedRow).toMatch(new RegExp(`^${id}\\s+${number}\\s+DISTURBANCE\\s+ASSIGNED\\s+HIGH\\s+karawang\\s+Joko Teknisi\\s+.*WIB\\s+Internet mati sejak pagi$`));
    // Transitions take the ticket number too (looked up first).
    expect((await cli(['tickets', 'start', number!])).stdout).toMatch(/^Status:\s+IN_PROGRESS$/m);
    expect((await cli(['tickets', 'complete', id!, '--notes', 'Modem diganti'])).stdout).toMatch(/^Completion:\s+Modem diganti$/m);

    // A second start is a transition from the wrong state: FAILED_PRECONDITION, one line.
    const again = await cli(['tickets', 'start', id!]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^error: FAILED_PRECONDITION: \S.*\n$/);

    const shown = await cli(['tickets', 'get', number!]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Status:\s+COMPLETED$/m);
    expect(shown.stdout).toMatch(new RegExp(`^Technician:\\s+Joko Teknisi \\(${techId}\\)$`, 'm'));
    const history = shown.stdout.split('History:\n')[1]!.trimEnd().split('\n');
    expect(history[0]).toMatch(/^AT\s+EVENT\s+FROM\s+TO\s+BY\s+NOTE$/);
    expect(history.slice(1).map((l) => l.split(/\s{2,}/)[1])).toEqual(['CREATED', 'ASSIGNED', 'STARTED', 'COMPLETED']);

    // The stats name the technician (not their id) and give a resolution in minutes as minutes.
    const stats = await cli(['tickets', 'stats', '--from', '1h']);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/^Mean time to resolve:\s+\d+ min$/m);
    expect(stats.stdout).toMatch(/^Joko Teknisi\s+1\s/m);
    expect(stats.stdout).not.toContain(techId);
  }, 60_000);

  it('deliveries take a ticket number (resolved through the ticket service), show the trace and retry with the attempts', async () => {
    const reg = await cli(['--json', 'customers', 'register', '--name', 'Sri Wahyuni', '--phone', '0812-7777-1234', '--address', 'Jl. Anggrek 9, Karawang', '--zone', 'karawang', '--package', 'Home 30 Mbps']);
    expect(reg.code).toBe(0);
    expect(reg.stderr).not.toMatch(/^error/m); // a note when run alone: no technician works in karawang yet
    const custId = (JSON.parse(reg.stdout) as { customer: { id: string } }).customer.id;
    const created = await cli([
      'tickets', 'create', '--type', 'gangguan', '--customer', custId, '--title', 'Lampu LOS merah', '--address', 'Jl. Anggrek 9, Karawang', '--zone', 'karawang',
    ]);
    expect(created.code).toBe(0);
    const number = /^Number:\s+(\S+)$/m.exec(created.stdout)![1]!;
    const ticketId = /^ID:\s+(\S+)$/m.exec(created.stdout)![1]!;
    // A zone nobody works in (a typo): created all the same, and the operator is told nobody was offered it.
    const typo = await cli([
      'tickets', 'create', '--type', 'gangguan', '--customer', custId, '--title', 'Internet lambat',
      '--address', 'Jl. Melati 5, Karawang', '--zone', 'karwang',
    ]);
    expect(typo.code).toBe(0);
    expect(typo.stderr).toBe('note: no active technician or technicians\' group works in zone "karwang": nobody was offered this job (a misspelled zone? notifyctl staff list --role technician shows the zones)\n');
    // Registering a customer in a zone nobody works in says so, with the zone as stored (QA: silent).
    const lonely = await cli(['customers', 'register', '--name', 'Rina Jauh', '--phone', '0812-7777-4321', '--address', 'Jl. Jauh 1', '--zone', 'Karawang Barat', '--package', 'Home 30 Mbps', '--installation']);
    expect(lonely.code).toBe(0);
    expect(lonely.stdout).toMatch(/^Work zone:\s+karawang-barat$/m);
    const lonelyId = /^ID:\s+(\S+)$/m.exec(lonely.stdout)![1]!;
    // No NATS here: the ticket service never hears of the registration, so no PSB ticket appears; the operator is told where to look.
    expect(lonely.stderr).toBe(
      'note: no active technician or technicians\' group works in zone "karawang-barat": its installation (PSB) ticket will be offered to nobody (a misspelled zone? notifyctl staff list --role technician shows the zones)\n' +
      `note: the installation (PSB) ticket had not appeared after 3 s (the ticket service opens it from the registration event); look for it with: notifyctl tickets list --customer ${lonelyId}\n`,
    );
    expect(lonely.stdout).not.toMatch(/Installation ticket/);
    // Once the ticket service has opened one, it is found (as register --installation shows it).
    const psbMade = await cli(['tickets', 'create', '--type', 'psb', '--customer', lonelyId, '--title', 'Pasang baru', '--address', 'Jl. Jauh 1', '--zone', 'karawang']);
    expect(psbMade.code).toBe(0);
    const ticketClient = createClient(ticketv1.TicketServiceClient, env.TICKET_ADDR!, { apiKey: ADMIN_KEY, deadlineMs: 5_000 });
    try {
      expect((await installationTicketOf(ticketClient, lonelyId, 0))?.number).toBe(/^Number:\s+(\S+)$/m.exec(psbMade.stdout)![1]);
      expect(await installationTicketOf(ticketClient, custId, 300)).toBeUndefined();
    } finally {
      ticketClient.close();
    }
    // With --json the note still goes to stderr; stdout is the JSON alone (QA: a script lost the warning).
    const typoJson = await cli([
      '--json', 'tickets', 'create', '--type', 'gangguan', '--customer', custId, '--title', 'Internet lambat',
      '--address', 'Jl. Melati 5, Karawang', '--zone', 'karwang',
    ]);
    expect(typoJson.stderr).toBe(typo.stderr);
    expect((JSON.parse(typoJson.stdout) as { ticket: { workZone: string } }).ticket.workZone).toBe('karwang');
    // The zone's only technicians' group takes maintenance notices only: nobody was offered this one either (QA).
    expect((await cli(['groups', 'create', '--name', 'Teknisi Depok', '--chat-id', '120363000000000777@g.us', '--category', 'technicians', '--zone', 'depok', '--type', 'maintenance'])).code).toBe(0);
    const depok = await cli(['tickets', 'create', '--type', 'gangguan', '--customer', custId, '--title', 'Tes depok', '--address', 'Jl. X', '--zone', 'depok']);
    expect(depok.stderr).toMatch(/^note: no active technician or technicians' group works in zone "depok"/);

    // notify --ticket <number>: the delivery is about the ticket's id.
    const sent = await cli([
      '--json', 'deliveries', 'notify', '--type', 'welcome', '--to-phone', '0812-7777-1234', '--ticket', number, '--priority', 'urgent',
      '--var', 'customer_name=Sri', '--var', 'customer_id=CUST-9', '--var', 'package_name=Home 30 Mbps', '--var', 'activated_at=2026-11-22T09:00:00+07:00', '--var', 'support_phone=6281100000000',
    ]);
    expect(sent).toMatchObject({ code: 0, stderr: '' });
    const delivery = (JSON.parse(sent.stdout) as { deliveries: { id: string; ticketId: string }[] }).deliveries[0]!;
    expect(delivery.ticketId).toBe(ticketId);

    // list --ticket: by number as by id; an unknown number is NOT_FOUND, a value that is neither INVALID_ARGUMENT.
    const [byNumber, byId, unknown, neither] = await Promise.all([
      cli(['deliveries', 'list', '--ticket', number]),
      cli(['deliveries', 'list', '--ticket', ticketId]),
      cli(['deliveries', 'list', '--ticket', 'GGN-20991231-9999']),
      cli(['deliveries', 'list', '--ticket', 'bukan-tiket']),
    ]);
    expect(byNumber).toMatchObject({ code: 0, stderr: '' });
    const rows = byNumber.stdout.trimEnd().split('\n').slice(1);
    expect(rows).toEqual([expect.stringMatching(new RegExp(`^${delivery.id}\\s+WELCOME\\s+6281277771234`))]);
    expect(byId.stdout).toBe(byNumber.stdout);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toMatch(/^error: NOT_FOUND: [^\n]*GGN-20991231-9999[^\n]*\n$/);
    expect(neither).toMatchObject({ code: 1, stdout: '' });
    expect(neither.stderr).toMatch(/^error: INVALID_ARGUMENT: [^\n]*ticket id \(UUID\) or number[^\n]*bukan-tiket[^\n]*\n$/);

    // The provider is unreachable: DEAD after its one attempt. show prints the attempt and the
    // trace of the Notify call (the gateway process traces its gRPC calls).
    const shown = await waitFor(async () => {
      const r = await cli(['deliveries', 'show', delivery.id]);
      return /^Status:\s+DEAD$/m.test(r.stdout) ? r : undefined;
    }, { timeoutMs: 20_000, intervalMs: 250, description: 'delivery DEAD' });
    expect(shown.stdout).toMatch(new RegExp(`^Ticket:\\s+${ticketId}$`, 'm'));
    expect(shown.stdout).toMatch(/^Trace:\s+[0-9a-f]{32}$/m);
    const attemptRows = (out: string) => out.split('Attempts:\n')[1]!.trimEnd().split('\n').slice(1);
    expect(attemptRows(shown.stdout)).toEqual([expect.stringMatching(/^1\s+FONNTE\s+RETRYABLE_FAILURE\b/)]);

    // retry answers the delivery re-queued with the attempts it had, as show does.
    const retried = await cli(['deliveries', 'retry', delivery.id]);
    expect(retried).toMatchObject({ code: 0, stderr: '' });
    expect(retried.stdout).toMatch(/^Status:\s+QUEUED$/m);
    expect(attemptRows(retried.stdout)).toEqual(attemptRows(shown.stdout));

    // stats looks back 7 days by default, as GetStats and the seeds' stats endpoint do.
    const stats = await cli(['--json', 'deliveries', 'stats']);
    expect(stats.code).toBe(0);
    const since = Date.parse((JSON.parse(stats.stdout) as { since: string }).since);
    expect(Math.round((Date.now() - since) / 86_400_000)).toBe(7);
    // No FONNTE_COST_RUPIAH configured: its cost is `not set`, and the total says what it counts (QA: `Rp 0`, a blank).
    const [statsTable, providersTable] = await Promise.all([cli(['deliveries', 'stats']), cli(['deliveries', 'providers'])]);
    expect(statsTable).toMatchObject({ code: 0, stderr: '' });
    expect(statsTable.stdout).toMatch(/^Cost:\s+Rp 0 \(counts only providers with a configured cost; not set: FONNTE\)$/m);
    expect(statsTable.stdout).toMatch(/^FONNTE\s+\d+\s+\d+\s+\d+\s+\S+\s+\d+\s+not set$/m);
    expect(providersTable).toMatchObject({ code: 0, stderr: '' });
    expect(providersTable.stdout).toMatch(/^WHATSAPP\s+1\s+FONNTE\s+yes\s.*\s\d+\s+not set\b/m);
    // --json as the response is: proto3 JSON leaves the 0 out.
    const providersJson = JSON.parse((await cli(['--json', 'deliveries', 'providers'])).stdout) as { providers: Array<{ provider: string; costPerMessageRupiah?: string }> };
    expect(providersJson.providers.find((p) => p.provider === 'PROVIDER_FONNTE')).not.toHaveProperty('costPerMessageRupiah');
  }, 60_000);

  it('tickets assign notes a technician outside the ticket\'s zone (not one who covers every zone); staff create / update notes a phone that is a customer\'s', async () => {
    // The technicians first: Rudi covers every zone, so the registrations in karawang note nothing.
    const [bambang, rudi] = await Promise.all([
      cli(['--json', 'staff', 'create', '--name', 'Bambang Bekasi', '--phone', '0813-4444-0202', '--role', 'technician', '--zone', 'bekasi']),
      cli(['--json', 'staff', 'create', '--name', 'Rudi Semua', '--phone', '0813-4444-0303', '--role', 'technician']),
    ]);
    const [wati, yanto] = await Promise.all([
      cli(['--json', 'customers', 'register', '--name', 'Wati Pelanggan', '--phone', '0812-4444-0101', '--address', 'Jl. Mawar 3, Karawang', '--zone', 'karawang', '--package', 'Home 30 Mbps']),
      cli(['--json', 'customers', 'register', '--name', 'Yanto Pelanggan', '--phone', '0812-4444-0404', '--address', 'Jl. Mawar 4, Karawang', '--zone', 'karawang', '--package', 'Home 30 Mbps']),
    ]);
    for (const r of [wati, yanto, bambang, rudi]) expect(r).toMatchObject({ code: 0, stderr: '' });
    const custId = (JSON.parse(wati.stdout) as { customer: { id: string } }).customer.id;
    const bambangId = (JSON.parse(bambang.stdout) as { staff: { id: string } }).staff.id;
    const rudiId = (JSON.parse(rudi.stdout) as { staff: { id: string } }).staff.id;
    const created = await cli(['tickets', 'create', '--type', 'gangguan', '--customer', custId, '--title', 'Modem mati', '--address', 'Jl. Mawar 3, Karawang', '--zone', 'karawang']);
    const number = /^Number:\s+(\S+)$/m.exec(created.stdout)![1]!;

    // Assigned all the same, with a note (the WhatsApp take, "1", refuses another zone's ticket).
    const outside = await cli(['tickets', 'assign', number, '--technician', bambangId]);
    expect(outside.code).toBe(0);
    expect(outside.stdout).toMatch(/^Status:\s+ASSIGNED$/m);
    expect(outside.stdout).toMatch(new RegExp(`^Technician:\\s+Bambang Bekasi \\(${bambangId}\\)$`, 'm'));
    expect(outside.stderr).toBe('note: Bambang Bekasi does not work in zone "karawang" (their zones: bekasi)\n');
    const everyZone = await cli(['tickets', 'assign', number, '--technician', rudiId, '--reassign']);
    expect(everyZone).toMatchObject({ code: 0, stderr: '' });
    expect(everyZone.stdout).toMatch(/^Technician:\s+Rudi Semua \(/m);

    // A staff member with a customer's phone: created, with a note (QA: Wati's STOP would be refused as staff's).
    const shared = await cli(['staff', 'create', '--name', 'Wati NOC', '--phone', '+62 812 4444 0101', '--role', 'noc']);
    expect(shared.code).toBe(0);
    expect(shared.stdout).toMatch(/^Name:\s+Wati NOC$/m);
    expect(shared.stderr).toBe(
      'note: 6281244440101 is also customer Wati Pelanggan\'s number: while staff Wati NOC is active, WhatsApp replies from it are handled as theirs, not the customer\'s (a STOP is refused)\n',
    );
    // update --phone to a customer's number: the same note; other changes: none.
    const moved = await cli(['staff', 'update', '0813-4444-0303', '--phone', '0812-4444-0404']);
    expect(moved.code).toBe(0);
    expect(moved.stderr).toMatch(/^note: 6281244440404 is also customer Yanto Pelanggan's number: /);
    expect(await cli(['staff', 'update', '0812-4444-0404', '--name', 'Rudi S.'])).toMatchObject({ code: 0, stderr: '' });
  }, 60_000);

  it('notifications list --incomplete shows a notification that reached nobody, and show tells what came of one', async () => {
    const zone = `kosong${Math.floor(Math.random() * 1e6)}`;
    const sent = await cli([
      '--json', 'deliveries', 'notify', '--type', 'maintenance', '--audience', `area_customers:zone=${zone}`,
      '--var', 'maintenance_type=Perbaikan', '--var', 'area=Kosong', '--var', 'start_at=2026-12-08T01:00:00+07:00', '--var', 'duration_minutes=30',
      '--var', 'impact=Lambat', '--var', 'reason=Tiang',
    ]);
    expect(sent.code).toBe(0);
    const id = (JSON.parse(sent.stdout) as { notification: { id: string } }).notification.id;
    const listed = await cli(['notifications', 'list', '--incomplete', '--since', '1h', '--type', 'maintenance']);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    const row = listed.stdout.split('\n').find((l) => l.startsWith(id));
    expect(row).toMatch(/\s+NOTIFY\s+MAINTENANCE\s+RESOLVED\s+0\s+0\s+reached nobody: the routing rules/);
    const shown = await cli(['notifications', 'show', id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Deliveries:\s+0$/m);
    expect(shown.stdout).toMatch(/^Outcome:\s+reached nobody/m);
    // Made with the admin key, bound to no staff member: named by its role (QA: staff:<key id>).
    expect(shown.stdout).toMatch(/^By:\s+staff:admin$/m);
    // By its idempotency key too; an unknown one is NOT_FOUND.
    const key = /^Key:\s+(\S+)$/m.exec(shown.stdout)![1]!;
    expect((await cli(['notifications', 'show', key])).stdout).toBe(shown.stdout);
    expect((await cli(['notifications', 'show', 'no-such-key'])).stderr).toMatch(/^error: NOT_FOUND: /);
  }, 30_000);

  it('routing list shows the rules with their templates; routing set changes one rule by its key, checks the template first, and adds a rule only with channels and template', async () => {
    const row = (out: string) => out.split('\n').find((l) => /^TICKET_COMPLETED\s+PSB\s+\*\s+CUSTOMER\s/.test(l)) ?? '';
    const listed = await cli(['routing', 'list', '--type', 'ticket.completed']);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout.split('\n')[0]).toMatch(/^TYPE\s+TICKET\s+LEVEL\s+AUDIENCE\s+CHANNELS\s+TEMPLATE\s+ENABLED\s+SOURCE/);
    expect(row(listed.stdout)).toMatch(/WHATSAPP → SMS\s+ticket\.completed\.installation\s+yes\s+CNS /);
    expect(listed.stdout).toMatch(/^TICKET_COMPLETED\s+GANGGUAN\s+\*\s+CUSTOMER\s+WHATSAPP → SMS\s+ticket\.completed\.disturbance\s+yes/m);

    // SMS first for PSB customers only; the template and on/off are kept.
    const changed = await cli(['routing', 'set', '--type', 'ticket.completed', '--ticket-type', 'psb', '--audience', 'customer', '--channels', 'sms,whatsapp', '--source', 'PSB customers read SMS']);
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/^ID:\s+ticket\.completed\/PSB\/\*\/CUSTOMER$/m);
    expect(changed.stdout).toMatch(/^Channels:\s+SMS → WHATSAPP/m);
    expect(changed.stdout).toMatch(/^Template:\s+ticket\.completed\.installation$/m);
    expect(changed.stderr).toMatch(/^changed ticket\.completed\/PSB\/\*\/CUSTOMER: applies to the next notifications/);
    const after = (await cli(['routing', 'list', '--type', 'ticket_completed', '--audience', 'customer'])).stdout;
    expect(row(after)).toMatch(/SMS → WHATSAPP\s+ticket\.completed\.installation\s+yes\s+PSB customers read SMS/);
    expect(after).toMatch(/^TICKET_COMPLETED\s+GANGGUAN\s+\*\s+CUSTOMER\s+WHATSAPP → SMS/m);

    // A template without a version on one of the rule's channels: refused, nothing changed.
    const noSms = await cli(['routing', 'set', '--type', 'ticket.completed', '--ticket-type', 'psb', '--audience', 'customer', '--template', 'customer.welcome']);
    expect(noSms).toMatchObject({ code: 1, stdout: '' });
    expect(noSms.stderr).toMatch(/^error: template customer\.welcome has no SMS version: recipients reached on SMS would be left out .*nothing changed \(--allow-missing-template stores it anyway\)/);
    const unknown = await cli(['routing', 'set', '--type', 'ticket.completed', '--ticket-type', 'psb', '--audience', 'customer', '--template', 'no.such.template']);
    expect(unknown.stderr).toMatch(/^error: template no\.such\.template does not exist/);
    expect(row((await cli(['routing', 'list', '--type', 'ticket.completed'])).stdout)).toMatch(/ticket\.completed\.installation\s+yes/);

    // Off and on again (a disabled rule's template is not checked).
    const off = await cli(['routing', 'set', '--type', 'ticket.completed', '--ticket-type', 'psb', '--audience', 'customer', '--disable']);
    expect(off.code).toBe(0);
    expect(off.stdout).toMatch(/^Enabled:\s+no$/m);
    expect(row((await cli(['routing', 'list', '--type', 'ticket.completed'])).stdout)).toMatch(/ticket\.completed\.installation\s+no\s/);
    const back = await cli(['--json', 'routing', 'set', '--type', 'ticket.completed', '--ticket-type', 'psb', '--audience', 'customer', '--channels', 'whatsapp,sms', '--enable']);
    expect(JSON.parse(back.stdout)).toMatchObject({ rule: { id: 'ticket.completed/PSB/*/CUSTOMER', channels: ['CHANNEL_WHATSAPP', 'CHANNEL_SMS'], enabled: true } });

    // Nothing to change: said so, and the rule (its source too) is left as it is (QA).
    const same = await cli(['routing', 'set', '--type', 'ticket.completed', '--ticket-type', 'psb', '--audience', 'customer', '--channels', 'whatsapp,sms']);
    expect(same.code).toBe(0);
    expect(same.stderr).toBe('note: ticket.completed/PSB/*/CUSTOMER already is so: nothing changed\n');

    // A rule not stored yet needs channels and a template (usage error, nothing changed).
    const missing = await cli(['routing', 'set', '--type', 'ticket.escalated', '--level', '2', '--audience', 'customer', '--channels', 'whatsapp']);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toMatch(/missing required flag --template: the rule is not stored yet/);
    expect((await cli(['routing', 'set', '--type', 'ticket.completed', '--audience', 'customer', '--enable', '--disable'])).code).toBe(2);
    // A level for a type that carries none is refused by the service (QA: stored, never applied).
    const level = await cli(['routing', 'set', '--type', 'ticket.completed', '--level', '2', '--audience', 'customer', '--channels', 'sms', '--template', 'ticket.completed.disturbance']);
    expect(level).toMatchObject({ code: 1, stdout: '' });
    expect(level.stderr).toMatch(/^error: INVALID_ARGUMENT: escalation_level: only ticket\.escalated carries an escalation level/);
    // A type routed under another one's rules: where its messages come from (QA: job offers).
    const offers = await cli(['routing', 'list', '--type', 'technician_job_offer']);
    expect(offers.code).toBe(0);
    expect(offers.stderr).toMatch(/^note: no routing rule for technician_job_offer; template technician\.job_offer goes out under ticket_created \(zone_technicians\), ticket_created \(zone_technician_group\)/);
    // A type with rules, none for the audience asked: the ones it has (QA: it said "no routing rule").
    const other = await cli(['routing', 'list', '--type', 'ticket.completed', '--audience', 'noc_group']);
    expect(other.stderr).toMatch(/^note: ticket_completed has rules for: customer --ticket-type gangguan; customer --ticket-type psb \(notifyctl routing list --type ticket_completed\)$/m);

    // reset: an added rule is deleted; a seeded one gets its seeded values (and source) back.
    expect((await cli(['routing', 'set', '--type', 'ticket.completed', '--audience', 'customer', '--channels', 'sms', '--template', 'ticket.completed.disturbance'])).code).toBe(0);
    const deleted = await cli(['routing', 'reset', '--type', 'ticket.completed', '--audience', 'customer']);
    expect(deleted).toMatchObject({ code: 0, stdout: '' });
    expect(deleted.stderr).toMatch(/^deleted: the rule was not a seeded one/);
    expect((await cli(['routing', 'list', '--type', 'ticket.completed'])).stdout).not.toMatch(/^TICKET_COMPLETED\s+\*\s+\*\s+CUSTOMER/m);
    const restored = await cli(['routing', 'reset', '--type', 'ticket.completed', '--ticket-type', 'psb', '--audience', 'customer']);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/^Source:\s+CNS "Message Templates/m);
    expect((await cli(['routing', 'reset', '--type', 'ticket.completed', '--audience', 'customer'])).stderr).toMatch(/^error: NOT_FOUND: routing rule ticket\.completed\/\*\/\*\/CUSTOMER not found/);
  }, 60_000);

  it('jobs pause stops a job\'s schedule and resume restarts it; an unknown job is NOT_FOUND listing the jobs', async () => {
    const row = (out: string, job: string) => out.split('\n').find((l) => l.startsWith(`${job} `)) ?? '';
    const paused = await cli(['jobs', 'pause', 'daily_summary']);
    expect(paused).toMatchObject({ code: 0, stderr: '' });
    expect(paused.stdout.split('\n')[0]).toMatch(/^JOB\s+CRON\s+ZONE\s+PAUSED\s+NEXT RUN/);
    expect(row(paused.stdout, 'daily_summary')).toMatch(/^daily_summary\s+0 18 \* \* \*\s+Asia\/Jakarta\s+yes\b/);
    expect(row((await cli(['jobs', 'list'])).stdout, 'daily_summary')).toMatch(/\s+yes\b/);
    expect(row((await cli(['jobs', 'list'])).stdout, 'sla_monitor')).toMatch(/\s+no\b/);
    // Again: nothing changes, and the CLI says so.
    const again = await cli(['jobs', 'pause', 'daily_summary']);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('note: daily_summary was already paused: nothing changed (notifyctl jobs resume daily_summary restarts it)\n');
    const resumed = await cli(['--json', 'jobs', 'resume', 'daily_summary']);
    expect(resumed.code).toBe(0);
    const job = (JSON.parse(resumed.stdout) as { job: { name: string; paused?: boolean } }).job;
    expect(job.name).toBe('daily_summary');
    expect(job.paused ?? false).toBe(false); // proto3 JSON leaves a false out
    expect(row((await cli(['jobs', 'list'])).stdout, 'daily_summary')).toMatch(/\s+no\b/);
    expect((await cli(['jobs', 'resume', 'daily_summary'])).stderr).toBe('note: daily_summary was not paused: nothing changed\n');
    const unknown = await cli(['jobs', 'pause', 'nightly_backup']);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toMatch(/^error: NOT_FOUND: .*nightly_backup.*; jobs: /);
    for (const job of ['sla_monitor', 'payment_reminder', 'daily_summary', 'weekly_performance']) expect(unknown.stderr).toContain(job);
  }, 30_000);

  it('deliveries watch follows delivery events as they happen: --count stops it, --json prints one event per line, Ctrl-C ends it with exit 0', async () => {
    /** The CLI as a process that keeps running (a watch), with its output so far and its end. */
    const background = (args: string[]) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/notifyctl.js'), ...args], {
        cwd: ROOT, env: { PATH: process.env.PATH, STACK_INFO_FILE: '/nonexistent/notify-stack.json', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out = { stdout: '', stderr: '' };
      child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
      const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, ...out })));
      return { child, out, done };
    };
    const counted = background(['--json', 'deliveries', 'watch', '--event', 'failed', '--count', '1']);
    const plain = background(['deliveries', 'watch', '--event', 'queued']);
    // The watches subscribe once their process is up: a message a second until both have seen one.
    const phones: string[] = [];
    await waitFor(async () => {
      const local = `0813${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
      phones.push(`62${local.slice(1)}`);
      const sent = await cli([
        'deliveries', 'notify', '--type', 'welcome', '--to-phone', local, '--priority', 'urgent',
        '--var', 'customer_name=Tono', '--var', 'customer_id=CUST-1', '--var', 'package_name=Home 30 Mbps', '--var', 'activated_at=2026-11-22T09:00:00+07:00', '--var', 'support_phone=',
      ]);
      expect(sent.code).toBe(0);
      return counted.child.exitCode !== null && plain.out.stdout.includes('\n') ? true : undefined;
    }, { timeoutMs: 40_000, intervalMs: 1000, description: 'both watches saw an event' });

    // --count 1 --event failed --json: one JSON line, the DEAD delivery (its one attempt refused), exit 0.
    const first = await counted.done;
    // The count is a note: on stderr with --json too, stdout holding the JSON lines alone.
    expect(first).toMatchObject({ code: 0, stderr: '1 event\n' });
    const lines = first.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const event = JSON.parse(lines[0]!) as { type: string; delivery: { recipient: string; status: string; notificationType: string } };
    expect(event).toMatchObject({ type: 'DELIVERY_EVENT_TYPE_FAILED', delivery: { status: 'DELIVERY_STATUS_DEAD', notificationType: 'NOTIFICATION_TYPE_WELCOME' } });
    expect(phones).toContain(event.delivery.recipient);

    // Text lines of queued events only, until Ctrl-C: exit 0 and the count on stderr.
    plain.child.kill('SIGINT');
    const second = await plain.done;
    expect(second.code).toBe(0);
    const seen = second.stdout.trimEnd().split('\n');
    for (const line of seen) expect(line).toMatch(/^\d{2}:\d{2}:\d{2} WIB {2}queued {5}QUEUED {16}WELCOME {2}62813\d{7} {2}WHATSAPP {2}[0-9a-f-]{36}$/);
    expect(second.stderr).toBe(`${seen.length} event${seen.length === 1 ? '' : 's'}\n`);

    // Bad flags are usage errors before anything is called.
    expect(await cli(['deliveries', 'watch', '--event', 'bounced'])).toMatchObject({ code: 2, stdout: '' });
    expect((await cli(['deliveries', 'watch', '--for', 'soon'])).stderr).toMatch(/^error: --for: "soon" is not a span/);
  }, 90_000);

  it('activates a customer by phone, changes and deactivates a staff member, adds a group; refuses a staff role of service', async () => {
    const reg = await cli(['--json', 'customers', 'register', '--name', 'Sari Dewi', '--phone', '0812-5555-0101', '--address', 'Jl. Kenanga 1', '--zone', 'bekasi', '--package', 'Home 20 Mbps']);
    expect(reg.code).toBe(0);
    const activated = await cli(['customers', 'activate', '0812 5555 0101']);
    expect(activated).toMatchObject({ code: 0, stderr: '' });
    expect(activated.stdout).toMatch(/^Status:\s+ACTIVE$/m);
    expect((await cli(['customers', 'activate', '0812 5555 0101'])).stderr).toMatch(/^error: FAILED_PRECONDITION: /);

    const created = await cli(['--json', 'staff', 'create', '--name', 'Dedi Kurniawan', '--phone', '0813-5555-0202', '--role', 'tech', '--zone', 'bekasi']);
    const staffId = (JSON.parse(created.stdout) as { staff: { id: string } }).staff.id;
    const moved = await cli(['staff', 'update', staffId, '--zone', 'cikarang,bekasi', '--name', 'Dedi K.']);
    expect(moved).toMatchObject({ code: 0, stderr: '' });
    expect(moved.stdout).toMatch(/^Name:\s+Dedi K\.$/m);
    expect(moved.stdout).toMatch(/^Work zones:\s+cikarang, bekasi$/m);
    expect(moved.stdout).toMatch(/^Role:\s+TECHNICIAN$/m); // not in the mask: unchanged
    const gone = await cli(['staff', 'update', '0813-5555-0202', '--active', 'no']);
    expect(gone.stdout).toMatch(/^Active:\s+no$/m);
    expect((await cli(['staff', 'update', staffId])).stderr.split('\n')[0]).toBe('error: nothing to change: give --name, --phone, --role, --zone / --all-zones or --active');
    const service = await cli(['staff', 'create', '--name', 'Bot', '--phone', '0813-5555-0303', '--role', 'service']);
    expect({ code: service.code, first: service.stderr.split('\n')[0] }).toEqual({
      code: 2, first: 'error: --role: service is the role of an API key, not of a staff member (admin, manager, supervisor, noc, customer_service, technician, cs, tech)',
    });
    // No work zones is every zone, said so (QA: a blank line and column read as "none").
    const supervisor = await cli(['staff', 'create', '--name', 'Sari Supervisor', '--phone', '0813-5555-0404', '--role', 'supervisor']);
    expect(supervisor.stdout).toMatch(/^Work zones:\s+every zone$/m);
    const listed = await cli(['staff', 'list', '--role', 'supervisor']);
    expect(listed.stdout.split('\n').find((l) => l.includes('Sari Supervisor'))).toMatch(/\bevery zone\b/);
    // staff list refuses service as create does (QA: listed, then INVALID_ARGUMENT with a number).
    expect((await cli(['staff', 'list', '--role', 'service'])).code).toBe(2);
    // An unknown role lists the staff roles only (QA: `service` was offered, then refused).
    const janitor = await cli(['staff', 'create', '--name', 'Bot', '--phone', '0813-5555-0303', '--role', 'janitor']);
    expect({ code: janitor.code, first: janitor.stderr.split('\n')[0] }).toEqual({
      code: 2, first: 'error: --role: "janitor" is not one of admin, manager, supervisor, noc, customer_service, technician, cs, tech',
    });

    const group = await cli(['groups', 'create', '--name', 'Teknisi Bekasi', '--chat-id', '120363000000000099@g.us', '--category', 'technicians', '--zone', 'bekasi']);
    expect(group).toMatchObject({ code: 0, stderr: '' });
    expect(group.stdout).toMatch(/^Category:\s+TECHNICIANS$/m);
    expect(group.stdout).toMatch(/^Types:\s+as routed$/m);
    expect((await cli(['groups', 'list', '--zone', 'bekasi'])).stdout).toContain('120363000000000099@g.us');
  }, 60_000);

  it('prints an unknown ticket as NOT_FOUND on one line of stderr and exits 1', async () => {
    const r = await cli(['tickets', 'get', '00000000-0000-4000-8000-000000000000']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: NOT_FOUND: [^\n]*00000000-0000-4000-8000-000000000000[^\n]*\n$/);
  });

  it('maps other statuses by name: PERMISSION_DENIED for a technician key, UNIMPLEMENTED and UNAVAILABLE naming the service', async () => {
    const port = await freePort();
    const [denied, unimplemented, unavailable] = await Promise.all([
      cli(['customers', 'register', '--name', 'X', '--phone', '081200000000', '--address', 'A', '--zone', 'karawang', '--package', 'P', '--api-key', TECH_KEY]),
      // The ticket service does not serve NotificationService: what a gateway RPC that is
      // not there yet answers.
      cli(['deliveries', 'providers', '--gateway-addr', ticket!.address]),
      cli(['jobs', 'list', '--scheduler-addr', `127.0.0.1:${port}`, '--timeout', '3000']),
    ]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^error: PERMISSION_DENIED: [^\n]+\n$/);
    expect(unimplemented.code).toBe(1);
    expect(unimplemented.stderr).toMatch(new RegExp(`^error: UNIMPLEMENTED: [^\\n]+ \\(gateway service at ${ticket!.address}\\)\\n$`));
    expect(unavailable.code).toBe(1);
    expect(unavailable.stderr).toMatch(new RegExp(`^error: (UNAVAILABLE|DEADLINE_EXCEEDED): [^\\n]+ \\(scheduler service at 127\\.0\\.0\\.1:${port}\\)\\n$`));
  });

  it('reports usage errors (missing flag, unknown command, no key) with exit 2 and calls nothing', async () => {
    const [missing, unknown, noKey] = await Promise.all([
      cli(['tickets', 'create', '--type', 'psb', '--customer', 'c', '--address', 'a', '--zone', 'z']),
      cli(['tickets', 'reopen', 'X']),
      // One address not given (the scheduler's): a local stack's key could have been used, had there been one.
      cli(['tickets', 'list'], { NOTIFY_API_KEY: '', SCHEDULER_ADDR: '' }),
    ]);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr.split('\n')[0]).toBe('error: missing required flag --title');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error: unknown tickets command "reopen"');
    expect(noKey.code).toBe(2);
    // Says why no key was found: no stack.json there (STACK_INFO_FILE), so no local stack's key.
    expect(noKey.stderr.split('\n')[0]).toBe(
      'error: no API key: pass --api-key or set NOTIFY_API_KEY (no running stack found: /nonexistent/notify-stack.json does not exist; npm start writes it and its key file)',
    );
  });

  it('renders a seeded template to the seed text (ticket-sms-notifications.md, Ticket Assigned / To Customer)', async () => {
    const [render, list] = await Promise.all([
      cli([
        'templates', 'render', 'ticket.assigned.disturbance', '--channel', 'sms', '--locale', 'en',
        '--var', 'customer_name=John Doe', '--var', 'ticket_number=TKT-2024-001', '--var', 'technician_name=Jane Doe', '--var', 'technician_phone=254798765432',
      ]),
      cli(['templates', 'list', '--prefix', 'ticket.assigned', '--channel', 'sms']),
    ]);
    expect(render.code).toBe(0);
    expect(render.stdout).toBe('Hi John, your ticket #TKT-2024-001 has been assigned to Jane Doe. They will contact you at +254798765432 shortly.\n');
    expect(render.stderr).toMatch(/^\(version 1, locale EN, \d+ characters, GSM_7, 1 segment\)\n$/);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ticket\.assigned\.disturbance\s+SMS\s+EN\s+1\s+customer_name/m);
    // A --var the template does not use is named (QA: a misspelt one vanished without a word).
    const typo = await cli([
      'templates', 'render', 'ticket.assigned.disturbance', '--channel', 'sms', '--locale', 'en',
      '--var', 'customer_name=John Doe', '--var', 'ticket_number=TKT-2024-001', '--var', 'technician_name=Jane Doe', '--var', 'technician_phone=254798765432', '--var', 'technician_nmae=Jane',
    ]);
    expect(typo.stdout).toBe(render.stdout);
    expect(typo.stderr.split('\n')[1]).toBe('note: --var technician_nmae is not used by ticket.assigned.disturbance v1 (it uses customer_name, technician_name, technician_phone, ticket_number)');

    // A missing variable is the service's INVALID_ARGUMENT naming it.
    const missing = await cli(['templates', 'render', 'ticket.assigned.disturbance', '--channel', 'sms', '--locale', 'en', '--var', 'customer_name=John']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: INVALID_ARGUMENT: [^\n]*ticket_number[^\n]*\n$/);

    // No --channel: a key with WhatsApp and SMS versions renders the WhatsApp one, and says so (QA: --channel was required).
    const vars = ['--var', 'customer_name=John Doe', '--var', 'ticket_number=TKT-2024-001', '--var', 'technician_name=Jane Doe', '--var', 'technician_phone=254798765432'];
    const [both, bothPreview] = await Promise.all([
      cli(['templates', 'render', 'ticket.assigned.disturbance', ...vars]),
      cli(['templates', 'preview', 'ticket.assigned.disturbance']),
    ]);
    expect(both.code).toBe(0);
    expect(both.stdout).toContain('TKT-2024-001');
    expect(both.stderr).toMatch(/^note: ticket\.assigned\.disturbance has WHATSAPP and SMS versions: rendered the WHATSAPP one \(--channel sms for the other\)\n\(version \d+, locale ID, \d+ characters\)\n$/);
    expect(bothPreview.code).toBe(0);
    expect(bothPreview.stderr.split('\n')[0]).toBe('note: ticket.assigned.disturbance has WHATSAPP and SMS versions: rendered the WHATSAPP one (--channel sms for the other)');
    expect((await cli(['templates', 'render', 'no.such.template', '--var', 'a=b'])).stderr).toBe('error: NOT_FOUND: template no.such.template not found (no version on any channel)\n');
    // templates get too.
    const shown = await cli(['templates', 'get', 'ticket.assigned.disturbance']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Channel:\s+WHATSAPP$/m);
    expect(shown.stderr).toBe('note: ticket.assigned.disturbance has WHATSAPP and SMS versions: showing the WHATSAPP one (--channel sms for the other)\n');
  });

  it('edits a template: a new version with the body alone (samples kept), its versions, a roll-back by activate', async () => {
    const key = 'it.notifyctl.edit';
    const created = await cli(['templates', 'edit', key, '--channel', 'whatsapp', '--body', 'Halo {{ customer_name }}', '--samples', '{"customer_name":"Budi"}', '--description', 'QA greeting']);
    // A new key is said so: nothing sends it until a routing rule or a notify names it.
    expect({ code: created.code, stderr: created.stderr }).toEqual({
      code: 0,
      stderr: `(version 1, active: messages use it from now on)\nnote: ${key} is a new template key: nothing sends it until a routing rule (notifyctl routing set --template ${key}) or a notify names it\n`,
    });
    expect(created.stdout).toMatch(/^Version:\s+1 \(active\)$/m);
    // A misspelt key (QA: payment.remider created a template nothing sends) is offered the stored one.
    const typo = await cli(['templates', 'edit', 'payment.remider', '--channel', 'whatsapp', '--body', 'Halo {{ customer_name }}', '--samples', '{"customer_name":"Budi"}']);
    expect(typo.stderr).toMatch(/^note: payment\.remider is a new template key: .*; did you mean payment\.reminder\?$/m);
    // The text alone: samples and description are the latest version's (QA: refused before).
    const dir = mkdtempSync(path.join(tmpdir(), 'notifyctl-edit-'));
    writeFileSync(path.join(dir, 'body.txt'), 'Hai {{ customer_name }}, apa kabar?\n');
    const edited = await cli(['templates', 'edit', key, '--channel', 'whatsapp', '--body-file', path.join(dir, 'body.txt')]);
    expect(edited.code).toBe(0);
    expect(edited.stdout).toMatch(/^Version:\s+2 \(active\)$/m);
    expect(edited.stdout).toMatch(/^Description:\s+QA greeting$/m);
    expect(edited.stderr).toBe('(version 2, active: messages use it from now on)\n');
    expect((await cli(['templates', 'preview', key, '--channel', 'whatsapp'])).stdout).toBe('Hai Budi, apa kabar?\n');
    // A new variable without a sample is the service's INVALID_ARGUMENT naming it.
    const missing = await cli(['templates', 'edit', key, '--channel', 'whatsapp', '--body', 'Hai {{ customer_name }} {{ ticket_number }}']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: INVALID_ARGUMENT: [^\n]*ticket_number/);
    expect((await cli(['templates', 'edit', key, '--channel', 'whatsapp'])).code).toBe(2);
    const versions = await cli(['templates', 'versions', key, '--channel', 'whatsapp']);
    const rows = versions.stdout.split('\n').slice(1, 3);
    expect(rows[0]).toMatch(/^\s*2\s+yes\s+\d{4}-\d\d-\d\d .*Hai \{\{ customer_name \}\}, apa kabar\?$/);
    expect(rows[1]).toMatch(/^\s*1\s+\d{4}-\d\d-\d\d .*Halo \{\{ customer_name \}\}$/);
    // --channel may be left out of edit / versions / activate for a key with one channel only (QA: required);
    // a key with both, or a new key, is asked for it, and nothing changes.
    expect((await cli(['templates', 'versions', key])).stdout).toBe(versions.stdout);
    const both = await cli(['templates', 'edit', 'ticket.assigned.disturbance', '--body', 'x']);
    expect(both.code).toBe(2);
    expect(both.stderr.split('\n')[0]).toBe('error: missing required flag --channel: ticket.assigned.disturbance has WHATSAPP and SMS versions (--channel whatsapp or --channel sms)');
    expect((await cli(['templates', 'edit', 'it.notifyctl.brand.new', '--body', 'x'])).stderr.split('\n')[0]).toBe(
      'error: missing required flag --channel: it.notifyctl.brand.new has no version yet (a new template needs its channel)',
    );
    const rolledBack = await cli(['templates', 'activate', key, '--version', '1']);
    expect(rolledBack.stdout).toMatch(/^Version:\s+1 \(active\)$/m);
    expect((await cli(['templates', 'render', key, '--channel', 'whatsapp', '--var', 'customer_name=Sari'])).stdout).toBe('Halo Sari\n');
    // No --channel for a key with a WhatsApp version only: that one, without a note.
    const only = await cli(['templates', 'render', key, '--var', 'customer_name=Sari']);
    expect(only).toMatchObject({ code: 0, stdout: 'Halo Sari\n' });
    expect(only.stderr).toMatch(/^\(version 1, locale ID, \d+ characters\)\n$/);
    expect((await cli(['templates', 'preview', key])).stdout).toBe('Halo Budi\n');
    // --samples with the new variable only: merged over the latest version's (QA: they replaced them, "missing variable: customer_name").
    const added = await cli(['templates', 'edit', key, '--channel', 'whatsapp', '--body', 'Hai {{ customer_name }}, tiket {{ ticket_number }}', '--samples', '{"ticket_number":"GGN-1"}']);
    expect(added).toMatchObject({ code: 0, stderr: '(version 3, active: messages use it from now on)\n' });
    expect(added.stdout).toMatch(/^Samples:\s+\{"customer_name":"Budi","ticket_number":"GGN-1"\}$/m);
    expect((await cli(['templates', 'preview', key])).stdout).toBe('Hai Budi, tiket GGN-1\n');
    // A template the ticket events render may not need a variable they do not carry (QA: such an
    // edit was stored and every customer was then left out of "TIKET GANGGUAN DITERIMA"), unless asked.
    const unsupplied = ['templates', 'edit', 'ticket.created.disturbance', '--channel', 'whatsapp', '--body', 'Tiket {{ ticket_number }}. CS: {{ cs_phone }}', '--samples', '{"cs_phone":"0267-123456"}'];
    const refused = await cli(unsupplied);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(/^error: INVALID_ARGUMENT: body: uses \{\{ cs_phone \}\}, which the events rendering ticket\.created\.disturbance \(ticket\.created\) do not carry/);
    expect(refused.stderr).toContain('; notifyctl: --allow-unsupplied-variables stores it anyway');
    expect((await cli(['templates', 'versions', 'ticket.created.disturbance', '--channel', 'whatsapp'])).stdout.split('\n').filter((l) => /^\s*\d+\s/.test(l))).toHaveLength(1);
    const forced = await cli([...unsupplied, '--allow-unsupplied-variables', '--inactive']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/^Version:\s+2\b/m);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('shows and changes a customer\'s and a staff member\'s preferences; records an invoice for the payment reminders', async () => {
    const reg = await cli(['--json', 'customers', 'register', '--name', 'Rina Prefs', '--phone', '0812-6666-0101', '--address', 'Jl. Dahlia 1', '--zone', 'karawang', '--package', 'Home 20 Mbps']);
    expect(reg.code).toBe(0);
    const shown = await cli(['customers', 'preferences', '0812-6666-0101']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Quiet hours:\s+none$/m);
    expect(shown.stdout).toMatch(/^Updated:\s+\(defaults: nothing stored\)$/m);
    const changed = await cli(['customers', 'preferences', '0812-6666-0101', '--quiet', '21:00-07:00', '--no-type', 'promotion,upgrade_offer', '--locale', 'en']);
    expect(changed).toMatchObject({ code: 0, stderr: '' });
    expect(changed.stdout).toMatch(/^Quiet hours:\s+21:00-07:00 Asia\/Jakarta \(URGENT messages still go\)$/m);
    expect(changed.stdout).toMatch(/^Opted out of:\s+PROMOTION, UPGRADE_OFFER$/m);
    expect(changed.stdout).toMatch(/^Locale:\s+EN \(English where a text has an English version: the ticket SMS; WhatsApp texts are Indonesian\)$/m);
    expect(changed.stdout).toMatch(/^Channels:\s+WHATSAPP, SMS$/m); // not in the mask: unchanged
    // Only the given fields change: the quiet hours off, the rest kept.
    const off = await cli(['customers', 'preferences', '0812-6666-0101', '--quiet', 'none']);
    expect(off.stdout).toMatch(/^Quiet hours:\s+none$/m);
    expect(off.stdout).toMatch(/^Opted out of:\s+PROMOTION, UPGRADE_OFFER$/m);
    expect((await cli(['customers', 'preferences', '0812-6666-0101', '--quiet', '25:00-07:00'])).code).toBe(2);

    const staff = await cli(['staff', 'create', '--name', 'Agus Prefs', '--phone', '0813-6666-0202', '--role', 'technician', '--zone', 'karawang']);
    expect(staff.code).toBe(0);
    const tech = await cli(['staff', 'preferences', '0813-6666-0202', '--quiet', '22:00-05:00', '--tz', 'Asia/Makassar', '--channels', 'whatsapp']);
    expect(tech).toMatchObject({ code: 0, stderr: '' });
    expect(tech.stdout).toMatch(/^Quiet hours:\s+22:00-05:00 Asia\/Makassar/m);
    expect(tech.stdout).toMatch(/^Channels:\s+WHATSAPP$/m);
    // --tz alone: the stored window in another zone (QA: refused before).
    const moved = await cli(['staff', 'preferences', '0813-6666-0202', '--tz', 'Asia/Jayapura']);
    expect(moved).toMatchObject({ code: 0, stderr: '' });
    expect(moved.stdout).toMatch(/^Quiet hours:\s+22:00-05:00 Asia\/Jayapura/m);
    const nothingToMove = await cli(['customers', 'preferences', '0812-6666-0101', '--tz', 'Asia/Jayapura']); // its quiet hours are off
    expect({ code: nothingToMove.code, first: nothingToMove.stderr.split('\n')[0] }).toEqual({ code: 2, first: 'error: --tz: there are no quiet hours to move; give --quiet HH:MM-HH:MM too' });

    const invoice = await cli(['customers', 'invoice', '0812-6666-0101', '--amount', '150.000', '--due', '2026-12-31', '--description', 'Desember 2026']);
    expect(invoice).toMatchObject({ code: 0, stderr: '' });
    expect(invoice.stdout).toMatch(/^Number:\s+INV-\d{6}-\d{4,}$/m);
    expect(invoice.stdout).toMatch(/^Amount:\s+Rp 150\.000$/m);
    expect(invoice.stdout).toMatch(/^Due:\s+2026-12-31$/m);
    // A due date already past: recorded, with a note that no reminder will go (QA).
    const past = await cli(['customers', 'invoice', '0812-6666-0101', '--amount', '90000', '--due', '2020-01-31']);
    expect(past.code).toBe(0);
    expect(past.stderr).toMatch(/^note: 2020-01-31 is past \(today \d{4}-\d\d-\d\d WIB\): the payment_reminder job reminds 7, 3 and 1 days before the due date, so none will go out for it\n$/);
    expect(invoice.stderr).toBe('');
    const bad = await cli(['customers', 'invoice', '0812-6666-0101', '--amount=12,5', '--due', '2026-12-31']);
    expect({ code: bad.code, first: bad.stderr.split('\n')[0] }).toEqual({ code: 2, first: 'error: --amount: "12,5" is not a whole rupiah amount (write 150000 or 150.000)' });
  }, 30_000);

  it('takes a phone for a customer or a staff member: deliveries notify --to-customer / --to-staff, tickets create / list --customer, assign / list --technician', async () => {
    const staff = await cli(['--json', 'staff', 'create', '--name', 'Hadi Telepon', '--phone', '0813-8888-0202', '--role', 'technician', '--zone', 'karawang']);
    const reg = await cli(['--json', 'customers', 'register', '--name', 'Lina Telepon', '--phone', '0812-8888-0101', '--address', 'Jl. Flamboyan 2, Karawang', '--zone', 'karawang', '--package', 'Home 30 Mbps']);
    expect(reg).toMatchObject({ code: 0, stderr: '' });
    expect(staff).toMatchObject({ code: 0, stderr: '' });
    const custId = (JSON.parse(reg.stdout) as { customer: { id: string } }).customer.id;
    const staffId = (JSON.parse(staff.stdout) as { staff: { id: string } }).staff.id;

    // tickets create / assign / list by phone (QA: `customer_id: must be a UUID`).
    const created = await cli(['tickets', 'create', '--type', 'gangguan', '--customer', '0812-8888-0101', '--title', 'Wifi putus', '--address', 'Jl. Flamboyan 2, Karawang', '--zone', 'karawang']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    // The customer by name beside the id (QA: a bare id), as the technician.
    expect(created.stdout).toMatch(new RegExp(`^Customer:\\s+Lina Telepon \\(${custId}\\)$`, 'm'));
    const number = /^Number:\s+(\S+)$/m.exec(created.stdout)![1]!;
    const assigned = await cli(['tickets', 'assign', number, '--technician', '+62 813 8888 0202']);
    expect(assigned).toMatchObject({ code: 0, stderr: '' });
    expect(assigned.stdout).toMatch(new RegExp(`^Technician:\\s+Hadi Telepon \\(${staffId}\\)$`, 'm'));
    // assign names the customer too, as every single-ticket command (QA: the bare id).
    expect(assigned.stdout).toMatch(new RegExp(`^Customer:\\s+Lina Telepon \\(${custId}\\)$`, 'm'));
    const [byCustomer, byTechnician] = await Promise.all([
      cli(['tickets', 'list', '--customer', '+62 812 8888 0101']),
      cli(['tickets', 'list', '--technician', '0813-8888-0202']),
    ]);
    for (const listed of [byCustomer, byTechnician]) {
      expect(listed).toMatchObject({ code: 0, stderr: '' });
      expect(listed.stdout.trimEnd().split('\n').slice(1)).toEqual([expect.stringMatching(new RegExp(`^\\S+\\s+${number}\\s+DISTURBANCE\\s+ASSIGNED\\s.*Hadi Telepon`))]);
    }

    // deliveries notify to a customer and a staff member by phone: the deliveries are theirs (by id, with their names).
    const vars = ['--var', 'customer_name=Lina', '--var', 'customer_id=CUST-7', '--var', 'package_name=Home 30 Mbps', '--var', 'activated_at=2026-11-22T09:00:00+07:00', '--var', 'support_phone=6281100000000'];
    const sent = await cli(['--json', 'deliveries', 'notify', '--type', 'welcome', '--to-customer', '0812-8888-0101', '--to-staff', '0813 8888 0202', '--priority', 'urgent', ...vars]);
    expect(sent).toMatchObject({ code: 0, stderr: '' });
    const deliveries = (JSON.parse(sent.stdout) as { deliveries: Array<{ recipient: string; recipientName?: string }> }).deliveries;
    expect(deliveries.map((d) => d.recipient).sort()).toEqual(['6281288880101', '6281388880202']);
    // A phone nobody has: the look-up's NOT_FOUND naming it (QA: `customer 0812-3456-7890 not found`, as if an id).
    const [unknownCustomer, unknownStaff] = await Promise.all([
      cli(['deliveries', 'notify', '--type', 'welcome', '--to-customer', '0899-0000-1111', ...vars]),
      cli(['deliveries', 'notify', '--type', 'welcome', '--to-staff', '0899-0000-2222', ...vars]),
    ]);
    expect(unknownCustomer).toMatchObject({ code: 1, stdout: '', stderr: 'error: NOT_FOUND: customer with phone 6289900001111 not found\n' });
    expect(unknownStaff).toMatchObject({ code: 1, stdout: '', stderr: 'error: NOT_FOUND: staff with phone 6289900002222 not found\n' });
    expect((await cli(['tickets', 'create', '--type', 'psb', '--customer', '0899-0000-1111', '--title', 'x', '--address', 'a', '--zone', 'karawang'])).stderr).toBe(
      'error: NOT_FOUND: customer with phone 6289900001111 not found\n',
    );
    // A WhatsApp group by its chat id (QA: NOT_FOUND as a group id); a chat id no group has is said so.
    const chatId = `120363${Date.now()}@g.us`;
    const group = await cli(['--json', 'groups', 'create', '--name', 'Teknisi Telepon', '--chat-id', chatId, '--category', 'technicians']);
    expect(group.code).toBe(0);
    const groupId = (JSON.parse(group.stdout) as { group: { id: string } }).group.id;
    const alert = ['--var', 'alert_type=Uji', '--var', 'area=Karawang', '--var', 'customers_affected=1', '--var', 'status=Uji', '--var', 'eta=1 jam'];
    const toGroup = await cli(['--json', 'deliveries', 'notify', '--type', 'emergency_alert', '--to-group', chatId, ...alert]);
    expect(toGroup).toMatchObject({ code: 0, stderr: '' });
    expect((JSON.parse(toGroup.stdout) as { deliveries: Array<{ recipient: string; recipientId: string }> }).deliveries).toMatchObject([{ recipient: chatId, recipientId: groupId }]);
    expect(await cli(['deliveries', 'notify', '--type', 'emergency_alert', '--to-group', '120363000000000999@g.us', ...alert])).toMatchObject({
      code: 1, stdout: '', stderr: 'error: no group has the chat id 120363000000000999@g.us (notifyctl groups list shows them)\n',
    });
    // By its name too, in any case (QA: --to-group "Teknisi Karawang" was NOT_FOUND as a group id); a name no group has is said so.
    const named = `Grup Uji ${Date.now()}`;
    const namedChat = `120363${Date.now() + 1}@g.us`;
    expect((await cli(['groups', 'create', '--name', named, '--chat-id', namedChat, '--category', 'technicians'])).code).toBe(0);
    const byName = await cli(['--json', 'deliveries', 'notify', '--type', 'emergency_alert', '--to-group', named.toUpperCase(), ...alert]);
    expect(byName).toMatchObject({ code: 0, stderr: '' });
    expect((JSON.parse(byName.stdout) as { deliveries: Array<{ recipient: string }> }).deliveries.map((d) => d.recipient)).toEqual([namedChat]);
    expect(await cli(['deliveries', 'notify', '--type', 'emergency_alert', '--to-group', 'Tim Hantu', ...alert])).toMatchObject({
      code: 1, stdout: '', stderr: 'error: no group is named "Tim Hantu", and it is no group id (UUID) or chat id (…@g.us); notifyctl groups list shows them\n',
    });

    // Quiet hours around now: a NORMAL message waits, and deliveries list says until when (QA: only show did).
    const hour = (new Date().getUTCHours() + 7) % 24;
    const hh = (h: number) => String((h + 24) % 24).padStart(2, '0');
    expect((await cli(['customers', 'preferences', '0812-8888-0101', '--quiet', `${hh(hour - 1)}:00-${hh(hour + 2)}:00`])).code).toBe(0);
    const held = await cli(['--json', 'deliveries', 'notify', '--type', 'welcome', '--to-customer', '0812-8888-0101', '--priority', 'normal', ...vars]);
    expect(held.code).toBe(0);
    const notificationId = (JSON.parse(held.stdout) as { notification: { id: string } }).notification.id;
    const row = await waitFor(async () => {
      const r = await cli(['deliveries', 'list', '--notification', notificationId]);
      return r.stdout.split('\n').find((l) => /\sDEFERRED until /.test(l));
    }, { timeoutMs: 20_000, intervalMs: 250, description: 'delivery DEFERRED' });
    expect(row).toMatch(new RegExp(`\\sDEFERRED until \\d{4}-\\d\\d-\\d\\d ${hh(hour + 2)}:00 WIB \\(quiet hours\\)\\s`));
    // Several statuses: any of them (QA: --status failed,dead was refused).
    const waiting = await cli(['deliveries', 'list', '--notification', notificationId, '--status', 'queued,deferred', '--status', 'failed']);
    expect(waiting.code).toBe(0);
    expect(waiting.stdout.trimEnd().split('\n').slice(1)).toEqual([expect.stringMatching(/\sDEFERRED until /)]);
    const gone = await cli(['deliveries', 'list', '--notification', notificationId, '--status', 'sent,dead']);
    expect(gone.stdout.trimEnd().split('\n').slice(1)).toEqual(['(none)']);
  }, 60_000);

  it('deliveries notify says on stderr when it reached nobody, and why, pointing to notifications show', async () => {
    const zone = `tiada${Math.floor(Math.random() * 1e6)}`;
    const sent = await cli([
      'deliveries', 'notify', '--type', 'maintenance', '--audience', `area_customers:zone=${zone}`,
      '--var', 'maintenance_type=Perbaikan', '--var', 'area=Tiada', '--var', 'start_at=2026-12-08T01:00:00+07:00', '--var', 'duration_minutes=30',
      '--var', 'impact=Lambat', '--var', 'reason=Tiang',
    ]);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^Deliveries:\s+0$/m);
    const id = /^Notification:\s+(\S+)$/m.exec(sent.stdout)![1]!;
    expect(sent.stderr).toBe(`note: reached nobody: the routing rules, preferences and opt-outs left nobody (an audience with no one active in it?); see notifyctl notifications show ${id}\n`);
  }, 30_000);

  it('campaigns schedule --send-at: a plain span is refused with a hint, +1h is an hour from now; the creator is labelled as on tickets; jobs trigger shows the run QUEUED', async () => {
    const base = [
      'campaigns', 'schedule', '--name', 'Perbaikan Karawang', '--kind', 'maintenance', '--template', 'maintenance.notice', '--audience', 'area_customers:zone=karawang',
      // Two days ahead: a start before the send time is noted (campaignDatesNote).
      '--var', 'maintenance_type=Perbaikan', '--var', 'area=Karawang', '--var', `start_at=${new Date(Date.now() + 2 * 86_400_000).toISOString()}`, '--var', 'duration_minutes=30',
      '--var', 'impact=Lambat', '--var', 'reason=Tiang',
    ];
    // QA: `--send-at 1h` was an hour ago ("send_at … is in the past"); now a usage error that says how.
    const ago = await cli([...base, '--send-at', '1h']);
    expect(ago).toMatchObject({ code: 2, stdout: '' });
    expect(ago.stderr.split('\n')[0]).toBe('error: --send-at: "1h" is 1 hour ago; for 1 hour from now write +1h');
    // An active customer in Karawang (this test on its own has none otherwise): the campaign reaches someone.
    expect((await cli(['customers', 'register', '--name', 'Karta Aktif', '--phone', '0812-9999-0301', '--address', 'Jl. Kenari 3, Karawang', '--zone', 'karawang', '--package', 'Home 20 Mbps'])).code).toBe(0);
    expect((await cli(['customers', 'activate', '0812-9999-0301'])).code).toBe(0);
    const before = Date.now();
    const scheduled = await cli(['--json', ...base, '--send-at', '+1h']);
    expect(scheduled).toMatchObject({ code: 0, stderr: '' });
    const campaign = (JSON.parse(scheduled.stdout) as { campaign: { id: string; sendAt: string; status: string } }).campaign;
    expect(campaign.status).toBe('CAMPAIGN_STATUS_SCHEDULED');
    expect(Date.parse(campaign.sendAt) - before).toBeGreaterThanOrEqual(3_600_000 - 1000);
    expect(Date.parse(campaign.sendAt) - Date.now()).toBeLessThanOrEqual(3_600_000);
    // Made with the admin key: `staff:admin`, as a ticket made with it is (QA: `system (admin)`).
    const shown = await cli(['campaigns', 'show', campaign.id]);
    expect(shown).toMatchObject({ code: 0, stderr: '' });
    expect(shown.stdout).toMatch(/^Created:\s+\d{4}-\d\d-\d\d \d\d:\d\d WIB by staff:admin$/m);
    const ticket = await cli(['tickets', 'list', '--limit', '1']);
    const ticketNumber = ticket.stdout.split('\n')[1]!.split(/\s+/)[1]!;
    expect((await cli(['tickets', 'get', ticketNumber])).stdout).toMatch(/^Created:\s+.* by staff:admin$/m);
    expect((await cli(['campaigns', 'cancel', campaign.id, '--reason', 'test'])).code).toBe(0);
    // Audiences that reach nobody now are scheduled, and said so (QA: a zone nobody lives in, unknown ids: silent, then SENT to nobody).
    const nobody = await cli([...base.map((a) => (a === 'area_customers:zone=karawang' ? 'area_customers:zone=atlantis' : a)), '--audience', 'customer:customer=00000000-0000-0000-0000-000000000000', '--send-at', '+1h']);
    expect({ code: nobody.code, error: nobody.code === 0 ? '' : nobody.stderr }).toEqual({ code: 0, error: '' });
    const nobodyId = /^ID:\s+(\S+)$/m.exec(nobody.stdout)![1]!;
    expect(nobody.stderr).toBe(
      `note: its audiences reach nobody now (left out: 00000000-0000-0000-0000-000000000000: not found); they are resolved again at the send time (notifyctl campaigns cancel ${nobodyId} withdraws it)\n`,
    );
    expect((await cli(['campaigns', 'cancel', nobodyId, '--reason', 'test'])).code).toBe(0);

    // jobs trigger: the run is queued, and its row says so (QA: RUNNING with no start time).
    const triggered = await cli(['jobs', 'trigger', 'weekly_performance']);
    expect(triggered.code).toBe(0);
    expect(triggered.stdout.trimEnd().split('\n')[1]).toMatch(/^\S+\s+weekly_performance\s+MANUAL\s+QUEUED\s+1\s+0$/);
    expect(triggered.stderr).toBe(
      'queued: it runs in the background in a moment; notifyctl jobs runs --job weekly_performance shows how it ends\n' +
      'note: each run of weekly_performance sends every technician their weekly report again, also after the scheduled one (the SLA monitor and payment reminders remind once)\n',
    );
  }, 60_000);

  it('prints help for the CLI and for a group with exit 0', async () => {
    const [main, group] = await Promise.all([cli(['--help']), cli(['deliveries', '--help'])]);
    expect(main.code).toBe(0);
    for (const g of ['tickets', 'customers', 'staff', 'groups', 'templates', 'deliveries', 'jobs', 'campaigns']) expect(main.stdout).toContain(`  ${g}: `);
    expect(group.code).toBe(0);
    expect(group.stdout).toContain('notifyctl deliveries show <delivery-id> [flags]');
    expect(group.stdout).toContain('--to-phone <phone>');
  });

  it('stops quietly when its reader closes the pipe (`notifyctl … | head -1`): no EPIPE stack', async () => {
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/notifyctl.js'), '--json', 'deliveries', 'list', '--limit', '200'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, STACK_INFO_FILE: '/nonexistent/notify-stack.json', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.destroy(); // the reader is gone before the first line
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(run.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(run.code).toBe(0);
  });

  it('tickets escalate notes an escalation its routing rules tell nobody of (no manager on record for level 2); none once a manager is', async () => {
    const reg = await cli(['--json', 'customers', 'register', '--name', 'Eko Eskalasi', '--phone', '0812-9999-0101', '--address', 'Jl. Cempaka 1, Cikarang', '--zone', 'cikarang', '--package', 'Home 20 Mbps']);
    const custId = (JSON.parse(reg.stdout) as { customer: { id: string } }).customer.id;
    const open = async () => {
      const made = await cli(['--json', 'tickets', 'create', '--type', 'gangguan', '--customer', custId, '--title', 'Putus total', '--address', 'Jl. Cempaka 1', '--zone', 'cikarang']);
      return (JSON.parse(made.stdout) as { ticket: { id: string } }).ticket.id;
    };
    const first = await cli(['tickets', 'escalate', await open(), '--level', '2', '--reason', 'SLA terlewati']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Escalation:\s+level 2: SLA terlewati$/m);
    expect(first.stderr).toMatch(/^note: nobody is told of this escalation to level 2: its routing rules reach no active staff member or group in zone "cikarang"/);
    expect((await cli(['staff', 'create', '--name', 'Hendra Manajer', '--phone', '0813-9999-0101', '--role', 'manager'])).code).toBe(0);
    const second = await cli(['tickets', 'escalate', await open(), '--level', '2', '--reason', 'SLA terlewati']);
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('customers invoice takes whole rupiah only and names the customer; invoices lists them; invoice-paid / invoice-cancel mark them once; a paid one is not cancelled', async () => {
    const reg = await cli(['--json', 'customers', 'register', '--name', 'Wati Tagihan', '--phone', '0812-9999-0201', '--address', 'Jl. Anggrek 3, Karawang', '--zone', 'karawang', '--package', 'Home 30 Mbps']);
    expect(reg.code).toBe(0);
    const custId = (JSON.parse(reg.stdout) as { customer: { id: string } }).customer.id;

    // QA: `--amount 150000.50` was stored as Rp 15.000.050 (and 1.5 as Rp 15): refused, nothing recorded.
    for (const amount of ['150000.50', '1.5', '150.000,50']) {
      const refused = await cli(['customers', 'invoice', '0812-9999-0201', '--amount', amount, '--due', '+7d']);
      expect({ code: refused.code, stdout: refused.stdout, first: refused.stderr.split('\n')[0] }).toEqual({
        code: 2,
        stdout: '',
        first: `error: --amount: "${amount}" is not a whole rupiah amount (write 150000 or 150.000)`,
      });
    }
    const invoiceArgs = ['customers', 'invoice', '0812-9999-0201', '--amount', 'Rp 1.250.500', '--due', '2027-01-10', '--description', 'Januari 2027', '--request-id', `wati-${custId}`];
    const made = await cli(invoiceArgs);
    expect(made).toMatchObject({ code: 0, stderr: '' });
    expect(made.stdout).toMatch(new RegExp(`^Customer:\\s+Wati Tagihan \\(${custId}\\)$`, 'm'));
    expect(made.stdout).toMatch(/^Amount:\s+Rp 1\.250\.500$/m);
    expect(made.stdout).toMatch(/^Status:\s+UNPAID$/m);
    const number = /^Number:\s+(\S+)$/m.exec(made.stdout)![1]!;
    // The billing system's retry with the same key: the same invoice, said to be a replay, no second one.
    const retried = await cli(invoiceArgs);
    expect(retried).toMatchObject({ code: 0, stderr: `note: --request-id wati-${custId} was used before: this is the invoice it created (${number}); nothing new was stored\n` });
    expect(/^Number:\s+(\S+)$/m.exec(retried.stdout)![1]).toBe(number);
    const typo = await cli(['--json', 'customers', 'invoice', custId, '--amount', '150,000', '--due', '2027-02-10', '--number', `WATI-${custId.slice(0, 8)}`]);
    expect(typo.code).toBe(0);
    const typoInvoice = (JSON.parse(typo.stdout) as { invoice: { id: string; number: string; amountRupiah: string } }).invoice;
    expect(typoInvoice.amountRupiah).toBe('150000');

    // The customer's invoices, newest due date first.
    const listed = await cli(['customers', 'invoices', '0812-9999-0201']);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^NUMBER\s+CUSTOMER\s+AMOUNT\s+DUE\s+STATUS\s+DESCRIPTION$/),
      expect.stringMatching(new RegExp(`^${typoInvoice.number}\\s+Wati Tagihan\\s+Rp 150\\.000\\s+2027-02-10\\s+UNPAID$`)),
      expect.stringMatching(new RegExp(`^${number}\\s+Wati Tagihan\\s+Rp 1\\.250\\.500\\s+2027-01-10\\s+UNPAID\\s+Januari 2027$`)),
    ]);

    // Paid (by number): the reminders stop, the customer is told; again: nothing changes, said on stderr.
    const paid = await cli(['customers', 'invoice-paid', number]);
    expect(paid).toMatchObject({ code: 0, stderr: `note: the customer is sent the payment confirmation (PEMBAYARAN DITERIMA); reminders of ${number} still waiting are withdrawn\n` });
    expect(paid.stdout).toMatch(/^Status:\s+PAID$/m);
    expect(paid.stdout).toMatch(/^Paid:\s+\d{4}-\d\d-\d\d \d\d:\d\d WIB by admin$/m);
    expect(paid.stdout).toMatch(new RegExp(`^Customer:\\s+Wati Tagihan \\(${custId}\\)$`, 'm'));
    const again = await cli(['customers', 'invoice-paid', number]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Status:\s+PAID$/m);
    expect(again.stderr).toMatch(new RegExp(`^note: invoice ${number} was PAID already \\(since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d WIB\\); nothing changed\n$`));
    // A paid invoice is not cancelled.
    const refused = await cli(['customers', 'invoice-cancel', number]);
    expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(new RegExp(`^error: FAILED_PRECONDITION: invoice ${number} is PAID; it cannot become VOID`));
    // The mistyped one cancelled (by id), with the reason.
    const cancelled = await cli(['customers', 'invoice-cancel', typoInvoice.id, '--reason', 'salah input']);
    expect(cancelled).toMatchObject({ code: 0, stderr: `note: reminders of ${typoInvoice.number} still waiting are withdrawn\n` });
    expect(cancelled.stdout).toMatch(/^Status:\s+CANCELLED$/m);
    expect(cancelled.stdout).toMatch(/^Reason:\s+salah input$/m);

    expect((await cli(['customers', 'invoices', custId, '--status', 'unpaid'])).stdout.trimEnd().split('\n').slice(1)).toEqual(['(none)']);
    const done = await cli(['customers', 'invoices', '--status', 'paid,cancelled', '--limit', '500']);
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(new RegExp(`^${number}\\s+Wati Tagihan\\s+Rp 1\\.250\\.500\\s+2027-01-10\\s+PAID\\s`, 'm'));
    expect(done.stdout).toMatch(new RegExp(`^${typoInvoice.number}\\s+Wati Tagihan\\s+Rp 150\\.000\\s+2027-02-10\\s+CANCELLED`, 'm'));
    expect((await cli(['customers', 'invoices', '--status', 'lunas'])).code).toBe(2);
    const unknown = await cli(['customers', 'invoice-paid', 'INV-190001-0001']);
    expect({ code: unknown.code, first: unknown.stderr.split('\n')[0] }).toEqual({ code: 1, first: 'error: NOT_FOUND: invoice with number INV-190001-0001 not found' });
  });

  it('customers update changes only the flags given (--package "" clears it; a phone another customer has is ALREADY_EXISTS); customers suspend isolirs an ACTIVE customer once, activate brings them back', async () => {
    const reg = await cli(['--json', 'customers', 'register', '--name', 'Joko Pindah', '--phone', '0812-6666-0301', '--address', 'Jl. Lama 1', '--zone', 'karawang', '--package', 'Home 20 Mbps']);
    expect(reg.code).toBe(0);
    const custId = (JSON.parse(reg.stdout) as { customer: { id: string } }).customer.id;
    await cli(['customers', 'register', '--name', 'Tetangga', '--phone', '0812-6666-0302', '--address', 'Jl. Lama 2', '--zone', 'karawang', '--package', 'Home 20 Mbps']);

    // By phone: the new phone and zone; name, address and package kept.
    const moved = await cli(['customers', 'update', '0812-6666-0301', '--phone', '+62 812-6666-0399', '--zone', 'Karawang Barat']);
    expect(moved).toMatchObject({ code: 0, stderr: '' });
    expect(moved.stdout).toMatch(/^Phone:\s+6281266660399$/m);
    expect(moved.stdout).toMatch(/^Work zone:\s+karawang-barat$/m);
    expect(moved.stdout).toMatch(/^Name:\s+Joko Pindah$/m);
    expect(moved.stdout).toMatch(/^Address:\s+Jl\. Lama 1$/m);
    expect(moved.stdout).toMatch(/^Package:\s+Home 20 Mbps$/m);
    // By id, --json: the package cleared, the address changed.
    const cleared = await cli(['--json', 'customers', 'update', custId, '--package', '', '--address', 'Jl. Baru 7']);
    expect(cleared.code).toBe(0);
    expect((JSON.parse(cleared.stdout) as { customer: Record<string, unknown> }).customer).toMatchObject({ id: custId, address: 'Jl. Baru 7', phone: '6281266660399', name: 'Joko Pindah' });
    expect((JSON.parse(cleared.stdout) as { customer: Record<string, unknown> }).customer.packageName).toBeUndefined();
    const taken = await cli(['customers', 'update', custId, '--phone', '0812-6666-0302']);
    expect({ code: taken.code, stdout: taken.stdout }).toEqual({ code: 1, stdout: '' });
    expect(taken.stderr).toMatch(/^error: ALREADY_EXISTS: phone 6281266660302 already belongs to customer [0-9a-f-]{36}$/m);
    expect((await cli(['customers', 'update', custId, '--name', ''])).stderr.split('\n')[0]).toBe('error: INVALID_ARGUMENT: customer.name: is required');
    expect((await cli(['customers', 'update', custId])).stderr.split('\n')[0]).toBe('error: nothing to change: give --name, --phone, --address, --zone or --package');

    // Suspend: a PENDING customer is not; an ACTIVE one is, once; activate brings them back.
    const pending = await cli(['customers', 'suspend', custId, '--reason', 'tunggakan']);
    expect({ code: pending.code, stdout: pending.stdout }).toEqual({ code: 1, stdout: '' });
    expect(pending.stderr).toMatch(/^error: FAILED_PRECONDITION: customer \S+ is PENDING/);
    expect((await cli(['customers', 'suspend', custId])).code).toBe(2);
    expect((await cli(['customers', 'activate', custId])).code).toBe(0);
    const suspended = await cli(['customers', 'suspend', '0812-6666-0399', '--reason', 'tunggakan Desember 2026']);
    expect(suspended).toMatchObject({ code: 0, stderr: '' });
    expect(suspended.stdout).toMatch(/^Status:\s+SUSPENDED$/m);
    expect(suspended.stdout).toMatch(/^Suspended:\s+\d{4}-\d\d-\d\d \d\d:\d\d WIB by admin$/m);
    expect(suspended.stdout).toMatch(/^Suspension reason:\s+tunggakan Desember 2026$/m);
    const again = await cli(['--json', 'customers', 'suspend', custId, '--reason', 'lagi']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ customer: { status: 'CUSTOMER_STATUS_SUSPENDED', suspensionReason: 'tunggakan Desember 2026' } });
    const againText = await cli(['customers', 'suspend', custId, '--reason', 'lagi']);
    expect(againText.stderr).toMatch(/^note: customer Joko Pindah was SUSPENDED already \(since \d{4}-\d\d-\d\d \d\d:\d\d WIB\); nothing changed\n$/);
    expect((await cli(['customers', 'list', '--status', 'suspended'])).stdout).toMatch(/Joko Pindah\s+6281266660399\s+SUSPENDED/);
    const back = await cli(['customers', 'activate', custId]);
    expect(back.stdout).toMatch(/^Status:\s+ACTIVE$/m);
    expect(back.stdout).not.toMatch(/^Suspended:/m);
    expect((await cli(['customers', 'suspend', '--help'])).stdout).toMatch(/customers activate/);
  });
});
