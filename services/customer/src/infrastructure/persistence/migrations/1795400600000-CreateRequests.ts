import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * Idempotency keys of RegisterCustomer and CreateInvoice (customer_service.proto `request_id`), as
 * the ticket service keeps CreateTicket's (`ticket_create_requests`): before them a billing
 * system's retry after a timeout created a second, identical invoice (two payment reminders), and a
 * retried registration could only fail with ALREADY_EXISTS.
 * - `create_requests (rpc, request_id)` primary key: one key space per RPC (`RegisterCustomer`,
 *   `CreateInvoice`); the key is claimed with `INSERT … ON CONFLICT DO NOTHING` in the transaction
 *   that stores the customer / invoice, so two concurrent identical requests create one.
 * - `entity_id`: the customer's or the invoice's id (text, as their ids); `fingerprint`: the
 *   request's normalized fields (a retry must repeat them, else ALREADY_EXISTS).
 * Keys are kept (no housekeeping), as the ticket service's. Down drops the table.
 */
export class CreateRequests1795400600000 implements MigrationInterface {
  name = 'CreateRequests1795400600000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`
      CREATE TABLE ${table(qr, 'create_requests')} (
        rpc         text        NOT NULL CHECK (rpc IN ('RegisterCustomer', 'CreateInvoice')),
        request_id  text        NOT NULL CHECK (length(request_id) <= 200),
        entity_id   text        NOT NULL,
        fingerprint text        NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (rpc, request_id)
      )`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP TABLE ${table(qr, 'create_requests')}`);
  }
}
