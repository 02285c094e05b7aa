import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * `deliveries_ticket_order_idx`: a ticket's deliveries to one recipient that are still pending
 * (QUEUED, DEFERRED, FAILED) or being sent (SENDING), by creation. The dispatcher's claim
 * (PgDeliveryStore.claimDue) probes it for each candidate row with a ticket: a row waits while
 * an older message of its ticket to the same recipient is due, being sent or waiting for its retry,
 * so a customer reads "TIKET GANGGUAN DITERIMA" before "TEKNISI DITUGASKAN" also when both go at once (the
 * end of quiet hours, a provider back after an outage). Partial: only rows in flight are in it.
 */
export class AddTicketOrderIndex1795400510000 implements MigrationInterface {
  name = 'AddTicketOrderIndex1795400510000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(
      `CREATE INDEX deliveries_ticket_order_idx ON ${table(qr, 'deliveries')} (ticket_id, recipient, created_at)
        WHERE ticket_id IS NOT NULL AND status IN ('QUEUED', 'DEFERRED', 'FAILED', 'SENDING')`,
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP INDEX IF EXISTS ${table(qr, 'deliveries_ticket_order_idx')}`);
  }
}
