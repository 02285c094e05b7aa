import { AlreadyExistsError, NotFoundError, ValidationError } from '@notify/errors';
import { createStaff, isStaffRole, updateStaff, type NewStaff, type Staff, type StaffChanges, type StaffRole } from '../../domain';
import { normalizeWorkZone } from '@notify/work-zone';
import { decodePageToken, encodePageToken, resolvePageSize } from '@notify/paging';
import type { Clock, IdGenerator, StaffRepository } from '../ports';
import { authorize, type Principal } from '../principal';

/**
 * CreateStaff: a technician, supervisor, manager, noc, customer_service or admin with
 * optional phone (E.164 digits, unique among staff — inbound WhatsApp replies are mapped
 * back to staff by phone) and work zones (none = all zones). Roles: CreateStaff.
 * Errors: Validation (name, role, phone, work_zones), AlreadyExists (phone or id).
 */
export class CreateStaffUseCase {
  constructor(private readonly deps: { readonly staff: StaffRepository; readonly clock: Clock; readonly ids: IdGenerator }) {}

  async execute(principal: Principal, input: Omit<NewStaff, 'id'> & { readonly id?: string }): Promise<Staff> {
    authorize(principal, 'CreateStaff', 'create staff');
    requirePhone(input.phone);
    const staff = createStaff({ ...input, id: input.id?.trim() || this.deps.ids.newId() }, this.deps.clock.now());
    if (staff.phone) {
      const holder = await this.deps.staff.findByPhone(staff.phone);
      if (holder) throw new AlreadyExistsError(`phone ${staff.phone} already belongs to staff ${holder.id}`);
    }
    if (await this.deps.staff.findById(staff.id)) throw new AlreadyExistsError(`staff ${staff.id} already exists`);
    await this.deps.staff.insert(staff);
    return staff;
  }
}

/** GetStaff by id. Roles: GetStaff. Errors: NotFound('staff', id). */
export class GetStaffUseCase {
  constructor(private readonly deps: { readonly staff: StaffRepository }) {}

  async execute(principal: Principal, input: { readonly staffId: string }): Promise<Staff> {
    authorize(principal, 'GetStaff', 'read staff');
    const found = input.staffId ? await this.deps.staff.findById(input.staffId) : null;
    if (!found) throw new NotFoundError('staff', input.staffId || '(empty)');
    return found;
  }
}

export interface ListStaffInput {
  /** Any of these roles (absent / empty = all). */
  readonly roles?: readonly StaffRole[];
  readonly workZone?: string;
  readonly active?: boolean;
  readonly pageSize?: number;
  readonly pageToken?: string;
}

/** ListStaff: by name, keyset-paged; filters any of roles, work zone, active. Roles: ListStaff. Errors: Validation (roles, work_zone, page_*). */
export class ListStaffUseCase {
  constructor(private readonly deps: { readonly staff: StaffRepository }) {}

  async execute(principal: Principal, input: ListStaffInput = {}): Promise<{ staff: Staff[]; nextPageToken: string | null }> {
    authorize(principal, 'ListStaff', 'list staff');
    const badRole = input.roles?.find((r) => !isStaffRole(r));
    if (badRole !== undefined) throw new ValidationError('roles', `unknown role "${badRole}"`);
    const limit = resolvePageSize(input.pageSize);
    const filter = {
      ...(input.roles?.length ? { roles: [...new Set(input.roles)] } : {}),
      ...(input.workZone ? { workZone: normalizeWorkZone(input.workZone) } : {}),
      ...(input.active !== undefined ? { active: input.active } : {}),
    };
    const after = input.pageToken ? (({ n, i }) => ({ name: n, id: i }))(decodePageToken(input.pageToken, ['n', 'i'] as const, filter)) : null;
    const rows = await this.deps.staff.list(filter, limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { staff: page, nextPageToken: rows.length > limit && last ? encodePageToken({ n: last.name, i: last.id }, filter) : null };
  }
}

/** The fields UpdateStaff may change; absent = keep. A phone given must be a number (null or empty is refused: CreateStaff requires one). */
export type StaffPatch = StaffChanges;

/**
 * UpdateStaff: changes name, role, phone, work zones, active (validated like CreateStaff:
 * a phone given must be a number; the stored phone, when not in the patch, is kept as stored and
 * not validated again, so a staff member with a non-Indonesian number can be renamed or
 * deactivated; one without a phone, stored before phones were required, keeps none until one is
 * given). Roles: UpdateStaff. Errors: NotFound('staff', id), Validation (name, role, phone,
 * work_zones), AlreadyExists (phone).
 */
export class UpdateStaffUseCase {
  constructor(private readonly deps: { readonly staff: StaffRepository }) {}

  async execute(principal: Principal, input: { readonly staffId: string; readonly patch: StaffPatch }): Promise<Staff> {
    authorize(principal, 'UpdateStaff', 'update staff');
    if (input.patch.phone !== undefined) requirePhone(input.patch.phone);
    const current = await this.deps.staff.findById(input.staffId);
    if (!current) throw new NotFoundError('staff', input.staffId);
    const next = updateStaff(current, input.patch);
    if (next.phone) {
      const holder = await this.deps.staff.findByPhone(next.phone);
      if (holder && holder.id !== next.id) throw new AlreadyExistsError(`phone ${next.phone} already belongs to staff ${holder.id}`);
    }
    if (!(await this.deps.staff.update(next))) throw new NotFoundError('staff', input.staffId);
    return next;
  }
}

/** ValidationError('phone') unless a phone is given (its form is checked by createStaff). */
function requirePhone(phone: string | null | undefined): void {
  if (!phone?.trim()) throw new ValidationError('phone', 'is required');
}
