import { checkNamespace } from './namespace';
import { streamName } from './streams';
import { type EventDomain, type EventName, eventSubject, domainSubjects } from './subjects';

/** Consumer (service) names: lower-case letters, digits, `_`; e.g. `gateway`, `ticket`. */
const CONSUMER_PATTERN = /^[a-z0-9_]{1,32}$/;

/**
 * Durable consumer name `<consumer>-<domain>` (no dots), e.g. `durableName('gateway',
 * 'ticket')` = `gateway-ticket`; with ns `t123`: `t123-gateway-ticket`.
 * @throws TypeError when `consumer` is not `[a-z0-9_]{1,32}` or the namespace is bad.
 */
export function durableName(consumer: string, domain: EventDomain, ns?: string): string {
  if (!CONSUMER_PATTERN.test(consumer)) {
    throw new TypeError(`consumer name ${JSON.stringify(consumer)} must match ${CONSUMER_PATTERN}`);
  }
  streamName(domain); // validates the domain
  const checked = checkNamespace(ns);
  return checked === undefined ? `${consumer}-${domain}` : `${checked}-${consumer}-${domain}`;
}

/**
 * A durable consumer declared in code; structurally a `@notify/messaging` `ConsumerSpec`
 * (stream, durable, filterSubjects, maxDeliver, ackWaitMs). Durations in ms. The server-side
 * `max_deliver` is always unlimited; `maxDeliver` is the consumer runner's budget.
 */
export interface ConsumerDefinition {
  /** Stream name, e.g. `TICKET_EVENTS`. */
  readonly stream: string;
  /** Durable name `<consumer>-<domain>`. */
  readonly durable: string;
  /** Subjects received; the whole domain unless `events` narrowed it. */
  readonly filterSubjects: string[];
  /**
   * Budget of non-transient handler failures before the message is dead-lettered (default 10).
   * Transient failures (dependency unavailable / timed out) do not count: they are retried with
   * capped backoff for as long as they last (`@notify/messaging` `ConsumerSpec.maxDeliver`).
   */
  readonly maxDeliver: number;
  /** Ack wait, ms (default 30 000). */
  readonly ackWaitMs: number;
}

/** Defaults of `eventConsumer`. */
export const DEFAULT_CONSUMER_MAX_DELIVER = 10;
export const DEFAULT_CONSUMER_ACK_WAIT_MS = 30_000;

/**
 * The durable consumer `<consumer>-<domain>` on the domain's stream, receiving all its
 * events or only `events`, e.g. the ticket service's registration consumer:
 * `eventConsumer('ticket', 'customer', { events: ['registered'] })`.
 */
export function eventConsumer<D extends EventDomain>(
  consumer: string,
  domain: D,
  opts: { events?: readonly EventName<D>[]; ns?: string; maxDeliver?: number; ackWaitMs?: number } = {},
): ConsumerDefinition {
  const filterSubjects =
    opts.events === undefined || opts.events.length === 0
      ? [domainSubjects(domain, opts.ns)]
      : opts.events.map((name) => eventSubject(domain, name, opts.ns));
  return {
    stream: streamName(domain, opts.ns),
    durable: durableName(consumer, domain, opts.ns),
    filterSubjects,
    maxDeliver: opts.maxDeliver ?? DEFAULT_CONSUMER_MAX_DELIVER,
    ackWaitMs: opts.ackWaitMs ?? DEFAULT_CONSUMER_ACK_WAIT_MS,
  };
}
