/**
 * The demo's command line, kept apart from main.ts (which runs the demo when loaded) so it is
 * unit-tested: the flags ({@link parseDemoArgs}, strict), the `--help` text ({@link DEMO_USAGE})
 * and the control flow that cancels the tickets a run left open whether its story played or a
 * step failed ({@link playThenTidy}).
 */
import { parseArgs } from 'node:util';
import type { ticketv1 } from '@notify/proto';
import type { ScenarioResult, TicketRole } from './scenario';

/** What `npm run demo -- --help` prints (stdout, exit 0): what the demo does, its flags, its environment. */
export const DEMO_USAGE = `Usage: npm run demo [-- [--json] [--no-start] [--keep-tickets]]
       npm run demo -- --help

Plays the seeds' story against a running Notify and prints each WhatsApp / SMS message as the
phone shows it, with the trace id of each send:
  1. the directory: the seeds' customer 082291921583, technicians in Karawang and Bekasi, their
     zone WhatsApp groups, a supervisor (reused run after run, created only when missing);
  2. an admin creates a GANGGUAN ticket in Karawang (customer + Karawang's job offers);
  3. a Karawang technician replies 1 three times (ASSIGNED, IN_PROGRESS, COMPLETED);
  4. a new customer registers for installation (PSB ticket opened automatically);
  5. Fonnte goes down: the next messages go through Wablas (GetStats counts the failovers);
  6. an urgent ticket nears its SLA: the SLA monitor warns the supervisor.
It finds the stack from the environment, else from the info file a running \`npm start\` writes
(<NOTIFY_DATA_DIR>/stack.json), else \`npm start\`'s default ports. When nothing answers on the
gateway's gRPC port it starts the embedded stack itself (free ports; its output goes to
<NOTIFY_DATA_DIR>/demo-stack.log) and stops it at the end. The tickets the run leaves open are
cancelled at the end, also when a step fails or Ctrl-C stops the story (exit 130); those of a
run killed outright are cancelled by the next run.

Flags:
  --json          the step reports go to stderr and stdout gets one line: the scenario's result
                  as JSON
  --no-start      fail instead of starting the stack when nothing answers
  --keep-tickets  leave the tickets the run left open (step 4's installation, steps 5 and 6's
                  disturbances; step 2's when a later step failed); by default they are
                  cancelled, so their SLA warnings and escalations do not go on after the demo
  -h, --help      this text (the demo does not run)

Environment (all optional; defaults are what \`npm start\` prints):
  NOTIFY_API_KEY        admin key; default: the running stack's \`admin\` key, from the key file
                        its info file names (stack.json apiKeys.file), else from
                        <NOTIFY_DATA_DIR>/api-keys.json when no stack.json is found
  NOTIFY_DATA_DIR       the stack's data folder (default .notify-data)
  <SERVICE>_ADDR        TICKET_ADDR … GATEWAY_ADDR (default 127.0.0.1:50051 … 50055)
  WEBHOOK_URL           the gateway's webhook server (default http://127.0.0.1:8080)
  FONNTE_SIM_URL, WABLAS_SIM_URL, TWILIO_SIM_URL, ADVANTA_SIM_URL
                        the simulators (default http://127.0.0.1:8091 … 8094)
  STACK_INFO_FILE       the running stack's info file (default <NOTIFY_DATA_DIR>/stack.json)
  DEMO_DATABASE_URL     Postgres of the ticket service (default: the info file's), for step 6
                        only: the demo moves that one ticket's sla_due_at to 50 minutes from now
                        in the ticket schema (TICKET_DATABASE_SCHEMA, default ticket), as no
                        public API can; unknown: step 6 reports that nothing is due yet
  DEMO_STEP_TIMEOUT_MS  how long each step waits for its messages (default 30000)
  DEMO_SETTLE_MS        how long a step keeps collecting after its messages arrived (default 750)
  DEMO_FONNTE_DOWN_MS   how long Fonnte is down in step 5 (default 15000)
  NO_COLOR              no ANSI colours

Exit code: 0 when the whole story played, 1 when a step failed (the error says which step,
what is missing and what arrived instead), 2 for a wrong flag. Times are shown in WIB
(Asia/Jakarta). More: tools/demo/README.md.
`;

/** The flags {@link parseDemoArgs} accepts (parseArgs options). */
const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  'no-start': { type: 'boolean' },
  'keep-tickets': { type: 'boolean' },
} as const;

/** What the command line asks for: the usage text, a usage error, or a run with its flags. */
export type DemoArgs =
  | { readonly kind: 'help' }
  /** `message`: one line without the `demo: ` prefix, e.g. `unknown option --x (see npm run demo -- --help)`. */
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'run'; readonly json: boolean; readonly noStart: boolean; readonly keepTickets: boolean };

/**
 * Reads the demo's arguments (`process.argv.slice(2)`) with `util.parseArgs`, strict: only
 * `--json`, `--no-start`, `--keep-tickets` and `-h` / `--help`, no values, no positionals.
 * `--help` anywhere (with valid flags) wins over running. Never throws: an unknown option, a
 * value given to a flag or a positional comes back as `{ kind: 'error' }` with one line naming
 * it (and the closest flag for a misspelling). Pure.
 */
export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  const see = '(see npm run demo -- --help)';
  try {
    const { values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false });
    if (values.help) return { kind: 'help' };
    return { kind: 'run', json: values.json === true, noStart: values['no-start'] === true, keepTickets: values['keep-tickets'] === true };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message : String(err);
    const quoted = /'([^']*)'/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted !== undefined) {
      const close = closestFlag(quoted);
      return { kind: 'error', message: `unknown option ${quoted}${close ? `, did you mean ${close}?` : ''} ${see}` };
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && quoted !== undefined) {
      return { kind: 'error', message: `unexpected argument "${quoted}": the demo takes flags only ${see}` };
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted !== undefined) {
      return { kind: 'error', message: `option ${quoted.split('=')[0]} takes no value ${see}` };
    }
    return { kind: 'error', message: `${message.split('\n')[0]} ${see}` };
  }
}

/** The long flag a misspelt `--flag` was most likely meant to be (edit distance ≤ 2), if any. */
function closestFlag(given: string): string | undefined {
  if (!given.startsWith('--')) return undefined;
  const name = given.slice(2).split('=')[0]!;
  let best: { flag: string; d: number } | undefined;
  for (const flag of Object.keys(OPTIONS)) {
    const d = editDistance(name, flag);
    if (d <= 2 && (!best || d < best.d)) best = { flag, d };
  }
  return best && `--${best.flag}`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The side effects of {@link playThenTidy}, injected (main.ts: the scenario and the ticket service). */
export interface TidyRun<R> {
  /**
   * Plays the story. Must call `onTicket` with each ticket of the story as soon as it exists
   * (playScenario's `onTicket` option), so the tickets are known when a later step fails.
   */
  play(onTicket: (role: TicketRole, ticket: ticketv1.Ticket) => void): Promise<R>;
  /** Cancels those still unfinished; resolves with the numbers cancelled (closeOpenDemoTickets). */
  close(tickets: ScenarioResult['tickets']): Promise<string[]>;
  /** `--keep-tickets`: nothing is cancelled. */
  readonly keepTickets: boolean;
  /** A line of the report (what the demo prints for people). */
  out(line: string): void;
  /** A warning line (stderr). */
  warn(line: string): void;
  /**
   * Resolves with the signal's name when the run is interrupted (Ctrl-C, SIGTERM): the story is
   * abandoned where it is, its tickets are cancelled as after a failed step, and playThenTidy
   * rejects with {@link DemoInterrupted}. Absent: the story always plays to its end or failure.
   */
  readonly interrupted?: Promise<string>;
  /**
   * Told the tickets opened so far each time one opens, and `{}` once they are cancelled (or kept
   * with --keep-tickets): main.ts keeps them in `<NOTIFY_DATA_DIR>/demo-open-tickets.json`, so a
   * run that was killed before it could tidy up has its tickets cancelled by the next run (QA).
   */
  remember?(tickets: ScenarioResult['tickets']): void;
}

/** The story was interrupted (Ctrl-C): its tickets were cancelled; the demo exits 130. */
export class DemoInterrupted extends Error {
  override readonly name = 'DemoInterrupted';
  constructor(readonly signal: string) {
    super(`interrupted (${signal})`);
  }
}

/**
 * Runs `run.play` and then, whether it resolved, threw or was interrupted (`run.interrupted`),
 * cancels the tickets it reported (unless `keepTickets`; nothing is called when it reported none)
 * and says which on `out`. Resolves with what `play` resolved with; when `play` threw, rethrows
 * that same error after the cleanup; when interrupted, rejects with {@link DemoInterrupted}
 * after it. The cleanup never replaces nor decides the outcome: its own failure is one warning
 * line on `warn` naming the tickets and `notifyctl tickets cancel` (and `remember` keeps them for
 * the next run).
 */
export async function playThenTidy<R>(run: TidyRun<R>): Promise<R> {
  const opened: { -readonly [K in TicketRole]?: ticketv1.Ticket } = {};
  let result: R;
  try {
    const playing = run.play((role, ticket) => {
      opened[role] = ticket;
      run.remember?.({ ...opened });
    });
    if (run.interrupted) {
      playing.catch(() => undefined); // abandoned on an interrupt: its later failure is no one's
      const stop = run.interrupted.then((signal): never => {
        throw new DemoInterrupted(signal);
      });
      result = await Promise.race([playing, stop]);
    } else {
      result = await playing;
    }
  } catch (err) {
    await tidy(run, opened);
    throw err;
  }
  await tidy(run, opened);
  return result;
}

async function tidy<R>(run: TidyRun<R>, opened: ScenarioResult['tickets']): Promise<void> {
  const numbers = Object.values(opened).map((t) => t.number);
  if (run.keepTickets || numbers.length === 0) {
    run.remember?.({});
    return;
  }
  try {
    const closed = await run.close(opened);
    run.remember?.({});
    if (closed.length) run.out(`Cancelled the tickets the story left open (${closed.join(', ')}), so no SLA warning follows the demo; --keep-tickets leaves them.`);
  } catch (err) {
    run.warn(
      `demo: warning: could not cancel the tickets this run left open (${numbers.join(', ')}: ${err instanceof Error ? err.message : String(err)}); ` +
        `cancel the unfinished ones with npx notifyctl tickets cancel <number> --reason "demo"`,
    );
  }
}
