import type { OutgoingMessage, SendOutcome } from '../../domain/send-outcome';
import { ProviderConnectionError, type ProviderAdapter } from './provider-adapter';

/**
 * Per-provider pacing (issue 5: "per-provider pacing respects a configured rate"): at most
 * `perSecond` requests per second leave this process for the wrapped provider, spaced evenly
 * (one slot every 1000/perSecond ms). A send waits for its slot; if the call's signal fires
 * while waiting, it fails with `ProviderConnectionError('PACING')` — a DEFINITE failure,
 * because nothing was sent. `perSecond` 0 = unpaced (the adapter is returned as is by
 * {@link paced}).
 */
export class PacedAdapter implements ProviderAdapter {
  readonly name: string;
  private next = 0;
  private readonly intervalMs: number;

  constructor(
    private readonly inner: ProviderAdapter,
    perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.name = inner.name;
    this.intervalMs = 1000 / perSecond;
  }

  async send(msg: OutgoingMessage, signal: AbortSignal): Promise<SendOutcome> {
    const t = this.now();
    const slot = Math.max(t, this.next);
    this.next = slot + this.intervalMs;
    const wait = slot - t;
    if (wait > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, wait);
        const onAbort = () => {
          clearTimeout(timer);
          reject(new ProviderConnectionError(this.name, 'PACING'));
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
    }
    return this.inner.send(msg, signal);
  }
}

/** Wraps `adapter` in a PacedAdapter when `perSecond` > 0. */
export function paced(adapter: ProviderAdapter, perSecond: number): ProviderAdapter {
  return perSecond > 0 ? new PacedAdapter(adapter, perSecond) : adapter;
}
