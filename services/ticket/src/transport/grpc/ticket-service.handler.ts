import { ValidationError } from '@notify/errors';
import { requireTimestamp, serverStream, timeRangeFromProto, unary, type CallContext } from '@notify/grpc-kit';
import { commonv1, ticketv1 } from '@notify/proto';
import type { TicketEvent, TicketStatus } from '../../domain';
import {
  AssignTicketUseCase,
  CancelTicketUseCase,
  CompleteTicketUseCase,
  CreateTicketUseCase,
  EscalateTicketUseCase,
  GetTicketStatsUseCase,
  GetTicketUseCase,
  ListTicketsUseCase,
  StartTicketUseCase,
  type Principal,
  type PrincipalRole,
} from '../../application';
import {
  historyToProto,
  priorityFromProto,
  ticketActionFromProto,
  ticketEventToProto,
  ticketStatsToProto,
  ticketStatusFromProto,
  ticketToProto,
  ticketTypeFromProto,
} from '../proto/ticket.proto-mapper';
import { checkActor, knownEnum, optionalTicketRef, optionalUuid, requireTicketRef, requireUuid } from './request-fields';

/** The use cases the gRPC handler drives. */
export interface TicketUseCases {
  readonly create: CreateTicketUseCase;
  readonly get: GetTicketUseCase;
  readonly list: ListTicketsUseCase;
  readonly assign: AssignTicketUseCase;
  readonly start: StartTicketUseCase;
  readonly complete: CompleteTicketUseCase;
  readonly cancel: CancelTicketUseCase;
  readonly escalate: EscalateTicketUseCase;
  readonly stats: GetTicketStatsUseCase;
}

/** A source of committed lifecycle events for WatchTickets; returns an unsubscribe function. */
export type TicketEventFeed = (listener: (event: TicketEvent) => void) => () => void;

/**
 * The principal a use case sees. From the API key (role, staff id). A `service` caller (the
 * gateway's inbound "press 1" flow) may act for a staff member by sending `actor` with kind
 * STAFF, an id and a role: the use case then applies that staff member's rules (a technician
 * may only take / start / complete their own jobs).
 */
export function principalFor(ctx: CallContext, actor?: commonv1.Actor): Principal {
  const base: Principal = { role: ctx.principal.role as PrincipalRole, ...(ctx.principal.staffId ? { staffId: ctx.principal.staffId } : {}) };
  if (ctx.principal.role !== 'service' || !actor || actor.kind !== commonv1.ActorKind.ACTOR_KIND_STAFF || !actor.id) return base;
  const role = ROLE_BY_PROTO[actor.role];
  if (!role) return base;
  return { role, staffId: actor.id, ...(actor.name ? { name: actor.name } : {}) };
}

const ROLE_BY_PROTO: Partial<Record<commonv1.Role, PrincipalRole>> = {
  [commonv1.Role.ROLE_ADMIN]: 'admin',
  [commonv1.Role.ROLE_MANAGER]: 'manager',
  [commonv1.Role.ROLE_SUPERVISOR]: 'supervisor',
  [commonv1.Role.ROLE_NOC]: 'noc',
  [commonv1.Role.ROLE_CUSTOMER_SERVICE]: 'customer_service',
  [commonv1.Role.ROLE_TECHNICIAN]: 'technician',
};

/** A request's list of enum values → domain values; ValidationError(field) for UNSPECIFIED and values outside the enum. */
function enumList<P extends number, D>(values: readonly P[], map: (v: P) => D | undefined, field: string): D[] {
  return values.map((v) => {
    const d = map(v);
    if (d === undefined) throw new ValidationError(field, `unknown or UNSPECIFIED value ${v}`);
    return d;
  });
}

/**
 * `notify.ticket.v1.TicketService` over the ticket use cases (roles per RPC are enforced by
 * grpc-kit from RPC_ROLES before the handler runs, and again by the use cases). Domain
 * errors map to gRPC statuses in grpc-kit: NotFound → NOT_FOUND, FailedPrecondition →
 * FAILED_PRECONDITION (message names the current state / who has the ticket), Validation →
 * INVALID_ARGUMENT naming the field, Conflict → ABORTED, PermissionDenied → PERMISSION_DENIED.
 * `expected_version` > 0 must match the ticket's version (else ABORTED, or FAILED_PRECONDITION
 * when the change no longer applies to the current state, e.g. taken by someone else); AssignTicket with
 * `reassign` false refuses an ASSIGNED ticket (FAILED_PRECONDITION naming who has it).
 * CreateTicket `request_id` is an idempotency key (same fields → the first ticket, other
 * fields → ALREADY_EXISTS). ListTickets `order_by`: CREATED_AT_DESC (default) or
 * SLA_DUE_AT_ASC. EscalateTicket `level` > 0 must be above the current level (FAILED_PRECONDITION otherwise; 0 → 2 is allowed).
 */
export function createTicketServiceHandler(uc: TicketUseCases, feed?: TicketEventFeed): ticketv1.TicketServiceServer {
  return {
    createTicket: unary(async (req: ticketv1.CreateTicketRequest, ctx) => {
      const type = ticketTypeFromProto(req.type);
      if (!type) throw new ValidationError('type', `must be TICKET_TYPE_DISTURBANCE or TICKET_TYPE_INSTALLATION, got ${req.type}`);
      // UNSPECIFIED = NORMAL (the use case's default); a value outside the enum is refused.
      const priority = priorityFromProto(knownEnum(req.priority, commonv1.Priority, 'priority'));
      checkActor(req.actor);
      // Title and description are validated (and joined into the problem text) by the domain.
      const { ticket, replayed } = await uc.create.create(principalFor(ctx, req.actor), {
        type,
        ...(priority ? { priority } : {}),
        customerId: requireUuid(req.customerId, 'customer_id'),
        workZone: req.workZone,
        address: req.address,
        title: req.title ?? '',
        description: req.description ?? '',
        ...(req.requestId ? { requestId: req.requestId } : {}),
      });
      return { ticket: ticketToProto(ticket), replayed };
    }),

    getTicket: unary(async (req: ticketv1.GetTicketRequest, ctx) => {
      const ticket = await uc.get.execute(principalFor(ctx), requireTicketRef(req.id, 'id'));
      return { ticket: ticketToProto(ticket), history: historyToProto(ticket) };
    }),

    listTickets: unary(async (req: ticketv1.ListTicketsRequest, ctx) => {
      const statuses = enumList(req.statuses, ticketStatusFromProto, 'statuses');
      const types = enumList(req.types, ticketTypeFromProto, 'types');
      const priorities = enumList(req.priorities, priorityFromProto, 'priorities');
      // UNSPECIFIED = CREATED_AT_DESC; a value outside the enum is refused (it was read as the default).
      const orderBy = knownEnum(req.orderBy, ticketv1.TicketOrder, 'order_by');
      const technicianId = optionalUuid(req.technicianId, 'technician_id');
      const customerId = optionalUuid(req.customerId, 'customer_id');
      const created = timeRangeFromProto(req.created, 'created');
      const slaDue = timeRangeFromProto(req.slaDue, 'sla_due');
      const out = await uc.list.execute(principalFor(ctx), {
        ...(statuses.length ? { statuses: statuses as TicketStatus[] } : {}),
        ...(types.length ? { types } : {}),
        ...(priorities.length ? { priorities } : {}),
        ...(created.from ? { createdFrom: created.from } : {}),
        ...(created.to ? { createdTo: created.to } : {}),
        ...(req.workZone ? { workZone: req.workZone } : {}),
        ...(technicianId ? { technicianId } : {}),
        ...(customerId ? { customerId } : {}),
        ...(slaDue.from ? { slaDueFrom: slaDue.from } : {}),
        ...(slaDue.to ? { slaDueTo: slaDue.to } : {}),
        ...(orderBy === ticketv1.TicketOrder.TICKET_ORDER_SLA_DUE_AT_ASC ? { order: 'sla_due_asc' as const } : {}),
        ...(req.page?.pageSize ? { pageSize: req.page.pageSize } : {}),
        ...(req.page?.pageToken ? { pageToken: req.page.pageToken } : {}),
      });
      return { tickets: out.tickets.map(ticketToProto), nextPageToken: out.nextPageToken ?? '' };
    }),

    assignTicket: unary(async (req: ticketv1.AssignTicketRequest, ctx) => {
      const ticketId = requireTicketRef(req.ticketId, 'ticket_id');
      // Empty = the calling technician (a "take"); other callers get `technician_id: is required`.
      const technicianId = optionalUuid(req.technicianId, 'technician_id');
      checkActor(req.actor);
      const ticket = await uc.assign.execute(principalFor(ctx, req.actor), {
        ticketId,
        ...(technicianId ? { technicianId } : {}),
        reassign: req.reassign,
        expectedVersion: req.expectedVersion,
      });
      return { ticket: ticketToProto(ticket) };
    }),

    startTicket: unary(async (req: ticketv1.StartTicketRequest, ctx) => {
      const ticketId = requireTicketRef(req.ticketId, 'ticket_id');
      checkActor(req.actor);
      const ticket = await uc.start.execute(principalFor(ctx, req.actor), { ticketId, expectedVersion: req.expectedVersion });
      return { ticket: ticketToProto(ticket) };
    }),

    completeTicket: unary(async (req: ticketv1.CompleteTicketRequest, ctx) => {
      const ticketId = requireTicketRef(req.ticketId, 'ticket_id');
      checkActor(req.actor);
      const ticket = await uc.complete.execute(principalFor(ctx, req.actor), {
        ticketId,
        ...(req.notes ? { notes: req.notes } : {}),
        expectedVersion: req.expectedVersion,
      });
      return { ticket: ticketToProto(ticket) };
    }),

    cancelTicket: unary(async (req: ticketv1.CancelTicketRequest, ctx) => {
      const ticketId = requireTicketRef(req.ticketId, 'ticket_id');
      checkActor(req.actor);
      const ticket = await uc.cancel.execute(principalFor(ctx, req.actor), {
        ticketId,
        reason: req.reason ?? '',
        expectedVersion: req.expectedVersion,
      });
      return { ticket: ticketToProto(ticket) };
    }),

    escalateTicket: unary(async (req: ticketv1.EscalateTicketRequest, ctx) => {
      const ticketId = requireTicketRef(req.ticketId, 'ticket_id');
      checkActor(req.actor);
      const ticket = await uc.escalate.execute(principalFor(ctx, req.actor), {
        ticketId,
        reason: req.reason ?? '',
        expectedVersion: req.expectedVersion,
        level: req.level,
      });
      return { ticket: ticketToProto(ticket) };
    }),

    getTicketStats: unary(async (req: ticketv1.GetTicketStatsRequest, ctx) => {
      const from = requireTimestamp(req.from, 'from');
      const to = requireTimestamp(req.to, 'to');
      const stats = await uc.stats.execute(principalFor(ctx), {
        from,
        to,
        ...(req.workZone ? { workZone: req.workZone } : {}),
      });
      return { stats: ticketStatsToProto(stats, stats.openWork) };
    }),

    watchTickets: serverStream(async (req: ticketv1.WatchTicketsRequest, ctx, write, signal) => {
      // The filters are checked before the stream opens: a filter that can match nothing (an
      // event type outside the enum, a malformed id) used to open a stream that never sent anything.
      const kinds = new Set(enumList(req.types, ticketActionFromProto, 'types'));
      const technicianId = optionalUuid(req.technicianId, 'technician_id');
      const ticketRef = optionalTicketRef(req.ticketId, 'ticket_id');
      const zone = req.workZone.trim().toLowerCase();
      if (!feed) throw new ValidationError('watch', 'is not available in this process');
      await new Promise<void>((resolve) => {
        const unsubscribe = feed((event) => {
          if (kinds.size > 0 && !kinds.has(event.kind)) return;
          if (zone && event.ticket.workZone !== zone) return;
          if (technicianId && event.ticket.technicianId !== technicianId) return;
          if (ticketRef && event.ticket.id !== ticketRef && event.ticket.number !== ticketRef) return;
          write({ event: ticketEventToProto(event) });
        });
        const stop = (): void => {
          unsubscribe();
          resolve();
        };
        if (signal.aborted) stop();
        else signal.addEventListener('abort', stop, { once: true });
      });
      void ctx;
    }),
  };
}
