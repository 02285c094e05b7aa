import { createHash } from 'node:crypto';

import { customerv1, gatewayv1, schedulerv1, ticketv1 } from '@notify/proto';

import { type EventDomain, type EventKey, type EventName, eventSubject, parseEventSubject } from './subjects';

/** The part of ts-proto's generated `MessageFns<T>` the codec needs. */
interface MessageCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

/** Fields every event payload carries. */
interface EventBase {
  eventId: string;
  occurredAt: Date | undefined;
}

/** How one subject's payload is encoded and checked. */
interface EventSpec<T extends EventBase> {
  /** Fully-qualified proto message name, for error messages. */
  readonly message: string;
  readonly codec: MessageCodec<T>;
  /** For envelopes: the `type` value the subject requires. */
  readonly type?: number;
  /** Fields that must be set (non-empty) for the payload to be usable. */
  readonly required: readonly (keyof T & string)[];
}

function spec<T extends EventBase>(message: string, codec: MessageCodec<T>, required: (keyof T & string)[], type?: number): EventSpec<T> {
  return type === undefined ? { message, codec, required } : { message, codec, required, type };
}

const T = ticketv1.TicketEventType;
const C = customerv1.CustomerEventType;
const D = gatewayv1.DeliveryEventType;

/**
 * Subject → payload message. Ticket, customer and delivery subjects share one envelope
 * per domain (`TicketEvent`, `CustomerEvent`, `DeliveryEvent`) whose `type` must match
 * the subject; schedule subjects have one message each, as have `customer.preferences_updated`
 * (`PreferencesEvent`: about a customer or a staff member, not a customer's lifecycle) and
 * `customer.opted_out` (`OptOutEvent`: about a phone) and `customer.invoice_status_changed`
 * (`InvoiceStatusEvent`: about an invoice).
 */
export const EVENT_CATALOG = {
  'ticket.created': spec('notify.ticket.v1.TicketEvent', ticketv1.TicketEvent, ['ticket'], T.TICKET_EVENT_TYPE_CREATED),
  'ticket.assigned': spec('notify.ticket.v1.TicketEvent', ticketv1.TicketEvent, ['ticket'], T.TICKET_EVENT_TYPE_ASSIGNED),
  'ticket.started': spec('notify.ticket.v1.TicketEvent', ticketv1.TicketEvent, ['ticket'], T.TICKET_EVENT_TYPE_STARTED),
  'ticket.completed': spec('notify.ticket.v1.TicketEvent', ticketv1.TicketEvent, ['ticket'], T.TICKET_EVENT_TYPE_COMPLETED),
  'ticket.cancelled': spec('notify.ticket.v1.TicketEvent', ticketv1.TicketEvent, ['ticket'], T.TICKET_EVENT_TYPE_CANCELLED),
  'ticket.escalated': spec('notify.ticket.v1.TicketEvent', ticketv1.TicketEvent, ['ticket'], T.TICKET_EVENT_TYPE_ESCALATED),
  'customer.registered': spec('notify.customer.v1.CustomerEvent', customerv1.CustomerEvent, ['customer'], C.CUSTOMER_EVENT_TYPE_REGISTERED),
  'customer.activated': spec('notify.customer.v1.CustomerEvent', customerv1.CustomerEvent, ['customer'], C.CUSTOMER_EVENT_TYPE_ACTIVATED),
  'customer.preferences_updated': spec('notify.customer.v1.PreferencesEvent', customerv1.PreferencesEvent, ['preferences']),
  'customer.opted_out': spec('notify.customer.v1.OptOutEvent', customerv1.OptOutEvent, ['optOut']),
  'customer.invoice_status_changed': spec('notify.customer.v1.InvoiceStatusEvent', customerv1.InvoiceStatusEvent, ['invoice']),
  'schedule.sla_warning': spec('notify.scheduler.v1.SlaWarningEvent', schedulerv1.SlaWarningEvent, ['ticket']),
  'schedule.payment_reminder': spec('notify.scheduler.v1.PaymentReminderEvent', schedulerv1.PaymentReminderEvent, ['invoice', 'customer']),
  'schedule.daily_summary': spec('notify.scheduler.v1.DailySummaryEvent', schedulerv1.DailySummaryEvent, ['date', 'stats']),
  'schedule.weekly_performance': spec('notify.scheduler.v1.WeeklyPerformanceEvent', schedulerv1.WeeklyPerformanceEvent, ['technicianId', 'stats']),
  'schedule.campaign_due': spec('notify.scheduler.v1.CampaignDueEvent', schedulerv1.CampaignDueEvent, ['campaign']),
  'delivery.queued': spec('notify.gateway.v1.DeliveryEvent', gatewayv1.DeliveryEvent, ['delivery'], D.DELIVERY_EVENT_TYPE_QUEUED),
  'delivery.sent': spec('notify.gateway.v1.DeliveryEvent', gatewayv1.DeliveryEvent, ['delivery'], D.DELIVERY_EVENT_TYPE_SENT),
  'delivery.delivered': spec('notify.gateway.v1.DeliveryEvent', gatewayv1.DeliveryEvent, ['delivery'], D.DELIVERY_EVENT_TYPE_DELIVERED),
  'delivery.read': spec('notify.gateway.v1.DeliveryEvent', gatewayv1.DeliveryEvent, ['delivery'], D.DELIVERY_EVENT_TYPE_READ),
  'delivery.failed': spec('notify.gateway.v1.DeliveryEvent', gatewayv1.DeliveryEvent, ['delivery'], D.DELIVERY_EVENT_TYPE_FAILED),
} as const satisfies Record<EventKey, unknown>;

/** Payload type of each event key, e.g. `EventPayload<'ticket.created'>` = `ticketv1.TicketEvent`. */
export type EventPayload<K extends EventKey> = (typeof EVENT_CATALOG)[K] extends EventSpec<infer P> ? P : never;

/** A decoded event: switch on `key` to get the typed payload. */
export type DecodedEvent = {
  [K in EventKey]: {
    readonly key: K;
    readonly domain: K extends `${infer Dm}.${string}` ? Dm : never;
    readonly name: K extends `${string}.${infer N}` ? N : never;
    /** The subject it arrived on (with namespace, if any). */
    readonly subject: string;
    /** Namespace prefix of the subject; undefined in production. */
    readonly namespace?: string;
    readonly payload: EventPayload<K>;
  };
}[EventKey];

/** What to hand to the bus: `bus.publish(encodeEvent(...))` (`msgID` = event id). */
export interface EncodedEvent {
  readonly subject: string;
  readonly data: Uint8Array;
  /** `Nats-Msg-Id`: the payload's event_id. */
  readonly msgID: string;
}

/**
 * A payload that can never be processed: unknown subject, bytes that do not decode, a
 * missing event id / time / snapshot, or an envelope `type` that contradicts the subject.
 * `permanent: true` makes `@notify/messaging` dead-letter and `term` it instead of retrying.
 */
export class PoisonEventError extends Error {
  readonly permanent = true as const;
  constructor(
    readonly subject: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`poison event on ${subject}: ${reason}`, options);
    this.name = 'PoisonEventError';
  }
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function lookup(key: EventKey): EventSpec<EventBase & Record<string, unknown>> {
  const found = (EVENT_CATALOG as unknown as Record<string, EventSpec<EventBase & Record<string, unknown>> | undefined>)[key];
  if (found === undefined) throw new TypeError(`unknown event ${key}`);
  return found;
}

/** Returns the first problem with a payload for `key`, or undefined when it is valid. */
function problem(key: EventKey, payload: EventBase & Record<string, unknown>): string | undefined {
  const s = lookup(key);
  if (typeof payload.eventId !== 'string' || !UUID_PATTERN.test(payload.eventId)) {
    return `event_id ${JSON.stringify(payload.eventId)} is not a UUID`;
  }
  if (!(payload.occurredAt instanceof Date) || Number.isNaN(payload.occurredAt.getTime())) return 'occurred_at is missing';
  if (s.type !== undefined && payload.type !== s.type) {
    return `${s.message}.type is ${String(payload.type)}, but ${key} requires ${s.type}`;
  }
  for (const field of s.required) {
    const v = payload[field];
    if (v === undefined || v === null || v === '') return `${s.message}.${field} is missing`;
  }
  return undefined;
}

/**
 * Encodes a payload for its subject: `encodeEvent('ticket.created', evt, ns?)` →
 * `{ subject: 'notify.ticket.v1.created', data, msgID: evt.eventId }`.
 * @throws TypeError when the payload is invalid for the subject (event id not a UUID, no
 * occurred_at, wrong envelope type, missing snapshot) — a programming error, never sent.
 */
export function encodeEvent<K extends EventKey>(key: K, payload: EventPayload<K>, ns?: string): EncodedEvent {
  const [domain, name] = key.split('.') as [EventDomain, string];
  const subject = eventSubject(domain, name as EventName<typeof domain>, ns);
  const p = payload as unknown as EventBase & Record<string, unknown>;
  const bad = problem(key, p);
  if (bad !== undefined) throw new TypeError(`cannot encode ${key}: ${bad}`);
  return { subject, data: lookup(key).codec.encode(p).finish(), msgID: p.eventId };
}

/**
 * Decodes a message by its subject (production or namespaced) into a typed event.
 * @throws PoisonEventError (permanent) for an unknown subject, undecodable bytes or an
 * invalid payload (see `PoisonEventError`).
 */
export function decodeEvent(subject: string, data: Uint8Array): DecodedEvent {
  const parsed = parseEventSubject(subject);
  if (parsed === undefined) throw new PoisonEventError(subject, 'not a known Notify event subject');
  const s = lookup(parsed.key);
  let payload: EventBase & Record<string, unknown>;
  try {
    payload = s.codec.decode(data);
  } catch (err) {
    throw new PoisonEventError(subject, `bytes do not decode as ${s.message}: ${(err as Error).message}`, { cause: err });
  }
  const bad = problem(parsed.key, payload);
  if (bad !== undefined) throw new PoisonEventError(subject, bad);
  return {
    key: parsed.key,
    domain: parsed.domain,
    name: parsed.name,
    subject,
    ...(parsed.namespace === undefined ? {} : { namespace: parsed.namespace }),
    payload,
  } as unknown as DecodedEvent;
}

/**
 * Decodes and insists on one event key (a consumer filtered to one subject):
 * `decodeEventAs('customer.registered', evt.subject, evt.data)` → `customerv1.CustomerEvent`.
 * @throws PoisonEventError as `decodeEvent`, or when the subject is another event.
 */
export function decodeEventAs<K extends EventKey>(key: K, subject: string, data: Uint8Array): EventPayload<K> {
  const decoded = decodeEvent(subject, data);
  if (decoded.key !== key) throw new PoisonEventError(subject, `expected ${key}, got ${decoded.key}`);
  return decoded.payload as unknown as EventPayload<K>;
}

/** RFC 4122 namespace for `eventIdFrom` (a fixed random UUID, never change it). */
const NOTIFY_EVENT_ID_NAMESPACE = '6f1c2f0e-3b7a-4c55-9a0e-5d1f3a2b9c47';

/**
 * Deterministic event id (UUID v5 over the parts joined by `\u0000`), for events that must
 * be produced once per fact however often a job runs, e.g.
 * `eventIdFrom('sla_warning', ticketId, '60')`: a re-run publishes the same `Nats-Msg-Id`,
 * which the stream's duplicate window and the consumers' dedupe drop.
 */
export function eventIdFrom(...parts: string[]): string {
  const ns = Buffer.from(NOTIFY_EVENT_ID_NAMESPACE.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(parts.join('\u0000'), 'utf8').digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
