import { ValidationError } from '@notify/errors';
import {
  isTicketPriority,
  isTicketStatus,
  isTicketType,
  type Ticket,
  type TicketPriority,
  type TicketStatus,
  type TicketType,
} from '../../domain';
import { normalizeWorkZone } from '@notify/work-zone';
import { decodePageToken, encodePageToken, resolvePageSize } from '@notify/paging';
import type { TicketListFilter, TicketOrder, TicketRepository } from '../ports';
import { requireRole, type Principal } from '../principal';
import { TICKET_PERMISSIONS } from '../ticket-access.policy';

export interface ListTicketsInput {
  readonly statuses?: readonly TicketStatus[];
  readonly type?: TicketType;
  /** Any of these types. */
  readonly types?: readonly TicketType[];
  /** Any of these priorities. */
  readonly priorities?: readonly TicketPriority[];
  /** Creation window: createdAt in [createdFrom, createdTo). */
  readonly createdFrom?: Date;
  readonly createdTo?: Date;
  readonly workZone?: string;
  readonly technicianId?: string;
  readonly customerId?: string;
  /** SLA due window: slaDueAt in [slaDueFrom, slaDueTo). */
  readonly slaDueFrom?: Date;
  readonly slaDueTo?: Date;
  /** Default `created_desc` (newest first); `sla_due_asc` = soonest deadline first. */
  readonly order?: TicketOrder;
  /** 1..500, default 50. */
  readonly pageSize?: number;
  /** From a previous response's `nextPageToken`. */
  readonly pageToken?: string;
}

export interface ListTicketsOutput {
  readonly tickets: readonly Ticket[];
  /** Null on the last page. */
  readonly nextPageToken: string | null;
}

/**
 * ListTickets: newest first (createdAt DESC, id DESC) or, with `order: sla_due_asc`, soonest
 * SLA deadline first (slaDueAt ASC, id ASC); keyset-paged with an opaque token that
 * remembers the order and the filters (a token used with another order or other filters →
 * Validation page_token).
 * Filters AND together (see TicketListFilter). The SLA monitor uses
 * `statuses=[OPEN, ASSIGNED, IN_PROGRESS]` with an SLA due window.
 * Roles: TICKET_PERMISSIONS.read. Errors: Validation (statuses, type, types, priorities,
 * work_zone, sla_due.to, created.to — the request's paths, proto TimeRange — page_size, page_token).
 */
export class ListTicketsUseCase {
  constructor(private readonly deps: { readonly tickets: TicketRepository }) {}

  async execute(principal: Principal, input: ListTicketsInput = {}): Promise<ListTicketsOutput> {
    requireRole(principal, TICKET_PERMISSIONS.read, 'list tickets');
    const filter = toFilter(input);
    const limit = resolvePageSize(input.pageSize);
    const order: TicketOrder = input.order ?? 'created_desc';
    if (order !== 'created_desc' && order !== 'sla_due_asc') throw new ValidationError('order_by', `unknown order "${String(order)}"`);
    let after = null;
    if (input.pageToken) {
      const pos = decodePageToken(input.pageToken, ['c', 'i', 'o'] as const, filter);
      const at = new Date(pos.c);
      if (Number.isNaN(at.getTime()) || pos.o !== order) throw new ValidationError('page_token', 'is not a valid page token for this order');
      after = { at, id: pos.i };
    }
    const rows = await this.deps.tickets.list(filter, limit + 1, after, order);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const lastAt = last ? (order === 'sla_due_asc' ? last.slaDueAt : last.createdAt) : null;
    return {
      tickets: page,
      nextPageToken: rows.length > limit && last && lastAt ? encodePageToken({ c: lastAt.toISOString(), i: last.id, o: order }, filter) : null,
    };
  }
}

function toFilter(input: ListTicketsInput): TicketListFilter {
  const filter: { -readonly [K in keyof TicketListFilter]: TicketListFilter[K] } = {};
  if (input.statuses?.length) {
    const bad = input.statuses.find((s) => !isTicketStatus(s));
    if (bad !== undefined) throw new ValidationError('statuses', `unknown status "${bad}"`);
    filter.statuses = [...new Set(input.statuses)];
  }
  if (input.type !== undefined) {
    if (!isTicketType(input.type)) throw new ValidationError('type', `must be GANGGUAN or PSB, got "${input.type}"`);
    filter.type = input.type;
  }
  if (input.types?.length) {
    const bad = input.types.find((t) => !isTicketType(t));
    if (bad !== undefined) throw new ValidationError('types', `unknown type "${bad}"`);
    filter.types = [...new Set(input.types)];
  }
  if (input.priorities?.length) {
    const bad = input.priorities.find((p) => !isTicketPriority(p));
    if (bad !== undefined) throw new ValidationError('priorities', `unknown priority "${bad}"`);
    filter.priorities = [...new Set(input.priorities)];
  }
  if (input.createdFrom) filter.createdFrom = input.createdFrom;
  if (input.createdTo) filter.createdTo = input.createdTo;
  if (filter.createdFrom && filter.createdTo && filter.createdFrom.getTime() >= filter.createdTo.getTime()) {
    throw new ValidationError('created.to', 'must be after created.from');
  }
  if (input.workZone) filter.workZone = normalizeWorkZone(input.workZone);
  if (input.technicianId) filter.technicianId = input.technicianId.trim();
  if (input.customerId) filter.customerId = input.customerId.trim();
  if (input.slaDueFrom) filter.slaDueFrom = input.slaDueFrom;
  if (input.slaDueTo) filter.slaDueTo = input.slaDueTo;
  if (filter.slaDueFrom && filter.slaDueTo && filter.slaDueFrom.getTime() >= filter.slaDueTo.getTime()) {
    throw new ValidationError('sla_due.to', 'must be after sla_due.from');
  }
  return filter;
}
