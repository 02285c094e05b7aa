/**
 * HTTP client for a provider simulator's control API (libs/provider-sim/src/sim-server.ts,
 * "Control API"): the messages it accepted, its fault knob and, for Fonnte and Wablas, the
 * inbound-message helper that posts the provider's inbound webhook to the gateway exactly as
 * the provider would. Works the same against simulators in this process, in `npm start`'s
 * process or in compose, because it only speaks HTTP.
 */
import type { InboundInput, ProviderName, SimFault, WebhookRecord } from '@notify/provider-sim';

/** One message a simulator accepted, as `GET /__sim/messages` returns it (provider extras kept). */
export interface SimMessageView {
  readonly provider: ProviderName;
  /** The provider's message id (string). */
  readonly id: string;
  /** Recipient as the provider recorded it: E.164 digits or a group id (`…@g.us`). */
  readonly to: string;
  /** Text as delivered. */
  readonly text: string;
  /** Acceptance time, ISO-8601. */
  readonly at: string;
  readonly status: string;
}

/** Error from a control-API call: which simulator, which call, what it answered. */
export class SimControlError extends Error {
  constructor(
    readonly provider: ProviderName,
    message: string,
  ) {
    super(`${provider} simulator: ${message}`);
    this.name = 'SimControlError';
  }
}

/** Control of one simulator at `baseUrl` (e.g. `http://127.0.0.1:8091`). */
export class SimControl {
  readonly baseUrl: string;

  constructor(
    readonly provider: ProviderName,
    baseUrl: string,
    private readonly timeoutMs = 5000,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** Accepted messages, oldest first. Throws SimControlError when the simulator does not answer 200. */
  async messages(): Promise<SimMessageView[]> {
    return (await this.request('GET', '/__sim/messages')) as SimMessageView[];
  }

  /**
   * Arms a fault on the provider's send routes (`POST /__sim/fault`). A `down` fault that
   * refuses connections (the default) closes the simulator's port, so its control API is then
   * unreachable: give it a `duration_ms` and use {@link waitReachable} to see it come back.
   */
  async setFault(fault: SimFault): Promise<void> {
    await this.request('POST', '/__sim/fault', fault);
  }

  /** Clears the fault (`DELETE /__sim/fault`). */
  async clearFault(): Promise<void> {
    await this.request('DELETE', '/__sim/fault');
  }

  /** true when the control API answers (`GET /__sim/fault`). */
  async reachable(): Promise<boolean> {
    try {
      await this.request('GET', '/__sim/fault');
      return true;
    } catch {
      return false;
    }
  }

  /** Polls {@link reachable} every 200 ms until it is true or `timeoutMs` passed; returns the last answer. */
  async waitReachable(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (await this.reachable()) return true;
      if (Date.now() >= until) return false;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /**
   * Posts the provider's inbound-message webhook (`POST /__sim/inbound`, Fonnte and Wablas
   * only): the simulator sends the provider's payload to its configured inbound URL (the
   * gateway's `/webhooks/<provider>/inbound?secret=…`). Resolves with the webhook record;
   * throws SimControlError when the simulator has no inbound URL (409) or the gateway did not
   * answer 2xx.
   */
  async inbound(input: InboundInput): Promise<WebhookRecord> {
    const record = (await this.request('POST', '/__sim/inbound', input)) as WebhookRecord;
    if (record.httpStatus === undefined || record.httpStatus < 200 || record.httpStatus >= 300) {
      throw new SimControlError(this.provider, `inbound webhook to ${record.url.replace(/secret=[^&]+/, 'secret=***')} answered ${record.httpStatus ?? record.error ?? 'nothing'}`);
    }
    return record;
  }

  private async request(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new SimControlError(this.provider, `${method} ${path}: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) throw new SimControlError(this.provider, `${method} ${path} answered HTTP ${res.status}: ${text.slice(0, 200)}`);
    return text === '' ? undefined : JSON.parse(text);
  }
}
