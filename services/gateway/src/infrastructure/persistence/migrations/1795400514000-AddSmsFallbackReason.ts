import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * `deliveries.sms_fallback_reason`: why a WhatsApp delivery was moved to SMS between rounds — a
 * provider's failure receipt said the number cannot get WhatsApp messages (Fonnte `invalid`,
 * isPermanentReceiptFailure), so its next rounds go over the SMS chain with its SMS text instead
 * of spending them on WhatsApp (`fonnte: invalid`). Shown on Delivery (proto
 * `sms_fallback_reason`); the send that follows counts as a failover. NULL for every other row
 * (an SMS fallback within a round shows as channel SMS and failover). No table rewrite.
 */
export class AddSmsFallbackReason1795400514000 implements MigrationInterface {
  name = 'AddSmsFallbackReason1795400514000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE ${table(qr, 'deliveries')} ADD COLUMN sms_fallback_reason text`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE ${table(qr, 'deliveries')} DROP COLUMN sms_fallback_reason`);
  }
}
