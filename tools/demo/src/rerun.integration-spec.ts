/**
 * `npm run demo` run again against a stack that also has an operator's tickets, as the QA tester
 * did: the five services in this process (tools/stack's startEmbeddedStack on free ports, no
 * rate limit, API keys generated into its data folder) against the loopback Postgres.
 * - Only the demo's own OPEN Karawang tickets are cancelled before step 2 (the seeds' customer
 *   and DEMO_GANGGUAN's title): an operator's tickets in Karawang — another customer's, and one
 *   for the seeds' customer — stay OPEN and their customers get nothing.
 * - The demo as a process (`node … tools/demo/src/main.ts`, what `npm run demo` runs) with
 *   STACK_INFO_FILE naming the stack's stack.json in another folder and no NOTIFY_API_KEY: it
 *   takes the admin key from the key file stack.json names (`apiKeys.file`) and plays the whole
 *   story.
 * - The delivery ids it prints are whole: `notifyctl deliveries show <id>` finds them; step 6's
 *   SLA deadline is printed in WIB.
 * - A demo process whose step fails (DEMO_STEP_TIMEOUT_MS=1: step 2 cannot get its messages in
 *   time) still cancels the ticket it opened, exits 1 with the step's error, and the error names
 *   the routing rules to check.
 */
// The story needs the real services, which tools/stack composes in one process: this test
// fixture crosses the project boundary on purpose (the demo's own code never imports tools/stack).
/* eslint-disable @nx/enforce-module-boundaries */
import { startEmbeddedStack, type EmbeddedStack } from '../../stack/src/embedded-stack';
/* eslint-enable @nx/enforce-module-boundaries */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeStackInfoFile } from '@notify/config';
import { callUnary, createClient } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { commonv1, customerv1, ticketv1 } from '@notify/proto';
import { createTestSchema, type TestSchema } from '@notify/testing';
import { DEMO_GANGGUAN, isDemoGangguan, playScenario, type ScenarioOptions, type ScenarioResult } from './scenario';
import { formatWib } from './wib';

const ROOT = path.resolve(__dirname, '../../..');
const SERVICES = ['template', 'customer', 'ticket', 'scheduler', 'gateway'] as const;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node <args>` from the repository root with exactly `env` (plus PATH); resolves when it
 * exits. `signalWhen`: the signal is sent once, when stderr first matches.
 */
function runNode(
  args: string[], env: Record<string, string>, timeoutMs: number, signalWhen?: { stderr: RegExp; signal: NodeJS.Signals },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (signalWhen && !signalled && signalWhen.stderr.test(stderr)) {
        signalled = true;
        child.kill(signalWhen.signal);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run demo again, on a stack with an operator\'s tickets', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'notify-demo-rerun-'));
  /** The demo process's NOTIFY_DATA_DIR: empty (no api-keys.json), as the default .notify-data is for a stack kept elsewhere. */
  const demoDataDir = mkdtempSync(path.join(tmpdir(), 'notify-demo-rerun-own-'));
  const stackFile = path.join(dataDir, 'qa', 'stack.json');
  const schemas: Partial<Record<(typeof SERVICES)[number], TestSchema>> = {};
  let stack: EmbeddedStack;
  let adminKey: string;
  let tickets: ticketv1.TicketServiceClient;
  let customers: customerv1.CustomerServiceClient;
  let target: Omit<ScenarioOptions, 'lastStep'>;

  beforeAll(async () => {
    const env: Record<string, string> = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      STACK_PORTS: 'auto',
      NOTIFY_DATA_DIR: dataDir,
      RECIPIENT_RATE_LIMIT: '0',
      SHUTDOWN_GRACE_MS: '2000',
    };
    for (const svc of SERVICES) {
      const schema = await createTestSchema(`demo_rerun_${svc}`);
      schemas[svc] = schema;
      env['DATABASE_URL'] = schema.url;
      env[`${svc.toUpperCase()}_DATABASE_SCHEMA`] = schema.schema;
    }
    stack = await startEmbeddedStack({ env, cwd: dataDir, logger: (component) => createLogger({ service: component, level: 'silent' }) });
    const { keys, ...rest } = stack.info;
    if (!keys.adminKey || keys.source === 'environment') throw new Error('expected keys generated into the data folder');
    adminKey = keys.adminKey;
    // What `npm start` writes (this process is the stack), at a path of its own: STACK_INFO_FILE.
    writeStackInfoFile(stackFile, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      runner: 'npm start',
      ...rest,
      apiKeys: { source: keys.source, file: path.join(stack.info.dataRoot, 'api-keys.json') },
    });
    const sims = stack.info.providers.mode === 'simulators' ? stack.info.providers.urls : undefined;
    if (!sims) throw new Error('expected the simulators');
    tickets = createClient(ticketv1.TicketServiceClient, stack.info.grpc.ticket, { apiKey: adminKey });
    customers = createClient(customerv1.CustomerServiceClient, stack.info.grpc.customer, { apiKey: adminKey });
    target = { addresses: stack.info.grpc, apiKey: adminKey, sims, webhookUrl: stack.info.webhookUrl, stepTimeoutMs: 20_000, settleMs: 300 };
  }, 120_000);

  afterAll(async () => {
    for (const c of [tickets, customers]) (c as unknown as { close(): void } | undefined)?.close();
    await stack?.stop();
    for (const s of Object.values(schemas)) await s.dropSchema();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(demoDataDir, { recursive: true, force: true });
  }, 60_000);

  const statusOf = async (id: string): Promise<string> => ticketv1.TicketStatus[(await callUnary(tickets, 'getTicket', { id })).ticket!.status];
  const operatorTicket = (customer: customerv1.Customer, title: string) =>
    callUnary(tickets, 'createTicket', {
      type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
      customerId: customer.id,
      title,
      description: '',
      address: customer.address,
      priority: commonv1.Priority.PRIORITY_NORMAL,
      workZone: 'karawang',
      requestId: '',
      actor: undefined,
    }).then((r) => r.ticket!);

  let interrupted: ScenarioResult;
  let secondRun: ScenarioResult;
  let operators: ticketv1.Ticket[];

  it("cancels only the OPEN Karawang ticket an earlier demo run left, not the operator's (another customer's, or the seeds' customer's)", async () => {
    // An earlier run stopped after step 2: its ticket stays OPEN.
    interrupted = await playScenario({ ...target, lastStep: 2 });
    const left = interrupted.tickets.gangguan!;
    expect([left.title, left.description, ticketv1.TicketStatus[left.status]]).toEqual([DEMO_GANGGUAN.title, DEMO_GANGGUAN.description, 'TICKET_STATUS_OPEN']);
    // The operator's own tickets in Karawang.
    const other = (
      await callUnary(customers, 'registerCustomer', {
        name: 'Dewi Lestari',
        phone: '081377700001',
        address: 'Jl. Kertabumi 12, Karawang',
        workZone: 'karawang',
        packageName: 'Home 30 Mbps',
        wantsInstallation: false,
        locale: commonv1.Locale.LOCALE_ID,
        actor: undefined,
      })
    ).customer!;
    operators = [await operatorTicket(other, 'Internet putus'), await operatorTicket(interrupted.directory.customer, 'Internet mati')];
    // The earlier run had got as far as a technician's "1": its ticket is ASSIGNED, not OPEN (QA).
    await callUnary(tickets, 'assignTicket', { ticketId: left.id, technicianId: interrupted.directory.technicians.karawang[0]!.id, reassign: false, expectedVersion: 0, actor: undefined });
    expect(await statusOf(left.id)).toBe('TICKET_STATUS_ASSIGNED');

    secondRun = await playScenario({ ...target, lastStep: 2 });
    expect(secondRun.steps[1]!.notes[0]).toBe(
      `cancelled 1 unfinished ticket(s) an earlier demo run left (${left.number}: the seeds' customer, "${DEMO_GANGGUAN.title}"), so the technician's "1" takes this run's ticket`,
    );
    expect(await statusOf(left.id)).toBe('TICKET_STATUS_CANCELLED');
    for (const t of operators) expect(await statusOf(t.id)).toBe('TICKET_STATUS_OPEN');
  }, 90_000);

  it('the demo process finds the key through STACK_INFO_FILE (stack.json names the key file), plays the whole story, and prints whole delivery ids notifyctl shows', async () => {
    const demo = await runNode(
      ['-r', path.join(ROOT, 'tools/runtime/swc-register.js'), path.join(ROOT, 'tools/demo/src/main.ts'), '--json', '--no-start'],
      {
        STACK_INFO_FILE: stackFile,
        NOTIFY_DATA_DIR: demoDataDir,
        TICKET_DATABASE_SCHEMA: schemas.ticket!.schema,
        DEMO_STEP_TIMEOUT_MS: '20000',
        DEMO_SETTLE_MS: '300',
        DEMO_FONNTE_DOWN_MS: '3000',
        NO_COLOR: '1',
      },
      150_000,
    );
    expect(demo.stderr).not.toContain('no API key');
    expect(demo.code).toBe(0);
    const result = JSON.parse(demo.stdout.trim().split('\n').pop()!) as ScenarioResult;
    expect(result.steps.map((s) => [s.step, s.skipped])).toEqual([1, 2, 3, 4, 5, 6].map((n) => [n, undefined]));
    // Its step 2 cancelled the second run's ticket only; the operator's are still OPEN.
    expect(result.steps[1]!.notes[0]).toContain(`cancelled 1 unfinished ticket(s) an earlier demo run left (${secondRun.tickets.gangguan!.number}:`);
    for (const t of operators) expect(await statusOf(t.id)).toBe('TICKET_STATUS_OPEN');
    // The tickets the story left open are cancelled at the end (no --keep-tickets), so no SLA
    // warning or escalation follows the demo (QA); the story's completed one stays COMPLETED.
    const left = [result.tickets.psb!, result.tickets.failover!, result.tickets.urgent!];
    expect(demo.stderr).toContain(`Cancelled the tickets the story left open (${left.map((t) => t.number).join(', ')})`);
    for (const t of left) expect(await statusOf(t.id)).toBe('TICKET_STATUS_CANCELLED');
    expect(await statusOf(result.tickets.gangguan!.id)).toBe('TICKET_STATUS_COMPLETED');
    // Step 6 prints the deadline in WIB like everything else (QA: it was UTC, 2026-12-07T16:48:05.939Z).
    const slaDueAt = new Date(result.tickets.urgent!.slaDueAt!); // a string here (the JSON of the result)
    expect(result.steps[5]!.notes[0]).toBe(`URGENT ticket ${result.tickets.urgent!.number} created, SLA due ${formatWib(slaDueAt)} (4 h; warned 1 h before)`);
    expect(formatWib(slaDueAt)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d WIB$/);

    // The report shows each delivery's whole id, which notifyctl (the stack's key, through STACK_INFO_FILE too) shows.
    const printed = [...demo.stderr.matchAll(/ · delivery (\S+) [A-Z]+/g)].map((m) => m[1]!);
    expect(printed.length).toBeGreaterThan(5);
    for (const id of printed) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const show = await runNode([path.join(ROOT, 'bin/notifyctl.js'), 'deliveries', 'show', printed[0]!], { STACK_INFO_FILE: stackFile }, 30_000);
    expect(show.stderr).toBe('');
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`^ID:\\s+${printed[0]}$`, 'm'));
  }, 180_000);

  it("a run whose step fails still cancels the ticket it opened, and exits 1 with the step's error naming the routing rules to check", async () => {
    const demo = await runNode(
      ['-r', path.join(ROOT, 'tools/runtime/swc-register.js'), path.join(ROOT, 'tools/demo/src/main.ts'), '--json', '--no-start'],
      {
        STACK_INFO_FILE: stackFile,
        NOTIFY_DATA_DIR: demoDataDir,
        TICKET_DATABASE_SCHEMA: schemas.ticket!.schema,
        // Step 1 expects nothing now (the directory exists); step 2 cannot get its messages within 1 ms.
        DEMO_STEP_TIMEOUT_MS: '1',
        DEMO_SETTLE_MS: '300',
        NO_COLOR: '1',
      },
      90_000,
    );
    expect(demo.code).toBe(1);
    expect(demo.stdout).toBe('');
    // The step's own error, its first line with the hint, comes out last.
    const errorAt = demo.stderr.indexOf('demo: step 2: after 1 ms still missing');
    expect(errorAt).toBeGreaterThan(0);
    expect(demo.stderr.slice(errorAt).split('\n')[0]).toBe(
      'demo: step 2: after 1 ms still missing (are the routing rules on? npx notifyctl routing list --type ticket.created):',
    );
    // The report lists the gateway's deliveries of this step only (an earlier run's to the same
    // phones are not listed): the offers and the customer's "received", or that none was made yet.
    const report = demo.stderr.slice(errorAt).split("the gateway's deliveries to them in this step:\n")[1];
    expect(report).toBeDefined();
    const reportLines = report!.split('\n').filter((l) => l.startsWith('  '));
    expect(reportLines.length).toBeGreaterThan(0);
    for (const line of reportLines) expect(line).toMatch(/: (none made in this step|(ticket\.created\.\w+|technician\.job_offer) DELIVERY_STATUS_)/);
    // Before it: the ticket step 2 opened was cancelled (QA: it stayed OPEN until the next run).
    const cancelled = /Cancelled the tickets the story left open \((GGN-[0-9-]+)\)/.exec(demo.stderr.slice(0, errorAt));
    expect(cancelled).not.toBeNull();
    const unfinished = await callUnary(
      tickets,
      'listTickets',
      ticketv1.ListTicketsRequest.fromPartial({
        statuses: [ticketv1.TicketStatus.TICKET_STATUS_OPEN, ticketv1.TicketStatus.TICKET_STATUS_ASSIGNED, ticketv1.TicketStatus.TICKET_STATUS_IN_PROGRESS],
        customerId: interrupted.directory.customer.id,
        page: { pageSize: 100 },
      }),
    );
    expect(unfinished.tickets.filter((t) => isDemoGangguan(t, interrupted.directory.customer.id)).map((t) => t.number)).toEqual([]);
    const all = await callUnary(tickets, 'listTickets', ticketv1.ListTicketsRequest.fromPartial({ customerId: interrupted.directory.customer.id, page: { pageSize: 100 } }));
    const failedRuns = all.tickets.filter((t) => t.number === cancelled![1]);
    expect(failedRuns.map((t) => [ticketv1.TicketStatus[t.status], t.title])).toEqual([['TICKET_STATUS_CANCELLED', DEMO_GANGGUAN.title]]);
    // The operator's tickets are not the demo's to cancel.
    for (const t of operators) expect(await statusOf(t.id)).toBe('TICKET_STATUS_OPEN');
  }, 120_000);

  it('Ctrl-C in the middle of the story cancels the tickets the run opened and exits 130; tickets a killed run left are cancelled by the next run', async () => {
    const demoEnv = { STACK_INFO_FILE: stackFile, NOTIFY_DATA_DIR: demoDataDir, TICKET_DATABASE_SCHEMA: schemas.ticket!.schema, NO_COLOR: '1' };
    const demoArgs = ['-r', path.join(ROOT, 'tools/runtime/swc-register.js'), path.join(ROOT, 'tools/demo/src/main.ts'), '--json', '--no-start'];
    const statusOf = async (number: string) => ticketv1.TicketStatus[(await callUnary(tickets, 'getTicket', { id: number })).ticket!.status];
    const ledger = path.join(demoDataDir, 'demo-open-tickets.json');
    // SIGINT once step 4 is reported (step 5 begins): steps 2 and 4 have opened their tickets (step 2's is completed).
    const interrupted = await runNode(demoArgs, demoEnv, 90_000, { stderr: /Step 4\. /, signal: 'SIGINT' });
    expect({ code: interrupted.code, stderr: interrupted.stderr.slice(-1500) }).toMatchObject({ code: 130 });
    expect(interrupted.stderr).toContain('demo: interrupted (SIGINT): the story stopped where it was');
    const cancelled = /Cancelled the tickets the story left open \(([^)]+)\)/.exec(interrupted.stderr);
    expect(cancelled).not.toBeNull();
    const numbers = cancelled![1]!.split(', ');
    expect(numbers.some((n) => n.startsWith('PSB-'))).toBe(true);
    for (const n of numbers) expect(await statusOf(n)).toBe('TICKET_STATUS_CANCELLED');
    expect(existsSync(ledger)).toBe(false);
    // A run killed outright (SIGKILL) cannot tidy up: its open tickets stay in the ledger, and the next run cancels them first.
    const killed = await runNode(demoArgs, demoEnv, 90_000, { stderr: /Step 4\. /, signal: 'SIGKILL' });
    expect({ code: killed.code, stderr: killed.stderr.slice(-1500) }).toMatchObject({ code: null });
    const left = JSON.parse(readFileSync(ledger, 'utf8')) as Record<string, { number: string }>;
    const psb = left['psb']!.number;
    expect(await statusOf(psb)).toBe('TICKET_STATUS_OPEN');
    // A ticket this stack does not know (another stack's run in the same data folder) is skipped, not an error.
    writeFileSync(ledger, JSON.stringify({ ...left, urgent: { id: randomUUID(), number: 'GGN-20990101-9999' } }));
    const next = await runNode(demoArgs, demoEnv, 90_000, { stderr: /Step 1\. /, signal: 'SIGINT' });
    expect(next.stderr).toMatch(new RegExp(`Cancelled the tickets an interrupted demo run left open \\([^)]*${psb}`));
    expect(await statusOf(psb)).toBe('TICKET_STATUS_CANCELLED');
  }, 240_000);
});
