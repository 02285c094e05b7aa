import type { EventKey } from './subjects';

/**
 * Which template variables the notifications of each event carry, and which events' notifications
 * render each event-driven template: the contract between the gateway, which fills the variables
 * (services/gateway/src/transport/messaging/event-notification.mapper.ts; its spec checks this
 * list against what it builds), the customer service's default routing (which template an event
 * renders; its spec checks every default rule against {@link TEMPLATE_KEY_EVENTS}) and the template
 * service, which refuses an edit of such a template that uses a variable none of its events carry
 * (QA: an edited `ticket.created.disturbance` with `{{ cs_phone }}` could never render, and every
 * customer was silently left out of "TIKET GANGGUAN DITERIMA").
 */

/** The variables of every ticket event (ticketVariables: the ticket, its customer and technician; times RFC 3339). */
export const TICKET_TEMPLATE_VARIABLES: readonly string[] = [
  'ticket_number', 'description', 'address', 'created_at', 'zone', 'location', 'priority', 'issue_type', 'status',
  'customer_name', 'customer_phone', 'ticket_url', 'sla_deadline', 'completion_notes', 'cancellation_reason', 'system_name',
  'case_code', 'org_unit', 'summary', 'detail_url', 'technician_name', 'technician_phone', 'started_at', 'completed_at',
  'cancelled_at', 'duration_minutes',
];

/** The variables of a customer's registration and activation. */
const CUSTOMER_VARIABLES: readonly string[] = [
  'customer_name', 'customer_id', 'customer_phone', 'wants_installation', 'zone', 'package_name', 'address', 'registered_at',
  'activated_at', 'support_phone',
];

/**
 * The variables of each event's notification, by event key. Events whose notifications carry
 * their caller's own variables (`schedule.campaign_due`) or none (`customer.preferences_updated`,
 * `customer.opted_out`, delivery events) are not listed.
 */
export const EVENT_TEMPLATE_VARIABLES: Readonly<Partial<Record<EventKey, readonly string[]>>> = {
  'ticket.created': TICKET_TEMPLATE_VARIABLES,
  'ticket.assigned': TICKET_TEMPLATE_VARIABLES,
  'ticket.started': TICKET_TEMPLATE_VARIABLES,
  'ticket.completed': TICKET_TEMPLATE_VARIABLES,
  'ticket.cancelled': TICKET_TEMPLATE_VARIABLES,
  'ticket.escalated': TICKET_TEMPLATE_VARIABLES,
  'schedule.sla_warning': [...TICKET_TEMPLATE_VARIABLES, 'remaining_minutes'],
  'schedule.payment_reminder': ['customer_name', 'days_until_due', 'invoice_number', 'package_name', 'amount', 'due_date'],
  'schedule.daily_summary': [
    'date', 'total', 'completed', 'in_progress', 'assigned', 'open', 'cancelled', 'resolved', 'sla_compliance', 'avg_resolution_hours', 'overdue_tickets', 'overdue_more',
  ],
  'schedule.weekly_performance': ['technician_name', 'period', 'completed_tickets', 'avg_resolution_minutes', 'sla_compliance', 'rank', 'total_technicians'],
  'customer.registered': CUSTOMER_VARIABLES,
  'customer.activated': CUSTOMER_VARIABLES,
  'customer.invoice_status_changed': ['customer_name', 'invoice_number', 'package_name', 'amount', 'invoice_description', 'paid_at', 'due_date'],
};

const lifecycle = (event: 'created' | 'assigned' | 'started' | 'completed' | 'cancelled') => ({
  [`ticket.${event}.disturbance`]: [`ticket.${event}`],
  [`ticket.${event}.installation`]: [`ticket.${event}`],
});

/**
 * The events whose notifications render each event-driven template by default (the customer
 * service's default routing rules, and the keys the gateway names itself: the weekly
 * performance). Templates sent only through the API (Notify, Broadcast, campaigns: the caller
 * gives the variables) are not listed, nor the reply flow's answers.
 */
export const TEMPLATE_KEY_EVENTS: Readonly<Record<string, readonly EventKey[]>> = {
  ...lifecycle('created'),
  ...lifecycle('assigned'),
  ...lifecycle('started'),
  ...lifecycle('completed'),
  ...lifecycle('cancelled'),
  'technician.job_offer': ['ticket.created'],
  'technician.ticket_assigned': ['ticket.assigned'],
  'technician.ticket_reassigned': ['ticket.assigned'],
  'technician.job_started': ['ticket.started'],
  'technician.ticket_cancelled': ['ticket.cancelled'],
  'technician.offer_cancelled': ['ticket.cancelled'],
  'case.escalation.lead': ['ticket.escalated'],
  'case.escalation.head': ['ticket.escalated'],
  'sla.warning': ['schedule.sla_warning'],
  'payment.reminder': ['schedule.payment_reminder'],
  'payment.received': ['customer.invoice_status_changed'],
  'summary.daily': ['schedule.daily_summary'],
  'technician.weekly_performance': ['schedule.weekly_performance'],
  'customer.registration_confirmation': ['customer.registered'],
  'customer.new_registration': ['customer.registered'],
  'customer.welcome': ['customer.activated'],
} as Record<string, readonly EventKey[]>;

/**
 * The variables the gateway's technician reply flow gives the templates it renders for its
 * answers about a ticket (services/gateway/src/application/replies/reply-templates.ts
 * replyTemplateVariables; its spec checks this list): `technician.job_taken`, `job_started`,
 * `job_completed`, `job_unavailable`.
 */
export const REPLY_FLOW_TEMPLATE_VARIABLES: readonly string[] = [
  'ticket_number', 'status', 'technician_name', 'customer_name', 'customer_phone', 'address', 'description', 'zone', 'priority',
  'created_at', 'sla_deadline', 'started_at', 'completed_at', 'duration_minutes', 'taken_by_other', 'changed_meanwhile',
];

/** The templates the reply flow renders (REPLY_FLOW_TEMPLATE_VARIABLES). */
export const REPLY_FLOW_TEMPLATE_KEYS: readonly string[] = ['technician.job_taken', 'technician.job_started', 'technician.job_completed', 'technician.job_unavailable'];

/** What renders a template: an event (its key) or the reply flow. */
export type TemplateSource = EventKey | 'the reply flow';

/**
 * The variables every source rendering `templateKey` carries — the intersection over its sources
 * (`technician.job_started` is rendered by `ticket.started` and by the reply flow: a text must
 * render from both) — with the sources; undefined for a template nothing renders by default
 * (API-sent: the caller gives the variables; a new key).
 */
export function eventTemplateVariables(templateKey: string): { events: readonly TemplateSource[]; variables: ReadonlySet<string> } | undefined {
  const sets: Array<{ source: TemplateSource; variables: ReadonlySet<string> }> = (TEMPLATE_KEY_EVENTS[templateKey] ?? []).map((e) => ({
    source: e, variables: new Set(EVENT_TEMPLATE_VARIABLES[e] ?? []),
  }));
  if (REPLY_FLOW_TEMPLATE_KEYS.includes(templateKey)) sets.push({ source: 'the reply flow', variables: new Set(REPLY_FLOW_TEMPLATE_VARIABLES) });
  if (sets.length === 0) return undefined;
  const [first, ...rest] = sets;
  const variables = new Set([...first!.variables].filter((v) => rest.every((s) => s.variables.has(v))));
  return { events: sets.map((s) => s.source), variables };
}
