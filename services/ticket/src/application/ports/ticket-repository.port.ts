import type { OpenWork, Ticket, TicketPriority, TicketStats, TicketStatsQuery, TicketStatus, TicketType } from '../../domain';

/** Filters for listing tickets; every field narrows (AND). Absent = no filter. */
export interface TicketListFilter {
  readonly statuses?: readonly TicketStatus[];
  readonly type?: TicketType;
  /** Any of these types (AND with `type` when both are given). */
  readonly types?: readonly TicketType[];
  /** Any of these priorities. */
  readonly priorities?: readonly TicketPriority[];
  /** createdAt >= createdFrom (inclusive). */
  readonly createdFrom?: Date;
  /** createdAt < createdTo (exclusive). */
  readonly createdTo?: Date;
  /** Normalized work-zone key. */
  readonly workZone?: string;
  readonly technicianId?: string;
  readonly customerId?: string;
  /** slaDueAt >= slaDueFrom (inclusive). */
  readonly slaDueFrom?: Date;
  /** slaDueAt < slaDueTo (exclusive). */
  readonly slaDueTo?: Date;
}

/**
 * List orders: `created_desc` = newest first (createdAt DESC, id DESC); `sla_due_asc` =
 * soonest SLA deadline first (slaDueAt ASC, id ASC), for the SLA monitor.
 */
export type TicketOrder = 'created_desc' | 'sla_due_asc';

/**
 * Keyset position: the last row of the previous page — `at` is its createdAt for
 * `created_desc`, its slaDueAt for `sla_due_asc`.
 */
export interface TicketCursor {
  readonly at: Date;
  readonly id: string;
}

/**
 * Ticket persistence. Used inside a unit of work for writes (see unit-of-work.port.ts) and
 * outside one for reads.
 */
export interface TicketRepository {
  /** The ticket with its full history, or null. */
  findById(id: string): Promise<Ticket | null>;
  /** The ticket by its human-readable number (`GGN-20261122-0001`), or null. */
  findByNumber(number: string): Promise<Ticket | null>;
  /**
   * Writes `ticket` (row + any new history lines) if the stored version is `expectedVersion`;
   * `expectedVersion = 0` means "must not exist yet" (insert). Throws ConflictError when the
   * stored version differs (or the id / number already exists on insert). The Postgres
   * implementation: `UPDATE … SET …, version = $new WHERE id = $id AND version = $expected`,
   * 0 rows → ConflictError.
   */
  save(ticket: Ticket, expectedVersion: number): Promise<void>;
  /**
   * Up to `limit` tickets matching `filter`, in `order` (default `created_desc`), strictly
   * after `after` in that order when given. History may be omitted (empty array) in list results.
   */
  list(filter: TicketListFilter, limit: number, after: TicketCursor | null, order?: TicketOrder): Promise<Ticket[]>;
  /**
   * Statistics for the window; must equal `computeTicketStats(rows, query)` from the domain
   * over the tickets created or completed in [from, to) (an implementation may push the
   * math into SQL, see ticket-stats.calculator.ts).
   */
  stats(query: TicketStatsQuery): Promise<TicketStats>;
  /**
   * Open work at `now` (all tickets not COMPLETED / CANCELLED, optionally of one work zone);
   * must equal `computeOpenWork(rows, now, workZone)` from the domain.
   */
  openWork(workZone: string | null, now: Date): Promise<OpenWork>;
}
