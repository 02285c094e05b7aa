import { RPC_ROLES } from '@notify/proto';
import { PermissionDeniedError } from '@notify/errors';

/**
 * API-key roles (ARCHITECTURE.md, Auth). `service` = another Notify service or an internal
 * system. Same shape as the ticket service's Principal (a candidate for a shared lib).
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

export interface Principal {
  readonly role: PrincipalRole;
  /** Staff id, when the caller is a staff member. */
  readonly staffId?: string;
  readonly name?: string;
}

/**
 * Which roles may call which customer-service RPC: the "Roles:" line of each RPC in
 * proto/notify/customer/v1/customer_service.proto (the contract), as generated into RPC_ROLES —
 * the same lists grpc-kit checks before the handler runs, so the two cannot disagree.
 * Own-record rule on top: a technician may change only their OWN preferences
 * (UpdatePreferences "technician (own)"), see the preferences use cases.
 */
export const CUSTOMER_PERMISSIONS: Readonly<Record<keyof (typeof RPC_ROLES)['notify.customer.v1.CustomerService'], readonly PrincipalRole[]>> =
  RPC_ROLES['notify.customer.v1.CustomerService'];

export type CustomerOperation = keyof typeof CUSTOMER_PERMISSIONS;

/** Throws PermissionDeniedError unless the principal's role may call the RPC `op`. */
export function authorize(principal: Principal, op: CustomerOperation, what: string): void {
  if (!(CUSTOMER_PERMISSIONS[op] as readonly string[]).includes(principal.role)) {
    throw new PermissionDeniedError(`role ${principal.role} may not ${what}`);
  }
}

/** Actor recorded on events: the staff id when known, else the role. */
export function actorOf(principal: Principal): { id: string; role: string } {
  return { id: principal.staffId ?? principal.role, role: principal.role };
}
