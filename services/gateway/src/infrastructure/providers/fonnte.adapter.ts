import { fonnteReceiptKind } from '../../domain/receipt-vocabulary';
import type { OutgoingMessage, SendOutcome } from '../../domain/send-outcome';
import { field, httpFailure, lookUpHttpFailure, providerRequest, type ProviderAdapter, type StatusLookup } from './provider-adapter';

export interface FonnteAdapterOptions {
  /** e.g. `https://api.fonnte.com` or a simulator's URL; no trailing path. */
  baseUrl: string;
  /** The device token (sent raw in `Authorization`). */
  token: string;
}

/**
 * Classifies a Fonnte `status:false` reason (providers.md §1.5).
 * Retryable (provider-side, may pass later): disconnected device, quota, rate limits, server busy.
 * Permanent, provider's fault (fail over): invalid token, device not in the account.
 * Permanent, message's fault: target / input / JSON / url / file invalid.
 * Unknown reasons are treated as retryable provider failures.
 */
export function classifyFonnteReason(reason: string): { retryable: boolean; fault: 'message' | 'provider' } {
  const r = reason.toLowerCase();
  if (/disconnect|quota|rate|limit|busy|server|later|try again/.test(r)) return { retryable: true, fault: 'provider' };
  if (/token|belong|account|expired/.test(r)) return { retryable: false, fault: 'provider' };
  if (/target|input|json|url|file|format/.test(r)) return { retryable: false, fault: 'message' };
  return { retryable: true, fault: 'provider' };
}

/**
 * Fonnte WhatsApp adapter, following providers.md §1 (Fonnte):
 * §1.1 `POST {baseUrl}/send`, `Authorization: <device token>` (raw, no Bearer),
 * `application/x-www-form-urlencoded`; §1.2 fields `target` (E.164 digits or a `…@g.us` group
 * id, §1.3), `message`, `countryCode=0` (numbers are already normalised, no 0→62 rewrite);
 * §1.4 success = HTTP 200 `status:true`, `id[0]` (int or string) → `providerMessageId`;
 * §1.5 failure = HTTP 200 `status:false` (or `Status:false`) with `reason`, classified by
 * `classifyFonnteReason`; HTTP 5xx/429 → retryable failure.
 */
export class FonnteAdapter implements ProviderAdapter {
  readonly name = 'fonnte';
  constructor(private readonly options: FonnteAdapterOptions) {}

  async send(msg: OutgoingMessage, signal: AbortSignal): Promise<SendOutcome> {
    const body = new URLSearchParams({ target: msg.to, message: msg.text, countryCode: '0' }).toString();
    const res = await providerRequest(
      this.name,
      `${this.options.baseUrl.replace(/\/+$/, '')}/send`,
      { method: 'POST', headers: { authorization: this.options.token, 'content-type': 'application/x-www-form-urlencoded' }, body },
      signal,
    );
    const status = field(res.body, 'status') ?? field(res.body, 'Status');
    if (res.status >= 200 && res.status < 300 && status === true) {
      const ids = field(res.body, 'id');
      const id = Array.isArray(ids) && ids.length > 0 ? ids[0] : field(res.body, 'requestid');
      return { kind: 'accepted', providerMessageId: String(id), raw: res.body, httpStatus: res.status };
    }
    const reason = String(field(res.body, 'reason') ?? field(res.body, 'detail') ?? `HTTP ${res.status}`);
    if (res.status >= 300) return httpFailure(res.status, reason, res.retryAfterMs);
    return { kind: 'failed', reason, httpStatus: res.status, ...classifyFonnteReason(reason) };
  }

  /**
   * Fonnte's message-status look-up (providers.md §1.6 [high], documented as deprecated in favour
   * of the status webhook but answered): `POST {baseUrl}/status`, raw token in `Authorization`,
   * form field `id` → `{"id":2,"message_status":"Sent","status":true}`. The word goes through
   * Fonnte's receipt vocabulary (Sent → sent, Invalid / Expired → failed with the word as the
   * error, Pending / Waiting / Processing → still with Fonnte); `status:false` naming the token,
   * the device or a limit (`token invalid`, a disconnected device, quota) → unavailable, any other
   * (an unknown id) → no_status; HTTP 429 / 5xx / 401 / 403 → unavailable. Fonnte's look-up knows
   * no delivered / read: it only turns up failures (a SENT message stays SENT).
   */
  async lookUpStatus(providerMessageId: string, signal: AbortSignal): Promise<StatusLookup> {
    const res = await providerRequest(
      this.name,
      `${this.options.baseUrl.replace(/\/+$/, '')}/status`,
      { method: 'POST', headers: { authorization: this.options.token, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ id: providerMessageId }).toString() },
      signal,
    );
    const ok = field(res.body, 'status') ?? field(res.body, 'Status');
    const reason = String(field(res.body, 'reason') ?? `HTTP ${res.status}`);
    const httpFailure = lookUpHttpFailure(res, reason);
    if (httpFailure) return httpFailure;
    if (res.status < 200 || res.status >= 300 || ok !== true) {
      // The device or account cannot answer now (disconnected, quota, token…): not about this message.
      return /token|device|disconnect|quota|rate|limit|busy|server|later|try again/i.test(reason) ? { kind: 'unavailable', reason } : { kind: 'no_status', reason };
    }
    const word = String(field(res.body, 'message_status') ?? '').trim();
    const status = fonnteReceiptKind(word.toLowerCase());
    if (!status || status === 'pending') return { kind: 'no_status', reason: `message_status ${word || '(none)'}` };
    return status === 'failed' ? { kind: 'status', status, error: word } : { kind: 'status', status };
  }
}
