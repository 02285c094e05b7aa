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
    'date', 'total', 'completed', 'in_progress', 'assigned', 'open', 'cancelled', 'sla_compliance', 'avg_resolution_hours', 'overdue_tickets', 'overdue_more',
  ],
  'schedule.weekly_performance': ['technician_name', 'period', 'completed_tickets', 'avg_resolution_minutes', 'sla_compliance', 'rank', 'total_technicians'],
  'customer.registered': CUSTOMER_VARIABLES,
  'customer.activated': CUSTOMER_VARIABLES,
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
  'summary.daily': ['schedule.daily_summary'],
  'technician.weekly_performance': ['schedule.weekly_performance'],
  'customer.registration_confirmation': ['customer.registered'],
  'customer.new_registration': ['customer.registered'],
  'customer.welcome': ['customer.activated'],
} as Record<string, readonly EventKey[]>;

/**
 * The variables the events rendering `templateKey` carry (the union over its events), or
 * undefined for a template no event renders by default (API-sent, the reply flow's, a new key).
 */
export function eventTemplateVariables(templateKey: string): { events: readonly EventKey[]; variables: ReadonlySet<string> } | undefined {
  const events = TEMPLATE_KEY_EVENTS[templateKey];
  if (!events) return undefined;
  return { events, variables: new Set(events.flatMap((e) => EVENT_TEMPLATE_VARIABLES[e] ?? [])) };
}
