import { ValidationError } from '@notify/errors';
import { normalizeOptionalRecipientPhone } from './phone';
import { normalizeWorkZone } from '@notify/work-zone';

/** Staff roles (whatsapp-notification-system-complete.md, "Role-Based Access"). */
export const STAFF_ROLES = ['technician', 'supervisor', 'manager', 'noc', 'customer_service', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface Staff {
  /** UUID (or a caller-chosen id). */
  readonly id: string;
  readonly name: string;
  readonly role: StaffRole;
  /** E.164 digits, unique among staff; null = no phone (left out as NO_PHONE). */
  readonly phone: string | null;
  /** Normalized work-zone keys; empty = all zones. */
  readonly workZones: readonly string[];
  readonly active: boolean;
  readonly createdAt: Date;
}

export interface NewStaff {
  readonly id: string;
  readonly name: string;
  readonly role: StaffRole;
  readonly phone?: string | null;
  readonly workZones?: readonly string[];
  readonly active?: boolean;
}

export function isStaffRole(value: unknown): value is StaffRole {
  return typeof value === 'string' && (STAFF_ROLES as readonly string[]).includes(value);
}

/** Longest staff name (characters), as a customer's. */
export const STAFF_NAME_MAX = 200;

/** Validates and normalizes a new staff member. ValidationError for name (1..200 characters), role, phone, work_zones. */
export function createStaff(input: NewStaff, at: Date): Staff {
  const name = (input.name ?? '').trim();
  if (!name) throw new ValidationError('name', 'is required');
  if (name.length > STAFF_NAME_MAX) throw new ValidationError('name', `is longer than ${STAFF_NAME_MAX} characters`);
  if (!isStaffRole(input.role)) throw new ValidationError('role', `must be one of ${STAFF_ROLES.join(', ')}, got "${input.role}"`);
  return {
    id: input.id,
    name,
    role: input.role,
    phone: normalizeOptionalRecipientPhone(input.phone),
    workZones: [...new Set((input.workZones ?? []).map((z) => normalizeWorkZone(z, 'work_zones')))],
    active: input.active ?? true,
    createdAt: at,
  };
}

/** The fields an update may change; absent = keep. */
export interface StaffChanges {
  readonly name?: string;
  readonly role?: StaffRole;
  /** A new phone in any accepted form; null or blank removes it (callers that require one refuse it first). */
  readonly phone?: string | null;
  readonly workZones?: readonly string[];
  readonly active?: boolean;
}

/**
 * `current` with `changes` applied, validated like {@link createStaff}: a phone given is
 * normalized; the stored phone, when not changed, is kept as it is and never read again (it is
 * already E.164 digits, and a foreign number's digits, e.g. a Japanese `8190…`, may also read as
 * an Indonesian number). ValidationError for name, role, phone (only when changed), work_zones.
 */
export function updateStaff(current: Staff, changes: StaffChanges): Staff {
  const next = createStaff(
    {
      id: current.id,
      name: changes.name ?? current.name,
      role: changes.role ?? current.role,
      phone: changes.phone !== undefined ? changes.phone : null,
      workZones: changes.workZones ?? current.workZones,
      active: changes.active ?? current.active,
    },
    current.createdAt,
  );
  return changes.phone !== undefined ? next : { ...next, phone: current.phone };
}

/** True when `staff` covers `workZone` (no zones = every zone). */
export function coversZone(staff: Pick<Staff, 'workZones'>, workZone: string): boolean {
  return staff.workZones.length === 0 || staff.workZones.includes(workZone);
}
