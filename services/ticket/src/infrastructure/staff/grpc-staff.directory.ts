import { NotFoundError, ValidationError } from '@notify/errors';
import { callUnary } from '@notify/grpc-kit';
import { commonv1, customerv1 } from '@notify/proto';
import type { StaffDirectory, StaffMember } from '../../application';
import { cachedLookup } from '../cached-lookup';
import { namedDependencyError } from '../dependency-error';

const ROLE_NAMES: Partial<Record<commonv1.Role, string>> = {
  [commonv1.Role.ROLE_ADMIN]: 'admin',
  [commonv1.Role.ROLE_MANAGER]: 'manager',
  [commonv1.Role.ROLE_SUPERVISOR]: 'supervisor',
  [commonv1.Role.ROLE_NOC]: 'noc',
  [commonv1.Role.ROLE_CUSTOMER_SERVICE]: 'customer_service',
  [commonv1.Role.ROLE_TECHNICIAN]: 'technician',
};

/** `customerv1.Staff` → the ticket service's view of a staff member. */
export function staffFromProto(staff: customerv1.Staff): StaffMember {
  return {
    id: staff.id,
    name: staff.name,
    role: ROLE_NAMES[staff.role] ?? 'unknown',
    workZones: staff.workZones.map((z) => z.trim().toLowerCase()),
    active: staff.active,
  };
}

/**
 * StaffDirectory backed by the customer service's `GetStaff` over gRPC (a client made with
 * `createClient(customerv1.CustomerServiceClient, CUSTOMER_ADDR, { apiKey: SERVICE_API_KEY })`,
 * default deadline 5 s). NOT_FOUND → null; other failures propagate (UNAVAILABLE,
 * DEADLINE_EXCEEDED → the caller's RPC fails with the same status); an id the customer service
 * refuses as malformed (INVALID_ARGUMENT on `id`: not a UUID) → null too.
 *
 * With `ttlMs` > 0 (DIRECTORY_CACHE_TTL_MS) a found staff member is kept that long (cachedLookup:
 * lru-cache, at most 10,000; concurrent asks for one id make one call): assignments of the same
 * technicians do not ask the customer service each time. Unknown ids (null) and failures are never kept.
 */
export class GrpcStaffDirectory implements StaffDirectory {
  private readonly lookup: (id: string) => Promise<StaffMember | null>;

  constructor(
    private readonly client: customerv1.CustomerServiceClient,
    options: { ttlMs?: number; now?: () => number } = {},
  ) {
    this.lookup = cachedLookup((id) => this.ask(id), options);
  }

  findStaff(staffId: string): Promise<StaffMember | null> {
    return this.lookup(staffId);
  }

  private async ask(staffId: string): Promise<StaffMember | null> {
    try {
      const res = await callUnary(this.client, 'getStaff', { id: staffId, phone: '', includeOptOuts: false });
      return res.staff ? staffFromProto(res.staff) : null;
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      // An id that is no UUID (a staff id in an API key's `key:role:staff_id`) is nobody's.
      if (err instanceof ValidationError && err.field === 'id') return null;
      throw namedDependencyError(err, 'customer service');
    }
  }
}

/** A fixed StaffDirectory (tests, and single-process runs without a customer service). */
export class StaticStaffDirectory implements StaffDirectory {
  private readonly byId: Map<string, StaffMember>;
  constructor(staff: readonly StaffMember[]) {
    this.byId = new Map(staff.map((s) => [s.id, s]));
  }
  async findStaff(staffId: string): Promise<StaffMember | null> {
    return this.byId.get(staffId) ?? null;
  }
}
