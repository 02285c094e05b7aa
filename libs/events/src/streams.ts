import { checkNamespace } from './namespace';
import { type EventDomain, EVENT_DOMAINS, domainSubjects } from './subjects';

/**
 * A JetStream stream declared in code. Structurally a `@notify/messaging` `StreamSpec`
 * (name, subjects, duplicateWindowMs, maxAgeMs, maxBytes, maxMsgSize: both buses apply them)
 * plus `domain` and `description`. Durations in milliseconds, sizes in bytes.
 */
export interface StreamDefinition {
  /** `TICKET_EVENTS` (with ns `t123`: `T123_TICKET_EVENTS`). */
  readonly name: string;
  /** The domain the stream holds. */
  readonly domain: EventDomain;
  /** Captured subjects: the domain wildcard, e.g. `notify.ticket.v1.>`. */
  readonly subjects: string[];
  /** `Nats-Msg-Id` dedupe window, ms (2 minutes): a re-published event id is dropped. */
  readonly duplicateWindowMs: number;
  /** Retention by age, ms. */
  readonly maxAgeMs: number;
  /**
   * Retention by size, bytes (oldest discarded first); unset = none. The event streams leave it
   * unset: JetStream reserves `max_bytes` of storage per stream replica up front, so a limit
   * here would make a NATS with a small store refuse the streams at start; `maxAgeMs` bounds them.
   */
  readonly maxBytes?: number;
  /** Largest accepted message, bytes. */
  readonly maxMsgSize: number;
  /** Human description (shown by `nats stream info`). */
  readonly description: string;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const MIB = 1024 * 1024;

/** Dedupe window of every stream: 2 minutes (JetStream's default, stated explicitly). */
export const DUPLICATE_WINDOW_MS = 2 * MINUTE_MS;

/** Per-domain limits. Deliveries are the high-volume stream, so they are kept shortest. */
const STREAM_LIMITS: Record<EventDomain, { base: string; maxAgeMs: number; description: string }> = {
  ticket: { base: 'TICKET_EVENTS', maxAgeMs: 14 * DAY_MS, description: 'Ticket lifecycle events (notify.ticket.v1.*)' },
  customer: { base: 'CUSTOMER_EVENTS', maxAgeMs: 30 * DAY_MS, description: 'Customer events (notify.customer.v1.*)' },
  schedule: { base: 'SCHEDULE_EVENTS', maxAgeMs: 7 * DAY_MS, description: 'Scheduler events (notify.schedule.v1.*)' },
  delivery: { base: 'DELIVERY_EVENTS', maxAgeMs: 3 * DAY_MS, description: 'Delivery events (notify.delivery.v1.*)' },
};

/** Max message size of every stream: 1 MiB (events are snapshots, never message bodies). */
export const MAX_EVENT_BYTES = MIB;

/** Stream name of a domain: `TICKET_EVENTS`, with ns `t123`: `T123_TICKET_EVENTS` (ns upper-cased). */
export function streamName(domain: EventDomain, ns?: string): string {
  const limits = STREAM_LIMITS[domain];
  if (limits === undefined) throw new TypeError(`unknown event domain ${String(domain)}`);
  const checked = checkNamespace(ns);
  return checked === undefined ? limits.base : `${checked.toUpperCase()}_${limits.base}`;
}

/** The stream of one domain. */
export function eventStream(domain: EventDomain, ns?: string): StreamDefinition {
  const limits = STREAM_LIMITS[domain];
  return {
    name: streamName(domain, ns),
    domain,
    subjects: [domainSubjects(domain, ns)],
    duplicateWindowMs: DUPLICATE_WINDOW_MS,
    maxAgeMs: limits.maxAgeMs,
    maxMsgSize: MAX_EVENT_BYTES,
    description: limits.description,
  };
}

/**
 * The four streams `TICKET_EVENTS`, `CUSTOMER_EVENTS`, `SCHEDULE_EVENTS`,
 * `DELIVERY_EVENTS` (with ns: prefixed names and subjects), ready for
 * `bus.ensureStreams(eventStreams(ns))`.
 */
export function eventStreams(ns?: string): StreamDefinition[] {
  return EVENT_DOMAINS.map((domain) => eventStream(domain, ns));
}
