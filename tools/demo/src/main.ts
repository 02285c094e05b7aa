/**
 * `npm run demo`: plays the seeds' story (scenario.ts) against the running Notify and prints
 * each WhatsApp / SMS message as the phone shows it, with the trace id of each send.
 *
 * Finds the stack from the environment, else from the info file a running `npm start` writes
 * (`<NOTIFY_DATA_DIR>/stack.json`: addresses, simulator URLs, database), else `npm start`'s
 * default ports. When nothing answers on the gateway's gRPC port it starts the embedded stack
 * itself (free ports; its output goes to `<NOTIFY_DATA_DIR>/demo-stack.log`) and stops it at
 * the end.
 *
 * Environment (all optional; defaults are what `npm start` prints):
 *   NOTIFY_API_KEY       admin key; default: the running stack's `admin` key, from the key file its
 *                        info file names (stack.json `apiKeys.file`, as notifyctl reads it), else
 *                        from <NOTIFY_DATA_DIR>/api-keys.json when no stack.json is found
 *   NOTIFY_DATA_DIR      the stack's data folder (default .notify-data)
 *   <SERVICE>_ADDR       TICKET_ADDR … GATEWAY_ADDR (default 127.0.0.1:50051 … 50055)
 *   WEBHOOK_URL          the gateway's webhook server (default http://127.0.0.1:8080)
 *   FONNTE_SIM_URL, WABLAS_SIM_URL, TWILIO_SIM_URL, ADVANTA_SIM_URL
 *                        the simulators (default http://127.0.0.1:8091 … 8094)
 *   STACK_INFO_FILE      the running stack's info file (default <NOTIFY_DATA_DIR>/stack.json)
 *   DEMO_DATABASE_URL    Postgres of the ticket service (default: the info file's), for step 6 only: no public API can
 *                        bring a ticket within its SLA warning threshold (CreateTicket has no
 *                        deadline field, no service clock can be set), so the demo moves that
 *                        one ticket's sla_due_at to 50 minutes from now in the ticket schema
 *                        (TICKET_DATABASE_SCHEMA, default `ticket`) and says so. Unknown:
 *                        step 6 triggers the SLA job and reports that nothing is due.
 *   DEMO_STEP_TIMEOUT_MS how long each step waits for its messages (default 30000)
 *   DEMO_SETTLE_MS       how long a step keeps collecting after its messages arrived (default 750)
 *   DEMO_FONNTE_DOWN_MS  how long Fonnte is down in step 5 (default 15000)
 *   NO_COLOR             no ANSI colours
 * Flags (read strictly by cli.ts parseDemoArgs; `npm run demo -- --help` prints cli.ts
 * DEMO_USAGE, which lists these flags and the variables above, and runs nothing):
 *   --json       the step reports go to stderr and stdout gets one line: the scenario's result
 *                as JSON (tests/e2e/scenario.e2e-spec.ts reads it)
 *   --no-start   fail instead of starting the stack when nothing answers
 *   --keep-tickets  leave the tickets the run left open (step 4's installation, steps 5 and 6's
 *                disturbances; step 2's when a later step failed); by default they are cancelled
 *                at the end — also when a step fails (cli.ts playThenTidy) — so their SLA
 *                warnings and escalations do not go on after the demo
 *   -h, --help   the usage text on stdout, exit 0
 * An unknown flag, a value given to a flag or a positional: one line on stderr
 * (`demo: unknown option --keep-ticket, did you mean --keep-tickets? (see npm run demo -- --help)`),
 * exit 2, the stack untouched.
 * Ctrl-C (SIGINT) or SIGTERM: the story stops where it is, its tickets are cancelled, exit code
 * 130; a second one exits at once. The tickets not yet cancelled are kept in
 * `<NOTIFY_DATA_DIR>/demo-open-tickets.json` (openTicketsLedger) for the next run to cancel.
 * Exit code 0 when the whole story played, 1 otherwise (the error says which step and what
 * arrived instead, with the routing rules to check for messages that never came; a message the
 * stack's per-recipient rate limit holds back fails its step at once, naming the limit from
 * stack.json and RECIPIENT_RATE_LIMIT=0: see tools/demo/README.md). A failure to cancel the
 * tickets left open is a warning line on stderr and changes neither the exit code nor the error.
 * The directory (the seeds' customer, the staff's fixed phones, the zone groups) is reused run
 * after run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';
import { readStackInfoFile, SERVICE_PORTS, stackInfoFilePath, type ServiceName, type StackInfoFile } from '@notify/config';
import { ticketv1 } from '@notify/proto';
import { demoApiKey } from './api-key';
import { DEMO_USAGE, DemoInterrupted, parseDemoArgs, playThenTidy } from './cli';
import { stepReport } from './phone-box';
import { closeOpenDemoTickets, playScenario, type ScenarioOptions, type ScenarioResult } from './scenario';

const ROOT = path.resolve(__dirname, '../../..');

/** Resolved demo settings. */
interface DemoSettings {
  addresses: Record<ServiceName, string>;
  webhookUrl: string;
  sims: ScenarioOptions['sims'];
  dataDir: string;
  stepTimeoutMs: number;
  settleMs: number;
  fonnteDownMs: number;
  databaseUrl: string | undefined;
  ticketSchema: string;
  rateLimit: ScenarioOptions['rateLimit'];
}

/** `<NOTIFY_DATA_DIR>/stack.json` (or STACK_INFO_FILE), relative paths from the repository root. */
function infoFile(env: NodeJS.ProcessEnv): string {
  return stackInfoFilePath(env, path.resolve(ROOT, env['NOTIFY_DATA_DIR'] ?? '.notify-data'), ROOT);
}

/**
 * Settings: each from the environment, else from the running stack's info file, else `npm start`'s
 * default. The rate limit comes from the info file only (it is the stack's, not this process's).
 */
function settings(env: NodeJS.ProcessEnv, info: StackInfoFile | undefined): DemoSettings {
  const addresses = {} as Record<ServiceName, string>;
  for (const svc of Object.keys(SERVICE_PORTS) as ServiceName[]) {
    addresses[svc] = env[`${svc.toUpperCase()}_ADDR`]?.trim() || info?.grpc[svc] || `127.0.0.1:${SERVICE_PORTS[svc]}`;
  }
  const simUrls = info?.providers.mode === 'simulators' ? info.providers.urls : undefined;
  const sim = (name: 'fonnte' | 'wablas' | 'twilio' | 'advanta', port: number) =>
    env[`${name.toUpperCase()}_SIM_URL`]?.trim() || simUrls?.[name] || `http://127.0.0.1:${port}`;
  return {
    addresses,
    webhookUrl: env['WEBHOOK_URL']?.trim() || info?.webhookUrl || 'http://127.0.0.1:8080',
    sims: { fonnte: sim('fonnte', 8091), wablas: sim('wablas', 8092), twilio: sim('twilio', 8093), advanta: sim('advanta', 8094) },
    dataDir: path.resolve(ROOT, env['NOTIFY_DATA_DIR'] ?? '.notify-data'),
    stepTimeoutMs: positive(env, 'DEMO_STEP_TIMEOUT_MS', 30_000),
    settleMs: positive(env, 'DEMO_SETTLE_MS', 750),
    fonnteDownMs: positive(env, 'DEMO_FONNTE_DOWN_MS', 15_000),
    databaseUrl: env['DEMO_DATABASE_URL']?.trim() || info?.database.url || undefined,
    ticketSchema: env['TICKET_DATABASE_SCHEMA']?.trim() || 'ticket',
    rateLimit: info?.rateLimit ? { perRecipient: info.rateLimit.perRecipient, windowMs: info.rateLimit.windowMs } : undefined,
  };
}

/** A whole number of ms from the environment; throws naming the variable when it is not one. */
function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number of milliseconds, got "${raw}"`);
  return Number(raw);
}

/** true when a TCP connection to `host:port` succeeds within 1 s. */
function answers(address: string): Promise<boolean> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Starts the embedded stack (`node tools/stack/bin/stack.js start`, what `npm start` runs) in
 * the background on free ports (STACK_PORTS=auto unless set), so it never collides with
 * anything already listening; resolves with its info file once the gateway's gRPC port and
 * webhook server answer.
 */
async function startStack(env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<{ child: ChildProcess; info: StackInfoFile }> {
  const file = infoFile(env);
  const dataDir = path.resolve(ROOT, env['NOTIFY_DATA_DIR'] ?? '.notify-data');
  mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(dataDir, 'demo-stack.log');
  out(`No running Notify found: starting the embedded stack (npm start, free ports; log in ${path.relative(ROOT, logFile)})…`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'tools/stack/bin/stack.js'), 'start'], {
    cwd: ROOT,
    env: { ...env, STACK_PORTS: env['STACK_PORTS'] ?? 'auto', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const until = spawnedAt + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with code ${child.exitCode}; see ${logFile}`);
    const info = readStackInfoFile(file);
    if (info && Date.parse(info.startedAt) >= spawnedAt - 1000 && (await answers(info.grpc.gateway)) && (await fetch(`${info.webhookUrl}/healthz`).then((r) => r.ok, () => false))) {
      out('The embedded stack is up.\n');
      return { child, info };
    }
    if (Date.now() > until) {
      child.kill('SIGINT');
      throw new Error(`the embedded stack did not start within 180 s; see ${logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function stopStack(child: ChildProcess, out: (line: string) => void): Promise<void> {
  if (child.exitCode !== null) return;
  out('Stopping the embedded stack the demo started…');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Step 6's stand-in for time passing (see DEMO_DATABASE_URL above): moves one ticket's
 * deadline to 50 minutes from now, inside the URGENT warning threshold (60 min).
 */
function nearSlaVia(databaseUrl: string, schema: string): NonNullable<ScenarioOptions['nearSla']> {
  return async (ticket) => {
    const pg = new Client({ connectionString: databaseUrl });
    await pg.connect();
    try {
      const res = await pg.query(`UPDATE "${schema}".tickets SET sla_due_at = now() + interval '50 minutes' WHERE id = $1`, [ticket.id]);
      if (res.rowCount !== 1) throw new Error(`ticket ${ticket.id} not found in ${schema}.tickets`);
    } finally {
      await pg.end();
    }
    return `demo shortcut for "3 hours later": ticket ${ticket.number}'s sla_due_at moved to 50 min from now in the ticket schema (no public API moves a deadline or a clock)`;
  };
}

/**
 * The tickets a run has opened and not yet cancelled (`<NOTIFY_DATA_DIR>/demo-open-tickets.json`:
 * `{ role: { id, number } }`), written as each opens and removed once they are tidied: a run
 * killed before it could tidy up (SIGKILL, a closed terminal) leaves them for the next run to
 * cancel. An unreadable file counts as empty.
 */
const openTicketsLedger = (dataDir: string) => {
  const file = path.resolve(ROOT, dataDir, 'demo-open-tickets.json');
  return {
    read(): ScenarioResult['tickets'] {
      if (!existsSync(file)) return {};
      try {
        const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { id?: unknown; number?: unknown }>;
        return Object.fromEntries(
          Object.entries(raw)
            .filter(([, t]) => typeof t?.id === 'string' && typeof t.number === 'string')
            .map(([role, t]) => [role, ticketv1.Ticket.fromPartial({ id: t.id as string, number: t.number as string })]),
        );
      } catch {
        return {};
      }
    },
    write(tickets: ScenarioResult['tickets']): void {
      const entries = Object.entries(tickets);
      if (entries.length === 0) {
        rmSync(file, { force: true });
        return;
      }
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(Object.fromEntries(entries.map(([role, t]) => [role, { id: t.id, number: t.number }]))));
    },
  };
};

/**
 * Resolves with the signal's name at the first SIGINT / SIGTERM (the story is then abandoned and
 * its tickets cancelled, see playThenTidy); a second one exits at once (130).
 */
function interruption(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      resolve(signal);
      process.once(signal, () => process.exit(130));
    };
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
  });
}

/** The demo: reads the flags, then plays the story; resolves with the exit code (0, or 2 for a wrong flag); throws when a step fails. */
async function main(argv: readonly string[]): Promise<number> {
  const args = parseDemoArgs(argv);
  if (args.kind === 'help') {
    process.stdout.write(DEMO_USAGE);
    return 0;
  }
  if (args.kind === 'error') {
    process.stderr.write(`demo: ${args.message}\n`);
    return 2;
  }
  const json = args.json;
  const report = json ? process.stderr : process.stdout;
  const out = (line: string) => report.write(`${line}\n`);
  const color = !process.env['NO_COLOR'] && report.isTTY === true;
  let info = readStackInfoFile(infoFile(process.env));
  let s = settings(process.env, info);
  let stack: ChildProcess | undefined;
  if (!(await answers(s.addresses.gateway))) {
    if (args.noStart) throw new Error(`nothing answers on ${s.addresses.gateway} (--no-start)`);
    const started = await startStack(process.env, out);
    stack = started.child;
    info = started.info;
    s = settings({ ...process.env, ...Object.fromEntries(Object.keys(SERVICE_PORTS).map((svc) => [`${svc.toUpperCase()}_ADDR`, undefined])) }, info);
  }
  let ok = false;
  try {
    if (info?.providers.mode === 'real' && !process.env['FONNTE_SIM_URL']) {
      throw new Error('the running stack sends to the real providers (credentials are set): the demo reads what phones receive from the simulators, so run it against a stack without provider credentials');
    }
    const databaseUrl = s.databaseUrl;
    const apiKey = demoApiKey(process.env, info, s.dataDir, infoFile(process.env));
    out(`Notify demo: the seeds' story against ${s.addresses.ticket} … ${s.addresses.gateway}, simulators ${s.sims.fonnte} …\n`);
    // What an earlier run was killed before it could cancel (QA: Ctrl-C left an URGENT ticket
    // near its deadline open): cancelled first.
    const ledger = openTicketsLedger(s.dataDir);
    const leftOver = ledger.read();
    if (Object.keys(leftOver).length > 0) {
      // Best effort: the story does not depend on it (a failure is one warning; tickets another
      // stack's run left are not found here and are skipped).
      try {
        const closed = await closeOpenDemoTickets({ addresses: s.addresses, apiKey }, { tickets: leftOver });
        if (closed.length) out(`Cancelled the tickets an interrupted demo run left open (${closed.join(', ')}).\n`);
      } catch (err) {
        process.stderr.write(
          `demo: warning: could not cancel the tickets an interrupted run left open (${Object.values(leftOver).map((t) => t.number).join(', ')}: ` +
            `${err instanceof Error ? err.message : String(err)}); cancel the unfinished ones with npx notifyctl tickets cancel <number> --reason "demo"\n`,
        );
      }
      ledger.write({});
    }
    // The tickets the run leaves open are cancelled also when a step fails (then the step's error
    // is rethrown as it was) or the run is interrupted; before the embedded stack, if the demo
    // started one, stops.
    const result = await playThenTidy({
      keepTickets: args.keepTickets,
      out,
      warn: (line) => process.stderr.write(`${line}\n`),
      interrupted: interruption(),
      remember: (tickets) => ledger.write(tickets),
      close: (tickets) => closeOpenDemoTickets({ addresses: s.addresses, apiKey }, { tickets }),
      play: async (onTicket) => {
        const played = await playScenario({
          addresses: s.addresses,
          apiKey,
          sims: s.sims,
          webhookUrl: s.webhookUrl,
          stepTimeoutMs: s.stepTimeoutMs,
          settleMs: s.settleMs,
          fonnteDownMs: s.fonnteDownMs,
          ...(s.rateLimit ? { rateLimit: s.rateLimit } : {}),
          ...(databaseUrl ? { nearSla: nearSlaVia(databaseUrl, s.ticketSchema) } : {}),
          onStep: (step) => out(stepReport(step, { color })),
          onTicket,
        });
        const count = played.steps.reduce((n, st) => n + st.messages.length, 0);
        const skipped = played.steps.filter((st) => st.skipped).map((st) => st.step);
        out(`Done: ${played.steps.length} steps, ${count} messages (run ${played.runId})${skipped.length ? `; step ${skipped.join(', ')} not fully shown (see above)` : ''}.`);
        out(`Traces the demo started (look them up in Jaeger): ${Object.entries(played.traces).map(([k, v]) => `${k} ${v}`).join(', ')}`);
        return played;
      },
    });
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    ok = true;
  } finally {
    if (stack) await stopStack(stack, out);
  }
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (err: unknown) => {
  if (err instanceof DemoInterrupted) {
    process.stderr.write(`demo: ${err.message}: the story stopped where it was\n`);
    process.exit(130);
  }
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
