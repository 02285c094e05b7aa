import { twilioReceiptKind } from '../../domain/receipt-vocabulary';
import type { OutgoingMessage, SendOutcome } from '../../domain/send-outcome';
import { field, lookUpHttpFailure, providerRequest, type ProviderAdapter, type StatusLookup } from './provider-adapter';

export interface TwilioAdapterOptions {
  /** Default `https://api.twilio.com`. */
  baseUrl?: string;
  accountSid: string;
  authToken: string;
  /** Sender (`From`), or use `messagingServiceSid`. */
  from?: string;
  messagingServiceSid?: string;
}

const MESSAGE_FAULT = new Set([21211, 21602, 21604, 21610, 21612, 21614, 21617, 21608, 21609]);
const PROVIDER_PERMANENT = new Set([20003, 20404, 21603, 21606, 21408]);

/**
 * Classifies a Twilio error (providers.md §3.2): 20429 / HTTP 429 and 5xx retryable; account /
 * sender problems (20003 Authenticate, 21603, 21606, 21408) permanent provider faults (fail over);
 * recipient / body problems (21211, 21610 unsubscribed, 21612/21614, 2160x required, 21617)
 * permanent message faults. Unknown 4xx codes: permanent message faults.
 */
export function classifyTwilioError(httpStatus: number, code: number | undefined): { retryable: boolean; fault: 'message' | 'provider' } {
  if (httpStatus === 429 || code === 20429 || httpStatus >= 500) return { retryable: true, fault: 'provider' };
  if (code !== undefined && PROVIDER_PERMANENT.has(code)) return { retryable: false, fault: 'provider' };
  if (httpStatus === 401 || httpStatus === 403) return { retryable: false, fault: 'provider' };
  if (code !== undefined && MESSAGE_FAULT.has(code)) return { retryable: false, fault: 'message' };
  return { retryable: false, fault: 'message' };
}

/**
 * Twilio SMS adapter, following providers.md §3 (Twilio): §3.1
 * `POST {baseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic `Sid:AuthToken`,
 * form params `To=+<digits>` (§3.4 E.164 with `+`), `From` or `MessagingServiceSid`, `Body`,
 * `StatusCallback` (§3.3, per message); success = HTTP **201** with the Message resource
 * (`sid` → `providerMessageId`); §3.2 errors = real 4xx/5xx with `{code, message, more_info,
 * status}`, classified by `classifyTwilioError`.
 */
export class TwilioAdapter implements ProviderAdapter {
  readonly name = 'twilio';
  constructor(private readonly options: TwilioAdapterOptions) {}

  async send(msg: OutgoingMessage, signal: AbortSignal): Promise<SendOutcome> {
    const o = this.options;
    const params = new URLSearchParams({ To: msg.to.startsWith('+') ? msg.to : `+${msg.to}`, Body: msg.text });
    if (o.messagingServiceSid) params.set('MessagingServiceSid', o.messagingServiceSid);
    else if (o.from) params.set('From', o.from);
    if (msg.statusCallbackUrl) params.set('StatusCallback', msg.statusCallbackUrl);
    const res = await providerRequest(
      this.name,
      `${this.accountUrl()}/Messages.json`,
      {
        method: 'POST',
        headers: { authorization: this.authorization(), 'content-type': 'application/x-www-form-urlencoded' },
        body: params.toString(),
      },
      signal,
    );
    const sid = field(res.body, 'sid');
    if (res.status === 201 || (res.status >= 200 && res.status < 300 && typeof sid === 'string')) {
      return { kind: 'accepted', providerMessageId: String(sid ?? ''), raw: res.body, httpStatus: res.status };
    }
    const rawCode = field(res.body, 'code');
    const code = typeof rawCode === 'number' ? rawCode : undefined;
    const reason = String(field(res.body, 'message') ?? `HTTP ${res.status}`);
    return {
      kind: 'failed',
      reason,
      httpStatus: res.status,
      ...(code !== undefined ? { code: String(code) } : {}),
      ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}),
      ...classifyTwilioError(res.status, code),
    };
  }

  /**
   * Twilio's Message fetch (the Message resource of providers.md §3.1, whose `status` takes the
   * StatusCallback's words, §3.3): `GET {baseUrl}/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`
   * with the same Basic auth → HTTP 200 and the resource. `status` through Twilio's receipt
   * vocabulary (sent / delivered / read; undelivered / failed → failed with `error_code`, e.g.
   * `undelivered (30003)`, as the callback's error reads), at its `date_updated` (RFC 2822: the
   * resource's last change, i.e. the status change or a little later when the price is set);
   * queued / sending / accepted → still in between. 429 (20429, with its Retry-After), 5xx, 401 /
   * 403 → unavailable; 404 (20404) and other error answers → no_status with Twilio's `message`.
   */
  async lookUpStatus(providerMessageId: string, signal: AbortSignal): Promise<StatusLookup> {
    const res = await providerRequest(
      this.name,
      `${this.accountUrl()}/Messages/${encodeURIComponent(providerMessageId)}.json`,
      { method: 'GET', headers: { authorization: this.authorization() } },
      signal,
    );
    const message = String(field(res.body, 'message') ?? `HTTP ${res.status}`);
    const failure = lookUpHttpFailure(res, message);
    if (failure) return failure;
    if (res.status !== 200) return { kind: 'no_status', reason: message };
    const word = String(field(res.body, 'status') ?? '');
    const status = twilioReceiptKind(word);
    if (!status || status === 'pending') return { kind: 'no_status', reason: `status ${word || '(none)'}` };
    const updated = Date.parse(String(field(res.body, 'date_updated') ?? ''));
    const at = Number.isNaN(updated) ? {} : { at: new Date(updated) };
    if (status !== 'failed') return { kind: 'status', status, ...at };
    const code = field(res.body, 'error_code');
    return { kind: 'status', status, error: code !== null && code !== undefined && code !== '' ? `${word} (${String(code)})` : word, ...at };
  }

  /** `{baseUrl}/2010-04-01/Accounts/{AccountSid}` (default base `https://api.twilio.com`). */
  private accountUrl(): string {
    const base = (this.options.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
    return `${base}/2010-04-01/Accounts/${encodeURIComponent(this.options.accountSid)}`;
  }

  /** HTTP Basic `AccountSid:AuthToken` (providers.md §3.1). */
  private authorization(): string {
    return `Basic ${Buffer.from(`${this.options.accountSid}:${this.options.authToken}`).toString('base64')}`;
  }
}
