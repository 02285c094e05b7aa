/**
 * `npm run start:services`: the five services as separate processes (as compose and Kubernetes
 * run them) against the Postgres in DATABASE_URL and the NATS JetStream in NATS_URL, both
 * required. `npm run sim` runs the provider simulators separately.
 *
 * 1. Checks DATABASE_URL and NATS_URL (exits 2 with a message naming the missing ones);
 * 2. ports (STACK_PORTS: default 50051…50055, webhooks 8080, checked free; `auto` free ones,
 *    the simulators' included, the data folder's last ones again while they are free) and API keys (NOTIFY_API_KEYS / SERVICE_API_KEY from the
 *    environment, checked as the services check them, else an admin and a service key generated
 *    once into NOTIFY_DATA_DIR, default .notify-data); a problem there is refused in one line
 *    (src/refusal.ts) before anything starts;
 * 3. starts template → customer → ticket → scheduler → gateway one after the other
 *    (`services/<svc>/src/main.ts` through the swc register, or dist/services/<svc>/src/main.js
 *    without @swc/core), each with its own environment (tools/stack/src/stack-env.ts): it
 *    applies its migrations and seeds (templates, routing rules) before it serves, and the next
 *    one starts when its gRPC health answers SERVING;
 * 4. prefixes each output line with `[<service>]`; once all serve, prints the banner (addresses,
 *    the `npm run sim` command for this stack's simulator ports) and writes the info file
 *    `<NOTIFY_DATA_DIR>/stack.json` (or STACK_INFO_FILE; @notify/config stack-info-file.ts), removed on stop;
 * 5. SIGINT / SIGTERM: SIGTERM to the services in reverse start order, each awaited (drained);
 *    exits 0 when all exited 0. A service exiting by itself, or failing to start, stops the
 *    others the same way (once) and exits 1. A second SIGINT / SIGTERM 2 s or more into the stop
 *    (a service that does not drain) kills the ones still running (SIGKILL) and exits 1.
 * Providers: no credentials set = the simulators of `npm run sim` at the environment's
 * FONNTE_BASE_URL … ADVANTA_BASE_URL, else 127.0.0.1 on 8091…8094 (STACK_PORTS=auto: free
 * ports); any credential set = real providers, the environment's variables as they are.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { inspectStackInfoFile, SERVICE_PORTS, type Env, type ServiceName } from '@notify/config';
import { EXIT_WITH_PARENT_VAR } from '@notify/grpc-kit';
import { checkHealth } from '@notify/testing';
import { loadGatewayConfig } from '../../../services/gateway/src/config';
import { supportPhoneLine } from './banner-lines';
import { apiKeysInfo, removeStackInfoFile, stackInfoFilePath, writeStackInfoFile, type StackInfoFile } from './info-file';
import { isAlive } from './embedded-postgres';
import { natsConsumersInUse, type ConsumerInUse } from './nats-in-use';
import { describeStartFailure, StackStartRefusal } from './refusal';
import {
  hasProviderCredentials,
  overriddenByStack,
  resolveKeys,
  lastPorts,
  rememberPorts,
  resolvePorts,
  serviceEnv,
  simulatorProviderEnv,
  SIM_DEFAULT_PORTS,
  START_ORDER,
  type SimName,
  type StackKeys,
  type StackPorts,
} from './stack-env';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** WEBHOOK_SECRET of a local run when none is set (receipts from `npm run sim` must carry it). */
const LOCAL_WEBHOOK_SECRET = 'notify-local-webhook-secret';
/** A second SIGINT / SIGTERM this long (ms) into the stop forces it (an earlier one is the same Ctrl-C delivered twice). */
const FORCE_AFTER_MS = 2_000;

/** The missing-variable message of {@link checkExternalDependencies} (tests assert on it). */
export function missingDependencyMessage(missing: readonly string[]): string {
  return (
    `start:services: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set. ` +
    'The services run as separate processes here and share a real Postgres (DATABASE_URL=postgres://user@host:5432/db) ' +
    'and NATS JetStream (NATS_URL=nats://host:4222). For a machine with nothing installed use `npm start` ' +
    '(embedded Postgres and an in-process bus, one process).'
  );
}

/** Names the unset DATABASE_URL / NATS_URL of `env` (empty when both are set). */
export function checkExternalDependencies(env: Env): string[] {
  return (['DATABASE_URL', 'NATS_URL'] as const).filter((v) => !env[v]?.trim());
}

/** The command running one service: the TypeScript main through the swc register, else the built one. */
function serviceCommand(name: ServiceName): string[] {
  let swc = true;
  try {
    require.resolve('@swc/core');
  } catch {
    swc = false;
  }
  if (swc) return ['-r', path.join(ROOT, 'tools/runtime/swc-register.js'), path.join(ROOT, `services/${name}/src/main.ts`)];
  const dist = path.join(ROOT, `dist/services/${name}/src/main.js`);
  if (!existsSync(dist)) throw new Error(`start:services: neither @swc/core nor ${dist} is available; run \`npm install\` or \`npm run build\``);
  return ['-r', path.join(ROOT, 'tools/runtime/register-paths.js'), dist];
}

/** Copies a stream line by line to `out`, each line prefixed with `[name]`. */
function prefixLines(stream: NodeJS.ReadableStream, name: string, out: NodeJS.WritableStream): void {
  const prefix = `[${name}]`.padEnd(12);
  createInterface({ input: stream }).on('line', (line) => out.write(`${prefix}${line}\n`));
}

/**
 * Waits until the service's gRPC health answers SERVING, or its process is gone (throws; the
 * runner reported that already), or `timeoutMs` passes (throws).
 */
async function waitServing(name: ServiceName, gone: () => boolean, addr: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone()) throw new Error(`start:services: ${name} exited while starting; see its [${name}] lines`);
    const status = await checkHealth(addr, '', 1_000).catch(() => undefined);
    if (status === 'SERVING') return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`start:services: ${name} did not answer SERVING on ${addr} within ${timeoutMs} ms`);
}

/** The gateway's base-URL variable and `npm run sim`'s port variable of each simulator. */
const SIM_VARS: Readonly<Record<SimName, { readonly baseUrl: string; readonly simPort: string }>> = {
  fonnte: { baseUrl: 'FONNTE_BASE_URL', simPort: 'FONNTE_SIM_PORT' },
  wablas: { baseUrl: 'WABLAS_BASE_URL', simPort: 'WABLAS_SIM_PORT' },
  twilio: { baseUrl: 'TWILIO_BASE_URL', simPort: 'TWILIO_SIM_PORT' },
  advanta: { baseUrl: 'ADVANTA_BASE_URL', simPort: 'ADVANTA_SIM_PORT' },
};

/** Where the gateway sends without provider credentials, and how to run `npm run sim` for it. */
export interface SimulatorPlan {
  /** The gateway's FONNTE_BASE_URL … ADVANTA_BASE_URL. */
  readonly urls: Readonly<Record<SimName, string>>;
  /** The simulators whose URL came from the environment's `<NAME>_BASE_URL`. */
  readonly fromEnv: readonly SimName[];
  /** The simulators `npm run sim` cannot serve (their URL is not http://127.0.0.1|localhost:<port>/): the command gives them port 0. */
  readonly elsewhere: readonly SimName[];
  /** The `npm run sim` command serving the others at those URLs, receipts to the gateway's webhook server. */
  readonly command: string;
}

/**
 * start:services runs no simulators (`npm run sim` does): each provider URL is the
 * environment's `<NAME>_BASE_URL` when set, else 127.0.0.1 on `ports.sims` (8091…8094 by
 * default, free ports with STACK_PORTS=auto so a second stack has its own); `command` is the
 * `npm run sim` line listening there (libs/provider-sim/src/main.ts: `<NAME>_SIM_PORT`,
 * SIM_WEBHOOK_BASE_URL, WEBHOOK_SECRET), naming only ports that differ from its defaults.
 */
export function simulatorPlan(env: Env, ports: StackPorts, webhookUrl: string): SimulatorPlan {
  const urls = {} as Record<SimName, string>;
  const fromEnv: SimName[] = [];
  const elsewhere: SimName[] = [];
  const assignments: string[] = [];
  for (const name of Object.keys(SIM_VARS) as SimName[]) {
    const given = env[SIM_VARS[name].baseUrl]?.trim();
    if (given) fromEnv.push(name);
    urls[name] = given || `http://127.0.0.1:${ports.sims[name]}`;
    const port = loopbackPort(urls[name]);
    if (port === undefined) {
      elsewhere.push(name);
      assignments.push(`${SIM_VARS[name].simPort}=0`);
    } else if (port !== SIM_DEFAULT_PORTS[name]) {
      assignments.push(`${SIM_VARS[name].simPort}=${port}`);
    }
  }
  const secret = env['WEBHOOK_SECRET'] ? '"$WEBHOOK_SECRET"' : LOCAL_WEBHOOK_SECRET;
  const command = [...assignments, `WEBHOOK_SECRET=${secret}`, `SIM_WEBHOOK_BASE_URL=${webhookUrl}`, 'npm run sim'].join(' ');
  return { urls, fromEnv, elsewhere, command };
}

/** The port of an `http://127.0.0.1|localhost:<port>` URL with no path (what `npm run sim` serves), else undefined. */
function loopbackPort(url: string): number | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' || !['127.0.0.1', 'localhost'].includes(u.hostname) || (u.pathname !== '/' && u.pathname !== '')) return undefined;
  return Number(u.port || 80);
}

/**
 * Refuses (StackStartRefusal) to start a stack whose info file belongs to another one still
 * there: a running stack (its runner alive; a second runner would overwrite its stack.json, send
 * to its own simulator ports and remove the file the first one's notifyctl users read), or the
 * services of a stack whose runner was killed without cleaning up (SIGKILL) and that still run
 * (they would keep consuming the same events and queue). The way out is named: stop it, kill the
 * pids, or another NOTIFY_DATA_DIR / STACK_INFO_FILE for a second stack.
 */
export function assertNoStackOn(infoFile: string): void {
  const found = inspectStackInfoFile(infoFile);
  // A pid alone is not proof (a stale file after a reboot or a container restart names pids that
  // another process, even this runner, may have now): the process must run the runner / service.
  if (found.state === 'running' && found.info.pid !== process.pid && runsCommand(found.info.pid, 'tools/stack/bin/stack.js') !== false) {
    throw new StackStartRefusal(
      `a stack is already running with ${infoFile} (${found.info.runner}, pid ${found.info.pid}, started ${found.info.startedAt}); ` +
        `stop it (kill ${found.info.pid}), or give this one its own NOTIFY_DATA_DIR (or STACK_INFO_FILE), NATS_NAMESPACE and database`,
    );
  }
  if (found.state === 'stale' || (found.state === 'running' && (found.info.pid === process.pid || runsCommand(found.info.pid, 'tools/stack/bin/stack.js') === false))) {
    const orphans = Object.entries(found.info.servicePids ?? {}).filter(
      ([name, pid]) => typeof pid === 'number' && pid !== process.pid && isAlive(pid) && runsCommand(pid, `services/${name}/`) !== false,
    );
    if (orphans.length > 0) {
      throw new StackStartRefusal(
        `the services of a stack killed without cleaning up still run (${orphans.map(([n, pid]) => `${n} pid ${pid}`).join(', ')}; ${infoFile} is left from runner pid ${found.info.pid}); ` +
          `they shut down by themselves within seconds of their runner's end: wait, or stop them: kill ${orphans.map(([, pid]) => pid).join(' ')}`,
      );
    }
  }
}

/**
 * Whether process `pid`'s command line contains `marker` (Linux /proc); undefined when it cannot
 * be read (another OS, or the process is gone): the caller then goes by the pid alone.
 */
function runsCommand(pid: number, marker: string): boolean | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(marker);
  } catch {
    return undefined;
  }
}

/** The refusal for {@link natsConsumersInUse}'s finding. */
export function natsInUse(busy: readonly ConsumerInUse[], ns: string | undefined): StackStartRefusal {
  return new StackStartRefusal(
    `another Notify stack is consuming the events on this NATS (${busy.map((b) => `${b.consumer} on ${b.stream}`).join(', ')}${ns ? `, namespace ${ns}` : ', no namespace'}): ` +
      'two stacks sharing these durable consumers take each other\'s events. Stop the other stack, or give this one its own NATS_NAMESPACE (and database)',
  );
}

/** One started service process. */
interface Running {
  readonly name: ServiceName;
  readonly child: ChildProcess;
  /** How it exited: `0`, `1`, `SIGKILL`… */
  readonly exited: Promise<string>;
  /** Its exit was already reported (the one that failed). */
  reported: boolean;
}

async function run(): Promise<number> {
  const env = process.env;
  const missing = checkExternalDependencies(env);
  if (missing.length > 0) {
    process.stderr.write(missingDependencyMessage(missing) + '\n');
    return 2;
  }
  const dataRoot = path.resolve(env['NOTIFY_DATA_DIR'] ?? '.notify-data');
  // A stack running on this folder is refused first (its ports are the busy ones below).
  const infoFile = stackInfoFilePath(env, dataRoot);
  assertNoStackOn(infoFile);
  // STACK_PORTS=auto: the folder's last layout again when it is free, so a `npm run sim` still
  // running (started with the printed command) posts its receipts to this gateway.
  const ports = await resolvePorts(env['STACK_PORTS'], { sims: false }, lastPorts(dataRoot), (busy) =>
    process.stderr.write(`start:services: the last stack's ports are not free (${busy.join(', ')}): new ports for every service; restart npm run sim with the command printed below\n`));
  const keys = resolveKeys(env, dataRoot);
  const webhookUrl = `http://127.0.0.1:${ports.webhook}`;
  // The simulators of `npm run sim` append WEBHOOK_SECRET (when set) to their receipts; the
  // gateway accepts only receipts carrying its own, so both need the same value.
  const webhookSecret = env['WEBHOOK_SECRET'] ?? LOCAL_WEBHOOK_SECRET;
  const sims = hasProviderCredentials(env) ? undefined : simulatorPlan(env, ports, webhookUrl);
  const providerEnv = sims && { ...simulatorProviderEnv(sims.urls, webhookSecret), WEBHOOK_PUBLIC_URL: env['WEBHOOK_PUBLIC_URL']?.trim() || webhookUrl };
  const input = { base: env, databaseUrl: env['DATABASE_URL']!, natsUrl: env['NATS_URL'], ports, keys, providerEnv };
  const busy = await natsConsumersInUse(env['NATS_URL']!, env['NATS_NAMESPACE']?.trim() || undefined);
  if (busy.length > 0) throw natsInUse(busy, env['NATS_NAMESPACE']?.trim() || undefined);
  const say = (line: string) => process.stderr.write(`start:services: ${line}\n`);

  const children: Running[] = [];
  let stopping: Promise<boolean> | undefined;
  /**
   * Stops the running services once (later calls get the same promise): SIGTERM to each, newest
   * first, each awaited (they drain); reports the ones that did not exit 0. Resolves true when
   * all it stopped did (the one whose failure started the stop was reported already).
   */
  let stopStartedAt = 0;
  const stopAll = (): Promise<boolean> =>
    (stopping ??= (async () => {
      stopStartedAt = Date.now();
      removeStackInfoFile(infoFile);
      let ok = true;
      for (const entry of [...children].reverse()) {
        if (entry.child.exitCode === null && entry.child.signalCode === null) entry.child.kill('SIGTERM');
        const how = await entry.exited;
        if (how !== '0' && !entry.reported) {
          ok = false;
          say(`${entry.name} exited with ${how} while stopping; see its [${entry.name}] lines`);
        }
      }
      return ok;
    })());
  /** Names the services still running, newest first. */
  const runningNames = () => [...children].reverse().filter((c) => c.child.exitCode === null && c.child.signalCode === null).map((c) => c.name);
  let settle: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (settle = resolve));
  /** The stack failed (a service exited by itself, or did not come up): stops the rest once, exit 1. */
  const fail = (what: string): void => {
    if (stopping) return;
    const rest = runningNames();
    say(`${what}; ${rest.length > 0 ? `stopping ${rest.join(', ')}` : 'nothing else runs'}`);
    void stopAll().then((ok) => {
      say(rest.length === 0 ? 'exit 1' : `${ok ? 'the others stopped cleanly' : 'stopped'}; exit 1`);
      settle(1);
    });
  };
  const onSignal = (signal: string): void => {
    if (stopping) {
      // A terminal's Ctrl-C can reach this runner twice (from the terminal and forwarded by
      // `npm run`): only a signal 2 s or more into the stop forces it, as `npm start` does.
      if (Date.now() - stopStartedAt < FORCE_AFTER_MS) return;
      const rest = runningNames();
      say(`second ${signal} while stopping: ${rest.length > 0 ? `killing ${rest.join(', ')} (SIGKILL)` : 'nothing runs'}; exit 1`);
      for (const entry of children) if (entry.child.exitCode === null && entry.child.signalCode === null) entry.child.kill('SIGKILL');
      removeStackInfoFile(infoFile);
      process.exit(1);
    }
    const rest = runningNames();
    say(rest.length > 0 ? `${signal}, stopping ${rest.join(', ')}…` : `${signal}, nothing runs yet`);
    void stopAll().then((ok) => {
      say(ok ? 'all stopped; exit 0' : 'stopped; exit 1');
      settle(ok ? 0 : 1);
    });
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // The terminal closing (SIGHUP) stops them too; and whatever ends this runner (an uncaught
  // error, a broken stdout), its detached children are not left running holding their ports.
  process.on('SIGHUP', () => onSignal('SIGHUP'));
  process.on('exit', () => {
    for (const entry of children) if (entry.child.exitCode === null && entry.child.signalCode === null) entry.child.kill('SIGTERM');
  });
  process.stdout.on('error', () => undefined); // a closed pipe (| head) must not kill the runner mid-stop

  let started = false;
  const startAll = async (): Promise<void> => {
    for (const name of START_ORDER) {
      if (stopping) return;
      const childEnv = serviceEnv(name, input);
      // detached: a process group of its own, so a terminal's Ctrl-C (SIGINT to the foreground
      // group) reaches only this runner, which stops the services one by one in reverse order.
      const child = spawn(process.execPath, serviceCommand(name), {
        cwd: ROOT,
        env: { ...childEnv, [EXIT_WITH_PARENT_VAR]: '1' } as NodeJS.ProcessEnv,
        // 'ipc' and NOTIFY_EXIT_WITH_PARENT=1: a channel the service watches (installShutdown): when
        // this runner dies, even by SIGKILL, it closes and the service shuts down instead of
        // running on orphaned.
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        detached: true,
      });
      prefixLines(child.stdout!, name, process.stdout);
      prefixLines(child.stderr!, name, process.stderr);
      // 'close': exited AND its output read to the end, so the runner's line comes after the service's last.
      let closed = false;
      const exited = new Promise<string>((resolve) =>
        child.once('close', (code, signal) => {
          closed = true;
          resolve(code !== null ? String(code) : (signal ?? 'unknown'));
        }),
      );
      const entry: Running = { name, child, exited, reported: false };
      children.push(entry);
      void exited.then((how) => {
        if (stopping) return;
        entry.reported = true;
        fail(started ? `${name} exited by itself (${how}); see its [${name}] lines` : `${name} exited with ${how} while starting; see its [${name}] lines`);
      });
      await waitServing(name, () => closed, `127.0.0.1:${ports.grpc[name]}`, 60_000);
    }
    if (stopping) return;
    started = true;
    rememberPorts(dataRoot, ports);
    process.stdout.write(servicesBanner({ env, ports, keys, sims, webhookUrl }) + '\n');
    writeStackInfoFile(infoFile, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      runner: 'start:services',
      database: { mode: 'external', url: env['DATABASE_URL']! },
      events: { mode: 'nats', url: env['NATS_URL']! },
      providers: sims ? { mode: 'simulators', urls: sims.urls, simCommand: sims.command } : { mode: 'real' },
      grpc: addresses(ports),
      webhookUrl,
      ports,
      ...rateLimitOf(input),
      dataRoot,
      apiKeys: apiKeysInfo(keys, dataRoot),
      servicePids: Object.fromEntries(children.map((c) => [c.name, c.child.pid])),
    });
  };
  startAll().catch((err: unknown) => fail(err instanceof Error ? err.message.replace(/^start:services: /, '') : String(err)));

  return finished;
}

/** `127.0.0.1:<port>` per service. */
function addresses(ports: StackPorts): Record<ServiceName, string> {
  return Object.fromEntries(START_ORDER.map((s) => [s, `127.0.0.1:${ports.grpc[s]}`])) as Record<ServiceName, string>;
}

/** The gateway's per-recipient rate limit as its config reads it (for stack.json; `npm run demo` names it). */
function rateLimitOf(input: Parameters<typeof serviceEnv>[1]): { rateLimit?: NonNullable<StackInfoFile['rateLimit']> } {
  try {
    const config = loadGatewayConfig(serviceEnv('gateway', input));
    return { rateLimit: { perRecipient: config.RECIPIENT_RATE_LIMIT, windowMs: config.RECIPIENT_RATE_WINDOW_MS, chosen: false } };
  } catch {
    return {}; // the gateway is SERVING, so it parsed; nothing to add if not
  }
}

/** The banner start:services prints once all five answer SERVING (tests read the addresses from it). */
export function servicesBanner(s: { env: Env; ports: StackPorts; keys: StackKeys; sims: SimulatorPlan | undefined; webhookUrl: string }): string {
  const { env, ports, keys, sims, webhookUrl } = s;
  const grpc = addresses(ports);
  const lines = ['', '=== Notify services running (one process each) ===', ''];
  for (const name of START_ORDER) lines.push(`  ${name.padEnd(10)} ${grpc[name]}`);
  lines.push(`  webhooks   ${webhookUrl}`);
  lines.push('', `  Postgres   ${env['DATABASE_URL']!.replace(/\/\/([^:/@]+):[^@]+@/, '//$1:***@')}`, `  NATS       ${env['NATS_URL']}`);
  if (sims) {
    const own = (Object.keys(sims.urls) as SimName[]).map((n) => `${n} ${sims.urls[n]}${sims.fromEnv.includes(n) ? ` (${SIM_VARS[n].baseUrl})` : ''}`);
    lines.push(`  Providers  simulators, NOT started here: ${own.join(', ')}`);
    lines.push(`             run them with: ${sims.command}`);
    if (sims.elsewhere.length > 0) lines.push(`             (${sims.elsewhere.join(', ')}: not a 127.0.0.1 port, served by whatever you pointed ${sims.elsewhere.map((n) => SIM_VARS[n].baseUrl).join(', ')} at)`);
  } else {
    lines.push('  Providers  real providers (credentials from the environment)');
  }
  lines.push(supportPhoneLine(env['SUPPORT_PHONE']));
  lines.push(keys.adminKey ? `  API key    ${keys.adminKey} (admin)` : '  API key    from NOTIFY_API_KEYS');
  const ignored = overriddenByStack(env);
  if (ignored.length > 0) {
    lines.push(
      `  Not used   ${ignored.join(', ')} from the environment: this runner sets each service's host, port (STACK_PORTS: default or auto), schema (<SVC>_DATABASE_SCHEMA) and callee addresses itself; ` +
        'a service\'s port cannot be chosen' +
        (ignored.includes('SERVICE_API_KEY') ? '; SERVICE_API_KEY counts only with NOTIFY_API_KEYS' : ''),
    );
  }
  const addrs = START_ORDER.filter((n) => ports.grpc[n] !== SERVICE_PORTS[n]).map((n) => `${n.toUpperCase()}_ADDR=${grpc[n]} `).join('');
  lines.push('', `  ${addrs}NOTIFY_API_KEY=${keys.adminKey ?? '<your admin key>'} npx notifyctl tickets list`);
  lines.push('', 'Ctrl-C stops them all.', '');
  return lines.join('\n');
}

/**
 * Entry point (tools/stack/bin/stack.js services): exits with 0 after a clean stop, 1 on failure
 * (one line for an expected one such as busy ports, the stack for an unexpected one), 2 on
 * missing configuration.
 */
export function main(): void {
  run().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`start:services: ${describeStartFailure(err)}\n`);
      process.exit(1);
    },
  );
}
