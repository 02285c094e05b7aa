import type { OutgoingMessage, SendOutcome } from '../../domain/send-outcome';
import { field, httpFailure, providerRequest, type ProviderAdapter } from './provider-adapter';

export interface WablasAdapterOptions {
  /** The account's regional console host, e.g. `https://tegal.wablas.com`, or a simulator URL. */
  baseUrl: string;
  token: string;
  /** Secret key; sent as `Authorization: <token>.<secretKey>` when set. */
  secretKey?: string;
}

/**
 * Classifies a Wablas `status:false` message (providers.md §2.6).
 * Retryable: disconnected device / scan QR, quota, rate limits, server busy.
 * Permanent, provider's fault: token / secret key invalid, expired device.
 * Permanent, message's fault: phone / message required or invalid.
 */
export function classifyWablasMessage(message: string): { retryable: boolean; fault: 'message' | 'provider' } {
  const m = message.toLowerCase();
  if (/disconnect|scan|quota|rate|limit|busy|server|later|try again/.test(m)) return { retryable: true, fault: 'provider' };
  if (/token|secret|expired|account/.test(m)) return { retryable: false, fault: 'provider' };
  if (/phone|message|number|required|invalid|data/.test(m)) return { retryable: false, fault: 'message' };
  return { retryable: true, fault: 'provider' };
}

/**
 * Wablas WhatsApp adapter, following providers.md §2 (Wablas): §2.2 v1 single send
 * `POST {baseUrl}/api/send-message`, `Authorization: <token>.<secret>`, form-encoded `phone`,
 * `message`, and `isGroup=true` for a group id (§2.4); §2.5 success = HTTP 200 `status:true`,
 * `data.messages[0].id` → `providerMessageId`; §2.6 failure = `{status:false, message}` (HTTP
 * 200, or 5xx on some deployments → retryable).
 */
export class WablasAdapter implements ProviderAdapter {
  readonly name = 'wablas';
  constructor(private readonly options: WablasAdapterOptions) {}

  async send(msg: OutgoingMessage, signal: AbortSignal): Promise<SendOutcome> {
    const params = new URLSearchParams({ phone: msg.to, message: msg.text });
    if (msg.isGroup) params.set('isGroup', 'true');
    const auth = this.options.secretKey ? `${this.options.token}.${this.options.secretKey}` : this.options.token;
    const res = await providerRequest(
      this.name,
      `${this.options.baseUrl.replace(/\/+$/, '')}/api/send-message`,
      { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: params.toString() },
      signal,
    );
    if (res.status >= 200 && res.status < 300 && field(res.body, 'status') === true) {
      const messages = field(field(res.body, 'data'), 'messages');
      const first: unknown = Array.isArray(messages) ? messages[0] : undefined;
      const id = field(first, 'id');
      if (id !== undefined && id !== null) return { kind: 'accepted', providerMessageId: String(id), raw: res.body, httpStatus: res.status };
      // status:true means queued: never report it as a failure (a retry would duplicate it).
      return { kind: 'accepted', providerMessageId: '', raw: res.body, httpStatus: res.status };
    }
    const reason = String(field(res.body, 'message') ?? `HTTP ${res.status}`);
    if (res.status >= 300) return httpFailure(res.status, reason, res.retryAfterMs);
    return { kind: 'failed', reason, httpStatus: res.status, ...classifyWablasMessage(reason) };
  }
}
