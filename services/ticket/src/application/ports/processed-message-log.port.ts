/**
 * Idempotency record for consumed messages ("inbox"): one row per key, unique.
 * Used inside a unit of work so the claim commits or rolls back with the work it guards.
 */
export interface ProcessedMessageLog {
  /**
   * Claims `key` for this transaction. Returns true when the key was new (go ahead), false
   * when it was already processed (a duplicate delivery: do nothing). `eventId` and `at` are
   * recorded for audit. Postgres: `INSERT … ON CONFLICT (key) DO NOTHING RETURNING key`
   * (a concurrent transaction holding the same key makes this wait, then return false).
   */
  claim(key: string, eventId: string, at: Date): Promise<boolean>;
}
