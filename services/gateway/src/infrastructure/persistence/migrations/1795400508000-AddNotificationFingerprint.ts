import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * `notifications.request_fingerprint`: a digest of the identifying fields of the Notify or
 * Broadcast request that created the notification (caller, type, recipients or audiences,
 * variables, priority, template, channels, ticket, actor; see requestFingerprint in the gRPC
 * handler), so the same idempotency key used for a DIFFERENT request is refused (ALREADY_EXISTS)
 * instead of silently answering the first notification. NULL for notifications made from events,
 * technician replies, and those created before this migration (they keep the former behaviour:
 * a repeated key is a duplicate whatever the request).
 */
export class AddNotificationFingerprint1795400508000 implements MigrationInterface {
  name = 'AddNotificationFingerprint1795400508000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE ${table(qr, 'notifications')} ADD COLUMN request_fingerprint text`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE ${table(qr, 'notifications')} DROP COLUMN request_fingerprint`);
  }
}
