import { commonv1, ticketv1 } from '@notify/proto';
import type {
  Actor,
  OpenWork,
  ActorRole,
  Ticket,
  TicketAction,
  TicketEvent,
  TicketHistoryEntry,
  TicketPriority,
  TicketStats,
  TicketStatus,
  TicketType,
} from '../../domain';

/**
 * Domain ⇄ proto (`notify.ticket.v1`) mapping. Domain types never leave the service as
 * proto types and vice versa; enums map one to one (GANGGUAN = TICKET_TYPE_DISTURBANCE,
 * PSB = TICKET_TYPE_INSTALLATION).
 */

const TYPE_TO_PROTO: Record<TicketType, ticketv1.TicketType> = {
  GANGGUAN: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
  PSB: ticketv1.TicketType.TICKET_TYPE_INSTALLATION,
};
const STATUS_TO_PROTO: Record<TicketStatus, ticketv1.TicketStatus> = {
  OPEN: ticketv1.TicketStatus.TICKET_STATUS_OPEN,
  ASSIGNED: ticketv1.TicketStatus.TICKET_STATUS_ASSIGNED,
  IN_PROGRESS: ticketv1.TicketStatus.TICKET_STATUS_IN_PROGRESS,
  COMPLETED: ticketv1.TicketStatus.TICKET_STATUS_COMPLETED,
  CANCELLED: ticketv1.TicketStatus.TICKET_STATUS_CANCELLED,
};
const PRIORITY_TO_PROTO: Record<TicketPriority, commonv1.Priority> = {
  URGENT: commonv1.Priority.PRIORITY_URGENT,
  HIGH: commonv1.Priority.PRIORITY_HIGH,
  NORMAL: commonv1.Priority.PRIORITY_NORMAL,
  LOW: commonv1.Priority.PRIORITY_LOW,
};
const ACTION_TO_PROTO: Record<TicketAction, ticketv1.TicketEventType> = {
  created: ticketv1.TicketEventType.TICKET_EVENT_TYPE_CREATED,
  assigned: ticketv1.TicketEventType.TICKET_EVENT_TYPE_ASSIGNED,
  started: ticketv1.TicketEventType.TICKET_EVENT_TYPE_STARTED,
  completed: ticketv1.TicketEventType.TICKET_EVENT_TYPE_COMPLETED,
  cancelled: ticketv1.TicketEventType.TICKET_EVENT_TYPE_CANCELLED,
  escalated: ticketv1.TicketEventType.TICKET_EVENT_TYPE_ESCALATED,
};
const ROLE_TO_PROTO: Record<ActorRole, commonv1.Role> = {
  admin: commonv1.Role.ROLE_ADMIN,
  manager: commonv1.Role.ROLE_MANAGER,
  supervisor: commonv1.Role.ROLE_SUPERVISOR,
  noc: commonv1.Role.ROLE_NOC,
  customer_service: commonv1.Role.ROLE_CUSTOMER_SERVICE,
  technician: commonv1.Role.ROLE_TECHNICIAN,
  service: commonv1.Role.ROLE_SERVICE,
  system: commonv1.Role.ROLE_UNSPECIFIED,
};

function invert<K extends string, V extends number>(map: Record<K, V>): Map<V, K> {
  return new Map(Object.entries(map).map(([k, v]) => [v as V, k as K]));
}
const TYPE_FROM_PROTO = invert(TYPE_TO_PROTO);
const STATUS_FROM_PROTO = invert(STATUS_TO_PROTO);
const PRIORITY_FROM_PROTO = invert(PRIORITY_TO_PROTO);
const ACTION_FROM_PROTO = invert(ACTION_TO_PROTO);

export const ticketTypeToProto = (t: TicketType): ticketv1.TicketType => TYPE_TO_PROTO[t];
export const ticketStatusToProto = (s: TicketStatus): ticketv1.TicketStatus => STATUS_TO_PROTO[s];
export const ticketActionToProto = (a: TicketAction): ticketv1.TicketEventType => ACTION_TO_PROTO[a];
/** Proto type → domain; undefined for UNSPECIFIED / unknown values. */
export const ticketTypeFromProto = (t: ticketv1.TicketType): TicketType | undefined => TYPE_FROM_PROTO.get(t);
/** Proto status → domain; undefined for UNSPECIFIED / unknown values. */
export const ticketStatusFromProto = (s: ticketv1.TicketStatus): TicketStatus | undefined => STATUS_FROM_PROTO.get(s);
/** Proto priority → domain; undefined for UNSPECIFIED (the use case then defaults to NORMAL). */
export const priorityFromProto = (p: commonv1.Priority): TicketPriority | undefined => PRIORITY_FROM_PROTO.get(p);
/** Proto event type → domain action; undefined for UNSPECIFIED. */
export const ticketActionFromProto = (t: ticketv1.TicketEventType): TicketAction | undefined => ACTION_FROM_PROTO.get(t);

/** Domain actor → `notify.common.v1.Actor` (kind SYSTEM / SERVICE / STAFF from the role). */
export function actorToProto(actor: Actor): commonv1.Actor {
  const kind =
    actor.role === 'system'
      ? commonv1.ActorKind.ACTOR_KIND_SYSTEM
      : actor.role === 'service'
        ? commonv1.ActorKind.ACTOR_KIND_SERVICE
        : commonv1.ActorKind.ACTOR_KIND_STAFF;
  return { kind, id: actor.id, name: actor.name ?? '', role: ROLE_TO_PROTO[actor.role] ?? commonv1.Role.ROLE_UNSPECIFIED };
}

type TicketLike = Omit<Ticket, 'history'> & { readonly history?: readonly TicketHistoryEntry[] };

/** Longest title (proto Ticket.title: 1..200 characters). */
export const TITLE_MAX = 200;

/**
 * The proto title of a ticket: the title given at creation, exactly; for a ticket created without
 * one (or stored before titles were kept), the first line of its description, cut to
 * {@link TITLE_MAX} characters (proto Ticket.title documents the cut).
 */
export function titleOf(t: Pick<Ticket, 'title' | 'description'>): string {
  return t.title ?? (t.description.split(/\r?\n/)[0] ?? '').trim().slice(0, TITLE_MAX);
}

/**
 * Domain ticket (or snapshot) → `notify.ticket.v1.Ticket`. `title`: {@link titleOf};
 * `escalated_at` is the time of the last `escalated` history line when the history is at hand,
 * else unset.
 */
export function ticketToProto(t: TicketLike): ticketv1.Ticket {
  const escalated = t.history ? [...t.history].reverse().find((h) => h.action === 'escalated') : undefined;
  return {
    id: t.id,
    number: t.number,
    type: TYPE_TO_PROTO[t.type],
    status: STATUS_TO_PROTO[t.status],
    priority: PRIORITY_TO_PROTO[t.priority],
    customerId: t.customerId,
    technicianId: t.technicianId ?? '',
    title: titleOf(t),
    description: t.description,
    address: t.address,
    workZone: t.workZone,
    slaDueAt: t.slaDueAt,
    escalationLevel: t.escalationLevel,
    version: t.version,
    completionNotes: t.completionNotes ?? '',
    cancelReason: t.cancelReason ?? '',
    escalationReason: t.escalationReason ?? '',
    createdBy: actorToProto(t.createdBy),
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    assignedAt: t.assignedAt ?? undefined,
    startedAt: t.startedAt ?? undefined,
    completedAt: t.completedAt ?? undefined,
    cancelledAt: t.cancelledAt ?? undefined,
    escalatedAt: escalated?.at,
  };
}

/** The ticket's history lines → proto (`id` = `<ticketId>:<seq>`, `version` = seq: version after that line). */
export function historyToProto(t: Ticket): ticketv1.TicketHistoryEntry[] {
  return t.history.map((h, i) => ({
    id: `${t.id}:${i + 1}`,
    ticketId: t.id,
    type: ACTION_TO_PROTO[h.action],
    fromStatus: h.from ? STATUS_TO_PROTO[h.from] : ticketv1.TicketStatus.TICKET_STATUS_UNSPECIFIED,
    toStatus: STATUS_TO_PROTO[h.to],
    technicianId: '',
    escalationLevel: 0,
    note: h.note ?? '',
    actor: actorToProto(h.actor),
    version: i + 1,
    occurredAt: h.at,
  }));
}

/**
 * Domain lifecycle event → the `notify.ticket.v1.TicketEvent` payload (event id, time, type,
 * snapshot, previous status — UNSPECIFIED for `created`, actor, previous technician, previous
 * escalation level, reason = completion notes / cancel or escalation reason).
 */
export function ticketEventToProto(event: TicketEvent): ticketv1.TicketEvent {
  const level = event.ticket.escalationLevel;
  return {
    eventId: event.eventId,
    occurredAt: event.occurredAt,
    type: ACTION_TO_PROTO[event.kind],
    ticket: ticketToProto(event.ticket),
    previousStatus: event.previousStatus ? STATUS_TO_PROTO[event.previousStatus] : ticketv1.TicketStatus.TICKET_STATUS_UNSPECIFIED,
    actor: actorToProto(event.actor),
    previousTechnicianId: event.previousTechnicianId ?? '',
    previousEscalationLevel: event.kind === 'escalated' ? Math.max(0, level - 1) : level,
    reason: event.note ?? '',
  };
}

/**
 * Domain stats + open work → proto. Null means / percentages (nothing completed) become 0;
 * technicians = those with a completion in the window (most completed first) followed by
 * those with only open assignments (completed 0).
 */
export function ticketStatsToProto(s: TicketStats, openWork: OpenWork): ticketv1.TicketStats {
  const assigned = openWork.assignedByTechnician;
  const withCompletions = new Set(s.technicians.map((t) => t.technicianId));
  return {
    from: s.from,
    to: s.to,
    workZone: s.workZone ?? '',
    counts: s.byTypeAndStatus.map((c) => ({ type: TYPE_TO_PROTO[c.type], status: STATUS_TO_PROTO[c.status], count: c.count })),
    total: s.total,
    completed: s.completed,
    slaMet: s.slaMet,
    slaCompliancePercent: s.slaCompliancePct ?? 0,
    meanTimeToResolveHours: s.meanHoursToResolve ?? 0,
    open: openWork.open,
    overdue: openWork.overdue,
    technicians: [
      ...s.technicians.map((t) => ({
        technicianId: t.technicianId,
        completed: t.completed,
        meanTimeToResolveHours: t.meanHoursToResolve,
        slaMet: t.slaMet,
        slaCompliancePercent: t.slaCompliancePct,
        openAssigned: assigned[t.technicianId] ?? 0,
      })),
      ...Object.keys(assigned)
        .filter((id) => !withCompletions.has(id))
        .sort()
        .map((id) => ({ technicianId: id, completed: 0, meanTimeToResolveHours: 0, slaMet: 0, slaCompliancePercent: 0, openAssigned: assigned[id] ?? 0 })),
    ],
  };
}
