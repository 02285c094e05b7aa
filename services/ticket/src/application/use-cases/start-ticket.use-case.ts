import { startTicket, type Ticket } from '../../domain';
import { actorOnTicket, requireRole, type Principal } from '../principal';
import { requireOwnTicket, TICKET_PERMISSIONS } from '../ticket-access.policy';
import { runTicketTransition, type TicketCommandDeps } from '../ticket-transition.runner';

/**
 * StartTicket: ASSIGNED → IN_PROGRESS; emits `started`. A technician may start only a
 * ticket assigned to them (customer-notification-system.md, "Technician Starts Job").
 * Roles: TICKET_PERMISSIONS.start. Errors: PermissionDenied, NotFound,
 * FailedPrecondition ("ticket … is OPEN; start needs ASSIGNED").
 */
export class StartTicketUseCase {
  constructor(private readonly deps: TicketCommandDeps) {}

  async execute(principal: Principal, input: { readonly ticketId: string; readonly expectedVersion?: number }): Promise<Ticket> {
    requireRole(principal, TICKET_PERMISSIONS.start, 'start tickets');
    return runTicketTransition(this.deps, input.ticketId, (ticket, ctx) => {
      requireOwnTicket(principal, ticket, 'start', false);
      return startTicket(ticket, actorOnTicket(principal, ticket), ctx);
    }, input.expectedVersion);
  }
}
