import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * SuspendCustomer (customer_service.proto) suspends a customer, "isolir" (e.g. for non-payment):
 * before it nothing made a customer SUSPENDED, though the status and ActivateCustomer's
 * SUSPENDED → ACTIVE existed. A suspension is recorded on the customer, as an invoice's status
 * change is on the invoice (migration 1795400500000):
 * - `customers.suspended_at` (timestamptz): when; NULL unless SUSPENDED.
 * - `customers.suspension_reason` (text, '' when none): why, as given (at most 500 characters,
 *   checked by the service).
 * - `customers.suspended_by` (text): who (a staff id, a key's role, a service's actor id); NULL
 *   unless SUSPENDED.
 * ActivateCustomer clears the three. The customers stored before have none (none was suspended).
 * Down drops the columns (a SUSPENDED status stays).
 */
export class CustomerSuspension1795400700000 implements MigrationInterface {
  name = 'CustomerSuspension1795400700000';

  async up(qr: QueryRunner): Promise<void> {
    const customers = table(qr, 'customers');
    await qr.query(`ALTER TABLE ${customers} ADD COLUMN suspended_at timestamptz`);
    await qr.query(`ALTER TABLE ${customers} ADD COLUMN suspension_reason text NOT NULL DEFAULT ''`);
    await qr.query(`ALTER TABLE ${customers} ADD COLUMN suspended_by text`);
  }

  async down(qr: QueryRunner): Promise<void> {
    const customers = table(qr, 'customers');
    await qr.query(`ALTER TABLE ${customers} DROP COLUMN IF EXISTS suspended_by`);
    await qr.query(`ALTER TABLE ${customers} DROP COLUMN IF EXISTS suspension_reason`);
    await qr.query(`ALTER TABLE ${customers} DROP COLUMN IF EXISTS suspended_at`);
  }
}
