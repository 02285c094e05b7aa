/**
 * Redaction rules shared by logs (@notify/logger) and spans (this library): one place, so
 * the log and the trace of a delivery hide the same things.
 *
 * - Phone numbers: E.164-ish digit runs (10-15 digits, optional `+`, not part of a longer
 *   word, hex id, UUID or decimal) are masked with {@link maskPhone}: `6282291921583` →
 *   `62822****583`. Known cost: a 10-15 digit number written as text (e.g. a Unix time in a
 *   string) is masked too.
 * - Secrets: values under keys naming a token, secret, password, authorization, cookie, API
 *   key, signature or credential are replaced by `[REDACTED]`.
 * - Message bodies (ARCHITECTURE.md: "message bodies never go into spans or logs"): values
 *   under keys `body`, `text`, `message_body` (any case, `-`/`_` ignored) are replaced.
 * - URL query parameters with those names (`?token=…&message=…`, Fonnte's GET form; a bare
 *   query string `secret=…` too, as the HTTP server spans' `url.query` carries it) are replaced.
 * - Database errors: the bound values of a failed statement (TypeORM `parameters`) and
 *   Postgres' `detail` ("Failing row contains (…)", "Key (name)=(…)") are replaced: they
 *   hold customers' names, template variables, message bodies.
 */

export const REDACTED = '[REDACTED]';

/**
 * Masks one phone number: keeps a leading `+`, the first 5 and last 3 digits of 12+ digit
 * numbers (4 and 3 for 10-11 digits, 2 and 2 for 6-9), and puts exactly `****` between, so the
 * length is hidden too: `6282291921583` → `62822****583`, `+6282291921583` → `+62822****583`,
 * `082291921583` → `08229****583`. Separators (space, `-`, `(`, `)`, `.`) are dropped. Fewer
 * than 6 digits → `****`. A value that already contains `*` is returned unchanged.
 */
export function maskPhone(phone: string): string {
  if (phone.includes('*')) return phone;
  const trimmed = phone.trim();
  const plus = trimmed.startsWith('+') ? '+' : '';
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length < 6) return `${plus}****`;
  const [head, tail] = digits.length >= 12 ? [5, 3] : digits.length >= 10 ? [4, 3] : [2, 2];
  return `${plus}${digits.slice(0, head)}****${digits.slice(-tail)}`;
}

/** A 10-15 digit run, optional `+`, with no word character, `-` or `.` glued before it and none of `\w`, `-`, `.<digit>` after it. */
const PHONE_RUN = /(?<![\w.+-])\+?\d{10,15}(?![\w-]|\.\d)/g;

/** A query parameter with a sensitive name: after `?` or `&` in a URL, or first in a bare query string (the `url.query` span attribute is `secret=…` without its `?`). */
const SENSITIVE_QUERY =
  /((?:^|[?&])(?:access_?token|token|api_?key|apikey|key|secret|password|passwd|signature|sig|auth|message|msg|text|body)=)[^&#\s"]*/gi;

/** Masks every phone-like digit run and redacts sensitive URL query values in free text. */
export function redactText(text: string): string {
  if (text.length < 10 && !text.includes('=')) return text;
  return text.replace(PHONE_RUN, (m) => maskPhone(m)).replace(SENSITIVE_QUERY, `$1${REDACTED}`);
}

const SECRET_WORDS = ['token', 'secret', 'password', 'passwd', 'authorization', 'cookie', 'apikey', 'signature', 'credential', 'privatekey'];
const BODY_KEYS = new Set(['body', 'text', 'messagebody']);

/**
 * Whether a key's value must not be shown: `secret` (tokens, secrets, passwords,
 * authorization, cookies, API keys, signatures, credentials, private keys — as a substring,
 * so `accessToken`, `x-api-key`, `webhook_secret` count), `body` (`body`, `text`,
 * `message_body` exactly), or `false`. Case, `-`, `_` and a dotted prefix
 * (`notify.message_body`, `http.request.header.authorization`) are ignored.
 */
export function sensitiveKind(key: string): 'secret' | 'body' | false {
  const last = key.slice(key.lastIndexOf('.') + 1);
  const norm = last.toLowerCase().replace(/[-_]/g, '');
  if (BODY_KEYS.has(norm)) return 'body';
  const whole = key.toLowerCase().replace(/[-_]/g, '');
  if (SECRET_WORDS.some((w) => whole.includes(w))) return 'secret';
  return false;
}

/** Fields of database errors that carry row data (TypeORM QueryFailedError `parameters`, pg DatabaseError `detail`). */
const ERROR_DATA_KEYS = new Set(['parameters', 'detail']);

const PHONE_KEY = /(^|[._-])(phone|msisdn|recipient|sender|target|to|from)$/i;

/**
 * Keys of identifiers (`inbound_message_id`, `provider_message_id`, `event_id`, `messageId`): a
 * digit run there is an id, not a phone (QA: Fonnte's inbound message id `17966123825` was logged
 * as `17966****825`); sensitive query values in it are still redacted.
 */
const ID_KEY = /(^|[._-])id$|[a-z]Id$/;

/** Options for {@link redactDeep}. */
export interface RedactOptions {
  /** Deeper levels are replaced by `[Object]` (default 10). */
  maxDepth?: number;
}

/**
 * Returns a redacted deep copy of `value` for logging: sensitive keys → `[REDACTED]`,
 * strings through {@link redactText}, numbers under phone-ish keys (`phone`, `recipient`,
 * `to`, …) masked, Errors turned into `{ type, message, stack, code?, cause? }` with
 * redacted text, objects with `toJSON` (Date, Buffer) serialized first, cycles → `[Circular]`.
 * Plain data is copied; the input is never modified.
 */
export function redactDeep(value: unknown, options: RedactOptions = {}): unknown {
  const maxDepth = options.maxDepth ?? 10;
  const seen = new WeakSet<object>();
  const walk = (v: unknown, key: string | undefined, depth: number): unknown => {
    if (key !== undefined) {
      const kind = sensitiveKind(key);
      if (kind && v !== undefined && v !== null) return REDACTED;
    }
    switch (typeof v) {
      case 'string':
        return key !== undefined && ID_KEY.test(key) ? v.replace(SENSITIVE_QUERY, `$1${REDACTED}`) : redactText(v);
      case 'number':
      case 'bigint':
        return key !== undefined && PHONE_KEY.test(key) ? maskPhone(String(v)) : v;
      case 'object': {
        if (v === null) return v;
        if (seen.has(v)) return '[Circular]';
        if (depth >= maxDepth) return Array.isArray(v) ? '[Array]' : '[Object]';
        seen.add(v);
        try {
          if (v instanceof Error) return walkError(v, depth);
          if (typeof (v as { toJSON?: unknown }).toJSON === 'function') {
            return walk((v as { toJSON(): unknown }).toJSON(), key, depth);
          }
          if (Array.isArray(v)) return v.map((item) => walk(item, key, depth + 1));
          if (v instanceof Map) return walk(Object.fromEntries(v), key, depth);
          if (v instanceof Set) return walk([...v], key, depth);
          const out: Record<string, unknown> = {};
          for (const [k, item] of Object.entries(v)) out[k] = walk(item, k, depth + 1);
          return out;
        } finally {
          seen.delete(v);
        }
      }
      default:
        return v;
    }
  };
  const walkError = (e: Error, depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = { type: e.name, message: redactText(e.message) };
    if (e.stack) out.stack = redactText(e.stack);
    for (const [k, item] of Object.entries(e)) {
      if (k === 'message' || k === 'stack') continue;
      out[k] = ERROR_DATA_KEYS.has(k) && item !== undefined && item !== null ? REDACTED : walk(item, k, depth + 1);
    }
    if (e.cause !== undefined) out.cause = walk(e.cause, 'cause', depth + 1);
    return out;
  };
  return walk(value, undefined, 0);
}
