import { PermissionDeniedError } from '@notify/errors';
import type { Actor } from '../domain';

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

/** Throws PermissionDeniedError unless `principal.role` is one of `allowed`. */
export function requireRole(principal: Principal, allowed: readonly PrincipalRole[], what: string): void {
  if (!allowed.includes(principal.role)) {
    throw new PermissionDeniedError(`role ${principal.role} may not ${what}`);
  }
  if (principal.role === 'technician' && !principal.staffId) {
    throw new PermissionDeniedError(`a technician caller must carry a staff id to ${what}`);
  }
}
