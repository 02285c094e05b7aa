import type { Ticket } from '../../domain';
import type { TicketRepository } from '../ports';
import { requireRole, type Principal } from '../principal';
import { TICKET_PERMISSIONS } from '../ticket-access.policy';
import { loadTicket } from '../ticket-transition.runner';

/**
 * GetTicket: one ticket with its history, by id (UUID) or number (`GGN-20261122-0001`).
 * Roles: TICKET_PERMISSIONS.read. Errors: NotFound('ticket', ref).
 */
export class GetTicketUseCase {
  constructor(private readonly deps: { readonly tickets: TicketRepository }) {}

  async execute(principal: Principal, ref: string): Promise<Ticket> {
    requireRole(principal, TICKET_PERMISSIONS.read, 'read tickets');
    return loadTicket(this.deps.tickets, ref);
  }
}
