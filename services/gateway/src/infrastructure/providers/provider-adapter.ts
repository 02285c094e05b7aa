import { request } from 'undici';
import type { ReceiptKind } from '../../domain/delivery';
import type { OutgoingMessage, SendOutcome } from '../../domain/send-outcome';

/**
 * One provider's send contract. `send` resolves with what the provider answered
 * (`accepted`, or `failed` with its classification) and throws:
 * - `ProviderConnectionError` when the request definitely never reached the provider
 *   (ECONNREFUSED, DNS failure, unreachable host, connect timeout): safe to send elsewhere;
 * - `ProviderTimeoutError` when the request may have reached the provider but no complete
 *   answer came back (the `signal` fired, or the connection was reset after sending):
 *   the provider may have accepted it.
 */
export interface ProviderAdapter {
  /** Stable provider name (`fonnte`, `wablas`, `twilio`, `advanta`). */
  readonly name: string;
  send(msg: OutgoingMessage, signal: AbortSignal): Promise<SendOutcome>;
  /**
   * Asks the provider what became of one message it accepted (`providerMessageId`, as `send`
   * answered it): the receipt reconciliation's look-up for a delivery whose receipt never came.
   * Absent when the provider has no documented look-up (Wablas). Resolves with what the provider
   * answered (see StatusLookup); throws `ProviderConnectionError` / `ProviderTimeoutError` like
   * `send` when no answer came.
   */
  lookUpStatus?(providerMessageId: string, signal: AbortSignal): Promise<StatusLookup>;
}

/**
 * A provider's answer to a status look-up:
 * - `status`: the message reached `status` (the provider's word through its receipt vocabulary,
 *   domain/receipt-vocabulary.ts); `error` = the provider's failure word / code for `failed`;
 *   `at` = when the provider says it happened, when it says so;
 * - `no_status`: nothing to act on yet — the message is still in between (queued, scheduled), or
 *   the provider does not know the id (`reason` says which, for the log);
 * - `unavailable`: the provider could not answer — rate limited (429; `retryAfterMs` from its
 *   Retry-After), failing (5xx, a retry-later code) or refusing our credentials: the look-up did
 *   not happen and is made again later.
 */
export type StatusLookup =
  | { kind: 'status'; status: ReceiptKind; error?: string; at?: Date }
  | { kind: 'no_status'; reason: string }
  | { kind: 'unavailable'; reason: string; retryAfterMs?: number };

/** The `unavailable` look-up answer for an HTTP error status (429, 5xx, 401 / 403), or null for other statuses. */
export function lookUpHttpFailure(res: ProviderResponse, reason: string): (StatusLookup & { kind: 'unavailable' }) | null {
  if (res.status !== 429 && res.status < 500 && res.status !== 401 && res.status !== 403) return null;
  return { kind: 'unavailable', reason: `HTTP ${res.status}: ${reason}`, ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}) };
}

/** The request was not delivered to the provider (definite failure). */
export class ProviderConnectionError extends Error {
  override readonly name = 'ProviderConnectionError';
  constructor(
    readonly provider: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`${provider}: connection failed (${code})`, options);
  }
}

/**
 * The request may have been accepted, but no answer came back (ambiguous): the signal fired
 * (`code` TimeoutError / AbortError), or the connection broke after the request was written
 * (ECONNRESET, UND_ERR_SOCKET). Note: a POST on a pooled keep-alive socket that the server
 * closed at that very moment also lands here; it cannot be told apart from a reset after
 * the provider read the request, so it is treated as ambiguous too (never duplicated).
 */
export class ProviderTimeoutError extends Error {
  override readonly name = 'ProviderTimeoutError';
  constructor(
    readonly provider: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`${provider}: no answer (${code}); the request may have been accepted`, options);
  }
}

/** Error codes (undici / Node) meaning the request was never sent. */
const DEFINITE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** A provider's HTTP answer: status and body parsed as JSON when possible (else the text). */
export interface ProviderResponse {
  status: number;
  body: unknown;
  /** The `Retry-After` header of a 429 / 503 answer in ms from now (parseRetryAfter); absent otherwise. */
  retryAfterMs?: number;
}

/** The longest `Retry-After` honoured, ms (1 hour): a provider asking more is retried by the backoff after an hour. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * An HTTP `Retry-After` header value (RFC 9110 §10.2.3: delay-seconds, or an HTTP-date) as ms
 * from `nowMs`, capped at MAX_RETRY_AFTER_MS. undefined when absent or unreadable; a date in the
 * past is 0.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  const at = /[a-z]/i.test(v) ? Date.parse(v) : Number.NaN; // an HTTP-date names its day and month; Date.parse('-5') is a year
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - nowMs), MAX_RETRY_AFTER_MS);
}

/**
 * Sends one HTTP request with the undici package's `request` through undici's global keep-alive
 * agent and reads the whole body. undici is the library behind Node's `fetch`; `request` skips
 * fetch's WHATWG Request/Response/stream layers (`npm run bench gateway` prints the CPU per raw
 * POST to the Fonnte simulator with each client, the simulator's share included: 116 µs against
 * 436 µs with `fetch` on 2026-12-03 on this machine). The OTel undici instrumentation traces it all the same (it listens on undici's
 * diagnostics channels). Throws `ProviderConnectionError` / `ProviderTimeoutError` as described
 * on `ProviderAdapter`.
 */
export async function providerRequest(
  provider: string,
  url: string,
  init: { method: 'POST' | 'GET'; headers: Record<string, string>; body?: string },
  signal: AbortSignal,
): Promise<ProviderResponse> {
  try {
    const res = await request(url, { method: init.method, headers: init.headers, ...(init.body !== undefined ? { body: init.body } : {}), signal });
    const text = await res.body.text();
    let body: unknown = text;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    const retryAfterMs = res.statusCode === 429 || res.statusCode === 503 ? parseRetryAfter(res.headers['retry-after'], Date.now()) : undefined;
    return retryAfterMs === undefined ? { status: res.statusCode, body } : { status: res.statusCode, body, retryAfterMs };
  } catch (err) {
    throw classifyRequestError(provider, err);
  }
}

/**
 * undici's errors: an abort is the signal's reason (DOMException `TimeoutError` from
 * AbortSignal.timeout, `AbortError` otherwise) or RequestAbortedError (`AbortError`); socket
 * and connect errors carry their `code` themselves (AggregateError from happy eyeballs: its
 * `errors[0].code`); `cause.code` is kept for errors wrapped by other layers.
 */
function classifyRequestError(provider: string, err: unknown): Error {
  const e = err as { name?: string; code?: string; errors?: Array<{ code?: string }>; cause?: { code?: string; name?: string; errors?: Array<{ code?: string }> } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return new ProviderTimeoutError(provider, e.name, { cause: err });
  const code = e.cause?.code ?? e.cause?.errors?.[0]?.code ?? e.code ?? e.errors?.[0]?.code ?? e.cause?.name ?? 'UNKNOWN';
  if (DEFINITE_CODES.has(code)) return new ProviderConnectionError(provider, code, { cause: err });
  return new ProviderTimeoutError(provider, code, { cause: err });
}

/**
 * Failed outcome for an HTTP status without a recognised body: 408/429/5xx retryable; the
 * answer's `Retry-After` (`retryAfterMs`, see ProviderResponse) carried along when given.
 */
export function httpFailure(status: number, reason: string, retryAfterMs?: number): SendOutcome & { kind: 'failed' } {
  const retryable = status === 408 || status === 429 || status >= 500;
  return {
    kind: 'failed', retryable, reason, httpStatus: status, fault: retryable || status === 401 || status === 403 ? 'provider' : 'message',
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}

/** Reads a property of an unknown JSON object. */
export function field(body: unknown, key: string): unknown {
  return body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
}
