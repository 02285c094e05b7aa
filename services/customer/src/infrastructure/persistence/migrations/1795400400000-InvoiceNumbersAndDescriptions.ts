import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/** `INV-<YYYYMM>-<digits>` as generated; group 1 the month, group 2 the sequence (≤ 9 digits: an integer). */
const GENERATED_FORM = `'^INV-([0-9]{6})-([0-9]{1,9})$'`;

/**
 * CreateInvoice promises (customer_service.proto CreateInvoiceRequest) a generated number
 * `INV-YYYYMM-NNNN` when the request has none, and an invoice's description; the service stored
 * a NULL number (the payment reminder printed "No. Invoice: " with nothing after it) and dropped
 * the description.
 * - `invoices.description` (text, '' when none).
 * - `invoice_number_counters`: one row per month `YYYYMM` (the month of creation in Asia/Jakarta),
 *   `last_value` the last sequence number given; PgInvoiceRepository.insert takes the next one
 *   in the invoice's own transaction (`INSERT … ON CONFLICT (month) DO UPDATE`), so concurrent
 *   creates on any replica get distinct numbers.
 * - The invoices stored without a number get one now: per month of creation (WIB), in creation
 *   order, after the highest number of that form already in the month; then every month's
 *   counter starts after the highest number of that form it has.
 * Down drops the column and the counters; the numbers given stay.
 */
export class InvoiceNumbersAndDescriptions1795400400000 implements MigrationInterface {
  name = 'InvoiceNumbersAndDescriptions1795400400000';

  async up(qr: QueryRunner): Promise<void> {
    const invoices = table(qr, 'invoices');
    const counters = table(qr, 'invoice_number_counters');
    await qr.query(`ALTER TABLE ${invoices} ADD COLUMN description text NOT NULL DEFAULT ''`);
    await qr.query(`
      CREATE TABLE ${counters} (
        month      text    PRIMARY KEY,
        last_value integer NOT NULL CHECK (last_value > 0)
      )`);
    const taken = `
      SELECT m[1] AS month, max(m[2]::integer) AS last_value
      FROM (SELECT regexp_match(number, ${GENERATED_FORM}) AS m FROM ${invoices} WHERE number IS NOT NULL) x
      WHERE m IS NOT NULL
      GROUP BY m[1]`;
    await qr.query(`
      WITH taken AS (${taken}),
      numbered AS (
        SELECT i.id, w.month,
               COALESCE(tk.last_value, 0) + row_number() OVER (PARTITION BY w.month ORDER BY i.created_at, i.id COLLATE "C") AS seq
        FROM ${invoices} i
        CROSS JOIN LATERAL (SELECT to_char(i.created_at AT TIME ZONE 'Asia/Jakarta', 'YYYYMM') AS month) w
        LEFT JOIN taken tk ON tk.month = w.month
        WHERE i.number IS NULL
      )
      UPDATE ${invoices} i
      SET number = 'INV-' || n.month || '-' || lpad(n.seq::text, greatest(4, length(n.seq::text)), '0')
      FROM numbered n
      WHERE i.id = n.id`);
    await qr.query(`INSERT INTO ${counters} (month, last_value) SELECT month, last_value FROM (${taken}) t WHERE last_value > 0`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP TABLE IF EXISTS ${table(qr, 'invoice_number_counters')}`);
    await qr.query(`ALTER TABLE ${table(qr, 'invoices')} DROP COLUMN IF EXISTS description`);
  }
}
