import type { TicketType } from '../../domain';

/**
 * Per-type, per-day counter for human-readable ticket numbers (shown to customers, so a number
 * must not be used up by a request that creates nothing). Called only once the request is
 * validated, the customer found and any idempotency key claimed: bad input and replays draw no
 * number. Two forms:
 * - `TicketTransaction.numbers` draws inside the unit of work that stores the ticket: the draw
 *   commits or rolls back with it (no gap, whatever fails), and concurrent creations of the same
 *   (type, day) wait for each other's commit on the counter row;
 * - the service-wide sequence (CreateTicket without request_id, through the batching
 *   TicketWriter) draws in its own statement just before the write, and gives the number back
 *   ({@link TicketNumberSequence.release}) when that write fails.
 */
export interface TicketNumberSequence {
  /**
   * The next sequence number (1, 2, …) for `type` on Jakarta day `dayKey` (`YYYYMMDD`).
   * Atomic across replicas. Postgres: `INSERT INTO ticket_number_counters (type, day, last)
   * VALUES ($1, $2, 1) ON CONFLICT (type, day) DO UPDATE SET last = counters.last + 1 RETURNING last`.
   */
  next(type: TicketType, dayKey: string): Promise<number>;
  /**
   * Gives back `sequence`, drawn by {@link next} for a ticket that was then NOT stored: the
   * counter steps back when `sequence` is still its last number (nobody drew after it), so the
   * next ticket takes it; otherwise nothing changes (a gap, never a duplicate). Resolves true when
   * the number was given back. Postgres: `UPDATE … SET last = last - 1 WHERE type = $1 AND day = $2
   * AND last = $3`.
   */
  release(type: TicketType, dayKey: string, sequence: number): Promise<boolean>;
}
