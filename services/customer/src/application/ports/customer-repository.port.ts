import type { Customer, CustomerStatus, PhoneSearch } from '../../domain';

export interface CustomerListFilter {
  /** Any of these statuses (empty / absent = all). */
  readonly statuses?: readonly CustomerStatus[];
  /** Case-insensitive substring of the name or the phone digits. */
  readonly query?: string;
  /**
   * The query read as (part of) a phone number (domain `phoneSearch`): the stored phone starts
   * with (`prefix`) or contains these digits. A customer matches `query` OR this.
   */
  readonly phone?: PhoneSearch;
  /** Normalized work-zone key. */
  readonly workZone?: string;
}

/** Keyset position; order name, id (bytewise, COLLATE "C"). */
export interface CustomerCursor {
  readonly name: string;
  readonly id: string;
}

export interface CustomerRepository {
  findById(id: string): Promise<Customer | null>;
  /** By normalized phone (E.164 digits). */
  findByPhone(phone: string): Promise<Customer | null>;
  /**
   * Insert (`expectedVersion` 0) or update when the stored version equals `expectedVersion`.
   * Throws AlreadyExistsError when the phone belongs to another customer (unique index
   * `customers(phone)`; on insert with `entity` `customer` and `id` that customer's id),
   * ConflictError on a version mismatch.
   */
  save(customer: Customer, expectedVersion: number): Promise<void>;
  /** Up to `limit` customers ordered by name then id (bytewise), after `after`. */
  list(filter: CustomerListFilter, limit: number, after: CustomerCursor | null): Promise<Customer[]>;
  /**
   * Every ACTIVE customer (of work zone `area` when given; with an id after `afterId` when given),
   * in id order (bytewise), as a stream: the implementation pages internally (keyset on id, e.g.
   * 1,000 rows per query) so an area of 100,000 customers never sits in memory at once, and a
   * resumed resolution (`afterId`) does not read the customers before it again.
   */
  streamActive(filter: { readonly area?: string; readonly afterId?: string }): AsyncIterable<Customer>;
}
