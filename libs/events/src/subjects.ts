import { checkNamespace } from './namespace';

/**
 * Event subjects `notify.<domain>.v1.<event>` (ARCHITECTURE.md "Events"), one stream per
 * domain. The domain is the subject's, not always the proto package's: schedule events
 * are `notify.scheduler.v1` messages, delivery events `notify.gateway.v1` messages.
 */
export const EVENT_NAMES = {
  ticket: ['created', 'assigned', 'started', 'completed', 'cancelled', 'escalated'],
  customer: ['registered', 'activated', 'preferences_updated', 'opted_out', 'invoice_status_changed'],
  schedule: ['sla_warning', 'payment_reminder', 'daily_summary', 'weekly_performance', 'campaign_due'],
  delivery: ['queued', 'sent', 'delivered', 'read', 'failed'],
} as const;

/** `ticket` | `customer` | `schedule` | `delivery`. */
export type EventDomain = keyof typeof EVENT_NAMES;
/** Event names of one domain, e.g. `EventName<'ticket'>` = `created` | … | `escalated`. */
export type EventName<D extends EventDomain> = (typeof EVENT_NAMES)[D][number];
/** Every event as `<domain>.<name>`, e.g. `ticket.created`, `schedule.sla_warning`. */
export type EventKey = { [D in EventDomain]: `${D}.${EventName<D>}` }[EventDomain];

/** The four domains, in a stable order. */
export const EVENT_DOMAINS: readonly EventDomain[] = Object.keys(EVENT_NAMES) as EventDomain[];

/** Subject version token; bump with a new proto package version. */
const VERSION = 'v1';

function prefix(ns: string | undefined): string {
  const checked = checkNamespace(ns);
  return checked === undefined ? '' : `${checked}.`;
}

/**
 * Subject of one event, e.g. `eventSubject('ticket', 'created')` = `notify.ticket.v1.created`;
 * with ns `t123`: `t123.notify.ticket.v1.created`.
 * @throws TypeError for an unknown domain / event name or a bad namespace.
 */
export function eventSubject<D extends EventDomain>(domain: D, name: EventName<D>, ns?: string): string {
  const names = EVENT_NAMES[domain] as readonly string[] | undefined;
  if (names === undefined || !names.includes(name)) {
    throw new TypeError(`unknown event ${String(domain)}.${String(name)}`);
  }
  return `${prefix(ns)}notify.${domain}.${VERSION}.${name}`;
}

/** Wildcard subject of a whole domain: `notify.ticket.v1.>` (with ns: `t123.notify.ticket.v1.>`). */
export function domainSubjects(domain: EventDomain, ns?: string): string {
  if (!(domain in EVENT_NAMES)) throw new TypeError(`unknown event domain ${String(domain)}`);
  return `${prefix(ns)}notify.${domain}.${VERSION}.>`;
}

/** All subjects by domain and event name: `eventSubjects('t1').ticket.created` = `t1.notify.ticket.v1.created`. */
export function eventSubjects(ns?: string): { readonly [D in EventDomain]: Readonly<Record<EventName<D>, string>> } {
  const out = {} as Record<string, Record<string, string>>;
  for (const domain of EVENT_DOMAINS) {
    out[domain] = Object.fromEntries(
      (EVENT_NAMES[domain] as readonly string[]).map((name) => [name, eventSubject(domain, name as never, ns)]),
    );
  }
  return out as unknown as { readonly [D in EventDomain]: Readonly<Record<EventName<D>, string>> };
}

/** A subject taken apart by `parseEventSubject`. */
export interface ParsedSubject {
  /** Namespace prefix, `undefined` for production subjects. */
  namespace?: string;
  domain: EventDomain;
  name: string;
  /** `<domain>.<name>`. */
  key: EventKey;
}

const SUBJECT_PATTERN = /^(?:([A-Za-z0-9_-]{1,32})\.)?notify\.([a-z]+)\.v1\.([a-z_]+)$/;

/**
 * Splits `[<ns>.]notify.<domain>.v1.<event>`; `undefined` when the subject is not one of
 * the known events.
 */
export function parseEventSubject(subject: string): ParsedSubject | undefined {
  const m = SUBJECT_PATTERN.exec(subject);
  if (m === null) return undefined;
  const [, namespace, domain, name] = m as unknown as [string, string | undefined, string, string];
  const names = (EVENT_NAMES as Record<string, readonly string[] | undefined>)[domain];
  if (names === undefined || !names.includes(name)) return undefined;
  return {
    ...(namespace === undefined ? {} : { namespace }),
    domain: domain as EventDomain,
    name,
    key: `${domain}.${name}` as EventKey,
  };
}
