/**
 * `npm run start:services`: the five services as separate processes (as compose and Kubernetes
 * run them) against the Postgres in DATABASE_URL and the NATS JetStream in NATS_URL, both
 * required. `npm run sim` runs the provider simulators separately.
 *
 * 1. Checks DATABASE_URL and NATS_URL (exits 2 with a message naming the missing ones);
 * 2. API keys: NOTIFY_API_KEYS / SERVICE_API_KEY from the environment, else an admin and a
 *    service key generated once into NOTIFY_DATA_DIR (default .notify-data) and printed;
 * 3. starts template → customer → ticket → scheduler → gateway one after the other
 *    (`services/<svc>/src/main.ts` through the swc register, or dist/services/<svc>/src/main.js
 *    without @swc/core), each with its own environment (tools/stack/src/stack-env.ts): it
 *    applies its migrations and seeds (templates, routing rules) before it serves, and the next
 *    one starts when its gRPC health answers SERVING;
 * 4. prefixes each output line with `[<service>]`;
 * 5. SIGINT / SIGTERM: SIGTERM to the services in reverse start order, each awaited; exits 0 when
 *    all exited 0. A service exiting by itself stops the others and exits 1.
 * Ports: STACK_PORTS=auto for free ones, default 50051…50055 and webhooks on 8080; the
 * gateway sends to the simulators' default URLs unless provider credentials are set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { Env, ServiceName } from '@notify/config';
import { checkHealth } from '@notify/testing';
import { describeStartFailure } from './refusal';
import { hasProviderCredentials, resolveKeys, resolvePorts, serviceEnv, simulatorProviderEnv, SIM_DEFAULT_PORTS, START_ORDER } from './stack-env';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** WEBHOOK_SECRET of a local run when none is set (receipts from `npm run sim` must carry it). */
const LOCAL_WEBHOOK_SECRET = 'notify-local-webhook-secret';

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

/** Waits until the service's gRPC health answers SERVING, or its process exits (throws), or `timeoutMs` passes. */
async function waitServing(name: ServiceName, child: ChildProcess, addr: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`start:services: ${name} exited (${child.exitCode ?? child.signalCode}) while starting; see its [${name}] lines`);
    const status = await checkHealth(addr, '', 1_000).catch(() => undefined);
    if (status === 'SERVING') return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`start:services: ${name} did not answer SERVING on ${addr} within ${timeoutMs} ms`);
}

async function run(): Promise<number> {
  const env = process.env;
  const missing = checkExternalDependencies(env);
  if (missing.length > 0) {
    process.stderr.write(missingDependencyMessage(missing) + '\n');
    return 2;
  }
  const ports = await resolvePorts(env['STACK_PORTS'], { sims: false });
  const keys = resolveKeys(env, path.resolve(env['NOTIFY_DATA_DIR'] ?? '.notify-data'));
  const sims = Object.fromEntries(
    Object.entries(SIM_DEFAULT_PORTS).map(([n, p]) => [n, `http://127.0.0.1:${p}`]),
  ) as Record<keyof typeof SIM_DEFAULT_PORTS, string>;
  // The simulators of `npm run sim` append WEBHOOK_SECRET (when set) to their receipts; the
  // gateway accepts only receipts carrying its own, so both need the same value.
  const webhookSecret = env['WEBHOOK_SECRET'] ?? LOCAL_WEBHOOK_SECRET;
  const providerEnv = hasProviderCredentials(env)
    ? undefined
    : { ...simulatorProviderEnv(sims, webhookSecret), WEBHOOK_PUBLIC_URL: `http://127.0.0.1:${ports.webhook}` };
  const input = { base: env, databaseUrl: env['DATABASE_URL']!, natsUrl: env['NATS_URL'], ports, keys, providerEnv };

  const children: Array<{ name: ServiceName; child: ChildProcess; exited: Promise<number> }> = [];
  let stopping = false;
  const stopAll = async (): Promise<boolean> => {
    stopping = true;
    let ok = true;
    for (const { name, child, exited } of [...children].reverse()) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) {
        ok = false;
        process.stderr.write(`start:services: ${name} exited with ${code}\n`);
      }
    }
    return ok;
  };
  const finished = new Promise<number>((resolve) => {
    const onSignal = (signal: string) => {
      if (stopping) return;
      process.stderr.write(`start:services: ${signal}, stopping the services (gateway first)…\n`);
      void stopAll().then((ok) => resolve(ok ? 0 : 1));
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    startAll().catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      void stopAll().then(() => resolve(1));
    });
  });

  async function startAll(): Promise<void> {
    for (const name of START_ORDER) {
      if (stopping) return;
      const childEnv = serviceEnv(name, input);
      // detached: a process group of its own, so a terminal's Ctrl-C (SIGINT to the foreground
      // group) reaches only this runner, which stops the services one by one in reverse order.
      const child = spawn(process.execPath, serviceCommand(name), {
        cwd: ROOT,
        env: childEnv as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      prefixLines(child.stdout!, name, process.stdout);
      prefixLines(child.stderr!, name, process.stderr);
      const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
      children.push({ name, child, exited });
      void exited.then((code) => {
        if (!stopping) {
          process.stderr.write(`start:services: ${name} exited unexpectedly (${code}); stopping the others\n`);
          process.kill(process.pid, 'SIGTERM');
        }
      });
      await waitServing(name, child, `127.0.0.1:${ports.grpc[name]}`, 60_000);
    }
    const lines = ['', '=== Notify services running (one process each) ===', ''];
    for (const name of START_ORDER) lines.push(`  ${name.padEnd(10)} 127.0.0.1:${ports.grpc[name]}`);
    lines.push(`  webhooks   http://127.0.0.1:${ports.webhook}`);
    lines.push('', `  Postgres   ${env['DATABASE_URL']!.replace(/\/\/([^:/@]+):[^@]+@/, '//$1:***@')}`, `  NATS       ${env['NATS_URL']}`);
    lines.push(
      providerEnv
        ? `  Providers  the simulators on 8091…8094: run \`WEBHOOK_SECRET=${env['WEBHOOK_SECRET'] ? '$WEBHOOK_SECRET' : LOCAL_WEBHOOK_SECRET} SIM_WEBHOOK_BASE_URL=http://127.0.0.1:${ports.webhook} npm run sim\``
        : '  Providers  real providers (credentials from the environment)',
    );
    lines.push(keys.adminKey ? `  API key    ${keys.adminKey} (admin)` : '  API key    from NOTIFY_API_KEYS');
    lines.push('', 'Ctrl-C stops them all.', '');
    process.stdout.write(lines.join('\n') + '\n');
  }

  return finished;
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
