import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * `pending_receipts`: provider receipts that arrived before the gateway recorded the send they
 * are about (a fast status callback overtaking the round's bookkeeping). Keyed like `receipts`
 * (provider, message key `id:<provider message id>` or `state:<Fonnte stateid>`, status), so a
 * repeated early receipt is kept once. They are applied, and deleted, when the round that
 * records that provider message id commits (or the Fonnte stateid gets linked); the ones nothing
 * ever matches are deleted by the housekeeping after RECEIPTS_RETENTION_MS (index on received_at).
 */
export class CreatePendingReceipts1795400506000 implements MigrationInterface {
  name = 'CreatePendingReceipts1795400506000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`
      CREATE TABLE ${table(qr, 'pending_receipts')} (
        provider            text        NOT NULL,
        message_key         text        NOT NULL,
        status              text        NOT NULL,
        provider_message_id text,
        state_id            text,
        error               text,
        occurred_at         timestamptz NOT NULL,
        received_at         timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (provider, message_key, status)
      )`);
    await qr.query(`CREATE INDEX pending_receipts_received_at_idx ON ${table(qr, 'pending_receipts')} (received_at)`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP TABLE ${table(qr, 'pending_receipts')}`);
  }
}
