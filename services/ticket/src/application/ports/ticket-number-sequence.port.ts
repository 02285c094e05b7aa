import type { TicketType } from '../../domain';

/**
 * Per-type, per-day counter for human-readable ticket numbers. Called after the request is
 * validated (and the customer found) — bad input draws no number — and before the unit of work,
 * so a creation that fails after the draw (a database error, a duplicate request_id) leaves a
 * gap (numbers are unique, not gapless).
 */
export interface TicketNumberSequence {
  /**
   * The next sequence number (1, 2, …) for `type` on Jakarta day `dayKey` (`YYYYMMDD`).
   * Atomic across replicas. Postgres: `INSERT INTO ticket_number_counters (type, day, last)
   * VALUES ($1, $2, 1) ON CONFLICT (type, day) DO UPDATE SET last = counters.last + 1 RETURNING last`.
   */
  next(type: TicketType, dayKey: string): Promise<number>;
}
