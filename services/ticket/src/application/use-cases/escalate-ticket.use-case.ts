import { escalateTicket, type Ticket } from '../../domain';
import { actorOf, requireRole, type Principal } from '../principal';
import { requireOwnTicket, TICKET_PERMISSIONS } from '../ticket-access.policy';
import { runTicketTransition, type TicketCommandDeps } from '../ticket-transition.runner';

/**
 * EscalateTicket: raises the escalation level by one (1 = supervisor / lead, 2 = manager /
 * head; case-workflow-whatsapp-bot-plan.md §4.2–4.3) with a required reason; the status is
 * unchanged; emits `escalated` (the routing sends level 1 to the zone's supervisors and
 * level 2 to managers). A technician may escalate only their own ticket.
 * Roles: TICKET_PERMISSIONS.escalate. Errors: PermissionDenied, NotFound, Validation
 * (reason), FailedPrecondition (closed ticket, or already at level 2).
 */
export class EscalateTicketUseCase {
  constructor(private readonly deps: TicketCommandDeps) {}

  async execute(principal: Principal, input: { readonly ticketId: string; readonly expectedVersion?: number; readonly reason: string }): Promise<Ticket> {
    requireRole(principal, TICKET_PERMISSIONS.escalate, 'escalate tickets');
    return runTicketTransition(this.deps, input.ticketId, (ticket, ctx) => {
      requireOwnTicket(principal, ticket, 'escalate', true);
      return escalateTicket(ticket, input.reason, actorOf(principal), ctx);
    }, input.expectedVersion);
  }
}
