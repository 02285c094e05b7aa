import { FailedPreconditionError, ValidationError } from '@notify/errors';
import { escalateTicket, type Ticket } from '../../domain';
import { actorOf, requireRole, type Principal } from '../principal';
import { requireOwnTicket, TICKET_PERMISSIONS } from '../ticket-access.policy';
import { runTicketTransition, type TicketCommandDeps } from '../ticket-transition.runner';

/**
 * EscalateTicket: raises the escalation level by one (1 = supervisor / lead, 2 = manager /
 * head; case-workflow-whatsapp-bot-plan.md §4.2–4.3) with a required reason; the status is
 * unchanged; emits `escalated` (the routing sends level 1 to the zone's supervisors and
 * level 2 to managers). A technician may escalate only their own ticket.
 * `level` (optional, 1 or 2) is the level the caller means to reach: it must be the next one,
 * so two people pressing "escalate to lead" at once escalate once (the second gets
 * FailedPrecondition naming the current level); 0 / absent = the next level.
 * Roles: TICKET_PERMISSIONS.escalate. Errors: PermissionDenied, NotFound, Validation
 * (reason, level), FailedPrecondition (closed ticket, already at level 2, level not the next).
 */
export class EscalateTicketUseCase {
  constructor(private readonly deps: TicketCommandDeps) {}

  async execute(
    principal: Principal,
    input: { readonly ticketId: string; readonly expectedVersion?: number; readonly reason: string; readonly level?: number },
  ): Promise<Ticket> {
    requireRole(principal, TICKET_PERMISSIONS.escalate, 'escalate tickets');
    const level = input.level ?? 0;
    if (!Number.isInteger(level) || level < 0 || level > 2) throw new ValidationError('level', `must be 0, 1 or 2, got ${level}`);
    return runTicketTransition(this.deps, input.ticketId, (ticket, ctx) => {
      requireOwnTicket(principal, ticket, 'escalate', true);
      if (level > 0 && level !== ticket.escalationLevel + 1) {
        throw new FailedPreconditionError(
          `ticket ${ticket.number} is at escalation level ${ticket.escalationLevel}; escalating to level ${level} needs level ${level - 1}`,
        );
      }
      return escalateTicket(ticket, input.reason, actorOf(principal), ctx);
    }, input.expectedVersion);
  }
}
