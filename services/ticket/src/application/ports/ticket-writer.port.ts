import type { Ticket, TicketEvent } from '../../domain';

/** One ticket change and the event it emits, written together. */
export interface TicketChange {
  /** The ticket after the change (its history includes the new line). */
  readonly ticket: Ticket;
  /** The version the change was made from; 0 = a new ticket (insert). */
  readonly expectedVersion: number;
  readonly event: TicketEvent;
}

/**
 * Single-ticket changes without a caller-held transaction (the lifecycle RPCs: create, assign,
 * start, complete, cancel, escalate). `commit` writes the ticket row, its new history lines and
 * its outbox event atomically, checking the version like `UPDATE … WHERE version = $expected`.
 * The Postgres writer serves concurrent callers together: one read for many `find`s, one
 * statement for many `commit`s (each change still all or nothing, and only its own).
 */
export interface TicketWriter {
  /** The ticket by id or by number (`GGN-20261122-0001`, any case) with its history; null when unknown. */
  find(ref: string): Promise<Ticket | null>;
  /**
   * Writes `change`. ConflictError when the stored version is no longer `expectedVersion` (someone
   * changed the ticket since it was read) or, for an insert, the id or number exists already.
   */
  commit(change: TicketChange): Promise<void>;
}
