import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '../migration.helpers';

/**
 * Idempotent consumers: one row per (consumer, event id) handled, inserted in the same
 * transaction as the consumer's effects (`markProcessed`), so a redelivered event is a no-op.
 */
export class CreateProcessedEvents1795300002000 implements MigrationInterface {
  name = 'CreateProcessedEvents1795300002000';

  async up(qr: QueryRunner): Promise<void> {
    const processed = table(qr, 'processed_events');
    await qr.query(`
      CREATE TABLE ${processed} (
        consumer     text        NOT NULL,
        event_id     text        NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
    await qr.query(`CREATE INDEX processed_events_processed_at_idx ON ${processed} (processed_at)`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP TABLE ${table(qr, 'processed_events')}`);
  }
}
