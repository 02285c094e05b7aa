import type { DataSource } from 'typeorm';
import { assertSchemaName, qualifiedTable } from '@notify/db';
import type { JobOfferLog } from '../../application/ports';
import type { JobMessageLog, JobMessageRef } from '../../application/replies';
import { REPLY_KEY_PREFIX } from '../../domain';

/**
 * Notification types whose messages make a job message: the ticket lifecycle (the job offer of
 * `ticket.created`, the assignment, start, completion and cancellation notices) and an API-sent
 * TECHNICIAN_JOB_OFFER naming a ticket. SLA warnings, escalations and summaries are left out: a
 * "1" is not an answer to them.
 */
export const JOB_MESSAGE_TYPES: readonly string[] = [
  'TICKET_CREATED', 'TICKET_ASSIGNED', 'TICKET_STARTED', 'TICKET_COMPLETED', 'TICKET_CANCELLED', 'TECHNICIAN_JOB_OFFER',
];

/**
 * Templates of messages of those types that are not about a job of the recipient's: the notice
 * to the technician a ticket was reassigned away from ("TIKET DIALIHKAN", TICKET_ASSIGNED). A "1"
 * after it answers the message before it (their own job, or an offer), not the ticket they lost.
 */
export const NOT_JOB_MESSAGE_TEMPLATES: readonly string[] = ['technician.ticket_reassigned'];

/**
 * The reply flow's {@link JobMessageLog} over the gateway's delivery log (`<schema>.deliveries`,
 * one row per message and recipient with its ticket, notification type and sent_at). A read
 * only; nothing is written here.
 *
 * `latest(address, phone)`: the row to `address` (the `recipient` column: E.164 digits, or a
 * group id) with a ticket, of a {@link JOB_MESSAGE_TYPES} type (not of a {@link NOT_JOB_MESSAGE_TEMPLATES} template), not an answer of the reply flow
 * (those carry the ticket they are about too, to be listed with it), accepted by a provider (sent_at
 * set: the technician can have seen it), latest sent_at first; `answeredSince` = a reply-flow
 * answer ({@link REPLY_KEY_PREFIX}) was accepted for `phone` after it. Both reads use the
 * (recipient, sent_at) index of sent rows.
 *
 * `offeredTo(ticketId)` ({@link JobOfferLog}): the recipient ids of the ticket's rows to staff or groups of
 * a {@link JOB_OFFER_TYPES} type, not a reply-flow answer, accepted by a provider (sent_at set) or
 * SENDING now; read through the ticket index.
 */
/** Notification types whose messages to a staff member about a ticket are that ticket's job offer (`ticket.created`, API-sent offers). */
export const JOB_OFFER_TYPES: readonly string[] = ['TICKET_CREATED', 'TECHNICIAN_JOB_OFFER'];

export class PgJobMessageLog implements JobMessageLog, JobOfferLog {
  private readonly table: string;

  constructor(
    private readonly ds: DataSource,
    schema: string,
  ) {
    this.table = qualifiedTable(assertSchemaName(schema), 'deliveries');
  }

  async offeredTo(ticketId: string): Promise<ReadonlySet<string>> {
    const rows: Array<{ recipient_id: string }> = await this.ds.query(
      `SELECT DISTINCT d.recipient_id
         FROM ${this.table} d
        WHERE d.ticket_id = $1 AND d.recipient_kind IN ('STAFF', 'GROUP') AND d.recipient_id IS NOT NULL AND d.notification_type = ANY($2)
          AND d.idempotency_key NOT LIKE $3 AND (d.sent_at IS NOT NULL OR d.status = 'SENDING')`,
      [ticketId, JOB_OFFER_TYPES, `${REPLY_KEY_PREFIX}%`],
    );
    return new Set(rows.map((r) => r.recipient_id));
  }

  async latest(address: string, phone: string): Promise<JobMessageRef | null> {
    const rows: Array<{ ticket_id: string; sent_at: Date; answered_since: boolean }> = await this.ds.query(
      `SELECT d.ticket_id, d.sent_at,
              EXISTS (SELECT 1 FROM ${this.table} r
                       WHERE r.recipient = $2 AND r.sent_at IS NOT NULL AND r.sent_at > d.sent_at
                         AND r.idempotency_key LIKE $4) AS answered_since
         FROM ${this.table} d
        WHERE d.recipient = $1 AND d.sent_at IS NOT NULL AND d.ticket_id IS NOT NULL AND d.notification_type = ANY($3)
          AND d.idempotency_key NOT LIKE $4 AND NOT (d.template_key = ANY($5))
        ORDER BY d.sent_at DESC, d.created_at DESC
        LIMIT 1`,
      [address, phone, JOB_MESSAGE_TYPES, `${REPLY_KEY_PREFIX}%`, NOT_JOB_MESSAGE_TEMPLATES],
    );
    const row = rows[0];
    return row ? { ticketId: row.ticket_id, sentAt: new Date(row.sent_at), answeredSince: row.answered_since } : null;
  }
}
