import { hostname } from 'node:os';
import pino, { type DestinationStream, type LevelWithSilentOrString, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import { activeTraceIds, redactDeep, redactText } from '@notify/telemetry';

export type { Logger } from 'pino';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** `service` field of every line: the service's one name (`ticket`, …). */
  service: string;
  /** `version` field of every line (the service's package version), if given. */
  version?: string;
  /** Minimum level (pino levels: fatal error warn info debug trace silent), default `info`. */
  level?: LevelWithSilentOrString;
  /** Where lines go (default: stdout, written synchronously). Tests pass `{ write(line) {...} }` to capture them. */
  destination?: DestinationStream;
  /**
   * Human-readable output through pino-pretty instead of JSON. Pass
   * `config.NODE_ENV === 'development'` (default false: JSON, one object per line).
   */
  pretty?: boolean;
}

const transformArg = (v: unknown): unknown => (typeof v === 'string' ? redactText(v) : typeof v === 'object' && v !== null ? redactDeep(v) : v);

/**
 * Creates the process logger: pino JSON lines
 * `{"level":"info","time":"<ISO-8601>","service":…,"version":…,"pid":…,"hostname":…,"trace_id":…,"span_id":…,"msg":…}`.
 *
 * - `trace_id` / `span_id`: of the active OpenTelemetry span (omitted outside any span), via
 *   a pino mixin over `@opentelemetry/api`; with `startTelemetry` running, pino's
 *   instrumentation adds `trace_flags` too.
 * - Redaction (rules in @notify/telemetry redaction.ts), anywhere in the logged object, the
 *   child bindings, the message and its interpolation values, and errors (message, stack,
 *   fields, cause): phone numbers masked (`6282291921583` → `62822****583`); values under
 *   token / secret / password / authorization / cookie / API key / signature keys and message
 *   bodies (`body`, `text`, `message_body`) replaced by `[REDACTED]`. Logged objects are
 *   copied, never modified.
 */
export function createLogger(options: LoggerOptions): Logger {
  const base: Record<string, unknown> = { service: options.service };
  if (options.version) base.version = options.version;
  base.pid = process.pid;
  base.hostname = hostname();

  const pinoOptions: PinoOptions = {
    level: options.level ?? 'info',
    base,
    timestamp: pino.stdTimeFunctions.isoTime,
    // Errors are already serialized (and redacted) by formatters.log.
    serializers: { err: (e: unknown) => e },
    mixin: () => activeTraceIds() ?? {},
    formatters: {
      level: (label) => ({ level: label }),
      bindings: (bindings) => redactDeep(bindings) as Record<string, unknown>,
      log: (obj) => redactDeep(obj) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args: unknown[], method) {
        const first = args[0];
        const out = args.map((a, i) => (i === 0 && typeof first !== 'string' ? a : transformArg(a)));
        // pino takes the message of an error logged without one from the error itself,
        // past the formatters: give it the redacted message instead.
        if (out.length === 1 && first instanceof Error) out.push(redactText(first.message));
        else if (out.length === 1 && first !== null && typeof first === 'object') {
          const o = first as { err?: unknown; msg?: unknown };
          if (o.msg === undefined && o.err instanceof Error) out.push(redactText(o.err.message));
        }
        return method.apply(this, out as Parameters<typeof method>);
      },
    },
  };

  // Stdout is written synchronously, as Node writes process.stdout to a pipe or file on Linux.
  // pino's default (asynchronous) destination flushes what is left at exit with a loop that
  // retries a write failing with EPIPE forever: a service whose reader died (its start:services
  // runner killed) and that logged twice right before exiting hung there, orphaned, holding its
  // ports (CI). Synchronously, the first EPIPE switches the destination off (pino's own
  // broken-pipe filter) and nothing is left to flush.
  const destination = options.pretty
    ? pinoPretty({ translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true, destination: options.destination ?? 1 })
    : (options.destination ?? pino.destination({ dest: 1, sync: true }));
  const logger = pino(pinoOptions, destination);
  // pino applies formatters.bindings to the root's bindings only; children (and their
  // children, which inherit this property) get their bindings redacted here.
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactDeep(bindings) as typeof bindings, childOptions);
  } as typeof logger.child;
  return logger;
}
