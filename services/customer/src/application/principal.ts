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
 * Which roles may call which customer-service RPC: exactly the "Roles:" line of each RPC in
 * proto/notify/customer/v1/customer_service.proto (the contract; grpc-kit checks the same
 * lists, generated as RPC_ROLES, before the handler runs — a test keeps the two equal).
 * Own-record rule on top: a technician may change only their OWN preferences
 * (UpdatePreferences "technician (own)"), see the preferences use cases.
 */
export const CUSTOMER_PERMISSIONS = {
  RegisterCustomer: ['admin', 'customer_service', 'service'],
  ActivateCustomer: ['admin', 'customer_service', 'service'],
  GetCustomer: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'technician', 'service'],
  ListCustomers: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'service'],
  CreateStaff: ['admin', 'service'],
  UpdateStaff: ['admin', 'service'],
  GetStaff: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'technician', 'service'],
  ListStaff: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'service'],
  CreateGroup: ['admin', 'supervisor', 'noc', 'service'],
  ListGroups: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'service'],
  UpdateGroup: ['admin', 'supervisor', 'noc', 'service'],
  DeleteGroup: ['admin', 'service'],
  GetPreferences: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'technician', 'service'],
  UpdatePreferences: ['admin', 'supervisor', 'customer_service', 'technician', 'service'],
  OptOut: ['admin', 'customer_service', 'service'],
  CreateInvoice: ['admin', 'customer_service', 'service'],
  ListInvoicesDue: ['admin', 'manager', 'customer_service', 'service'],
  ListRoutingRules: ['admin', 'manager', 'supervisor', 'noc', 'service'],
  UpsertRoutingRule: ['admin'],
  ResolveRecipients: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'service'],
  BatchResolveRecipients: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'service'],
} as const satisfies Record<string, readonly PrincipalRole[]>;

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
