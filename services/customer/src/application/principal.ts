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
 * Which roles may call which customer-service operation. Follows the seeds' role table
 * (whatsapp-notification-system-complete.md, "Security & Permissions": welcome = admin + CS,
 * maintenance = admin + supervisor + NOC, …) extended to the directory: customer service
 * registers customers, admins and managers keep the staff and group master data, the
 * gateway (`service`) resolves recipients and records opt-outs, the scheduler (`service`)
 * lists due invoices. Staff may always read and edit their OWN preferences.
 */
export const CUSTOMER_PERMISSIONS = {
  registerCustomer: ['admin', 'customer_service', 'service'],
  activateCustomer: ['admin', 'customer_service', 'supervisor', 'service'],
  readCustomers: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'technician', 'service'],
  createStaff: ['admin', 'manager'],
  readStaff: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'technician', 'service'],
  writeGroups: ['admin', 'manager', 'supervisor'],
  readGroups: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'service'],
  readPreferences: ['admin', 'manager', 'supervisor', 'customer_service', 'service'],
  writePreferences: ['admin', 'customer_service', 'service'],
  optOut: ['admin', 'customer_service', 'service'],
  createInvoice: ['admin', 'service'],
  listInvoicesDue: ['admin', 'manager', 'customer_service', 'service'],
  resolveRecipients: ['admin', 'service'],
  readRoutingRules: ['admin', 'manager', 'supervisor', 'noc', 'service'],
  writeRoutingRules: ['admin'],
} as const satisfies Record<string, readonly PrincipalRole[]>;

export type CustomerOperation = keyof typeof CUSTOMER_PERMISSIONS;

/** Throws PermissionDeniedError unless the principal's role may perform `op`. */
export function authorize(principal: Principal, op: CustomerOperation, what: string): void {
  if (!(CUSTOMER_PERMISSIONS[op] as readonly string[]).includes(principal.role)) {
    throw new PermissionDeniedError(`role ${principal.role} may not ${what}`);
  }
}

/** Actor recorded on events: the staff id when known, else the role. */
export function actorOf(principal: Principal): { id: string; role: string } {
  return { id: principal.staffId ?? principal.role, role: principal.role };
}
