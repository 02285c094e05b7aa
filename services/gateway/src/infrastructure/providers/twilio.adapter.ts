import type { OutgoingMessage, SendOutcome } from '../../domain/send-outcome';
import { field, providerRequest, type ProviderAdapter } from './provider-adapter';

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
    const base = (o.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
    const res = await providerRequest(
      this.name,
      `${base}/2010-04-01/Accounts/${encodeURIComponent(o.accountSid)}/Messages.json`,
      {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${o.accountSid}:${o.authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: params.toString(),
      },
      signal,
    );
    const sid = field(res.body, 'sid');
    if (res.status === 201 || (res.status >= 200 && res.status < 300 && typeof sid === 'string')) {
      return { kind: 'accepted', providerMessageId: String(sid ?? ''), raw: res.body };
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
}
