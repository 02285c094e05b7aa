import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * Indexes on `received_at` of `receipts` and `inbound_messages`, so the housekeeping's hourly
 * `DELETE … WHERE received_at < …` (INBOUND_MESSAGES_RETENTION_MS, RECEIPTS_RETENTION_MS) reads
 * only the expired rows instead of the whole table.
 */
export class ReceivedAtIndexes1795400504000 implements MigrationInterface {
  name = 'ReceivedAtIndexes1795400504000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`CREATE INDEX receipts_received_at_idx ON ${table(qr, 'receipts')} (received_at)`);
    await qr.query(`CREATE INDEX inbound_messages_received_at_idx ON ${table(qr, 'inbound_messages')} (received_at)`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP INDEX IF EXISTS ${table(qr, 'inbound_messages_received_at_idx')}`);
    await qr.query(`DROP INDEX IF EXISTS ${table(qr, 'receipts_received_at_idx')}`);
  }
}
