import type { DataSource } from 'typeorm';
import { assertSchemaName, qualifiedTable } from '@notify/db';

/** The gateway tables the housekeeping trims, each by its time column (each has an index on it). */
export type TrimmedTable = 'inbound_messages' | 'receipts' | 'pending_receipts' | 'ticket_supersessions' | 'invoice_closures';

const TIME_COLUMN: Record<TrimmedTable, string> = {
  inbound_messages: 'received_at',
  receipts: 'received_at',
  pending_receipts: 'received_at',
  ticket_supersessions: 'created_at',
  invoice_closures: 'created_at',
};

/**
 * How long what a ticket event made stale, and an invoice's payment, are kept (ms): 30 days, far
 * longer than any delivery waits (quiet hours, the rate limit window, the retry budget), so a
 * RetryDelivery of a stale job offer or of a paid invoice's reminder is still refused weeks later.
 */
export const SUPERSESSIONS_RETENTION_MS = 30 * 24 * 3_600_000;

/**
 * Deletes the rows of `<schema>.<table>` received (recorded) more than `olderThanMs` ms ago (the
 * housekeeping's clean-up of the webhook dedupe and receipt tables, of the receipts kept for a
 * send never recorded, of the tickets' supersessions and of the invoices' closures; retention from
 * INBOUND_MESSAGES_RETENTION_MS / RECEIPTS_RETENTION_MS / SUPERSESSIONS_RETENTION_MS). Returns the
 * number deleted; 0 and no statement when `olderThanMs` is 0 (kept forever).
 */
export async function purgeOlderThan(ds: DataSource, schema: string, table: TrimmedTable, olderThanMs: number): Promise<number> {
  if (olderThanMs <= 0) return 0;
  const res = await ds.query(
    `DELETE FROM ${qualifiedTable(assertSchemaName(schema), table)} WHERE ${TIME_COLUMN[table]} < now() - $1 * interval '1 millisecond'`,
    [olderThanMs],
  );
  // TypeORM's postgres driver answers a DELETE with [rows, affected].
  return Array.isArray(res) && typeof res[1] === 'number' ? res[1] : 0;
}
