import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '../migration.helpers';

/**
 * Dead letters of a service's durable consumers: a message the consumer gave up on (poison
 * message, `term`, or `max_deliver` reached) with the reason, kept for inspection and re-drive.
 * One row per incident (no unique key: a re-driven message that fails again is a new row).
 * `stream`, `durable` (the consumer that gave up) and `cause` (poison | handler_term |
 * max_deliver) come from the consumer runner when it provides them.
 */
export class CreateDeadLetters1795300001000 implements MigrationInterface {
  name = 'CreateDeadLetters1795300001000';

  async up(qr: QueryRunner): Promise<void> {
    const deadLetters = table(qr, 'dead_letters');
    await qr.query(`
      CREATE TABLE ${deadLetters} (
        id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        subject        text        NOT NULL,
        msg_id         text        NULL,
        payload        bytea       NOT NULL,
        headers        jsonb       NOT NULL DEFAULT '{}'::jsonb,
        reason         text        NOT NULL,
        delivery_count integer     NOT NULL DEFAULT 0,
        stream         text        NULL,
        durable        text        NULL,
        cause          text        NULL,
        created_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await qr.query(`CREATE INDEX dead_letters_created_at_idx ON ${deadLetters} (created_at)`);
    await qr.query(`CREATE INDEX dead_letters_msg_id_idx ON ${deadLetters} (msg_id) WHERE msg_id IS NOT NULL`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP TABLE ${table(qr, 'dead_letters')}`);
  }
}
