/**
 * `npm start`: all of Notify in one process on a laptop with nothing else installed
 * (node tools/stack/bin/start.js → this file through the swc register, or dist/ after `npm run build`).
 *
 * Environment (all optional):
 *   DATABASE_URL        external Postgres; unset = embedded PGlite (below)
 *   PGLITE_DATA_DIR     PGlite data folder (default <NOTIFY_DATA_DIR>/pglite)
 *   PGLITE_PORT         port of the embedded Postgres on 127.0.0.1 (default: a free port)
 *   NOTIFY_DATA_DIR     local state folder (default .notify-data: PGlite data, generated API keys)
 *   NATS_URL            NATS JetStream; unset = one in-process bus shared by the five services
 *   NATS_NAMESPACE      subject/stream prefix on a shared NATS
 *   NOTIFY_API_KEYS     `key:role,…` (must contain a `service` key, or set SERVICE_API_KEY);
 *                       unset = an admin and a service key generated once into NOTIFY_DATA_DIR;
 *                       keys the services would refuse end the start in one line before
 *                       anything (the embedded Postgres included) starts
 *   FONNTE_TOKEN … ADVANTA_SHORTCODE   real provider credentials; none set = the four simulators
 *   STACK_INFO_FILE     where the running stack's addresses are written (default <NOTIFY_DATA_DIR>/stack.json)
 *   STACK_PORTS         `auto` = free ports for gRPC, webhooks and simulators (tests, a second
 *                       stack; the data folder's last ones again while they are free);
 *                       default 50051…50055, 8080, 8091…8094
 *   LOG_LEVEL           pino level of every component (default info)
 *   RECIPIENT_RATE_LIMIT  the gateway's per-recipient limit; unset = 0 here (none: a laptop demo
 *                       replays the same numbers), unlike start:services and deployments (10 an hour)
 * Every other variable of a service (DISPATCH_POLL_MS, SHUTDOWN_GRACE_MS…) passes through.
 * SIGINT / SIGTERM stop everything in order; the process exits 0 when the stop succeeded, 1 otherwise
 * (a second signal more than 2 s after the first exits 1 at once).
 */
import { telemetry } from './instrumentation'; // first: patches grpc, http, pg, undici and pino before they load
import { SERVICE_PORTS } from '@notify/config';
import { SERVICE_CATALOG } from '@notify/proto';
import { startEmbeddedStack, type EmbeddedStack, type EmbeddedStackInfo } from './embedded-stack';
import { apiKeysInfo, removeStackInfoFile, stackInfoFilePath, writeStackInfoFile } from './info-file';
import { supportPhoneLine } from './banner-lines';
import { describeStartFailure } from './refusal';

/** Human-readable summary of a started stack: where things listen, what was chosen, what to try. */
export function banner(info: EmbeddedStackInfo, env: Readonly<Record<string, string | undefined>> = {}): string {
  const lines: string[] = ['', '=== Notify is running (npm start: one process) ===', ''];
  lines.push('Services (gRPC, health + reflection):');
  for (const [name, addr] of Object.entries(info.grpc)) {
    const entry = SERVICE_CATALOG[name as keyof typeof SERVICE_CATALOG];
    lines.push(`  ${name.padEnd(10)} ${addr.padEnd(17)} ${entry.fullName}`);
  }
  lines.push(`  webhooks   ${info.webhookUrl}  (the gateway's provider receipts and replies)`);
  lines.push('', 'Defaults chosen:');
  lines.push(
    info.database.mode === 'embedded'
      ? `  Postgres   embedded PGlite, data in ${info.database.dataDir}, served at ${info.database.url} (set DATABASE_URL for a real Postgres)`
      : `  Postgres   ${redactUrl(info.database.url)} (DATABASE_URL)`,
  );
  lines.push(
    info.events.mode === 'in-process'
      ? '  Events     in-process bus shared by the five services: SINGLE PROCESS ONLY, not durable (set NATS_URL for JetStream)'
      : `  Events     NATS JetStream at ${info.events.url} (NATS_URL)`,
  );
  lines.push(
    info.providers.mode === 'simulators'
      ? `  Providers  simulators: fonnte ${info.providers.urls.fonnte}, wablas ${info.providers.urls.wablas}, twilio ${info.providers.urls.twilio}, advanta ${info.providers.urls.advanta}\n             (messages they received: GET <url>/__sim/messages; set provider credentials for the real ones)`
      : '  Providers  real providers (credentials from the environment)',
  );
  lines.push(rateLimitLine(info.rateLimit));
  lines.push(supportPhoneLine(env['SUPPORT_PHONE']));
  lines.push('', 'API key:');
  if (info.keys.adminKey) {
    lines.push(`  admin      ${info.keys.adminKey}   (${info.keys.source === 'generated' ? 'generated now' : 'kept'} in the data folder's api-keys.json)`);
  } else {
    lines.push('  from NOTIFY_API_KEYS in the environment');
  }
  const key = info.keys.adminKey ?? '<your admin key>';
  lines.push('', 'Try next:');
  lines.push(`  grpcurl -plaintext -H 'authorization: Bearer ${key}' ${info.grpc.template} notify.template.v1.TemplateService/ListTemplates`);
  const addrs = Object.entries(info.grpc)
    .filter(([name, addr]) => addr !== `127.0.0.1:${SERVICE_PORTS[name as keyof typeof SERVICE_PORTS]}`)
    .map(([name, addr]) => `${name.toUpperCase()}_ADDR=${addr} `)
    .join('');
  lines.push(`  ${addrs}NOTIFY_API_KEY=${key} npx notifyctl tickets list`);
  // The demo finds this stack through the data folder's stack.json: another folder than the
  // default must be named (QA: in a new terminal the demo looked in .notify-data and found nothing).
  const demoEnv = env['NOTIFY_DATA_DIR']?.trim() ? `NOTIFY_DATA_DIR=${info.dataRoot} ` : '';
  lines.push(`  ${demoEnv}npm run demo        (the seeds' story against this stack)`);
  lines.push('', 'Ctrl-C stops everything.', '');
  return lines.join('\n');
}

/** The banner's line for the gateway's per-recipient rate limit (chosen or from the environment). */
export function rateLimitLine(rate: EmbeddedStackInfo['rateLimit']): string {
  if (rate.chosen) {
    return "  Rate limit none per recipient (RECIPIENT_RATE_LIMIT=0: a laptop demo replays the same numbers; set e.g. RECIPIENT_RATE_LIMIT=10 for the gateway's default of 10 an hour)";
  }
  if (rate.perRecipient === 0) return '  Rate limit none per recipient (RECIPIENT_RATE_LIMIT=0 from the environment)';
  return `  Rate limit ${rate.perRecipient} messages per recipient per ${formatWindow(rate.windowMs)}, the excess DEFERRED (RECIPIENT_RATE_LIMIT from the environment; unset = none)`;
}

/** `3600000` → `1 h`, `90000` → `90 s`. */
function formatWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/**
 * Writes `<NOTIFY_DATA_DIR>/stack.json` (or STACK_INFO_FILE; its format: @notify/config stack-info-file.ts): pid, gRPC
 * addresses, webhook and simulator URLs, the modes chosen — for scripts (`npm run demo`, the
 * smoke test) to find the running stack. No key is written there (the generated ones are in
 * api-keys.json).
 */
export function infoFilePath(info: EmbeddedStackInfo): string {
  return stackInfoFilePath(process.env, info.dataRoot);
}

function writeInfoFile(info: EmbeddedStackInfo): void {
  const { keys, ...rest } = info;
  writeStackInfoFile(infoFilePath(info), {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    runner: 'npm start',
    ...rest,
    apiKeys: apiKeysInfo(keys, info.dataRoot),
  });
}

function removeInfoFile(info: EmbeddedStackInfo): void {
  removeStackInfoFile(infoFilePath(info));
}

/** Hides a password in a connection URL. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]+@/, '//$1:***@');
}

async function run(): Promise<void> {
  const starting = startEmbeddedStack();
  let stopping = false;
  let firstSignalAt = 0;
  const stop = (signal: string): void => {
    if (stopping) {
      // A terminal's Ctrl-C reaches this process twice: from the terminal and forwarded by
      // `npm start`. Only a second Ctrl-C later than 2 s forces the exit.
      if (Date.now() - firstSignalAt < 2_000) return;
      process.stderr.write(`notify: second ${signal} while stopping, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    firstSignalAt = Date.now();
    process.stderr.write(`notify: ${signal} received, stopping (services, simulators, bus, database)…\n`);
    // A signal during start-up waits for the start to finish (or fail), then stops what runs.
    starting
      .then((stack: EmbeddedStack) => {
        removeInfoFile(stack.info);
        return stack.stop();
      })
      .then(() => telemetry.shutdown()) // flushes the spans still buffered for the OTLP endpoint
      .then(
        () => {
          process.stderr.write('notify: stopped\n');
          process.exit(0);
        },
        (err: unknown) => {
          process.stderr.write(`notify: stop failed: ${err instanceof Error ? err.message : String(err)}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const stack = await starting;
  if (stopping) return;
  // The banner first: a script that waits for the info file finds it printed already.
  process.stdout.write(banner(stack.info, process.env) + '\n');
  writeInfoFile(stack.info);
}

/**
 * Entry point (tools/stack/bin/stack.js start): runs the stack until SIGINT/SIGTERM; exits 1 when
 * the start fails — with the message alone for an expected situation (ports in use, the data
 * folder held by another npm start, a bad variable), with the stack for anything else.
 */
export function main(): void {
  run().catch((err: unknown) => {
    process.stderr.write(`notify: failed to start: ${describeStartFailure(err)}\n`);
    process.exit(1);
  });
}
