import { completeTicket, type Ticket } from '../../domain';
import { actorOnTicket, requireRole, type Principal } from '../principal';
import { requireOwnTicket, TICKET_PERMISSIONS } from '../ticket-access.policy';
import { runTicketTransition, type TicketCommandDeps } from '../ticket-transition.runner';

/**
 * CompleteTicket: IN_PROGRESS → COMPLETED with optional notes (≤ 2000 characters, the
 * "Catatan" of the completion message); emits `completed`. A technician may complete only a
 * ticket assigned to them. Roles: TICKET_PERMISSIONS.complete. Errors: PermissionDenied,
 * NotFound, Validation (notes), FailedPrecondition ("… is ASSIGNED; complete needs IN_PROGRESS").
 */
export class CompleteTicketUseCase {
  constructor(private readonly deps: TicketCommandDeps) {}

  async execute(principal: Principal, input: { readonly ticketId: string; readonly expectedVersion?: number; readonly notes?: string }): Promise<Ticket> {
    requireRole(principal, TICKET_PERMISSIONS.complete, 'complete tickets');
    return runTicketTransition(this.deps, input.ticketId, (ticket, ctx) => {
      requireOwnTicket(principal, ticket, 'complete', false);
      return completeTicket(ticket, input.notes, actorOnTicket(principal, ticket), ctx);
    }, input.expectedVersion);
  }
}
