import { ValidationError } from '@notify/errors';
import { escalateTicket, type EscalationLevel, type Ticket } from '../../domain';
import { actorOnTicket, requireRole, type Principal } from '../principal';
import { requireOwnTicket, TICKET_PERMISSIONS } from '../ticket-access.policy';
import { runTicketTransition, type TicketCommandDeps } from '../ticket-transition.runner';

/**
 * EscalateTicket: raises the escalation level (1 = supervisor / lead, 2 = manager / head;
 * case-workflow-whatsapp-bot-plan.md §4.2–4.3) with a required reason; the status is
 * unchanged; emits `escalated` (the routing sends level 1 to the zone's supervisors and
 * level 2 to managers). A technician may escalate only their own ticket.
 * `level` (optional, 1 or 2) is the level the caller means to reach: above the current one,
 * and 2 may be reached straight from 0 (the seed's "Eskalasi kadis" is its own action). Two
 * people pressing "escalate to lead" at once escalate once: the second gets FailedPrecondition
 * naming the current level. 0 / absent = the next level.
 * Roles: TICKET_PERMISSIONS.escalate. Errors: PermissionDenied, NotFound, Validation
 * (reason, level), FailedPrecondition (closed ticket, already at level 2, or at `level` already).
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
      return escalateTicket(ticket, input.reason, actorOnTicket(principal, ticket), ctx, level > 0 ? (level as EscalationLevel) : undefined);
    }, input.expectedVersion);
  }
}
