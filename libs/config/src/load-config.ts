import { z } from 'zod';

/** The environment as Node gives it (`process.env`) or a test's literal. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Recursively read-only view of a parsed configuration. */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends ReadonlyArray<infer U>
    ? ReadonlyArray<DeepReadonly<U>>
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** One bad variable: its name, what is wrong, and the kind of value found (never the value). */
export interface ConfigProblem {
  readonly variable: string;
  readonly problem: string;
  /** `missing`, `empty`, `whitespace only`, `number-like, N characters` or `N characters`. */
  readonly value: string;
}

/**
 * Thrown by {@link loadConfig} when the environment does not match the schema. `problems` has
 * one entry per bad variable (several issues of one variable are joined with `; `); `message`
 * lists them all, one per line, so a single start-up attempt shows everything to fix.
 */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration: ${problems.length} environment variable${problems.length === 1 ? '' : 's'} ` +
        `${problems.length === 1 ? 'is' : 'are'} wrong\n` +
        problems.map((p) => `  ${p.variable}: ${p.problem} [value: ${p.value}]`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Describes a raw value without revealing it. */
export function describeValue(raw: string | undefined): string {
  if (raw === undefined) return 'missing';
  if (raw === '') return 'empty';
  const t = raw.trim();
  if (t === '') return 'whitespace only';
  if (/^[-+]?\d+(\.\d+)?$/.test(t)) return `number-like, ${raw.length} characters`;
  return `${raw.length} characters`;
}

/** Freezes `value` and everything reachable from it (plain objects and arrays). */
export function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<string | symbol, unknown>)[key]);
  }
  return value as DeepReadonly<T>;
}

/** Variables that only make sense together (both set or both unset), checked by {@link envSchema}. */
const DEFAULT_TOGETHER: readonly (readonly string[])[] = [['GRPC_TLS_CERT', 'GRPC_TLS_KEY']];

/**
 * Builds the environment schema of a service from shape pieces (`z.object(shape)`, unknown
 * variables ignored) and adds "set together" rules: every group in `options.together`
 * (default: `GRPC_TLS_CERT` + `GRPC_TLS_KEY` when both are in the shape) must be all set or
 * all unset. These rules run even when other variables are bad, so one error lists everything.
 */
export function envSchema<Shape extends z.ZodRawShape>(
  shape: Shape,
  options: { together?: readonly (readonly (keyof Shape & string)[])[] } = {},
) {
  const groups = (options.together ?? DEFAULT_TOGETHER.filter((g) => g.every((k) => k in shape))) as readonly (readonly string[])[];
  return z.object(shape).superRefine(
    (value, ctx) => {
      const v = (value ?? {}) as Record<string, unknown>;
      for (const group of groups) {
        const set = group.filter((k) => v[k] !== undefined);
        if (set.length > 0 && set.length < group.length) {
          for (const k of group.filter((g) => !set.includes(g))) {
            ctx.addIssue({ code: 'custom', path: [k], message: `must be set together with ${set.join(', ')}` });
          }
        }
      }
    },
    { when: () => true },
  );
}

/**
 * Parses the environment once against `schema` and returns a deeply frozen, typed object.
 *
 * Empty and whitespace-only values count as unset (so `.env` lines like `NATS_URL=` select
 * the default). Unknown variables are ignored. On any problem it throws ONE
 * {@link ConfigError} naming every bad variable, what is wrong and the value's kind (never
 * the value itself, which may be a secret). `process.env` is read here and nowhere else.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env): DeepReadonly<z.output<S>> {
  const input: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) input[k] = v === undefined || v.trim() === '' ? undefined : v;

  const result = schema.safeParse(input);
  if (result.success) return deepFreeze(result.data);

  const byVariable = new Map<string, string[]>();
  for (const issue of result.error.issues) {
    const variable = issue.path.length > 0 ? String(issue.path[0]) : '(environment)';
    const unset = input[variable] === undefined;
    const problem = unset && issue.code === 'invalid_type' ? 'is required' : issue.message;
    const list = byVariable.get(variable) ?? [];
    if (!list.includes(problem)) list.push(problem);
    byVariable.set(variable, list);
  }
  throw new ConfigError(
    [...byVariable].map(([variable, problems]) => ({
      variable,
      problem: problems.join('; '),
      value: variable in env ? describeValue(env[variable]) : 'missing',
    })),
  );
}

/**
 * For a service's entry point: `load()` (its `load<Svc>Config`), and when the environment is
 * wrong, the {@link ConfigError}'s message (every bad variable, one per line) on stderr after
 * `<service>: invalid configuration`, then exit 1 — no stack trace for a situation the operator
 * fixes in the environment. Any other error is rethrown.
 */
export function loadConfigOrExit<T>(service: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${service}: ${err.message}\n`);
    process.exit(1);
  }
}
