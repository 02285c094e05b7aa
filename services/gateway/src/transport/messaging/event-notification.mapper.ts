import { joinLines } from '@notify/provider-contracts';
import type { DecodedEvent } from '@notify/events';
import { commonv1, customerv1, ticketv1 } from '@notify/proto';
import { OFFERED_AUDIENCES, type IngestRequest, type JobOfferLog, type RecipientDirectory, type ResolvedRecipient } from '../../application';
import { audienceQueries, recipientQuery } from '../../infrastructure/clients/grpc-recipient.directory';
import { titleCase } from '../../domain';
import { priorityFromProto, typeFromProto } from '../proto/delivery.proto-mapper';

/** Facts the events do not carry (config). */
export interface TemplateFacts {
  /** Ticket links: `<ticketPortalUrl>/<ticket number>`; undefined or empty = no links (the texts leave their link line out). */
  ticketPortalUrl?: string | undefined;
  supportPhone: string;
  systemName: string;
}

const NT = commonv1.NotificationType;
const iso = (d: Date | undefined): string => (d ? d.toISOString() : '');
const STATUS = (s: ticketv1.TicketStatus): string => (ticketv1.TicketStatus[s] ?? '').replace('TICKET_STATUS_', '');

/**
 * Template variables of a ticket (names from services/template/TEMPLATES.md: ticket.*,
 * technician.*, sla.warning, case.escalation.*): the ticket's own fields, the customer's name,
 * phone and address and the technician's name and phone (GetCustomer / GetStaff), times as
 * RFC 3339 strings, priority lower-case (templates capitalize), zone title-cased.
 */
export async function ticketVariables(
  t: ticketv1.Ticket,
  directory: RecipientDirectory,
  facts: TemplateFacts,
  extra: { reason?: string } = {},
): Promise<Record<string, unknown>> {
  const [customer, technician] = await Promise.all([
    t.customerId ? directory.customer(t.customerId) : Promise.resolve(null),
    t.technicianId ? directory.staff(t.technicianId) : Promise.resolve(null),
  ]);
  const url = facts.ticketPortalUrl ? `${facts.ticketPortalUrl.replace(/\/+$/, '')}/${t.number}` : '';
  const zone = titleCase(t.workZone);
  const vars: Record<string, unknown> = {
    ticket_number: t.number,
    description: joinLines(t.description),
    address: t.address || customer?.address || '',
    created_at: iso(t.createdAt),
    zone,
    location: zone,
    priority: (commonv1.Priority[t.priority] ?? 'PRIORITY_NORMAL').replace('PRIORITY_', '').toLowerCase(),
    issue_type: t.title || joinLines(t.description),
    status: STATUS(t.status),
    customer_name: customer?.name ?? '',
    customer_phone: customer?.phone ?? '',
    ticket_url: url,
    sla_deadline: iso(t.slaDueAt),
    completion_notes: t.completionNotes,
    cancellation_reason: t.cancelReason || extra.reason || '',
    system_name: facts.systemName,
    case_code: t.number,
    org_unit: zone,
    summary: t.escalationReason || extra.reason || joinLines(t.description),
    detail_url: url,
  };
  if (technician) {
    vars['technician_name'] = technician.name;
    vars['technician_phone'] = technician.phone;
  }
  if (t.startedAt) vars['started_at'] = iso(t.startedAt);
  if (t.completedAt) vars['completed_at'] = iso(t.completedAt);
  if (t.cancelledAt) vars['cancelled_at'] = iso(t.cancelledAt);
  if (t.startedAt && t.completedAt) vars['duration_minutes'] = Math.round((t.completedAt.getTime() - t.startedAt.getTime()) / 60_000);
  return vars;
}

/** The customer in the recipient's name when the recipient is that customer. */
const customerNameFromRecipient = (r: ResolvedRecipient): Record<string, unknown> => (r.kind === 'CUSTOMER' ? { customer_name: r.name } : {});

/**
 * The recipient context of a ticket (its id, customer, assigned technician, zone, priority and
 * type; `actorId` left out of its own notification): its lifecycle messages' and a Notify's with its ticket_id.
 */
export function ticketContext(t: ticketv1.Ticket, actorId: string, escalationLevel = 0, previousTechnicianId = ''): customerv1.RecipientContext {
  return customerv1.RecipientContext.fromPartial({
    ticketId: t.id,
    customerId: t.customerId,
    technicianId: t.technicianId,
    workZone: t.workZone,
    priority: t.priority,
    ticketType: t.type,
    escalationLevel,
    actorId,
    previousTechnicianId,
  });
}

const TICKET_TYPES: Record<string, commonv1.NotificationType> = {
  'ticket.created': NT.NOTIFICATION_TYPE_TICKET_CREATED,
  'ticket.assigned': NT.NOTIFICATION_TYPE_TICKET_ASSIGNED,
  'ticket.started': NT.NOTIFICATION_TYPE_TICKET_STARTED,
  'ticket.completed': NT.NOTIFICATION_TYPE_TICKET_COMPLETED,
  'ticket.cancelled': NT.NOTIFICATION_TYPE_TICKET_CANCELLED,
  'ticket.escalated': NT.NOTIFICATION_TYPE_TICKET_ESCALATED,
};

function actorJson(a: commonv1.Actor | undefined): Record<string, unknown> | null {
  return a ? (commonv1.Actor.toJSON(a) as Record<string, unknown>) : null;
}

/**
 * Which recipients of a `ticket.cancelled` notification are told: everyone the routing rules
 * named, except that the OFFERED_TECHNICIANS (and OFFERED_TECHNICIAN_GROUP) of a ticket cancelled unassigned are narrowed to
 * those its job offer reached (`offers`; none without it, and none when the ticket has a
 * technician: its offers were answered).
 */
async function cancelledTicketRecipients(t: ticketv1.Ticket, offers: JobOfferLog | undefined): Promise<(r: ResolvedRecipient) => boolean> {
  const reached: ReadonlySet<string> = !t.technicianId && offers ? await offers.offeredTo(t.id) : new Set();
  return (r) => !OFFERED_AUDIENCES.has(r.audience) || reached.has(r.id);
}

/**
 * The notification an event asks for (issue 5 "The pipeline"): type, priority, the
 * RecipientContext for ResolveRecipients (routing rules pick audiences and template keys) and
 * the template variables. Idempotency key = the event id. Returns null for events that notify
 * nobody. `offers` narrows a cancelled unassigned ticket's OFFERED_TECHNICIANS to those its
 * offer reached (absent: none of them is told). GetCustomer / GetStaff failures propagate
 * (UNAVAILABLE → the consumer retries), as do the JobOfferLog's database errors.
 */
export async function notificationForEvent(
  evt: DecodedEvent,
  directory: RecipientDirectory,
  facts: TemplateFacts,
  offers?: JobOfferLog,
): Promise<IngestRequest | null> {
  const base = { source: 'EVENT' as const, templateKey: '' };
  switch (evt.domain) {
    case 'ticket': {
      const p = evt.payload as ticketv1.TicketEvent;
      const t = p.ticket!;
      const type = TICKET_TYPES[evt.key]!;
      const actorId = p.actor?.kind === commonv1.ActorKind.ACTOR_KIND_STAFF ? p.actor.id : '';
      return {
        ...base,
        idempotencyKey: p.eventId,
        sourceEventId: p.eventId,
        notificationType: typeFromProto(type),
        priority: priorityFromProto(t.priority),
        ticketId: t.id,
        actor: actorJson(p.actor),
        variables: await ticketVariables(t, directory, facts, { reason: p.reason }),
        recipientVariables: customerNameFromRecipient,
        ...(evt.key === 'ticket.cancelled' ? { keep: await cancelledTicketRecipients(t, offers) } : {}),
        // A reassignment names the technician it was taken from (routing: PREVIOUS_TECHNICIAN is told).
        queries: [recipientQuery({
          notificationType: type,
          context: ticketContext(t, actorId, evt.key === 'ticket.escalated' ? t.escalationLevel : 0, evt.key === 'ticket.assigned' ? p.previousTechnicianId : ''),
          audiences: [], channels: [],
        })],
      };
    }
    case 'customer': {
      // A change of preferences or an opt-out notifies nobody (the event handler applies them).
      if (evt.key === 'customer.preferences_updated' || evt.key === 'customer.opted_out') return null;
      if (evt.key === 'customer.invoice_status_changed') return paymentReceived(evt.payload as customerv1.InvoiceStatusEvent, directory);
      const p = evt.payload as customerv1.CustomerEvent;
      const c = p.customer!;
      // A reactivation (SUSPENDED → ACTIVE) is not a new subscription: no welcome. The seeds have
      // no text for it (customer-notification-system.md: the welcome follows the approval of a
      // registration), so nothing is sent.
      if (evt.key === 'customer.activated' && p.previousStatus === customerv1.CustomerStatus.CUSTOMER_STATUS_SUSPENDED) return null;
      const type = evt.key === 'customer.registered' ? NT.NOTIFICATION_TYPE_REGISTRATION_CONFIRMATION : NT.NOTIFICATION_TYPE_CUSTOMER_ACTIVATED;
      return {
        ...base,
        idempotencyKey: p.eventId,
        sourceEventId: p.eventId,
        notificationType: typeFromProto(type),
        priority: 'NORMAL',
        ticketId: null,
        actor: null,
        variables: {
          customer_name: c.name,
          customer_id: c.id,
          customer_phone: c.phone,
          wants_installation: c.wantsInstallation,
          zone: titleCase(c.workZone),
          package_name: c.packageName,
          address: c.address,
          registered_at: iso(c.createdAt),
          activated_at: iso(c.updatedAt ?? p.occurredAt),
          support_phone: facts.supportPhone,
        },
        queries: [recipientQuery({ notificationType: type, context: customerv1.RecipientContext.fromPartial({ customerId: c.id, workZone: c.workZone }), audiences: [], channels: [] })],
      };
    }
    case 'schedule':
      return scheduleNotification(evt, directory, facts);
    default:
      return null;
  }
}

/**
 * An invoice marked PAID → PAYMENT_RECEIVED to its customer (template `payment.received`,
 * whatsapp-notification-recommendation.md Priority 1 item 5 "Payment received confirmation"):
 * the invoice's number, description, amount (rupiah), due date and when it was marked paid
 * (RFC 3339), the customer's name and package from the directory. A VOID invoice, or one whose
 * customer the directory no longer knows, tells nobody (null). The event's handler withdraws the
 * invoice's waiting reminders first (WithdrawPaidRemindersUseCase).
 */
async function paymentReceived(p: customerv1.InvoiceStatusEvent, directory: RecipientDirectory): Promise<IngestRequest | null> {
  const inv = p.invoice;
  if (!inv || inv.status !== customerv1.InvoiceStatus.INVOICE_STATUS_PAID || !inv.customerId) return null;
  const c = await directory.customer(inv.customerId);
  if (!c) return null;
  const type = NT.NOTIFICATION_TYPE_PAYMENT_RECEIVED;
  return {
    source: 'EVENT', templateKey: '', actor: actorJson(p.actor), recipientVariables: customerNameFromRecipient,
    idempotencyKey: p.eventId, sourceEventId: p.eventId, notificationType: typeFromProto(type), priority: 'NORMAL', ticketId: null,
    variables: {
      customer_name: c.name, invoice_number: inv.number, package_name: c.packageName, amount: Number(inv.amountRupiah),
      invoice_description: inv.description, paid_at: iso(inv.statusChangedAt ?? p.occurredAt), due_date: inv.dueDate,
    },
    queries: [recipientQuery({
      notificationType: type, context: customerv1.RecipientContext.fromPartial({ customerId: c.id, invoiceId: inv.id, workZone: c.workZone }), audiences: [], channels: [],
    })],
  };
}

const MONTHS_ID = ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'];

/**
 * A date range of two calendar dates (`YYYY-MM-DD`, as the scheduler's events carry them) the way
 * the messages write dates (id): `16-22 November 2026`, `30 November - 6 Desember 2026`,
 * `29 Desember 2025 - 4 Januari 2026`. Anything else is returned as `start - end`.
 */
export function dateRangeId(start: string, end: string): string {
  const parse = (d: string) => /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
  const a = parse(start);
  const b = parse(end);
  if (!a || !b) return `${start} - ${end}`;
  const [ay, am, ad] = [a[1]!, MONTHS_ID[Number(a[2]) - 1], Number(a[3])];
  const [by, bm, bd] = [b[1]!, MONTHS_ID[Number(b[2]) - 1], Number(b[3])];
  if (!am || !bm) return `${start} - ${end}`;
  if (ay === by && am === bm) return `${ad}-${bd} ${bm} ${by}`;
  if (ay === by) return `${ad} ${am} - ${bd} ${bm} ${by}`;
  return `${ad} ${am} ${ay} - ${bd} ${bm} ${by}`;
}

/** A ticket's technician the directory does not know (any more), in the daily summary's overdue list. */
export const UNKNOWN_TECHNICIAN = 'teknisi tidak dikenal';

async function scheduleNotification(evt: DecodedEvent, directory: RecipientDirectory, facts: TemplateFacts): Promise<IngestRequest | null> {
  const base = { source: 'EVENT' as const, templateKey: '', actor: null, recipientVariables: customerNameFromRecipient };
  switch (evt.key) {
    case 'schedule.sla_warning': {
      const p = evt.payload;
      const t = p.ticket!;
      const vars = await ticketVariables(t, directory, facts);
      return {
        ...base, idempotencyKey: p.eventId, sourceEventId: p.eventId, notificationType: 'SLA_WARNING',
        priority: t.priority === commonv1.Priority.PRIORITY_URGENT ? 'URGENT' : 'HIGH', ticketId: t.id,
        variables: { ...vars, remaining_minutes: p.remainingMinutes },
        queries: [recipientQuery({ notificationType: NT.NOTIFICATION_TYPE_SLA_WARNING, context: ticketContext(t, ''), audiences: [], channels: [] })],
      };
    }
    case 'schedule.payment_reminder': {
      const p = evt.payload;
      const c = p.customer!;
      const inv = p.invoice!;
      return {
        ...base, idempotencyKey: p.eventId, sourceEventId: p.eventId, notificationType: 'PAYMENT_REMINDER', priority: 'NORMAL', ticketId: null, invoiceId: inv.id || null,
        variables: {
          customer_name: c.name, days_until_due: p.daysUntilDue, invoice_number: inv.number, package_name: c.packageName,
          amount: Number(inv.amountRupiah), due_date: inv.dueDate,
        },
        queries: [recipientQuery({
          notificationType: NT.NOTIFICATION_TYPE_PAYMENT_REMINDER,
          context: customerv1.RecipientContext.fromPartial({ customerId: c.id, invoiceId: inv.id, workZone: c.workZone }), audiences: [], channels: [],
        })],
      };
    }
    case 'schedule.daily_summary': {
      const p = evt.payload;
      const s = p.stats!;
      const count = (st: ticketv1.TicketStatus) => s.counts.filter((c) => c.status === st).reduce((a, c) => a + c.count, 0);
      // The seed's Template 3 lists "Total Tickets" then Completed / In Progress / Assigned / Open
      // under it: the day's tickets by their status now; the cancelled ones get a line of their
      // own when there are any, so the lines add up to the total. SLA compliance and the mean resolution time are over
      // the tickets completed that day, whenever created (TicketStats.completed).
      const T = ticketv1.TicketStatus;
      // The "issues": open tickets past their deadline, each with its technician's name ('' for
      // one nobody took: the template says "Belum assigned"; a staff id the directory does not
      // know any more is said so, not taken for unassigned), and how many more there are.
      const overdue = await Promise.all(
        p.overdue.map(async (t) => ({
          number: t.number,
          technician: t.technicianId ? ((await directory.staff(t.technicianId))?.name ?? UNKNOWN_TECHNICIAN) : '',
        })),
      );
      return {
        ...base, idempotencyKey: p.eventId, sourceEventId: p.eventId, notificationType: 'DAILY_SUMMARY', priority: 'NORMAL', ticketId: null,
        variables: {
          date: p.date, total: s.total, completed: count(T.TICKET_STATUS_COMPLETED), in_progress: count(T.TICKET_STATUS_IN_PROGRESS),
          assigned: count(T.TICKET_STATUS_ASSIGNED), open: count(T.TICKET_STATUS_OPEN), cancelled: count(T.TICKET_STATUS_CANCELLED),
          // The tickets completed that day: none, and the template says `-` for SLA and resolution time (not 0%).
          resolved: s.completed,
          sla_compliance: Math.round(s.slaCompliancePercent),
          avg_resolution_hours: Math.round(s.meanTimeToResolveHours * 10) / 10,
          overdue_tickets: overdue, overdue_more: Math.max(0, p.overdueTotal - overdue.length),
        },
        queries: [recipientQuery({ notificationType: NT.NOTIFICATION_TYPE_DAILY_SUMMARY, context: customerv1.RecipientContext.fromPartial({}), audiences: [], channels: [] })],
      };
    }
    case 'schedule.weekly_performance': {
      const p = evt.payload;
      const s = p.stats!;
      const tech = await directory.staff(p.technicianId);
      if (!tech) return null;
      // Sent to the technician it is about only (the routing rule's ALL_TECHNICIANS audience would
      // send everyone's figures to everyone), resolved by the customer service like any staff
      // addressee, so their preferences apply: an opt-out of WEEKLY_PERFORMANCE ("☐ Weekly
      // Reports", seeds' User Preferences) leaves them out, their quiet hours defer it. No rating:
      // Notify keeps no customer ratings (the template leaves the line out).
      return {
        ...base, idempotencyKey: p.eventId, sourceEventId: p.eventId, notificationType: 'WEEKLY_PERFORMANCE', priority: 'LOW', ticketId: null,
        templateKey: 'technician.weekly_performance',
        variables: {
          technician_name: tech.name, period: dateRangeId(p.weekStart, p.weekEnd), completed_tickets: s.completed,
          avg_resolution_minutes: Math.round(s.meanTimeToResolveHours * 60), sla_compliance: Math.round(s.slaCompliancePercent),
          rank: p.rank, total_technicians: p.rankedCount,
        },
        queries: audienceQueries(
          NT.NOTIFICATION_TYPE_WEEKLY_PERFORMANCE,
          [commonv1.Audience.fromPartial({ kind: commonv1.AudienceKind.AUDIENCE_KIND_ASSIGNED_TECHNICIAN, staffId: tech.id })],
          [],
          commonv1.Priority.PRIORITY_LOW,
        ),
      };
    }
    case 'schedule.campaign_due': {
      const p = evt.payload;
      const c = p.campaign!;
      return {
        ...base, idempotencyKey: p.eventId, sourceEventId: p.eventId, notificationType: typeFromProto(c.notificationType),
        priority: priorityFromProto(c.priority), ticketId: null, templateKey: c.templateKey, actor: actorJson(c.createdBy),
        variables: (c.variables ?? {}) as Record<string, unknown>,
        queries: audienceQueries(c.notificationType, c.audience, c.channels, c.priority),
      };
    }
    default:
      return null;
  }
}
