import { PermissionDeniedError } from '@notify/errors';
import type { Ticket } from '../domain';
import type { Principal, PrincipalRole } from './principal';

/**
 * Which roles may call which ticket operation (the transport maps each RPC to one of these).
 * Follows the seeds: dispatchers (admin, supervisor, customer service, NOC) create, assign and
 * cancel; technicians take, start and complete their own jobs (customer-notification-system.md,
 * "Technician Takes Job (Button 1)" … "Completes Job"); technicians and staff escalate
 * (case-workflow-whatsapp-bot-plan.md §4.2: the operator clicks "escalate lead"). Managers
 * and supervisors may also act on a technician's behalf. `service` is a trusted internal caller.
 *
 * Ticket-level rule on top of the role: a technician may act only on their own tickets
 * (start / complete / escalate need `ticket.technicianId === staffId`), and may assign only
 * to themself, only an OPEN ticket in one of their work zones.
 */
export const TICKET_PERMISSIONS = {
  create: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'service'],
  read: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'technician', 'service'],
  assign: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'technician', 'service'],
  start: ['admin', 'manager', 'supervisor', 'technician', 'service'],
  complete: ['admin', 'manager', 'supervisor', 'technician', 'service'],
  cancel: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'service'],
  escalate: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'technician', 'service'],
  // The seeds' role table (whatsapp-notification-system-complete.md, "Role-Based Access"):
  // Stats ✅ for every role, technicians included.
  stats: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'technician', 'service'],
} as const satisfies Record<string, readonly PrincipalRole[]>;

export type TicketOperation = keyof typeof TICKET_PERMISSIONS;

/**
 * For a technician caller: throws PermissionDeniedError when the ticket is assigned to
 * someone else (`strict`: also when it is assigned to nobody). No-op for other roles.
 */
export function requireOwnTicket(principal: Principal, ticket: Ticket, what: string, strict: boolean): void {
  if (principal.role !== 'technician') return;
  const mine = ticket.technicianId === principal.staffId;
  if (mine) return;
  if (ticket.technicianId === null && !strict) return;
  throw new PermissionDeniedError(
    `technician ${principal.staffId} may not ${what} ticket ${ticket.number}: it is not assigned to them`,
  );
}
