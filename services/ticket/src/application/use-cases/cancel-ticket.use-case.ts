import { cancelTicket, type Ticket } from '../../domain';
import { actorOnTicket, requireRole, type Principal } from '../principal';
import { TICKET_PERMISSIONS } from '../ticket-access.policy';
import { runTicketTransition, type TicketCommandDeps } from '../ticket-transition.runner';

/**
 * CancelTicket: OPEN / ASSIGNED / IN_PROGRESS → CANCELLED with a required reason (≤ 500
 * characters, the "Alasan" of the cancellation message); emits `cancelled`.
 * Roles: TICKET_PERMISSIONS.cancel (not technicians). Errors: PermissionDenied, NotFound,
 * Validation (reason), FailedPrecondition (COMPLETED / CANCELLED).
 */
export class CancelTicketUseCase {
  constructor(private readonly deps: TicketCommandDeps) {}

  async execute(principal: Principal, input: { readonly ticketId: string; readonly expectedVersion?: number; readonly reason: string }): Promise<Ticket> {
    requireRole(principal, TICKET_PERMISSIONS.cancel, 'cancel tickets');
    return runTicketTransition(this.deps, input.ticketId, (ticket, ctx) =>
      cancelTicket(ticket, input.reason, actorOnTicket(principal, ticket), ctx),
      input.expectedVersion,
    );
  }
}
