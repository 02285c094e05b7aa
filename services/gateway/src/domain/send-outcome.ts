/**
 * What a provider said about one send request (no I/O here; adapters produce it).
 *
 * - `accepted`: the provider queued the message; `providerMessageId` is its id as a string
 *   (providers.md §0.4: ids change type, so they are normalised to strings); `httpStatus` the
 *   status it answered with (Twilio 201, the others 200).
 * - `failed`: the provider definitely did not take the message. `retryable` is true when the
 *   same message may succeed later (device disconnected, quota, rate limit, 5xx);
 *   `fault` says whose fault it is: `message` (bad target / body: no provider will take it)
 *   or `provider` (credentials, device, outage: another provider may). `httpStatus` is the
 *   provider's HTTP status when one came back; `code` the provider's error code, if any.
 *   `retryAfterMs`: how long the provider asked not to be called again, ms (HTTP 429 / 503 with
 *   a `Retry-After` header; providers.md §3.2 Twilio 20429 "retry; honour Retry-After").
 */
export type SendOutcome =
  | { kind: 'accepted'; providerMessageId: string; raw?: unknown; httpStatus?: number }
  | {
      kind: 'failed';
      retryable: boolean;
      reason: string;
      httpStatus?: number;
      fault?: 'message' | 'provider';
      code?: string;
      retryAfterMs?: number;
    };

/**
 * One message for one recipient on one channel.
 * `to`: E.164 digits without `+` (e.g. `6281234567890`), or a WhatsApp group id
 * (`120363…@g.us`) with `isGroup: true`. `statusCallbackUrl`: where the provider should post
 * receipts, for providers that take it per message (Twilio).
 */
export interface OutgoingMessage {
  to: string;
  text: string;
  isGroup?: boolean;
  statusCallbackUrl?: string;
}

/**
 * `<provider>: <error>` for a reason or log line listing what each provider said, without
 * naming the provider twice when its error names it already (`fonnte: connection failed
 * (ECONNREFUSED)`; QA: `fonnte: fonnte: connection failed`).
 */
export function providerError(provider: string, error: string): string {
  return error.startsWith(`${provider}:`) || error.startsWith(`${provider} `) ? error : `${provider}: ${error}`;
}
