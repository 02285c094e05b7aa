import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

const BEFORE = `'QUEUED', 'DEFERRED', 'SENDING', 'SENT', 'DELIVERED', 'READ', 'FAILED', 'DEAD'`;

/**
 * `deliveries.status` may be `CANCELLED`: a delivery withdrawn unsent because the ticket it is
 * about moved on (a job offer still waiting when the ticket was taken; delivery.proto
 * `DELIVERY_STATUS_CANCELLED`, PgDeliveryStore.supersede / withdrawSuperseded). The column's CHECK (named by
 * Postgres `deliveries_status_check`) is replaced by one that allows it. The partial indexes
 * list the pending statuses, so a cancelled row leaves the claim's and the ticket order's
 * indexes by itself.
 */
export class AddCancelledDeliveryStatus1795400511000 implements MigrationInterface {
  name = 'AddCancelledDeliveryStatus1795400511000';

  async up(qr: QueryRunner): Promise<void> {
    const t = table(qr, 'deliveries');
    await qr.query(`ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS deliveries_status_check`);
    // NOT VALID: the existing rows are not scanned (they passed the narrower check just dropped),
    // so the table's exclusive lock is held for a moment on a large delivery log, not for a scan;
    // every row written from now on is checked.
    await qr.query(`ALTER TABLE ${t} ADD CONSTRAINT deliveries_status_check CHECK (status IN (${BEFORE}, 'CANCELLED')) NOT VALID`);
  }

  async down(qr: QueryRunner): Promise<void> {
    const t = table(qr, 'deliveries');
    // DEAD keeps them unsent; last_error still says they were withdrawn (RetryDelivery would send them).
    await qr.query(`UPDATE ${t} SET status = 'DEAD' WHERE status = 'CANCELLED'`);
    await qr.query(`ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS deliveries_status_check`);
    await qr.query(`ALTER TABLE ${t} ADD CONSTRAINT deliveries_status_check CHECK (status IN (${BEFORE}))`);
  }
}
