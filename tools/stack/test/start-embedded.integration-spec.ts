/**
 * `npm start`'s own output without a running stack: the banner's "Defaults chosen" (the
 * per-recipient rate limit), and the refusals of a second `npm start` as a user runs it
 * (tools/stack/bin/stack.js start in a child process, which gives up before starting anything):
 * one line naming what is in the way — the pid that holds the data folder, the busy ports — and
 * exit 1, no JavaScript stack.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EmbeddedStackInfo } from '../src/embedded-stack';
import { describeStartFailure, StackStartRefusal } from '../src/refusal';
import { banner } from '../src/start-embedded';
import { DEFAULT_PORTS, PROVIDER_CREDENTIAL_VARS } from '../src/stack-env';

const ROOT = path.resolve(__dirname, '../../..');

/** Runs `node tools/stack/bin/stack.js start` with `env` added (the stack's own variables unset unless `env` sets them); resolves with its exit code and output. */
function npmStart(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...env };
  for (const v of ['DATABASE_URL', 'NATS_URL', 'STACK_INFO_FILE', 'PGLITE_DATA_DIR', 'PGLITE_PORT', 'NOTIFY_API_KEYS', 'SERVICE_API_KEY', ...PROVIDER_CREDENTIAL_VARS]) {
    if (!(v in env)) delete childEnv[v];
  }
  const child = spawn(process.execPath, [path.join(ROOT, 'tools/stack/bin/stack.js'), 'start'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/**
 * Listens on 127.0.0.1:`port` when it is free (else something else holds it already: just as
 * busy). The tests take the Advanta simulator's default port, the one least likely to be in use
 * by someone's running stack.
 */
async function hold(port: number): Promise<Server | undefined> {
  const srv = createServer();
  return new Promise((resolve) => {
    srv.once('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

describe('npm start: what it prints', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'notify-start-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const info = (rateLimit: EmbeddedStackInfo['rateLimit']): EmbeddedStackInfo => ({
    database: { mode: 'embedded', url: 'postgres://postgres@127.0.0.1:5999/postgres', dataDir: path.join(dir, 'pglite') },
    events: { mode: 'in-process' },
    providers: { mode: 'simulators', urls: { fonnte: 'http://127.0.0.1:8091', wablas: 'http://127.0.0.1:8092', twilio: 'http://127.0.0.1:8093', advanta: 'http://127.0.0.1:8094' } },
    grpc: { template: '127.0.0.1:50053', customer: '127.0.0.1:50052', ticket: '127.0.0.1:50051', scheduler: '127.0.0.1:50054', gateway: '127.0.0.1:50055' },
    webhookUrl: 'http://127.0.0.1:8080',
    keys: { apiKeys: 'a:admin,s:service', adminKey: 'a', serviceKey: 's', source: 'generated' },
    ports: DEFAULT_PORTS,
    rateLimit,
    dataRoot: dir,
  });

  it('names the rate limit among the defaults chosen: none when RECIPIENT_RATE_LIMIT was unset, the value when it was set', () => {
    const chosen = banner(info({ perRecipient: 0, windowMs: 3_600_000, chosen: true }));
    const defaults = chosen.slice(chosen.indexOf('Defaults chosen:'), chosen.indexOf('API key:'));
    expect(defaults).toContain('  Rate limit none per recipient (RECIPIENT_RATE_LIMIT=0: a laptop demo replays the same numbers;');
    const set = banner(info({ perRecipient: 10, windowMs: 3_600_000, chosen: false }));
    expect(set).toContain('  Rate limit 10 messages per recipient per 1 h, the excess DEFERRED (RECIPIENT_RATE_LIMIT from the environment');
  });

  it('says whether customers are given a support number (SUPPORT_PHONE), which the replies and the welcome need (QA)', () => {
    const rate = { perRecipient: 0, windowMs: 3_600_000, chosen: true };
    expect(banner(info(rate), {})).toContain('  Support    no number (SUPPORT_PHONE unset: the welcome and the replies to customers who write in name no number to call)');
    expect(banner(info(rate), { SUPPORT_PHONE: '0812-1234-5678' })).toContain('  Support    0812-1234-5678 (SUPPORT_PHONE: ');
  });

  it("names the data folder in the demo's line when it is not the default (the demo finds the stack through its stack.json)", () => {
    const rate = { perRecipient: 0, windowMs: 3_600_000, chosen: true };
    expect(banner(info(rate), {})).toContain("\n  npm run demo        (the seeds' story against this stack)");
    expect(banner(info(rate), { NOTIFY_DATA_DIR: '/tmp/qa-data' })).toContain(`\n  NOTIFY_DATA_DIR=${dir} npm run demo        (the seeds' story against this stack)`);
  });

  it('prints expected refusals without a stack, anything else with it', () => {
    expect(describeStartFailure(new StackStartRefusal('ports in use'))).toBe('ports in use');
    const bug = new TypeError('x is undefined');
    expect(describeStartFailure(bug)).toBe(bug.stack);
  });

  it('a second npm start on the same data folder (STACK_PORTS=auto): one line naming the pid that holds it, exit 1', async () => {
    const dataDir = path.join(dir, 'held');
    mkdirSync(dataDir, { recursive: true });
    // The folder is held by a living process: this one (the child is another).
    writeFileSync(path.join(dataDir, 'pglite.lock'), `${process.pid}\n`);
    const run = await npmStart({ NOTIFY_DATA_DIR: dataDir, STACK_PORTS: 'auto' });
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 1,
      stderr: `notify: failed to start: the embedded Postgres data folder ${path.join(dataDir, 'pglite')} is in use by process ${process.pid} (another npm start?); stop it (kill ${process.pid}) or set NOTIFY_DATA_DIR (or PGLITE_DATA_DIR) to another folder\n`,
    });
  }, 60_000);

  it('the held data folder is named before the busy default ports (the usual second npm start)', async () => {
    const dataDir = path.join(dir, 'held-default');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path.join(dataDir, 'pglite.lock'), `${process.pid}\n`);
    const holder = await hold(DEFAULT_PORTS.sims.advanta);
    try {
      const run = await npmStart({ NOTIFY_DATA_DIR: dataDir });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^notify: failed to start: the embedded Postgres data folder .* is in use by process ${process.pid} .*\\n$`));
    } finally {
      await new Promise((r) => (holder ? holder.close(r) : r(undefined)));
    }
  }, 60_000);

  it.each([
    ['keys too short', { NOTIFY_API_KEYS: 'short:admin,tiny:service' }, /^notify: failed to start: NOTIFY_API_KEYS is not valid: .*\n$/],
    ['no service key', { NOTIFY_API_KEYS: 'admin-key-0123456789abcdef:admin' }, /^notify: failed to start: NOTIFY_API_KEYS is set but has no `<key>:service` entry.*\n$/],
    ['SERVICE_API_KEY not among them', { NOTIFY_API_KEYS: 'admin-key-0123456789abcdef:admin,svc-key-0123456789abcdef:service', SERVICE_API_KEY: 'other-key-0123456789abcdef' }, /^notify: failed to start: SERVICE_API_KEY is not one of .*\n$/],
  ])('refused API keys (%s): one line, exit 1, before anything starts (no embedded Postgres, no data folder)', async (_what, keys, line) => {
    const dataDir = path.join(dir, `keys-${readdirSync(dir).length}`);
    const run = await npmStart({ NOTIFY_DATA_DIR: dataDir, STACK_PORTS: 'auto', ...keys });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(line);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
    // PGlite was not started: it would have created (and locked) <dataDir>/pglite.
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);

  it('busy default ports: one line naming them and STACK_PORTS=auto, exit 1', async () => {
    const holder = await hold(DEFAULT_PORTS.sims.advanta);
    try {
      const run = await npmStart({ NOTIFY_DATA_DIR: path.join(dir, 'fresh') });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^notify: failed to start: ports in use on 127\.0\.0\.1: .*8094 \(advanta simulator\).*STACK_PORTS=auto for free ports\n$/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((r) => (holder ? holder.close(r) : r(undefined)));
    }
  }, 60_000);
});
