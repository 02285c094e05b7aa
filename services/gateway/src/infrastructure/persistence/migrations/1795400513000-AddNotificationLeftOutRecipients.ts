import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * `notifications.left_out_recipients`: who a notification left out, by name and reason (a jsonb
 * array of `{kind, id, address, name, reason, channel}`, the first LEFT_OUT_RECIPIENTS_KEPT = 50; the
 * `left_out` counter counts them all), shown by GetNotification (proto
 * Notification.left_out_recipients) and `notifyctl notifications show`. A constant default: no
 * table rewrite (Postgres 11+ stores it in the catalog).
 */
export class AddNotificationLeftOutRecipients1795400513000 implements MigrationInterface {
  name = 'AddNotificationLeftOutRecipients1795400513000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE ${table(qr, 'notifications')} ADD COLUMN left_out_recipients jsonb NOT NULL DEFAULT '[]'::jsonb`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE ${table(qr, 'notifications')} DROP COLUMN left_out_recipients`);
  }
}
