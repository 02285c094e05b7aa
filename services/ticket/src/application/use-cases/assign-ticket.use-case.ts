import { FailedPreconditionError, NotFoundError, PermissionDeniedError, ValidationError } from '@notify/errors';
import { assignTicket, describeTechnician, type Ticket } from '../../domain';
import type { StaffDirectory, StaffMember } from '../ports';
import { actorOf, requireRole, type Principal } from '../principal';
import { TICKET_PERMISSIONS } from '../ticket-access.policy';
import { runTicketTransition, type TicketCommandDeps } from '../ticket-transition.runner';

export interface AssignTicketInput {
  /** Ticket id or number. */
  readonly ticketId: string;
  /** The technician; a technician caller may omit it (= themself, "take the job"). */
  readonly technicianId?: string;
  /** > 0: the ticket must be at this version (else Conflict / ABORTED); absent or 0 = no check. */
  readonly expectedVersion?: number;
  /**
   * false: a dispatcher may assign only an OPEN ticket (an ASSIGNED one fails with
   * FailedPrecondition naming who has it); true or absent: an ASSIGNED ticket may be reassigned.
   */
  readonly reassign?: boolean;
}

/**
 * AssignTicket: assigns an OPEN ticket or reassigns an ASSIGNED one; emits `assigned`.
 *
 * Dispatchers (admin, manager, supervisor, noc, customer_service, service) may assign any
 * active technician. A technician may only TAKE a job: assign it to themself, when it is
 * OPEN and in one of their work zones (customer-notification-system.md, "Technician Takes
 * Job (Button 1)"). Two technicians taking the same job at once: exactly one wins; the other
 * gets FailedPrecondition "ticket … is already taken by <name> (<id>)" (the race is detected
 * by the version check and the step re-run, see runTicketTransition).
 *
 * Errors: PermissionDenied (role; a technician assigning someone else or outside their
 * zones; an inactive / unknown technician caller), NotFound (ticket, technician),
 * Validation (technician_id missing or not a technician), FailedPrecondition (wrong state,
 * already taken, inactive technician), Conflict (lost two races in a row).
 */
export class AssignTicketUseCase {
  constructor(private readonly deps: TicketCommandDeps & { readonly staff: StaffDirectory }) {}

  async execute(principal: Principal, input: AssignTicketInput): Promise<Ticket> {
    requireRole(principal, TICKET_PERMISSIONS.assign, 'assign tickets');
    return principal.role === 'technician' ? this.take(principal, input) : this.dispatch(principal, input);
  }

  private async take(principal: Principal, input: AssignTicketInput): Promise<Ticket> {
    const staffId = principal.staffId!;
    const target = input.technicianId?.trim() || staffId;
    if (target !== staffId) {
      throw new PermissionDeniedError(`technician ${staffId} may only assign tickets to themself`);
    }
    const me = await this.deps.staff.findStaff(staffId);
    if (!me || me.role !== 'technician' || !me.active) {
      throw new PermissionDeniedError(`staff ${staffId} is not an active technician`);
    }
    const actor = { ...actorOf(principal), name: me.name };
    return runTicketTransition(this.deps, input.ticketId, (ticket, ctx) => {
      if (ticket.technicianId !== null && ticket.technicianId !== staffId && ticket.status !== 'CANCELLED' && ticket.status !== 'COMPLETED') {
        throw new FailedPreconditionError(`ticket ${ticket.number} is already taken by ${describeTechnician(ticket)}`);
      }
      if (ticket.status === 'OPEN' && me.workZones.length > 0 && !me.workZones.includes(ticket.workZone)) {
        throw new PermissionDeniedError(
          `ticket ${ticket.number} is in work zone ${ticket.workZone}, outside technician ${staffId}'s zones (${me.workZones.join(', ')})`,
        );
      }
      return assignTicket(ticket, { id: me.id, name: me.name }, actor, ctx);
    }, input.expectedVersion);
  }

  private async dispatch(principal: Principal, input: AssignTicketInput): Promise<Ticket> {
    const target = input.technicianId?.trim();
    if (!target) throw new ValidationError('technician_id', 'is required');
    const technician = await requireAssignableTechnician(this.deps.staff, target);
    return runTicketTransition(
      this.deps,
      input.ticketId,
      (ticket, ctx) => {
        if (input.reassign === false && ticket.status === 'ASSIGNED') {
          throw new FailedPreconditionError(
            `ticket ${ticket.number} is ASSIGNED to ${describeTechnician(ticket)}; reassign to move it (notifyctl tickets assign ${ticket.number} --technician <id or phone> --reassign; AssignTicketRequest.reassign)`,
          );
        }
        return assignTicket(ticket, { id: technician.id, name: technician.name }, actorOf(principal), ctx);
      },
      input.expectedVersion,
    );
  }
}

async function requireAssignableTechnician(staff: StaffDirectory, id: string): Promise<StaffMember> {
  const member = await staff.findStaff(id);
  if (!member) throw new NotFoundError('technician', id);
  if (member.role !== 'technician') {
    // By name, as the inactive-technician error (QA: only the id).
    throw new ValidationError('technician_id', `${member.name} (${id}) is a ${member.role}, not a technician`);
  }
  if (!member.active) throw new FailedPreconditionError(`technician ${member.name} (${id}) is inactive`);
  return member;
}
