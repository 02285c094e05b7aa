import { ValidationError } from '@notify/errors';
import { CUSTOMER_STATUSES, phoneSearch, type Customer, type CustomerStatus } from '../../domain';
import { normalizeWorkZone } from '@notify/work-zone';
import { decodePageToken, encodePageToken, resolvePageSize } from '@notify/paging';
import type { CustomerRepository } from '../ports';
import { authorize, type Principal } from '../principal';

export interface ListCustomersInput {
  readonly status?: CustomerStatus;
  /** Any of these statuses (combined with `status`). */
  readonly statuses?: readonly CustomerStatus[];
  /**
   * Case-insensitive substring of name or phone (max 100 characters). A query typed like a
   * phone number or its beginning also matches the stored E.164 digits: `0822…`, `+62 822…` →
   * phones starting `62822…`; `822…` → phones containing `822…`.
   */
  readonly query?: string;
  readonly workZone?: string;
  readonly pageSize?: number;
  readonly pageToken?: string;
}

/**
 * ListCustomers: ordered by name then id (bytewise), keyset-paged (opaque token). Roles: ListCustomers.
 * Filters: statuses (any of), work zone, query (case-insensitive substring of name or phone;
 * a phone-like query in the local form, `0822` / `822` / `+62 822`, also finds the number).
 * Errors: Validation (status, query, work_zone, page_size, page_token).
 */
export class ListCustomersUseCase {
  constructor(private readonly deps: { readonly customers: CustomerRepository }) {}

  async execute(principal: Principal, input: ListCustomersInput = {}): Promise<{ customers: Customer[]; nextPageToken: string | null }> {
    authorize(principal, 'ListCustomers', 'list customers');
    const statuses = [...(input.status !== undefined ? [input.status] : []), ...(input.statuses ?? [])];
    const bad = statuses.find((st) => !CUSTOMER_STATUSES.includes(st));
    if (bad !== undefined) throw new ValidationError('status', `unknown status "${bad}"`);
    const query = (input.query ?? '').trim();
    if (query.length > 100) throw new ValidationError('query', 'is longer than 100 characters');
    const limit = resolvePageSize(input.pageSize);
    const filter = {
      ...(statuses.length ? { statuses: [...new Set(statuses)] } : {}),
      ...(query ? { query } : {}),
      ...(input.workZone ? { workZone: normalizeWorkZone(input.workZone) } : {}),
    };
    let after = null;
    if (input.pageToken) {
      // A token is bound to the filters it was issued for (common.proto PageRequest).
      const p = decodePageToken(input.pageToken, ['n', 'i'] as const, filter);
      after = { name: p.n, id: p.i };
    }
    // The phone reading is derived from the query, so the page token stays bound to `filter`.
    const phone = query ? phoneSearch(query) : null;
    const rows = await this.deps.customers.list(phone ? { ...filter, phone } : filter, limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      customers: page,
      nextPageToken: rows.length > limit && last ? encodePageToken({ n: last.name, i: last.id }, filter) : null,
    };
  }
}
