import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * Payment reminders that a paid (or voided) invoice makes stale:
 * - `notifications.invoice_id`: the invoice a notification reminds of (a `schedule.payment_reminder`
 *   event's invoice; NULL for every other notification), indexed where set;
 * - `invoice_closures`: one row per invoice the customer service reported PAID or VOID (customer
 *   event `invoice_status_changed`), with the reason its withdrawn reminders get as last_error,
 *   kept so that a reminder is withdrawn (CANCELLED) whenever it would otherwise go out, not only
 *   when the event arrives (a reminder waiting for a retry, one ingested after the payment).
 * Read by PgDeliveryStore.closeInvoice (at the event), withdrawClosedInvoices (at each claim) and
 * redrive; trimmed by the housekeeping after SUPERSESSIONS_RETENTION_MS, like ticket_supersessions.
 */
export class CreateInvoiceClosures1795400515000 implements MigrationInterface {
  name = 'CreateInvoiceClosures1795400515000';

  async up(qr: QueryRunner): Promise<void> {
    const notifications = table(qr, 'notifications');
    await qr.query(`ALTER TABLE ${notifications} ADD COLUMN invoice_id text`);
    await qr.query(`CREATE INDEX notifications_invoice_idx ON ${notifications} (invoice_id) WHERE invoice_id IS NOT NULL`);
    const t = table(qr, 'invoice_closures');
    await qr.query(`
      CREATE TABLE ${t} (
        invoice_id  text        PRIMARY KEY,
        status      text        NOT NULL CHECK (status IN ('PAID', 'VOID')),
        reason      text        NOT NULL,
        created_at  timestamptz NOT NULL
      )`);
    await qr.query(`CREATE INDEX invoice_closures_created_idx ON ${t} (created_at)`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP TABLE IF EXISTS ${table(qr, 'invoice_closures')}`);
    const notifications = table(qr, 'notifications');
    await qr.query(`DROP INDEX IF EXISTS ${table(qr, 'notifications_invoice_idx')}`);
    await qr.query(`ALTER TABLE ${notifications} DROP COLUMN IF EXISTS invoice_id`);
  }
}
