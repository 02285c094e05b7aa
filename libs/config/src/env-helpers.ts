import { z } from 'zod';

/**
 * Reusable zod schemas for single environment variables. Every helper takes the raw string
 * (`loadConfig` turns empty / whitespace-only values into "unset" first) and produces a typed
 * value; chain `.default(x)` (x in the OUTPUT type) or `.optional()` as needed.
 *
 * Issue messages say what is wrong and never echo the value: `loadConfig` adds the value's
 * kind itself, so a secret never lands in a log.
 */

/** TCP port, integer 0–65535 (0 = let the OS pick, used by tests). Output: number. */
export function port() {
  return z.string().transform((raw, ctx) => {
    const s = raw.trim();
    const n = /^\d+$/.test(s) ? Number(s) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      ctx.addIssue({ code: 'custom', message: 'must be a port number, an integer 0-65535' });
      return z.NEVER;
    }
    return n;
  });
}

/** Positive integer (counts, sizes). Output: number. */
export function positiveInt() {
  return z.string().transform((raw, ctx) => {
    const s = raw.trim();
    const n = /^\d+$/.test(s) ? Number(s) : NaN;
    if (!Number.isSafeInteger(n) || n <= 0) {
      ctx.addIssue({ code: 'custom', message: 'must be a positive integer' });
      return z.NEVER;
    }
    return n;
  });
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Duration in milliseconds. Accepts a bare integer (milliseconds) or an integer with a unit:
 * `1500`, `1500ms`, `30s`, `5m`, `1h`, `30d`. Output: number of ms (integer ≥ 0).
 */
export function durationMs() {
  return z.string().transform((raw, ctx) => {
    const m = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(raw.trim());
    if (!m) {
      ctx.addIssue({ code: 'custom', message: 'must be a duration: integer milliseconds or <n>ms|s|m|h|d (e.g. 1500, 30s, 5m, 7d)' });
      return z.NEVER;
    }
    const ms = Number(m[1]) * DURATION_UNITS_MS[m[2] ?? 'ms']!;
    if (!Number.isSafeInteger(ms)) {
      ctx.addIssue({ code: 'custom', message: 'duration is too large' });
      return z.NEVER;
    }
    return ms;
  });
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/** Boolean: `1/true/yes/on` or `0/false/no/off` (case-insensitive). Output: boolean. */
export function bool() {
  return z.string().transform((raw, ctx) => {
    const s = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(s)) return true;
    if (FALSE_WORDS.has(s)) return false;
    ctx.addIssue({ code: 'custom', message: 'must be a boolean: true/false, 1/0, yes/no, on/off' });
    return z.NEVER;
  });
}

/**
 * Absolute URL whose scheme is one of `protocols` (with the colon, e.g. `['http:', 'https:']`).
 * Output: the URL string as given (trimmed), so credentials in it are not re-encoded.
 */
export function url(protocols: readonly string[]) {
  return z.string().transform((raw, ctx) => {
    const s = raw.trim();
    let parsed: URL | undefined;
    try {
      parsed = new URL(s);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !protocols.includes(parsed.protocol)) {
      ctx.addIssue({ code: 'custom', message: `must be a URL with scheme ${protocols.map((p) => p.replace(/:$/, '')).join(' or ')}` });
      return z.NEVER;
    }
    return s;
  });
}

/**
 * One of `values`, matched whatever its case (`Twilio`, `TWILIO` → `twilio`; `urgent` →
 * `URGENT`): the output is the value as written in `values`, so code compares with one spelling.
 * Unknown → "must be one of a, b, c" (or `message`, e.g. to say why a value is missing).
 * Output: the union of `values`.
 */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, message?: string) {
  const byLower = new Map<string, T[number]>(values.map((v) => [v.toLowerCase(), v]));
  return z.string().transform((raw, ctx): T[number] => {
    const found = byLower.get(raw.trim().toLowerCase());
    if (found === undefined) {
      ctx.addIssue({ code: 'custom', message: message ?? `must be one of ${values.join(', ')}` });
      return z.NEVER;
    }
    return found;
  });
}

/**
 * Comma-separated list: items trimmed, empty items dropped, each item checked by `item`
 * (default: any non-empty string). Output: array of the item's output type.
 * An issue names the 1-based position of the bad item, never its text.
 * The word `none` (alone, any case) is the empty list: an empty value means unset (the default,
 * see loadConfig), so a list whose default is not empty needs a word to be switched off.
 */
export function commaList<T = string>(item?: z.ZodType<T, string>) {
  return z.string().transform((raw, ctx) => {
    if (raw.trim().toLowerCase() === 'none') return [] as T[];
    const parts = raw
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
    if (parts.length > 1 && parts.some((p) => p.toLowerCase() === 'none')) {
      ctx.addIssue({ code: 'custom', message: '`none` stands alone (it means the empty list)' });
      return z.NEVER;
    }
    if (!item) return parts as unknown as T[];
    const out: T[] = [];
    let bad = false;
    parts.forEach((p, i) => {
      const r = item.safeParse(p);
      if (r.success) out.push(r.data);
      else {
        bad = true;
        ctx.addIssue({ code: 'custom', message: `item ${i + 1}: ${r.error.issues[0]?.message ?? 'invalid'}` });
      }
    });
    return bad ? z.NEVER : out;
  });
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

/**
 * Address of another gRPC service: `host:port` (`127.0.0.1:50052`, `customer:50052`,
 * `[::1]:50052`), optionally with a grpc-js scheme (`dns:///customer:50052`). Output: string.
 */
export function grpcAddress() {
  return z.string().transform((raw, ctx) => {
    const s = raw.trim();
    const target = s.replace(/^(dns|ipv4|ipv6):(\/\/[^/]*\/)?/, '');
    const m = HOST_PORT.exec(target);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      ctx.addIssue({ code: 'custom', message: 'must be a gRPC address host:port (port 1-65535), e.g. 127.0.0.1:50052' });
      return z.NEVER;
    }
    return s;
  });
}
