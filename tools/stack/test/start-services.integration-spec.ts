/**
 * `npm run start:services` (tools/stack/bin/stack.js services) runs the services as separate
 * processes against an external Postgres and NATS: without DATABASE_URL / NATS_URL it must
 * refuse at once with a message naming what is missing and pointing at `npm start`, start
 * nothing and exit 2. With them (the real loopback Postgres and NATS, schemas and namespace of
 * this test) the five processes come up SERVING, the banner prints the `npm run sim` command for
 * this stack's simulator ports (a FONNTE_BASE_URL set is kept), stack.json is written, and a
 * Ctrl-C stops them all with exit 0 and removes it. A service failing to start (the customer
 * service's config) stops the healthy one once, drained, with one line saying what happened;
 * keys the services would refuse are refused before anything starts, and so is a second stack on
 * the same data folder or the same NATS namespace, or one while a killed runner's services still
 * run. A second Ctrl-C 2 s or more into a stop that hangs kills what still runs; the runner killed
 * outright (SIGKILL) leaves no service running.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { SERVICE_PORTS } from '@notify/config';
import { checkHealth, createTestNats, testEnv, uniqueName, waitFor } from '@notify/testing';
import { checkExternalDependencies, missingDependencyMessage, servicesBanner, simulatorPlan } from '../src/start-services';
import { DEFAULT_PORTS, PROVIDER_CREDENTIAL_VARS, resolveKeys, type StackPorts } from '../src/stack-env';

const ROOT = path.resolve(__dirname, '../../..');

function runStartServices(env: Record<string, string | undefined>): { status: number | null; stderr: string; stdout: string } {
  const base: NodeJS.ProcessEnv = { ...process.env, STACK_PORTS: 'auto' };
  delete base['DATABASE_URL'];
  delete base['NATS_URL'];
  const run = spawnSync(process.execPath, [path.join(ROOT, 'tools/stack/bin/stack.js'), 'services'], {
    cwd: ROOT,
    env: { ...base, ...env } as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: run.status, stderr: run.stderr, stdout: run.stdout };
}

/**
 * The runner as a terminal job (its own process group, so a SIGINT to `-pid` reaches it alone,
 * not its services); stdout and stderr go to `onOutput` as they come.
 */
function spawnRunner(env: NodeJS.ProcessEnv, onOutput: (text: string) => void) {
  const child = spawn(process.execPath, [path.join(ROOT, 'tools/stack/bin/stack.js'), 'services'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (d: Buffer) => onOutput(d.toString()));
  child.stderr!.on('data', (d: Buffer) => onOutput(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited };
}

/** DROP SCHEMA … CASCADE of each name on the test database. */
async function dropSchemas(names: string[]): Promise<void> {
  const pg = new Client({ connectionString: testEnv().databaseUrl });
  await pg.connect();
  try {
    for (const name of names) await pg.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await pg.end();
  }
}

/**
 * The runner's environment for this test: the loopback Postgres, this test's NATS namespace and
 * data folder, free ports, generated keys (the environment's NOTIFY_API_KEYS, SERVICE_API_KEY and
 * STACK_INFO_FILE removed), then `extra`.
 */
function runnerEnv(nats: { url: string; namespace: string }, dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: testEnv().databaseUrl,
    NATS_URL: nats.url,
    NATS_NAMESPACE: nats.namespace,
    STACK_PORTS: 'auto',
    NOTIFY_DATA_DIR: dataDir,
    SHUTDOWN_GRACE_MS: '5000',
  };
  for (const v of ['NOTIFY_API_KEYS', 'SERVICE_API_KEY', 'STACK_INFO_FILE']) delete env[v];
  return { ...env, ...extra };
}

/** {@link runnerEnv} with the template and customer services' schemas `<prefix>_template`, `<prefix>_customer`. */
function twoServiceEnv(prefix: string, nats: { url: string; namespace: string }, dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return runnerEnv(nats, dataDir, { TEMPLATE_DATABASE_SCHEMA: `${prefix}_template`, CUSTOMER_DATABASE_SCHEMA: `${prefix}_customer`, ...extra });
}

describe('npm run start:services without an external Postgres / NATS', () => {
  it('names both missing variables, points at npm start, starts nothing and exits 2', () => {
    const run = runStartServices({});
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('DATABASE_URL and NATS_URL are not set');
    expect(run.stderr).toContain('npm start');
    expect(run.stdout).not.toMatch(/\[(ticket|customer|template|scheduler|gateway)\]/);
  });

  it('names only DATABASE_URL when NATS_URL is set', () => {
    const run = runStartServices({ NATS_URL: 'nats://127.0.0.1:4222' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('start:services: DATABASE_URL is not set');
    expect(run.stderr).not.toContain('NATS_URL is not set');
  });

  it('treats blank values as unset', () => {
    expect(checkExternalDependencies({ DATABASE_URL: '  ', NATS_URL: 'nats://127.0.0.1:4222' })).toEqual(['DATABASE_URL']);
    expect(checkExternalDependencies({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', NATS_URL: 'nats://127.0.0.1:4222' })).toEqual([]);
    expect(missingDependencyMessage(['NATS_URL'])).toMatch(/^start:services: NATS_URL is not set\./);
  });
});

describe('npm run start:services refusals before anything starts', () => {
  // Nothing listens there: should a refusal regress, the services fail at once instead of
  // migrating a real database.
  const deps = { DATABASE_URL: 'postgres://postgres@127.0.0.1:9/nothing', NATS_URL: 'nats://127.0.0.1:9' };

  it('refuses a SERVICE_API_KEY that is not a service key of NOTIFY_API_KEYS in one line (the services would refuse each other: UNAUTHENTICATED), exit 1', () => {
    const run = runStartServices({ ...deps, NOTIFY_API_KEYS: 'aaaaaaaaaaaaaaaa:admin,ssssssssssssssss:service', SERVICE_API_KEY: 'wwwwwwwwwwwwwwww' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^start:services: SERVICE_API_KEY is not one of the 1 `<key>:service` entries of NOTIFY_API_KEYS: .*UNAUTHENTICATED.*\n$/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toBe('');
  });

  it('refuses a NOTIFY_API_KEYS with a key under 16 characters in one line naming the entry, exit 1', () => {
    const run = runStartServices({ ...deps, NOTIFY_API_KEYS: 'aaaaaaaaaaaaaaaa:admin,short:service' });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('start:services: NOTIFY_API_KEYS is not valid: entry 2: key must be at least 16 characters of A-Z a-z 0-9 . _ ~ + / = - (expected key:role[:staff_id],… with keys of 16+ characters)\n');
    expect(run.stdout).toBe('');
  });
});

describe('start:services simulator plan (no provider credentials: `npm run sim` serves the gateway)', () => {
  const ports: StackPorts = { grpc: { ...SERVICE_PORTS }, webhook: 21080, sims: { fonnte: 21091, wablas: 21092, twilio: 21093, advanta: 21094 } };

  it("points the gateway at this stack's simulator ports (STACK_PORTS=auto picks free ones) and prints the exact npm run sim command", () => {
    const plan = simulatorPlan({}, ports, 'http://127.0.0.1:21080');
    expect(plan.urls).toEqual({ fonnte: 'http://127.0.0.1:21091', wablas: 'http://127.0.0.1:21092', twilio: 'http://127.0.0.1:21093', advanta: 'http://127.0.0.1:21094' });
    expect(plan.command).toBe(
      'FONNTE_SIM_PORT=21091 WABLAS_SIM_PORT=21092 TWILIO_SIM_PORT=21093 ADVANTA_SIM_PORT=21094 WEBHOOK_SECRET=notify-local-webhook-secret SIM_WEBHOOK_BASE_URL=http://127.0.0.1:21080 npm run sim',
    );
    // The default layout: npm run sim's own defaults, nothing to name.
    expect(simulatorPlan({ WEBHOOK_SECRET: 's3cret' }, DEFAULT_PORTS, 'http://127.0.0.1:8080').command).toBe(
      'WEBHOOK_SECRET="$WEBHOOK_SECRET" SIM_WEBHOOK_BASE_URL=http://127.0.0.1:8080 npm run sim',
    );
  });

  it('keeps the base URLs set in the environment; one npm run sim cannot serve gets port 0 in the command', () => {
    const plan = simulatorPlan({ FONNTE_BASE_URL: 'http://localhost:9191', TWILIO_BASE_URL: 'https://sim.example.test/twilio' }, ports, 'http://127.0.0.1:21080');
    expect(plan.urls).toEqual({ fonnte: 'http://localhost:9191', wablas: 'http://127.0.0.1:21092', twilio: 'https://sim.example.test/twilio', advanta: 'http://127.0.0.1:21094' });
    expect(plan.fromEnv).toEqual(['fonnte', 'twilio']);
    expect(plan.elsewhere).toEqual(['twilio']);
    expect(plan.command).toMatch(/^FONNTE_SIM_PORT=9191 WABLAS_SIM_PORT=21092 TWILIO_SIM_PORT=0 ADVANTA_SIM_PORT=21094 /);
    const banner = servicesBanner({ env: { DATABASE_URL: 'postgres://u:pw@h/db', NATS_URL: 'nats://h:4222', GRPC_PORT: '7000' }, ports, keys: resolveKeys({ NOTIFY_API_KEYS: 'ssssssssssssssss:service' }, undefined), sims: plan, webhookUrl: 'http://127.0.0.1:21080' });
    expect(banner).toContain('fonnte http://localhost:9191 (FONNTE_BASE_URL)');
    expect(banner).toContain(`run them with: ${plan.command}`);
    expect(banner).toContain('(twilio: not a 127.0.0.1 port');
    expect(banner).toMatch(/Not used {3}GRPC_PORT from the environment: .*a service's port cannot be chosen/);
    expect(banner).toContain('postgres://u:***@h/db');
    expect(banner).toContain('  Support    no number (SUPPORT_PHONE unset');
  });
});

describe('npm run start:services with DATABASE_URL and NATS_URL', () => {
  const prefix = uniqueName('stack');
  const services = ['template', 'customer', 'ticket', 'scheduler', 'gateway'] as const;
  const nats = createTestNats('stack');
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'notify-services-'));
  });

  afterAll(async () => {
    await dropSchemas([...services.map((s) => `${prefix}_${s}`), `${prefix}_scheduler_boss`]);
    await nats.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts the five services as processes (migrations first, each SERVING) and Ctrl-C stops them all, exit 0', async () => {
    const env = runnerEnv(nats, dataDir, {
      // Kept (its own simulator); the other three get free ports of this stack.
      FONNTE_BASE_URL: 'http://127.0.0.1:9191',
      // Not used (each service gets its own port): named in the banner.
      GRPC_PORT: '50051',
    });
    for (const v of ['WEBHOOK_SECRET', 'WABLAS_BASE_URL', 'TWILIO_BASE_URL', 'ADVANTA_BASE_URL', ...PROVIDER_CREDENTIAL_VARS]) delete env[v];
    for (const s of services) env[`${s.toUpperCase()}_DATABASE_SCHEMA`] = `${prefix}_${s}`;
    // Its own process group, like a terminal job: the SIGINT below goes to the whole group.
    let output = '';
    const { child, exited } = spawnRunner(env, (text) => (output += text));
    try {
      await waitFor(() => output.includes('Ctrl-C stops them all') || child.exitCode !== null, { timeoutMs: 75_000, intervalMs: 250 });
      expect(child.exitCode).toBeNull();
      for (const s of services) {
        const addr = new RegExp(`  ${s}\\s+(127\\.0\\.0\\.1:\\d+)`).exec(output)?.[1];
        expect(addr).toBeDefined();
        await expect(checkHealth(addr!, '', 5_000)).resolves.toBe('SERVING');
        expect(output).toMatch(new RegExp(`^\\[${s}\\]`, 'm'));
      }
      expect(output).toMatch(/\[ticket\]\s+\{.*ticket migrations applied/);
      expect(output).toMatch(/API key\s+admin-\S+ \(admin\)/);
      expect(output).toMatch(/Not used {3}GRPC_PORT from the environment/);

      // The simulators: FONNTE_BASE_URL as set, the others on free ports (not 8092…8094), and
      // the npm run sim command serving exactly those.
      const command = /run them with: (.*npm run sim)$/m.exec(output)?.[1];
      const simPort = (name: string) => Number(new RegExp(`${name}_SIM_PORT=(\\d+)`).exec(command ?? '')?.[1]);
      expect(command).toMatch(/^FONNTE_SIM_PORT=9191 WABLAS_SIM_PORT=\d+ TWILIO_SIM_PORT=\d+ ADVANTA_SIM_PORT=\d+ WEBHOOK_SECRET=notify-local-webhook-secret SIM_WEBHOOK_BASE_URL=http:\/\/127\.0\.0\.1:\d+ npm run sim$/);
      for (const [name, dflt] of [['WABLAS', 8092], ['TWILIO', 8093], ['ADVANTA', 8094]] as const) expect(simPort(name)).not.toBe(dflt);

      // stack.json, as npm start writes it: the demo and scripts find this stack there.
      const infoFile = path.join(dataDir, 'stack.json');
      await waitFor(() => existsSync(infoFile), { timeoutMs: 5_000, intervalMs: 50 });
      expect(statSync(infoFile).mode & 0o777).toBe(0o600);
      const info = JSON.parse(readFileSync(infoFile, 'utf8')) as Record<string, unknown>;
      const webhookUrl = /SIM_WEBHOOK_BASE_URL=(\S+)/.exec(command ?? '')?.[1];
      expect(info).toMatchObject({
        pid: child.pid,
        runner: 'start:services',
        database: { mode: 'external', url: testEnv().databaseUrl },
        events: { mode: 'nats', url: nats.url },
        providers: {
          mode: 'simulators',
          urls: {
            fonnte: 'http://127.0.0.1:9191',
            wablas: `http://127.0.0.1:${simPort('WABLAS')}`,
            twilio: `http://127.0.0.1:${simPort('TWILIO')}`,
            advanta: `http://127.0.0.1:${simPort('ADVANTA')}`,
          },
          simCommand: command,
        },
        webhookUrl,
        rateLimit: { perRecipient: 10, windowMs: 3_600_000, chosen: false },
        dataRoot: dataDir,
        apiKeys: { source: 'generated', file: path.join(dataDir, 'api-keys.json') },
      });
      for (const s of services) expect(output).toContain(`  ${s.padEnd(10)} ${(info['grpc'] as Record<string, string>)[s]}`);
      expect(JSON.stringify(info)).not.toMatch(/admin-|service-/);

      // A second runner on the same data folder is refused before it starts anything (it would
      // overwrite this stack's stack.json and send to simulator ports nobody serves).
      const second = spawnSync(process.execPath, [path.join(ROOT, 'tools/stack/bin/stack.js'), 'services'], { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
      expect({ status: second.status, stderr: second.stderr.trim() }).toEqual({
        status: 1, stderr: expect.stringMatching(new RegExp(`^start:services: a stack is already running with ${infoFile} \\(start:services, pid ${child.pid}, `)),
      });
      // One on another data folder but the same NATS namespace: it would share this stack's
      // durable consumers and take its events; refused, naming NATS_NAMESPACE.
      const otherDir = mkdtempSync(path.join(tmpdir(), 'notify-services-other-'));
      try {
        const third = spawnSync(process.execPath, [path.join(ROOT, 'tools/stack/bin/stack.js'), 'services'], { cwd: ROOT, env: { ...env, NOTIFY_DATA_DIR: otherDir }, encoding: 'utf8', timeout: 30_000 });
        expect({ status: third.status, stderr: third.stderr.trim() }).toEqual({
          status: 1, stderr: expect.stringMatching(new RegExp(`^start:services: another Notify stack is consuming the events on this NATS \\(.*${nats.namespace}-gateway-ticket on ${nats.namespace.toUpperCase()}_TICKET_EVENTS.*NATS_NAMESPACE`)),
        });
        expect(existsSync(path.join(otherDir, 'stack.json'))).toBe(false);
      } finally {
        rmSync(otherDir, { recursive: true, force: true });
      }
      expect(JSON.parse(readFileSync(infoFile, 'utf8'))).toMatchObject({ pid: child.pid });

      process.kill(-child.pid!, 'SIGINT');
      await expect(exited).resolves.toBe(0);
      expect(output).not.toMatch(/exited (unexpectedly|with|by itself)|second signal/);
      expect(output).toContain('start:services: all stopped; exit 0');
      expect(existsSync(infoFile)).toBe(false);
    } finally {
      // On a failure above: SIGTERM lets the runner stop its service processes (own groups).
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000).unref())]);
      }
    }
  }, 90_000);
});

describe('npm run start:services when a service fails to start', () => {
  const prefix = uniqueName('stackfail');
  const nats = createTestNats('stackfail');
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'notify-services-fail-'));
  });

  afterAll(async () => {
    await dropSchemas([`${prefix}_template`, `${prefix}_customer`]);
    await nats.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says which one failed, drains the healthy ones ONCE (no second signal), sends itself no signal, writes no stack.json; exit 1', async () => {
    // ROUTING_RULES_CACHE_TTL_MS is read by the customer service alone: the template service starts, the customer service refuses its config.
    const env = twoServiceEnv(prefix, nats, dataDir, { ROUTING_RULES_CACHE_TTL_MS: 'never' });
    let output = '';
    const { child, exited } = spawnRunner(env, (text) => (output += text));
    try {
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise<string>((r) => (timer = setTimeout(() => r('timeout'), 60_000)))]);
      clearTimeout(timer);
      expect({ code, tail: code === 1 ? '' : output.slice(-3000) }).toEqual({ code: 1, tail: '' });
      const runner = output.split('\n').filter((l) => l.startsWith('start:services:'));
      expect(runner).toEqual([
        expect.stringMatching(/^start:services: customer exited with \d+ while starting; see its \[customer\] lines; stopping template$/),
        'start:services: the others stopped cleanly; exit 1',
      ]);
      // The service's own lines (its config error) come first: the runner reports once its output is read.
      expect(output).toMatch(/^\[customer\]/m);
      expect(output.lastIndexOf('\n[customer]')).toBeLessThan(output.indexOf('start:services: customer exited'));
      expect(output).toMatch(/^\[template\]\s+\{.*"failed":false.*shutdown complete/m);
      expect(output).not.toMatch(/second signal|SIGTERM, stopping/);
      expect(existsSync(path.join(dataDir, 'stack.json'))).toBe(false);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000).unref())]);
      }
    }
  }, 75_000);
});

describe('npm run start:services: a second Ctrl-C while a service does not drain', () => {
  const prefix = uniqueName('stackforce');
  const nats = createTestNats('stackforce');
  let dataDir: string;
  let lock: Client | undefined;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'notify-services-force-'));
  });

  afterAll(async () => {
    await lock?.end().catch(() => undefined);
    await dropSchemas([`${prefix}_template`, `${prefix}_customer`]);
    await nats.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is ignored within 2 s (the same Ctrl-C twice); later it kills what still runs (SIGKILL) and exits 1', async () => {
    // The customer service waits at its migrations (this test holds their advisory lock), so the
    // template service is running and the runner is still starting when the Ctrl-C comes.
    lock = new Client({ connectionString: testEnv().databaseUrl });
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`notify.migrations.${prefix}_customer`]);
    const env = twoServiceEnv(prefix, nats, dataDir);
    let output = '';
    const { child, exited } = spawnRunner(env, (text) => (output += text));
    let template: number | undefined;
    try {
      // The runner starts the customer service once the template service serves.
      await waitFor(() => (servicePid(child.pid!, 'customer') !== undefined || child.exitCode !== null ? true : null), { timeoutMs: 60_000, intervalMs: 100, description: 'the customer service to start (after the template service serves)' });
      expect(child.exitCode).toBeNull();
      template = servicePid(child.pid!, 'template');
      expect(template).toBeDefined();
      // The template service will not drain: it is stopped (SIGTERM waits until SIGCONT).
      process.kill(template!, 'SIGSTOP');
      process.kill(child.pid!, 'SIGINT');
      await sleepMs(300);
      process.kill(child.pid!, 'SIGINT'); // the same Ctrl-C forwarded by npm: ignored
      await sleepMs(2_000);
      expect(child.exitCode).toBeNull();
      expect(alive(template!)).toBe(true);
      process.kill(child.pid!, 'SIGINT');
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise<string>((r) => (timer = setTimeout(() => r('timeout'), 10_000)))]);
      clearTimeout(timer);
      expect({ code, tail: code === 1 ? '' : output.slice(-2000) }).toEqual({ code: 1, tail: '' });
      const runner = output.split('\n').filter((l) => l.startsWith('start:services:'));
      expect(runner[0]).toMatch(/^start:services: SIGINT, stopping customer, template…$/);
      expect(runner[runner.length - 1]).toMatch(/^start:services: second SIGINT while stopping: killing (customer, )?template \(SIGKILL\); exit 1$/);
      expect(runner.filter((l) => l.includes('second SIGINT'))).toHaveLength(1);
      await waitFor(() => (alive(template!) ? null : true), { timeoutMs: 5_000, intervalMs: 50, description: 'the stopped template service to be killed' });
    } finally {
      // On a failure above: the services run in their own process groups; none is left behind.
      for (const pid of [...(child.exitCode === null ? childPids(child.pid!) : []), ...(template !== undefined ? [template] : [])]) {
        if (!alive(pid)) continue;
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGKILL');
      }
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
      }
    }
  }, 90_000);
});

describe('npm run start:services: the runner killed (SIGKILL)', () => {
  const prefix = uniqueName('stackorphan');
  const nats = createTestNats('stackorphan');
  let dataDir: string;
  let lock: Client | undefined;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'notify-services-orphan-'));
  });

  afterAll(async () => {
    await lock?.end().catch(() => undefined);
    await dropSchemas([`${prefix}_template`, `${prefix}_customer`]);
    await nats.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves no service running: one serving shuts down at once, one still starting as soon as it has started', async () => {
    // The customer service waits at its migrations (this test holds their advisory lock) while the template service serves.
    lock = new Client({ connectionString: testEnv().databaseUrl });
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`notify.migrations.${prefix}_customer`]);
    let output = '';
    const { child, exited } = spawnRunner(twoServiceEnv(prefix, nats, dataDir), (text) => (output += text));
    const pids: number[] = [];
    try {
      await waitFor(() => (servicePid(child.pid!, 'customer') !== undefined || child.exitCode !== null ? true : null), { timeoutMs: 60_000, intervalMs: 100, description: 'the customer service to start' });
      pids.push(servicePid(child.pid!, 'template')!, servicePid(child.pid!, 'customer')!);
      expect(pids.every((p) => p > 0 && alive(p))).toBe(true);
      process.kill(child.pid!, 'SIGKILL');
      await exited;
      // At once as a rule (a few seconds); at worst when its shutdown deadline (30 s, installShutdown's
      // budget for hooks that hang) ends it, so the wait allows that deadline and says how long it took.
      const killedAt = Date.now();
      await waitFor(() => (alive(pids[0]!) ? null : true), { timeoutMs: 45_000, intervalMs: 100, description: 'the serving template service to shut down' }).catch((err: Error) => {
        throw new Error(`${err.message}; its process: ${processState(pids[0]!)}; the runner's last output: ${output.slice(-1500)}`);
      });
      const tookMs = Date.now() - killedAt;
      if (tookMs > 15_000) console.warn(`the template service took ${tookMs} ms to shut down after its runner was killed (its shutdown deadline ended it)`);
      // The customer service is still at its migrations (unless a log line of its own to the dead
      // runner's pipe already ended it): it stops once it has started.
      await lock.end();
      lock = undefined;
      await waitFor(() => (alive(pids[1]!) ? null : true), { timeoutMs: 30_000, intervalMs: 100, description: 'the customer service to shut down once started' });
    } finally {
      for (const pid of pids) if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);

  it('a stack.json left by a killed runner whose services still run: the next start is refused, naming their pids', () => {
    // A stand-in for an orphaned service: a live process running `services/gateway/…`, named in
    // servicePids of a runner that is gone; and a live process that is no service (a reused pid).
    const orphan = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'services/gateway/src/main.ts'], { stdio: 'ignore' });
    const unrelated = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const infoFile = path.join(dataDir, 'stack.json');
    try {
      writeFileSync(infoFile, JSON.stringify({ pid: Number(gone.stdout), runner: 'start:services', startedAt: new Date().toISOString(), servicePids: { gateway: orphan.pid, ticket: unrelated.pid } }));
      const run = runStartServices(twoServiceEnv(prefix, nats, dataDir) as Record<string, string>);
      expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({
        status: 1,
        stderr: `start:services: the services of a stack killed without cleaning up still run (gateway pid ${orphan.pid}; ${infoFile} is left from runner pid ${gone.stdout}); ` +
          `they shut down by themselves within seconds of their runner's end: wait, or stop them: kill ${orphan.pid}`,
      });
      // A stack.json whose runner pid now belongs to an unrelated process is stale, not a running stack.
      writeFileSync(infoFile, JSON.stringify({ pid: unrelated.pid, runner: 'start:services', startedAt: new Date().toISOString(), servicePids: { gateway: orphan.pid } }));
      expect(runStartServices(twoServiceEnv(prefix, nats, dataDir) as Record<string, string>).stderr).toMatch(/^start:services: the services of a stack killed without cleaning up still run \(gateway pid/);
    } finally {
      orphan.kill('SIGKILL');
      unrelated.kill('SIGKILL');
      rmSync(infoFile, { force: true });
    }
  });
});

/** The runner's child processes (pids). */
const childPids = (runnerPid: number): number[] =>
  spawnSync('ps', ['-o', 'pid=', '--ppid', String(runnerPid)], { encoding: 'utf8' }).stdout.split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);

/** The pid of the runner's child running `services/<name>/`, from /proc. */
function servicePid(runnerPid: number, name: string): number | undefined {
  for (const pid of childPids(runnerPid)) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`services/${name}/`)) return pid;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** `State: S (sleeping), PPid: 1` of a process, for a failure message ('gone' when there is none). */
function processState(pid: number): string {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return status.split('\n').filter((l) => /^(State|PPid|Threads):/.test(l)).map((l) => l.replace(/\s+/g, ' ')).join(', ');
  } catch {
    return 'gone';
  }
}

/** Whether `pid` runs (a zombie does not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2]!.startsWith('Z');
  } catch {
    return false;
  }
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
