import { PermissionDeniedError } from '@notify/errors';
import type { Actor, Ticket } from '../domain';

/**
 * API-key roles (ARCHITECTURE.md, Auth). `service` = another Notify service or an internal
 * system (the gateway, the scheduler, a billing system).
 */
export const PRINCIPAL_ROLES = [
  'admin',
  'manager',
  'supervisor',
  'noc',
  'customer_service',
  'technician',
  'service',
] as const;
export type PrincipalRole = (typeof PRINCIPAL_ROLES)[number];

/**
 * The authenticated caller, built by the transport layer from the API key (and, for a
 * technician, the staff id they act as — e.g. the gateway's inbound "press 1" flow).
 */
export interface Principal {
  readonly role: PrincipalRole;
  /** Staff id; required for `technician`, optional for other roles. */
  readonly staffId?: string;
  readonly name?: string;
}

/** The actor recorded in history and events: the staff id when known, else the role. */
export function actorOf(principal: Principal): Actor {
  return {
    id: principal.staffId ?? principal.role,
    role: principal.role,
    ...(principal.name ? { name: principal.name } : {}),
  };
}

/**
 * {@link actorOf} for a change to `ticket`: a caller without a name who is the ticket's own
 * technician (a technician key, the gateway's reply flow) is named after the ticket's
 * technician, as AssignTicket names them (QA: the history read `staff:Lufti Teknisi` on
 * ASSIGNED, then the bare staff id on STARTED). No look-up.
 */
export function actorOnTicket(principal: Principal, ticket: Pick<Ticket, 'technicianId' | 'technicianName'>): Actor {
  const actor = actorOf(principal);
  if (actor.name || !principal.staffId || principal.staffId !== ticket.technicianId || !ticket.technicianName) return actor;
  return { ...actor, name: ticket.technicianName };
}

/** Throws PermissionDeniedError unless `principal.role` is one of `allowed`. */
export function requireRole(principal: Principal, allowed: readonly PrincipalRole[], what: string): void {
  if (!allowed.includes(principal.role)) {
    throw new PermissionDeniedError(`role ${principal.role} may not ${what}`);
  }
  if (principal.role === 'technician' && !principal.staffId) {
    throw new PermissionDeniedError(`a technician caller must carry a staff id to ${what}`);
  }
}
