import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeStackInfoFile, type StackInfoFile } from '@notify/config';
import { EXIT, GROUPS, commandHelp, runCli } from '../src/cli';

/** Every address is a closed port: a command that called a server would exit 1, not 2. */
const NOWHERE = { TICKET_ADDR: '127.0.0.1:1', CUSTOMER_ADDR: '127.0.0.1:1', TEMPLATE_ADDR: '127.0.0.1:1', SCHEDULER_ADDR: '127.0.0.1:1', GATEWAY_ADDR: '127.0.0.1:1' };

/** Runs the CLI in-process with captured output. Nothing here reaches a server. */
async function run(argv: string[], env: NodeJS.ProcessEnv = { ...NOWHERE, NOTIFY_API_KEY: 'unit-test-key-000001' }) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env });
  return { code, stdout, stderr };
}

describe('runCli without a server', () => {
  it('--help lists every group and command and exits 0; no arguments prints it and exits 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(EXIT.ok);
    for (const g of GROUPS) for (const c of g.commands) expect(help.stdout).toContain(`${g.name} ${c.name}`);
    const none = await run([]);
    expect(none.code).toBe(EXIT.usage);
    expect(none.stdout).toBe(help.stdout);
  });

  it('group and command help show arguments and flags', async () => {
    const group = await run(['tickets', '--help']);
    expect(group.code).toBe(EXIT.ok);
    expect(group.stdout).toContain('notifyctl tickets assign <ticket> [flags]');
    expect(group.stdout).toContain('--technician <id-or-phone>');
    const cmd = await run(['ticket', 'cancel', '-h']);
    expect(cmd.code).toBe(EXIT.ok);
    expect(cmd.stdout).toMatch(/--reason <text>\s+why \(shown to the customer\) \[required\]/);
  });

  it('every command has a summary, a service and help that renders', () => {
    for (const g of GROUPS) {
      for (const c of g.commands) {
        expect(c.summary).not.toBe('');
        expect(['ticket', 'customer', 'template', 'scheduler', 'gateway']).toContain(c.service);
        expect(commandHelp(g, c)).toContain(`notifyctl ${g.name} ${c.name}`);
      }
    }
  });

  it.each([
    [['bogus', 'list'], 'error: unknown command group "bogus"'],
    [['tickets'], 'error: missing tickets command (one of: create, get, list, assign, start, complete, cancel, escalate, stats)'],
    [['tickets', 'reopen'], 'error: unknown tickets command "reopen" (one of'],
    // QA: `customers prefs` named the commands but not the one meant.
    [['customers', 'prefs'], 'error: unknown customers command "prefs" — did you mean preferences? (one of'],
    [['tikets', 'list'], 'error: unknown command group "tikets" — did you mean tickets?'],
    [['tickets', 'get'], 'error: missing argument <id>'],
    [['tickets', 'list', '--status', 'closed'], 'error: --status: "closed" is not one of open, assigned, in_progress, completed, cancelled'],
    [['tickets', 'escalate', 'T', '--reason', 'r', '--level', '3'], 'error: --level: "3" must be a whole number from 1 to 2'],
    [['templates', 'render', 'k', '--channel', 'fax'], 'error: --channel: "fax" is not one of whatsapp, sms, wa'],
    [['deliveries', 'notify', '--type', 'maintenance'], 'error: missing recipients: --to-phone, --to-customer, --to-staff, --to-group or --audience'],
    [['deliveries', 'notify', '--type', 'maintenance', '--to-phone', '0812', '--audience', 'all_customers'], 'error: give either --to-* recipients or --audience, not both'],
    [['campaigns', 'schedule', '--name', 'n', '--template', 't', '--audience', 'everyone', '--send-at', '2026-11-23'], 'error: --audience: "everyone" is not one of'],
    [['jobs', 'list', '--timeout', 'soon'], 'error: --timeout: "soon" must be ms from 1 to 600000'],
    // No channels would cut the person off (the service refuses it too): opt-out or --no-type stop messages.
    [['customers', 'preferences', '0b9f7c1e-5b1a-4d4e-9f57-1d2c3b4a5f60', '--channels', 'none'], 'error: --channels: give at least one channel (whatsapp, sms); to stop messages'],
  ])('%j is a usage error (exit 2): %s', async (argv, first) => {
    const r = await run(argv);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toContain(first);
  });

  it('a ticket number given to a gateway command is looked up in the ticket service first: a failure there names the ticket service', async () => {
    for (const argv of [
      ['deliveries', 'list', '--ticket', 'GGN-20261207-0003'],
      ['deliveries', 'notify', '--type', 'maintenance', '--to-phone', '081200000000', '--ticket', 'GGN-20261207-0003'],
    ]) {
      const r = await run(argv, { ...NOWHERE, TICKET_ADDR: '127.0.0.1:2', NOTIFY_API_KEY: 'unit-test-key-000001' });
      expect(r.code).toBe(EXIT.failed);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: (UNAVAILABLE|DEADLINE_EXCEEDED): [^\n]+ \(ticket service at 127\.0\.0\.1:2\)\n$/);
    }
    // A UUID is passed through as given: the gateway is the one called (and unreachable).
    const byId = await run(['deliveries', 'list', '--ticket', '0b9f7c1e-5b1a-4d4e-9f57-1d2c3b4a5f60']);
    expect(byId.stderr).toMatch(/ \(gateway service at 127\.0\.0\.1:1\)\n$/);
  });

  it('needs an API key', async () => {
    const r = await run(['tickets', 'list'], NOWHERE);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/^error: no API key: pass --api-key or set NOTIFY_API_KEY \(a local stack's key is used only for that stack's own addresses, and every address was given\)\n/);
  });

  it('--help documents every environment variable it reads, STACK_INFO_FILE and NOTIFY_DATA_DIR included', async () => {
    const help = (await run(['--help'])).stdout;
    for (const name of ['NOTIFY_API_KEY', 'TICKET_ADDR', 'GATEWAY_ADDR', 'STACK_INFO_FILE', 'NOTIFY_DATA_DIR']) expect(help).toContain(name);
    expect(help).toMatch(/STACK_INFO_FILE\s+the local stack's info file \(default <NOTIFY_DATA_DIR>\/stack\.json\)/);
  });
});

describe('runCli with a local stack.json', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'notifyctl-cli-stack-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The info file `npm start` writes, for process `pid`, its services on closed ports (nothing is reached). */
  const stackJson = (pid: number): { file: string; info: StackInfoFile } => {
    const keys = path.join(dir, 'api-keys.json');
    writeFileSync(keys, JSON.stringify({ admin: 'stack-admin-key-00000001', service: 'stack-service-key-000001' }));
    const grpc = { ticket: '127.0.0.1:1', customer: '127.0.0.1:1', template: '127.0.0.1:1', scheduler: '127.0.0.1:1', gateway: '127.0.0.1:1' };
    const info: StackInfoFile = {
      pid,
      startedAt: new Date().toISOString(),
      runner: 'npm start',
      database: { mode: 'external', url: 'postgres://postgres@127.0.0.1:5432/test' },
      events: { mode: 'in-process' },
      providers: { mode: 'real' },
      grpc,
      webhookUrl: 'http://127.0.0.1:1',
      ports: { grpc: { ticket: 1, customer: 1, template: 1, scheduler: 1, gateway: 1 }, webhook: 1, sims: { fonnte: 1, wablas: 1, twilio: 1, advanta: 1 } },
      dataRoot: dir,
      apiKeys: { source: 'generated', file: keys },
    };
    const file = path.join(dir, 'stack.json');
    writeStackInfoFile(file, info);
    return { file, info };
  };

  it('says no stack is running when stack.json is left by a stack killed with SIGKILL (not "no API key")', async () => {
    // The "stack": a process that wrote stack.json and is then killed without cleaning up.
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const { file } = stackJson(child.pid!);
    try {
      // While it runs, its key is used: the call is made (to a closed port) and fails with exit 1.
      const alive = await run(['tickets', 'list', '--timeout', '2000'], { STACK_INFO_FILE: file });
      expect(alive.code).toBe(EXIT.failed);
      expect(alive.stderr).toMatch(/^error: (UNAVAILABLE|DEADLINE_EXCEEDED): .*\(ticket service at 127\.0\.0\.1:1\)\n$/);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    const r = await run(['tickets', 'list'], { STACK_INFO_FILE: file });
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr.split('\n')[0]).toBe(
      `error: no running stack: ${file} is left from pid ${child.pid}, which is not running (the stack was killed without cleaning up); ` +
        'start it with npm start, or pass --api-key (or set NOTIFY_API_KEY) and --host / --<service>-addr for another stack',
    );
    // Found through NOTIFY_DATA_DIR (its stack.json) just the same.
    const viaDataDir = await run(['tickets', 'list'], { NOTIFY_DATA_DIR: dir });
    expect(viaDataDir.stderr.split('\n')[0]).toContain(`error: no running stack: ${file} is left from pid ${child.pid}`);
    // With a key from the environment the call goes to the default port; its UNAVAILABLE says why.
    const withKey = await run(['tickets', 'list', '--timeout', '2000'], { STACK_INFO_FILE: file, NOTIFY_API_KEY: 'some-admin-key-000000001' });
    expect(withKey.code).toBe(EXIT.failed);
    expect(withKey.stderr).toMatch(new RegExp(`^error: UNAVAILABLE: .*\\(ticket service at 127\\.0\\.0\\.1:50051\\); no running stack: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is left from pid ${child.pid}`));
  });

  it("says why the running stack's key was not used when an address is not the stack's (--ticket-addr)", async () => {
    const { file } = stackJson(process.pid);
    const r = await run(['tickets', 'list', '--ticket-addr', '127.0.0.1:2'], { STACK_INFO_FILE: file });
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr.split('\n')[0]).toBe(
      `error: no API key: pass --api-key or set NOTIFY_API_KEY (the key of the stack running at ${file} is sent only to its own addresses, and ticket 127.0.0.1:2 (from --ticket-addr) is not one of them)`,
    );
  });

  it('says there is no stack.json when there is none', async () => {
    const r = await run(['tickets', 'list'], { NOTIFY_DATA_DIR: dir });
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr.split('\n')[0]).toBe(
      `error: no API key: pass --api-key or set NOTIFY_API_KEY (no running stack found: ${path.join(dir, 'stack.json')} does not exist; npm start writes it and its key file)`,
    );
  });
});
