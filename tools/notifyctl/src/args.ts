import { parseArgs } from 'node:util';

/**
 * Argument parsing for notifyctl over Node's built-in `util.parseArgs` (strict: unknown
 * flags, missing values and surplus positionals are usage errors), plus the value parsers
 * the commands share (enums, times, template variables, page sizes). Every bad input throws
 * {@link UsageError}, which the CLI prints as `error: <message>` and exits 2.
 */

/** A mistake in the command line (unknown command or flag, missing or bad value): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** Help text to print after the message (the command's usage), if any. */
  readonly usage?: string;
  constructor(message: string, usage?: string) {
    super(message);
    this.usage = usage;
  }
}

/** One `--flag` of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Repeatable (`--var a=1 --var b=2`); the value is then a list. */
  multiple?: boolean;
  /** One-letter alias (`-h`). */
  short?: string;
  /** One line for `--help`. */
  description: string;
  /** A missing required string flag is a usage error. */
  required?: boolean;
  /** Placeholder shown in help, e.g. `id`; default `value`. */
  valueName?: string;
}

/** One positional argument of a command (`tickets get <id>`). */
export interface PositionalSpec {
  name: string;
  description: string;
  /** Default true. */
  required?: boolean;
}

/** Options every command accepts (addresses, key, output), see {@link GLOBAL_OPTIONS}. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', description: 'print the response message as JSON (proto3 JSON mapping)' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
  'api-key': { type: 'string', valueName: 'key', description: 'API key (default: $NOTIFY_API_KEY)' },
  host: { type: 'string', valueName: 'host[:port]', description: 'one host for all services (default ports), or host:port for all' },
  'ticket-addr': { type: 'string', valueName: 'host:port', description: 'ticket service (default: $TICKET_ADDR or 127.0.0.1:50051)' },
  'customer-addr': { type: 'string', valueName: 'host:port', description: 'customer service (default: $CUSTOMER_ADDR or 127.0.0.1:50052)' },
  'template-addr': { type: 'string', valueName: 'host:port', description: 'template service (default: $TEMPLATE_ADDR or 127.0.0.1:50053)' },
  'scheduler-addr': { type: 'string', valueName: 'host:port', description: 'scheduler service (default: $SCHEDULER_ADDR or 127.0.0.1:50054)' },
  'gateway-addr': { type: 'string', valueName: 'host:port', description: 'gateway service (default: $GATEWAY_ADDR or 127.0.0.1:50055)' },
  timeout: { type: 'string', valueName: 'ms', description: 'deadline of each call in ms (default 10000)' },
};

/** The parsed flags and positionals of one command, with typed, validating getters. */
export class ParsedArgs {
  constructor(
    private readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>,
    readonly positionals: readonly string[],
  ) {}

  /** A string flag's value, or undefined when absent. An empty value (`--x ""`) counts as absent. */
  string(name: string): string | undefined {
    const v = this.values[name];
    if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
    if (typeof v !== 'string') return undefined;
    const t = v.trim();
    return t === '' ? undefined : t;
  }

  /** A string flag that must be given; throws UsageError `missing required flag --<name>`. */
  required(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new UsageError(`missing required flag --${name}`);
    return v;
  }

  /** A repeatable flag's values; each may also be comma-separated (`--status open,assigned`). */
  list(name: string): string[] {
    const v = this.values[name];
    const raw = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
    return raw.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  }

  /** A repeatable flag's values as given (no comma splitting: `--var note=a,b`). */
  raw(name: string): string[] {
    const v = this.values[name];
    return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
  }

  /** A boolean flag. */
  flag(name: string): boolean {
    return this.values[name] === true;
  }

  /** Positional `index` (0-based); required positionals are checked by {@link parseCommandLine}. */
  positional(index: number): string {
    return this.positionals[index] ?? '';
  }
}

/** The split of a command line: group and command names, and everything else. */
export interface CommandLine {
  group?: string;
  command?: string;
  rest: string[];
}

/**
 * Finds the group and command words (`tickets list`) anywhere before the first command
 * flag, skipping global flags and their values (`notifyctl --json --host h tickets list`).
 */
export function splitCommandLine(argv: readonly string[]): CommandLine {
  const words: number[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.startsWith('-')) {
      const name = a.replace(/^--?/, '').split('=')[0]!;
      const spec = GLOBAL_OPTIONS[name] ?? Object.values(GLOBAL_OPTIONS).find((o) => o.short === name);
      if (spec?.type === 'string' && !a.includes('=')) i++;
      else if (!spec) break; // a command flag: the words must come before it
      continue;
    }
    words.push(i);
  }
  const rest = argv.filter((_, i) => !words.includes(i));
  return { group: argv[words[0]!], command: argv[words[1]!], rest };
}

/**
 * Parses a command's arguments (global flags included) strictly: unknown flags, a string
 * flag without a value, too many positionals, a missing required positional or flag all
 * throw {@link UsageError}. With `--help` the required checks are skipped.
 */
export function parseCommandLine(
  argv: readonly string[],
  options: Readonly<Record<string, OptionSpec>>,
  positionals: readonly PositionalSpec[] = [],
): ParsedArgs {
  const all = { ...GLOBAL_OPTIONS, ...options };
  const config: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, o] of Object.entries(all)) {
    config[name] = { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: joinDashValues(argv, config), options: config, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    throw new UsageError(cleanParseError(err));
  }
  // A flag that takes one value given twice: util.parseArgs keeps the last one silently (QA:
  // `--audience assigned_technician --audience customer` reached the customer only).
  const given = new Map<string, string[]>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option' || config[t.name]?.type !== 'string' || config[t.name]?.multiple) continue;
    given.set(t.name, [...(given.get(t.name) ?? []), t.value ?? '']);
  }
  for (const [name, values] of given) {
    if (values.length > 1) throw new UsageError(`--${name} takes one value, given ${values.length} times (${values.map((v) => JSON.stringify(v)).join(', ')})`);
  }
  const args = new ParsedArgs(parsed.values as Record<string, string | boolean | (string | boolean)[] | undefined>, parsed.positionals);
  if (args.flag('help')) return args;
  if (parsed.positionals.length > positionals.length) {
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals.length]}"`);
  }
  positionals.forEach((p, i) => {
    if ((p.required ?? true) && (parsed.positionals[i] ?? '').trim() === '') throw new UsageError(`missing argument <${p.name}>`);
  });
  for (const [name, o] of Object.entries(options)) {
    if (o.required && (o.type !== 'string' || (o.multiple ? args.raw(name).length === 0 : args.string(name) === undefined))) {
      throw new UsageError(`missing required flag --${name}`);
    }
  }
  return args;
}

/**
 * `--from -24h` as `--from=-24h`: a string flag followed by a word that starts with a dash and
 * a digit (a time before now, a negative number) takes that word as its value. No flag of
 * notifyctl is a dash and a digit, so nothing else is read differently; `util.parseArgs` alone
 * refuses the pair as ambiguous.
 */
function joinDashValues(argv: readonly string[], config: Readonly<Record<string, { type: 'string' | 'boolean' }>>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    const name = /^--([^=]+)$/.exec(a)?.[1];
    if (name !== undefined && config[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

function cleanParseError(err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).replace(/^\w*Error \[\w+\]: /, '');
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  const code = (err as { code?: unknown }).code;
  if (flag && code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown flag ${flag}`;
  if (flag && code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `flag ${flag} needs a value`;
  // Node's messages carry advice for script authors ("To specify a positional argument …").
  return message.split('. To ')[0]!.replace(/\.$/, '');
}

/** A proto enum object as ts-proto generates it (numeric enum with reverse mapping). */
export type ProtoEnum = Record<string, string | number>;

/**
 * Short lower-case names of an enum's values: `TICKET_STATUS_IN_PROGRESS` with prefix
 * `TICKET_STATUS_` → `in_progress`; UNSPECIFIED and UNRECOGNIZED are left out.
 */
export function enumChoices(e: ProtoEnum, prefix: string): string[] {
  return Object.keys(e)
    .filter((k) => Number.isNaN(Number(k)) && k.startsWith(prefix) && !k.endsWith('_UNSPECIFIED'))
    .map((k) => k.slice(prefix.length).toLowerCase());
}

/**
 * Parses an enum value from the command line, case-insensitive, `-` read as `_`: the short
 * name (`in_progress`, `IN-PROGRESS`), the full proto name (`TICKET_STATUS_IN_PROGRESS`)
 * or one of `aliases` (`gangguan` → DISTURBANCE). Throws UsageError listing the choices.
 */
export function parseEnum(e: ProtoEnum, prefix: string, flag: string, value: string, aliases: Readonly<Record<string, number>> = {}): number {
  const v = value.trim().toUpperCase().replace(/-/g, '_');
  const alias = aliases[v.toLowerCase()];
  if (alias !== undefined) return alias;
  const full = v.startsWith(prefix) ? v : prefix + v;
  const n = e[full];
  if (typeof n === 'number' && n > 0) return n;
  const choices = [...enumChoices(e, prefix), ...Object.keys(aliases)].join(', ');
  throw new UsageError(`--${flag}: "${value}" is not one of ${choices}`);
}

/** An enum value's short upper-case name for tables (`IN_PROGRESS`); `-` for UNSPECIFIED, the number when unknown. */
export function enumLabel(e: ProtoEnum, prefix: string, value: number): string {
  const name = e[value];
  if (typeof name !== 'string' || value === -1) return String(value);
  if (name.endsWith('_UNSPECIFIED')) return '-';
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

const RELATIVE = /^(\d+)\s*(s|m|h|d|w)$/i;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const UNIT_NAME: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week' };

/** A span in a time value: `24h` (plain, read as ago), `-24h` / `24h ago` (ago), `+2h` / `in 2h` (from now). */
export interface TimeSpan {
  /** plain: no sign or word (`24h`); past: `-24h`, `24h ago`; future: `+2h`, `in 2h`. */
  direction: 'plain' | 'past' | 'future';
  /** The span's length in ms. */
  ms: number;
  /** The number as written (`90` of `+90m`). */
  count: number;
  /** The unit as written, lower case: s, m, h, d or w. */
  unit: string;
}

/**
 * The span a time value is, if it is one: `24h` (plain), `-24h` or `24h ago` (past), `+2h` or
 * `in 2h` (future); units s/m/h/d/w, case-insensitive. Undefined for anything else.
 */
export function parseTimeSpan(value: string): TimeSpan | undefined {
  const v = value.trim();
  const m = /^(\+|-|in\s+)?\s*(\d+)\s*(s|m|h|d|w)(\s+ago)?$/i.exec(v);
  if (!m) return undefined;
  const sign = (m[1] ?? '').trim().toLowerCase();
  const ago = m[4] !== undefined;
  if (ago && sign !== '') return undefined; // `+2h ago`, `in 2h ago`: neither
  const unit = m[3]!.toLowerCase();
  const count = Number(m[2]);
  const direction = sign === '+' || sign === 'in' ? 'future' : sign === '-' || ago ? 'past' : 'plain';
  return { direction, ms: count * UNIT_MS[unit]!, count, unit };
}

/** A span in words: `1 hour`, `90 minutes`, `2 days`. */
export function spanWords(span: Pick<TimeSpan, 'count' | 'unit'>): string {
  return `${span.count} ${UNIT_NAME[span.unit]}${span.count === 1 ? '' : 's'}`;
}

/**
 * Parses a point in time: `now`; a span ago (`90m`, `24h`, `7d`, `2w`: s/m/h/d/w; also `-24h`
 * or `24h ago`); a span from now (`+90m`, `+2h`, `+1d`, or `in 2h`); or an ISO-8601 date or
 * date-time. Without a zone the time is read as WIB (Asia/Jakarta, UTC+7, no daylight saving;
 * the operators' zone, as in the template service's date filters): `2026-11-22` is that day
 * 00:00 WIB, `2026-11-22T09:00` is 09:00 WIB; `Z` or `+07:00` are honoured. Throws UsageError
 * naming the flag. For a flag that is a future time, see {@link parseFutureTime}.
 */
export function parseTime(flag: string, value: string, now: Date = new Date()): Date {
  const v = value.trim();
  if (v.toLowerCase() === 'now') return new Date(now.getTime());
  const span = parseTimeSpan(v);
  if (span) return new Date(now.getTime() + (span.direction === 'future' ? span.ms : -span.ms));
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(v)
    ? `${v}T00:00:00+07:00`
    : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)
      ? `${v}+07:00`
      : v;
  if (/^\d{4}-\d{2}-\d{2}T/.test(iso)) {
    const d = new Date(iso);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new UsageError(`--${flag}: "${value}" is not a time (ISO 8601 like 2026-11-22T09:00:00+07:00, "now", a span ago like 24h, 7d, or from now like +2h)`);
}

/**
 * {@link parseTime} for a flag that is a time to come (`campaigns schedule --send-at`): a span
 * from now (`+2h`, `in 2h`), `now` or ISO 8601. A plain span (`1h`), which parseTime reads as
 * ago (as the `--since` flags want), is refused with a UsageError saying so and how to write
 * the time from now: `--send-at: "1h" is 1 hour ago; for 1 hour from now write +1h` (QA: it was
 * sent to the service as an hour ago, "send_at … is in the past"). An explicit past (`-1h`,
 * `1h ago`) is parsed as such: the service judges it.
 */
export function parseFutureTime(flag: string, value: string, now: Date = new Date()): Date {
  const span = parseTimeSpan(value);
  if (span?.direction === 'plain') {
    const words = spanWords(span);
    throw new UsageError(`--${flag}: "${value.trim()}" is ${words} ago; for ${words} from now write +${span.count}${span.unit}`);
  }
  try {
    return parseTime(flag, value, now);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new UsageError(`--${flag}: "${value}" is not a time (a span from now like +2h, +1d, "now", or ISO 8601 like 2026-11-22T09:00:00+07:00)`);
  }
}

/** Parses a span (`30s`, `5m`, `2h`, `1d`, `1w`) to ms; throws UsageError naming the flag. */
export function parseDuration(flag: string, value: string): number {
  const rel = RELATIVE.exec(value.trim());
  if (!rel || Number(rel[1]) === 0) throw new UsageError(`--${flag}: "${value}" is not a span (like 30s, 5m, 2h: s/m/h/d/w, above 0)`);
  return Number(rel[1]) * UNIT_MS[rel[2]!.toLowerCase()]!;
}

/** Parses a whole number in [min, max]; throws UsageError naming the flag. */
export function parseIntFlag(flag: string, value: string, min: number, max: number): number {
  const n = Number(value.trim());
  if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) throw new UsageError(`--${flag}: "${value}" must be a whole number from ${min} to ${max}`);
  return n;
}

/** A flag's JSON object (`--vars`, `--samples`); UsageError naming the flag when it is not valid JSON or no object. */
export function parseJsonObject(flag: string, json: string, example = ''): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new UsageError(`--${flag}: not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`--${flag}: must be a JSON object${example ? `, e.g. ${example}` : ''}`);
  return parsed as Record<string, unknown>;
}

/**
 * Template variables from `--vars '<json object>'` and repeated `--var key=value` (split at
 * the first `=`; the value stays a string; `--var` wins over `--vars` for the same key).
 * Throws UsageError for a `--var` without `=` or an empty key, and for `--vars` that is not
 * a JSON object.
 */
export function parseVariables(pairs: readonly string[], json?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (json !== undefined) Object.assign(out, parseJsonObject('vars', json));
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--var: "${pair}" must be key=value`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return out;
}
