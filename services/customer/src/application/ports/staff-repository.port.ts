import type { Staff, StaffRole } from '../../domain';

export interface StaffListFilter {
  /** Any of these roles (absent / empty = all). */
  readonly roles?: readonly StaffRole[];
  /** Staff covering this zone (its zones include it, or it has none). */
  readonly workZone?: string;
  readonly active?: boolean;
}

/** Keyset position; order name ASC, id ASC. */
export interface StaffCursor {
  readonly name: string;
  readonly id: string;
}

export interface StaffRepository {
  findById(id: string): Promise<Staff | null>;
  findByPhone(phone: string): Promise<Staff | null>;
  /** AlreadyExistsError when the id or the phone is taken (unique `staff(phone)`). */
  insert(staff: Staff): Promise<void>;
  /** Replaces the stored staff member; AlreadyExistsError when the new phone is another's. False when the id is unknown. */
  update(staff: Staff): Promise<boolean>;
  list(filter: StaffListFilter, limit: number, after: StaffCursor | null): Promise<Staff[]>;
  /**
   * All staff (active AND inactive, so resolution can report INACTIVE) with one of `roles`,
   * or every role when null. Staff is small (hundreds), so this returns an array.
   */
  listByRoles(roles: readonly StaffRole[] | null): Promise<Staff[]>;
}
