import { encodeEvent, type EncodedEvent } from '@notify/events';
import { commonv1, customerv1, schedulerv1, ticketv1 } from '@notify/proto';
import { campaignDueEventId, type ScheduleEvent, type Snapshot } from '../../application';
import type { Campaign, TechnicianPerformance } from '../../domain';

/** A proto message read from another service → the opaque snapshot the application carries. */
export const toSnapshot = <Tag extends string>(message: object): Snapshot<Tag> => message as unknown as Snapshot<Tag>;
/** The proto message inside a snapshot (made by {@link toSnapshot} in the gRPC adapters). */
const fromSnapshot = <T>(snapshot: Snapshot<string>): T => snapshot as unknown as T;

/** Domain Campaign → proto notify.scheduler.v1.Campaign. */
export function campaignToProto(c: Campaign): schedulerv1.Campaign {
  return {
    id: c.id,
    name: c.name,
    kind: schedulerv1.campaignKindFromJSON(`CAMPAIGN_KIND_${c.kind}`),
    notificationType: commonv1.notificationTypeFromJSON(c.notificationType),
    templateKey: c.templateKey,
    audience: c.audience.map((a) => ({
      kind: commonv1.audienceKindFromJSON(a.kind),
      workZone: a.workZone,
      groupId: a.groupId,
      roles: a.roles.map((r) => commonv1.roleFromJSON(r)),
      customerId: a.customerId,
      staffId: a.staffId,
    })),
    variables: { ...c.variables },
    sendAt: c.sendAt,
    priority: commonv1.priorityFromJSON(c.priority),
    channels: c.channels.map((ch) => commonv1.channelFromJSON(ch)),
    status: schedulerv1.campaignStatusFromJSON(`CAMPAIGN_STATUS_${c.status}`),
    createdBy: c.createdBy
      ? { kind: commonv1.actorKindFromJSON(c.createdBy.kind), id: c.createdBy.id, name: c.createdBy.name, role: commonv1.roleFromJSON(c.createdBy.role) }
      : undefined,
    createdAt: c.createdAt,
    sentAt: c.sentAt ?? undefined,
    cancelledAt: c.cancelledAt ?? undefined,
    cancelReason: c.cancelReason,
    failedAt: c.failedAt ?? undefined,
    failureReason: c.failureReason,
    dueEventId: c.status === 'SENT' ? campaignDueEventId(c.id) : '',
  };
}

/** Domain TechnicianPerformance → proto notify.ticket.v1.TechnicianStats. */
export const technicianStatsToProto = (p: TechnicianPerformance): ticketv1.TechnicianStats => ({
  technicianId: p.technicianId,
  completed: p.completed,
  meanTimeToResolveHours: p.meanTimeToResolveHours,
  slaMet: p.slaMet,
  slaCompliancePercent: p.slaCompliancePercent,
  openAssigned: p.openAssigned,
});

/**
 * A schedule event → subject `notify.schedule.v1.<kind>` (namespaced by `ns` in tests), its
 * proto payload as bytes, and msgID = event id (encodeEvent from @notify/events).
 */
export function encodeScheduleEvent(event: ScheduleEvent, ns?: string): EncodedEvent {
  switch (event.kind) {
    case 'sla_warning':
      return encodeEvent(
        'schedule.sla_warning',
        {
          eventId: event.eventId,
          occurredAt: event.occurredAt,
          ticket: fromSnapshot<ticketv1.Ticket>(event.ticket),
          thresholdMinutes: event.thresholdMinutes,
          remainingMinutes: event.remainingMinutes,
          jobRunId: event.jobRunId,
        },
        ns,
      );
    case 'payment_reminder': {
      const due = fromSnapshot<customerv1.InvoiceDue>(event.invoiceDue);
      return encodeEvent(
        'schedule.payment_reminder',
        { eventId: event.eventId, occurredAt: event.occurredAt, invoice: due.invoice, customer: due.customer, daysUntilDue: event.daysUntilDue, jobRunId: event.jobRunId },
        ns,
      );
    }
    case 'daily_summary':
      return encodeEvent(
        'schedule.daily_summary',
        {
          eventId: event.eventId, occurredAt: event.occurredAt, date: event.date, stats: fromSnapshot<ticketv1.TicketStats>(event.stats), jobRunId: event.jobRunId,
          overdue: event.overdue.map((t) => fromSnapshot<ticketv1.Ticket>(t)), overdueTotal: event.overdueTotal,
        },
        ns,
      );
    case 'weekly_performance':
      return encodeEvent(
        'schedule.weekly_performance',
        {
          eventId: event.eventId,
          occurredAt: event.occurredAt,
          technicianId: event.technicianId,
          weekStart: event.weekStart,
          weekEnd: event.weekEnd,
          stats: technicianStatsToProto(event.performance),
          rank: event.rank,
          rankedCount: event.rankedCount,
          jobRunId: event.jobRunId,
        },
        ns,
      );
    case 'campaign_due':
      return encodeEvent('schedule.campaign_due', { eventId: event.eventId, occurredAt: event.occurredAt, campaign: campaignToProto(event.campaign) }, ns);
  }
}
