import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * SetInvoiceStatus (customer_service.proto) marks an invoice PAID or CANCELLED (VOID on the wire):
 * before it, an invoice stayed UNPAID for good, so a customer who had paid still got the 3-day and
 * 1-day payment reminders (ListInvoicesDue lists UNPAID invoices only), and a mistyped invoice
 * could not be withdrawn.
 * - `invoices.status_changed_at` (timestamptz): when it became PAID or CANCELLED; NULL while UNPAID.
 * - `invoices.status_reason` (text, '' when none): why, as given with the change.
 * - `invoices.status_changed_by` (text): who (a staff id, a key's role, a service's actor id); NULL while UNPAID.
 * - `invoices_due_idx (due_date, id COLLATE "C")`: ListInvoices pages every customer's invoices
 *   newest due date first (`ORDER BY due_date DESC, id COLLATE "C" DESC`, read backwards); one
 *   customer's are few and read by `invoices_customer_idx`.
 * The invoices stored before keep their status (UNPAID) with no change recorded.
 * Down drops the index and the columns (a PAID or CANCELLED status stays).
 */
export class InvoiceStatusChanges1795400500000 implements MigrationInterface {
  name = 'InvoiceStatusChanges1795400500000';

  async up(qr: QueryRunner): Promise<void> {
    const invoices = table(qr, 'invoices');
    await qr.query(`ALTER TABLE ${invoices} ADD COLUMN status_changed_at timestamptz`);
    await qr.query(`ALTER TABLE ${invoices} ADD COLUMN status_reason text NOT NULL DEFAULT ''`);
    await qr.query(`ALTER TABLE ${invoices} ADD COLUMN status_changed_by text`);
    await qr.query(`CREATE INDEX invoices_due_idx ON ${invoices} (due_date, id COLLATE "C")`);
  }

  async down(qr: QueryRunner): Promise<void> {
    const invoices = table(qr, 'invoices');
    await qr.query(`DROP INDEX IF EXISTS ${table(qr, 'invoices_due_idx')}`);
    await qr.query(`ALTER TABLE ${invoices} DROP COLUMN IF EXISTS status_changed_by`);
    await qr.query(`ALTER TABLE ${invoices} DROP COLUMN IF EXISTS status_reason`);
    await qr.query(`ALTER TABLE ${invoices} DROP COLUMN IF EXISTS status_changed_at`);
  }
}
