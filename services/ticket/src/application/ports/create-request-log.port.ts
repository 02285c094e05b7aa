/** A CreateTicket request already recorded under the caller's idempotency key. */
export interface RecordedCreateRequest {
  readonly ticketId: string;
  /** Fingerprint of the request's fields (see CreateTicketUseCase). */
  readonly fingerprint: string;
}

/**
 * Idempotency keys of CreateTicket (`request_id`, ≤ 200 characters), used inside a unit of
 * work so the key commits with the ticket it created.
 */
export interface CreateRequestLog {
  /**
   * Records `requestId` → `ticketId` with `fingerprint` and returns null when the key is new;
   * returns the earlier record (and records nothing) when the key was already used. A
   * concurrent transaction holding the same key makes this wait for it. Postgres:
   * `INSERT … ON CONFLICT (request_id) DO NOTHING`, then a read of the existing row.
   */
  claim(requestId: string, ticketId: string, fingerprint: string): Promise<RecordedCreateRequest | null>;
}
