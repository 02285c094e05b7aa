import { advantaReceiptKind, advantaTime } from '../../domain/receipt-vocabulary';
import type { OutgoingMessage, SendOutcome } from '../../domain/send-outcome';
import { field, httpFailure, lookUpHttpFailure, providerRequest, type ProviderAdapter, type StatusLookup } from './provider-adapter';

export interface AdvantaAdapterOptions {
  /** e.g. `https://quicksms.advantasms.com`, or a simulator URL. */
  baseUrl: string;
  apiKey: string;
  partnerId: string;
  /** Sender id assigned to the account (case-sensitive). */
  shortcode: string;
}

/**
 * Classifies an Advanta response code (providers.md §4.2): 1004 low credits, 1005/1007 system
 * error, 4090 internal error → retryable (provider); 1001 sender id, 1006 credentials,
 * 4091/4092/4093 → permanent provider faults; 1002 network, 1003 mobile, 1010, 1012/1104 →
 * permanent message faults. Unknown codes: retryable provider failures.
 */
export function classifyAdvantaCode(code: number): { retryable: boolean; fault: 'message' | 'provider' } {
  if ([1004, 1005, 1007, 4090].includes(code)) return { retryable: true, fault: 'provider' };
  if ([1001, 1006, 4091, 4092, 4093].includes(code)) return { retryable: false, fault: 'provider' };
  if ([1002, 1003, 1010, 1012, 1104].includes(code)) return { retryable: false, fault: 'message' };
  return { retryable: true, fault: 'provider' };
}

/** `response-code`, or the misspelt `respose-code` (providers.md §0.3, §4.2), as a number. */
function responseCode(o: unknown): number | undefined {
  const v = field(o, 'response-code') ?? field(o, 'respose-code');
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/**
 * Advanta SMS adapter, following providers.md §4 (Advanta): §4.1
 * `POST {baseUrl}/api/services/sendsms/` with JSON `{apikey, partnerID, message, shortcode,
 * mobile}` (auth in the body; `mobile` = digits without `+`, §4.4); §4.2 HTTP 200 always:
 * `responses[0]` code 200 → accepted (`messageid` → `providerMessageId`), otherwise the
 * per-recipient or top-level code is classified by `classifyAdvantaCode`; both key spellings
 * are read. HTTP 5xx → retryable failure.
 */
export class AdvantaAdapter implements ProviderAdapter {
  readonly name = 'advanta';
  constructor(private readonly options: AdvantaAdapterOptions) {}

  async send(msg: OutgoingMessage, signal: AbortSignal): Promise<SendOutcome> {
    const o = this.options;
    const res = await providerRequest(
      this.name,
      `${o.baseUrl.replace(/\/+$/, '')}/api/services/sendsms/`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apikey: o.apiKey, partnerID: o.partnerId, message: msg.text, shortcode: o.shortcode, mobile: msg.to.replace(/^\+/, '') }),
      },
      signal,
    );
    const responses = field(res.body, 'responses');
    const entry: unknown = Array.isArray(responses) && responses.length > 0 ? responses[0] : res.body;
    const code = responseCode(entry) ?? responseCode(res.body);
    if (res.status >= 200 && res.status < 300 && code === 200) {
      return { kind: 'accepted', providerMessageId: String(field(entry, 'messageid') ?? ''), raw: res.body, httpStatus: res.status };
    }
    const reason = String(field(entry, 'response-description') ?? field(res.body, 'response-description') ?? `HTTP ${res.status}`);
    if (res.status >= 300 || code === undefined) return { ...httpFailure(res.status >= 300 ? res.status : 502, reason, res.retryAfterMs), ...(code !== undefined ? { code: String(code) } : {}) };
    return { kind: 'failed', reason, httpStatus: res.status, code: String(code), ...classifyAdvantaCode(code) };
  }

  /**
   * Advanta's delivery-report pull (providers.md §4.3 [high]): `POST {baseUrl}/api/services/getdlr/`
   * with JSON `{apikey, partnerID, messageID}` → `{"response-code":200, …, "delivery-description":
   * "DeliveredToTerminal", …}`. The description through Advanta's receipt vocabulary
   * (SentToNetwork → sent, DeliveredToTerminal → delivered, AbsentSubscriber / DeliveryImpossible /
   * SenderName Blacklisted → failed with the description as the error), at its `delivery-time`
   * (EAT); any other description, or 1009 "No dlr" (none yet) or a message-side code → no_status;
   * a provider-side code (1004–1007, 4090–4093: system error, retry later, credentials) or HTTP
   * 429 / 5xx / 401 / 403 → unavailable.
   */
  async lookUpStatus(providerMessageId: string, signal: AbortSignal): Promise<StatusLookup> {
    const o = this.options;
    const res = await providerRequest(
      this.name,
      `${o.baseUrl.replace(/\/+$/, '')}/api/services/getdlr/`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apikey: o.apiKey, partnerID: o.partnerId, messageID: providerMessageId }),
      },
      signal,
    );
    const code = responseCode(res.body);
    const reason = String(field(res.body, 'response-description') ?? `HTTP ${res.status}`);
    const failure = lookUpHttpFailure(res, reason);
    if (failure) return failure;
    if (res.status < 200 || res.status >= 300 || code !== 200) {
      // A provider-side code (system error, retry later, credentials: classifyAdvantaCode's provider faults) says nothing about the message.
      const providerSide = code !== undefined && code !== 1009 && classifyAdvantaCode(code).fault === 'provider';
      return providerSide ? { kind: 'unavailable', reason: `${code}: ${reason}` } : { kind: 'no_status', reason };
    }
    const description = String(field(res.body, 'delivery-description') ?? '');
    const status = advantaReceiptKind(description);
    if (!status || status === 'pending') return { kind: 'no_status', reason: `delivery-description ${description || '(none)'}` };
    const deliveryTime = advantaTime(String(field(res.body, 'delivery-time') ?? ''));
    const at = deliveryTime ? { at: deliveryTime } : {};
    return status === 'failed' ? { kind: 'status', status, error: description, ...at } : { kind: 'status', status, ...at };
  }
}
