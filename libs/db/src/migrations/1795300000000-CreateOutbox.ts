import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '../migration.helpers';

/**
 * The transactional outbox of a service schema. One row per event, written in the same
 * transaction as the state change (`appendToOutbox`) and published to JetStream by the
 * `OutboxRelay` with `Nats-Msg-Id` = `id`.
 *
 * - `position`: insertion order, the tie-breaker after `created_at` (rows of one transaction
 *   share `created_at`, the transaction start time).
 * - `next_attempt_at`: when the relay may try again after a failed publish (exponential
 *   backoff per row, so one poisonous row does not block the others).
 */
export class CreateOutbox1795300000000 implements MigrationInterface {
  name = 'CreateOutbox1795300000000';

  async up(qr: QueryRunner): Promise<void> {
    const outbox = table(qr, 'outbox');
    await qr.query(`
      CREATE TABLE ${outbox} (
        id              uuid        PRIMARY KEY,
        position        bigint      GENERATED ALWAYS AS IDENTITY,
        subject         text        NOT NULL,
        payload         bytea       NOT NULL,
        headers         jsonb       NOT NULL DEFAULT '{}'::jsonb,
        created_at      timestamptz NOT NULL DEFAULT now(),
        published_at    timestamptz NULL,
        attempts        integer     NOT NULL DEFAULT 0,
        last_error      text        NULL,
        next_attempt_at timestamptz NOT NULL DEFAULT now()
      )`);
    await qr.query(`CREATE INDEX outbox_pending_idx ON ${outbox} (created_at, position) WHERE published_at IS NULL`);
    await qr.query(`CREATE INDEX outbox_published_at_idx ON ${outbox} (published_at) WHERE published_at IS NOT NULL`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP TABLE ${table(qr, 'outbox')}`);
  }
}
