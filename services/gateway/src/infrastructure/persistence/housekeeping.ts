import type { DataSource } from 'typeorm';
import { assertSchemaName, qualifiedTable } from '@notify/db';
import type { Logger } from '@notify/logger';
import type { PendingReceiptRow } from './gateway.rows';

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
 * number deleted; 0 and no statement when `olderThanMs` is 0 (kept forever). The gateway purges
 * `pending_receipts` with {@link purgeKeptReceipts} (each one dropped is logged).
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

/** Dropped kept receipts logged one line per message at most per purge; the rest are counted in one more line. */
export const DROPPED_KEPT_LOG_LIMIT = 100;

/**
 * The housekeeping's purge of `<schema>.pending_receipts` (see purgeOlderThan): the receipts kept
 * more than `olderThanMs` ago (RECEIPTS_RETENTION_MS) for a send no round ever recorded, deleted
 * with their contents returned, and logged at warn, one line per message (provider, message id or
 * Fonnte stateid, statuses): a message a provider says it sent that Notify has no record of —
 * possibly a send whose bookkeeping was lost (an ambiguous timeout re-sent, a crash), the
 * only trace it went out. At most {@link DROPPED_KEPT_LOG_LIMIT} such lines a purge, then one
 * with the count of the others. Returns the number of rows deleted; 0 and no statement when
 * `olderThanMs` is 0 (kept forever).
 */
export async function purgeKeptReceipts(
  ds: DataSource, schema: string, olderThanMs: number, logger: Pick<Logger, 'warn'>,
): Promise<number> {
  if (olderThanMs <= 0) return 0;
  const rows = (await ds.query(
    `DELETE FROM ${qualifiedTable(assertSchemaName(schema), 'pending_receipts')} WHERE received_at < now() - $1 * interval '1 millisecond'
     RETURNING provider, message_key, status, provider_message_id, state_id, error, occurred_at, received_at`,
    [olderThanMs],
  )) as unknown;
  // TypeORM's postgres driver answers a DELETE … RETURNING with [rows, affected].
  const dropped = (Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0] : []) as PendingReceiptRow[];
  const byMessage = new Map<string, PendingReceiptRow[]>();
  for (const r of dropped) {
    const k = `${r.provider}\u0000${r.message_key}`;
    byMessage.set(k, [...(byMessage.get(k) ?? []), r]);
  }
  let logged = 0;
  for (const receipts of byMessage.values()) {
    if (logged++ >= DROPPED_KEPT_LOG_LIMIT) break;
    receipts.sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime());
    const first = receipts[0]!;
    const id = receipts.find((r) => r.provider_message_id)?.provider_message_id ?? null;
    const stateId = receipts.find((r) => r.state_id)?.state_id ?? null;
    const errors = receipts.map((r) => r.error).filter((e): e is string => e !== null);
    logger.warn(
      {
        provider: first.provider, provider_message_id: id, state_id: stateId, statuses: receipts.map((r) => r.status),
        ...(errors.length > 0 ? { errors } : {}), occurred_at: first.occurred_at.toISOString(), received_at: first.received_at.toISOString(),
      },
      'kept receipt dropped: the provider reported a message Notify has no record of sending (no delivery matched it within RECEIPTS_RETENTION_MS; possibly a send whose bookkeeping was lost)',
    );
  }
  if (byMessage.size > DROPPED_KEPT_LOG_LIMIT) {
    logger.warn({ messages: byMessage.size - DROPPED_KEPT_LOG_LIMIT, logged: DROPPED_KEPT_LOG_LIMIT }, 'kept receipts dropped for more messages Notify has no record of sending (not logged one by one)');
  }
  return dropped.length;
}
