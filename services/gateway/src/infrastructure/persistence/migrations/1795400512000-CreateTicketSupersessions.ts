import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * `ticket_supersessions`: what a ticket's events made stale, kept so that a delivery of that kind
 * is withdrawn (CANCELLED) whenever it would otherwise go out, not only when the event arrives:
 * one row per (ticket, kind, staff id) — `JOB_OFFERS` once the ticket was taken, `DEADLINE_NOTICES`
 * once it was closed, `STAFF` (with the staff id) for the messages to a technician the ticket was
 * reassigned away from (those created before `created_at`). `reason` is the withdrawn rows'
 * last_error. Read by PgDeliveryStore.supersede (at the event), withdrawSuperseded (at each claim)
 * and redrive; trimmed by the housekeeping after SUPERSESSIONS_RETENTION_MS.
 */
export class CreateTicketSupersessions1795400512000 implements MigrationInterface {
  name = 'CreateTicketSupersessions1795400512000';

  async up(qr: QueryRunner): Promise<void> {
    const t = table(qr, 'ticket_supersessions');
    await qr.query(`
      CREATE TABLE ${t} (
        ticket_id   text        NOT NULL,
        kind        text        NOT NULL CHECK (kind IN ('JOB_OFFERS', 'DEADLINE_NOTICES', 'STAFF')),
        staff_id    text        NOT NULL DEFAULT '',
        reason      text        NOT NULL,
        created_at  timestamptz NOT NULL,
        PRIMARY KEY (ticket_id, kind, staff_id)
      )`);
    await qr.query(`CREATE INDEX ticket_supersessions_created_idx ON ${t} (created_at)`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP TABLE IF EXISTS ${table(qr, 'ticket_supersessions')}`);
  }
}
