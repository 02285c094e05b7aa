import { AlreadyExistsError, NotFoundError, ValidationError } from '@notify/errors';
import { createStaff, isStaffRole, normalizeWorkZone, type NewStaff, type Staff, type StaffRole } from '../../domain';
import { decodePageToken, encodePageToken, resolvePageSize } from '@notify/paging';
import type { Clock, IdGenerator, StaffRepository } from '../ports';
import { authorize, type Principal } from '../principal';

/**
 * CreateStaff: a technician, supervisor, manager, noc, customer_service or admin with
 * optional phone (E.164 digits, unique among staff — inbound WhatsApp replies are mapped
 * back to staff by phone) and work zones (none = all zones). Roles: createStaff.
 * Errors: Validation (name, role, phone, work_zones), AlreadyExists (phone or id).
 */
export class CreateStaffUseCase {
  constructor(private readonly deps: { readonly staff: StaffRepository; readonly clock: Clock; readonly ids: IdGenerator }) {}

  async execute(principal: Principal, input: Omit<NewStaff, 'id'> & { readonly id?: string }): Promise<Staff> {
    authorize(principal, 'createStaff', 'create staff');
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

/** GetStaff by id. Roles: readStaff. Errors: NotFound('staff', id). */
export class GetStaffUseCase {
  constructor(private readonly deps: { readonly staff: StaffRepository }) {}

  async execute(principal: Principal, input: { readonly staffId: string }): Promise<Staff> {
    authorize(principal, 'readStaff', 'read staff');
    const found = input.staffId ? await this.deps.staff.findById(input.staffId) : null;
    if (!found) throw new NotFoundError('staff', input.staffId || '(empty)');
    return found;
  }
}

export interface ListStaffInput {
  readonly role?: StaffRole;
  readonly workZone?: string;
  readonly active?: boolean;
  readonly pageSize?: number;
  readonly pageToken?: string;
}

/** ListStaff: by name, keyset-paged. Roles: readStaff. Errors: Validation (role, work_zone, page_*). */
export class ListStaffUseCase {
  constructor(private readonly deps: { readonly staff: StaffRepository }) {}

  async execute(principal: Principal, input: ListStaffInput = {}): Promise<{ staff: Staff[]; nextPageToken: string | null }> {
    authorize(principal, 'readStaff', 'list staff');
    if (input.role !== undefined && !isStaffRole(input.role)) throw new ValidationError('role', `unknown role "${input.role}"`);
    const limit = resolvePageSize(input.pageSize);
    const after = input.pageToken ? (({ n, i }) => ({ name: n, id: i }))(decodePageToken(input.pageToken, ['n', 'i'] as const)) : null;
    const rows = await this.deps.staff.list(
      {
        ...(input.role ? { role: input.role } : {}),
        ...(input.workZone ? { workZone: normalizeWorkZone(input.workZone) } : {}),
        ...(input.active !== undefined ? { active: input.active } : {}),
      },
      limit + 1,
      after,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { staff: page, nextPageToken: rows.length > limit && last ? encodePageToken({ n: last.name, i: last.id }) : null };
  }
}

/** The fields UpdateStaff may change; absent = keep. */
export interface StaffPatch {
  readonly name?: string;
  readonly role?: StaffRole;
  /** Null or empty = no phone. */
  readonly phone?: string | null;
  readonly workZones?: readonly string[];
  readonly active?: boolean;
}

/**
 * UpdateStaff: changes name, role, phone, work zones, active (validated like CreateStaff).
 * Roles: createStaff. Errors: NotFound('staff', id), Validation, AlreadyExists (phone).
 */
export class UpdateStaffUseCase {
  constructor(private readonly deps: { readonly staff: StaffRepository }) {}

  async execute(principal: Principal, input: { readonly staffId: string; readonly patch: StaffPatch }): Promise<Staff> {
    authorize(principal, 'createStaff', 'update staff');
    const current = await this.deps.staff.findById(input.staffId);
    if (!current) throw new NotFoundError('staff', input.staffId);
    const p = input.patch;
    const next = createStaff(
      {
        id: current.id,
        name: p.name ?? current.name,
        role: p.role ?? current.role,
        phone: p.phone !== undefined ? p.phone : current.phone,
        workZones: p.workZones ?? current.workZones,
        active: p.active ?? current.active,
      },
      current.createdAt,
    );
    if (next.phone) {
      const holder = await this.deps.staff.findByPhone(next.phone);
      if (holder && holder.id !== next.id) throw new AlreadyExistsError(`phone ${next.phone} already belongs to staff ${holder.id}`);
    }
    if (!(await this.deps.staff.update(next))) throw new NotFoundError('staff', input.staffId);
    return next;
  }
}
