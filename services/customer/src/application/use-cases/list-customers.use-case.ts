import { ValidationError } from '@notify/errors';
import { CUSTOMER_STATUSES, normalizeWorkZone, type Customer, type CustomerStatus } from '../../domain';
import { decodePageToken, encodePageToken, resolvePageSize } from '../page-token';
import type { CustomerRepository } from '../ports';
import { authorize, type Principal } from '../principal';

export interface ListCustomersInput {
  readonly status?: CustomerStatus;
  readonly workZone?: string;
  readonly pageSize?: number;
  readonly pageToken?: string;
}

/**
 * ListCustomers: newest first, keyset-paged (opaque token). Roles: readCustomers.
 * Errors: Validation (status, work_zone, page_size, page_token).
 */
export class ListCustomersUseCase {
  constructor(private readonly deps: { readonly customers: CustomerRepository }) {}

  async execute(principal: Principal, input: ListCustomersInput = {}): Promise<{ customers: Customer[]; nextPageToken: string | null }> {
    authorize(principal, 'readCustomers', 'list customers');
    if (input.status !== undefined && !CUSTOMER_STATUSES.includes(input.status)) {
      throw new ValidationError('status', `unknown status "${input.status}"`);
    }
    const limit = resolvePageSize(input.pageSize);
    let after = null;
    if (input.pageToken) {
      const p = decodePageToken(input.pageToken, ['c', 'i'] as const);
      after = { createdAt: new Date(p.c), id: p.i };
      if (Number.isNaN(after.createdAt.getTime())) throw new ValidationError('page_token', 'is not a valid page token');
    }
    const rows = await this.deps.customers.list(
      { ...(input.status ? { status: input.status } : {}), ...(input.workZone ? { workZone: normalizeWorkZone(input.workZone) } : {}) },
      limit + 1,
      after,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      customers: page,
      nextPageToken: rows.length > limit && last ? encodePageToken({ c: last.createdAt.toISOString(), i: last.id }) : null,
    };
  }
}
