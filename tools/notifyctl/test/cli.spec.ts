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
    expect(group.stdout).toContain('--technician <id>');
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
    [['tickets', 'reopen'], 'error: unknown tickets command "reopen"'],
    [['tickets', 'get'], 'error: missing argument <id>'],
    [['tickets', 'list', '--status', 'closed'], 'error: --status: "closed" is not one of open, assigned, in_progress, completed, cancelled'],
    [['tickets', 'escalate', 'T', '--reason', 'r', '--level', '3'], 'error: --level: "3" must be a whole number from 1 to 2'],
    [['templates', 'render', 'k', '--channel', 'fax'], 'error: --channel: "fax" is not one of whatsapp, sms, wa'],
    [['deliveries', 'notify', '--type', 'maintenance'], 'error: missing recipients: --to-phone, --to-customer, --to-staff, --to-group or --audience'],
    [['deliveries', 'notify', '--type', 'maintenance', '--to-phone', '0812', '--audience', 'all_customers'], 'error: give either --to-* recipients or --audience, not both'],
    [['campaigns', 'schedule', '--name', 'n', '--template', 't', '--audience', 'everyone', '--send-at', '2026-11-23'], 'error: --audience: "everyone" is not one of'],
    [['jobs', 'list', '--timeout', 'soon'], 'error: --timeout: "soon" must be ms from 1 to 600000'],
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
    expect(r.stderr).toMatch(/^error: no API key: pass --api-key or set NOTIFY_API_KEY\n/);
  });
});
