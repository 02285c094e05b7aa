import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * The receipt reconciliation's bookkeeping on `deliveries` (ReceiptReconciler,
 * PgDeliveryStore.claimUnconfirmed): `receipt_checks` status look-ups made for the message in
 * `receipt_checked_id` (`<provider>:<provider message id>`, the message they asked about: a re-sent delivery's new
 * message starts again from none), `receipt_check_at` when the next one is due; and
 * `deliveries_unconfirmed_idx`, SENT deliveries by sent_at (the reconciler's range). Adding the
 * columns rewrites nothing (constant default, Postgres ≥ 11).
 */
export class AddReceiptChecks1795400509000 implements MigrationInterface {
  name = 'AddReceiptChecks1795400509000';

  async up(qr: QueryRunner): Promise<void> {
    const deliveries = table(qr, 'deliveries');
    await qr.query(
      `ALTER TABLE ${deliveries} ADD COLUMN receipt_checks integer NOT NULL DEFAULT 0, ADD COLUMN receipt_checked_id text, ADD COLUMN receipt_check_at timestamptz`,
    );
    await qr.query(`CREATE INDEX deliveries_unconfirmed_idx ON ${deliveries} (sent_at) WHERE status = 'SENT'`);
  }

  async down(qr: QueryRunner): Promise<void> {
    const deliveries = table(qr, 'deliveries');
    await qr.query(`DROP INDEX IF EXISTS ${table(qr, 'deliveries_unconfirmed_idx')}`);
    await qr.query(`ALTER TABLE ${deliveries} DROP COLUMN receipt_check_at, DROP COLUMN receipt_checked_id, DROP COLUMN receipt_checks`);
  }
}
