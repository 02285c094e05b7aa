import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/** CreateTicket idempotency keys (`request_id` → the ticket it created, with the request's fingerprint). */
export class CreateTicketCreateRequests1795400001000 implements MigrationInterface {
  name = 'CreateTicketCreateRequests1795400001000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`
      CREATE TABLE ${table(qr, 'ticket_create_requests')} (
        request_id  text        PRIMARY KEY CHECK (length(request_id) <= 200),
        ticket_id   uuid        NOT NULL,
        fingerprint text        NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP TABLE ${table(qr, 'ticket_create_requests')}`);
  }
}
