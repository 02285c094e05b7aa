import type { WebhookProvider } from '../../transport/http/webhook-payloads';
import type { InboundDedupe } from './reply.ports';

/** Default number of (provider, message id) pairs remembered by {@link InMemoryInboundDedupe}. */
export const DEFAULT_INBOUND_DEDUPE_CAPACITY = 10_000;

/**
 * {@link InboundDedupe} in process memory, least recently claimed pairs forgotten first once
 * `capacity` pairs are held (LRU over a Map's insertion order). For tests and a single gateway
 * replica only: it forgets everything on restart and is not shared between replicas, so a
 * webhook retried after a restart or to another replica acts again. Production backs the port
 * with Postgres (a unique key on provider + message id, claimed with INSERT … ON CONFLICT DO
 * NOTHING).
 */
export class InMemoryInboundDedupe implements InboundDedupe {
  private readonly seen = new Map<string, true>();

  /** @param capacity pairs remembered (≥ 1); default {@link DEFAULT_INBOUND_DEDUPE_CAPACITY}. */
  constructor(private readonly capacity: number = DEFAULT_INBOUND_DEDUPE_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  /** True the first time (provider, messageId) is claimed, false while it is remembered. */
  claim(provider: WebhookProvider, messageId: string): Promise<boolean> {
    const key = `${provider}\u0000${messageId}`;
    if (this.seen.has(key)) {
      this.seen.delete(key);
      this.seen.set(key, true);
      return Promise.resolve(false);
    }
    this.seen.set(key, true);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value as string);
    return Promise.resolve(true);
  }

  /** Pairs currently remembered. */
  get size(): number {
    return this.seen.size;
  }
}
