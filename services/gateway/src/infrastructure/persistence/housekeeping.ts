import type { DataSource } from 'typeorm';
import { assertSchemaName, qualifiedTable } from '@notify/db';

/** The gateway tables the housekeeping trims by `received_at` (each has an index on it). */
export type TrimmedTable = 'inbound_messages' | 'receipts' | 'pending_receipts';

/**
 * Deletes the rows of `<schema>.<table>` received more than `olderThanMs` ms ago (the
 * housekeeping's clean-up of the webhook dedupe and receipt tables, and of the receipts kept for
 * a send never recorded; retention from INBOUND_MESSAGES_RETENTION_MS / RECEIPTS_RETENTION_MS). Returns the number deleted; 0 and no
 * statement when `olderThanMs` is 0 (kept forever).
 */
export async function purgeOlderThan(ds: DataSource, schema: string, table: TrimmedTable, olderThanMs: number): Promise<number> {
  if (olderThanMs <= 0) return 0;
  const res = await ds.query(
    `DELETE FROM ${qualifiedTable(assertSchemaName(schema), table)} WHERE received_at < now() - $1 * interval '1 millisecond'`,
    [olderThanMs],
  );
  // TypeORM's postgres driver answers a DELETE with [rows, affected].
  return Array.isArray(res) && typeof res[1] === 'number' ? res[1] : 0;
}
