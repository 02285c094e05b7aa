import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * `inbound_messages`: one row per (provider, inbound message id) the gateway acted on, so a
 * webhook the provider retries (Fonnte retries non-200 answers) is recognised and a technician's
 * "1" acts once (the technician reply flow's InboundDedupe).
 */
export class CreateInboundMessages1795400501000 implements MigrationInterface {
  name = 'CreateInboundMessages1795400501000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`
      CREATE TABLE ${table(qr, 'inbound_messages')} (
        provider    text        NOT NULL,
        message_id  text        NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (provider, message_id)
      )`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP TABLE ${table(qr, 'inbound_messages')}`);
  }
}
