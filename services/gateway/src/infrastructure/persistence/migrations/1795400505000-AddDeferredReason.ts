import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * `deliveries.deferred_reason`: why the dispatcher last DEFERRED the delivery (`quiet hours`,
 * `recipient rate limit`), shown with `deferred_until` on Delivery (proto `deferred_reason`),
 * so an operator (and the demo) can tell a rate-limited message from one waiting for morning.
 * NULL for rows never deferred and those deferred before this migration.
 */
export class AddDeferredReason1795400505000 implements MigrationInterface {
  name = 'AddDeferredReason1795400505000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE ${table(qr, 'deliveries')} ADD COLUMN deferred_reason text`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE ${table(qr, 'deliveries')} DROP COLUMN deferred_reason`);
  }
}
