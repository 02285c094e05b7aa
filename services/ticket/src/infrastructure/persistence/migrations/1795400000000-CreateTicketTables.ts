import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * The ticket schema: `tickets` (one row per ticket, optimistic `version`), `ticket_history`
 * (one line per transition) and `ticket_number_counters` (the per-(type, Jakarta day) number
 * sequence). Written against the runtime schema (`table(qr, …)`).
 */
export class CreateTicketTables1795400000000 implements MigrationInterface {
  name = 'CreateTicketTables1795400000000';

  async up(qr: QueryRunner): Promise<void> {
    const tickets = table(qr, 'tickets');
    await qr.query(`
      CREATE TABLE ${tickets} (
        id                uuid        PRIMARY KEY,
        number            text        NOT NULL UNIQUE,
        type              text        NOT NULL CHECK (type IN ('GANGGUAN', 'PSB')),
        status            text        NOT NULL CHECK (status IN ('OPEN', 'ASSIGNED', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED')),
        priority          text        NOT NULL CHECK (priority IN ('URGENT', 'HIGH', 'NORMAL', 'LOW')),
        customer_id       text        NOT NULL,
        work_zone         text        NOT NULL,
        address           text        NOT NULL,
        description       text        NOT NULL,
        technician_id     text,
        technician_name   text,
        escalation_level  smallint    NOT NULL DEFAULT 0 CHECK (escalation_level BETWEEN 0 AND 2),
        escalation_reason text,
        completion_notes  text,
        cancel_reason     text,
        created_at        timestamptz NOT NULL,
        updated_at        timestamptz NOT NULL,
        sla_due_at        timestamptz NOT NULL,
        assigned_at       timestamptz,
        started_at        timestamptz,
        completed_at      timestamptz,
        cancelled_at      timestamptz,
        created_by        jsonb       NOT NULL,
        version           integer     NOT NULL CHECK (version >= 1)
      )`);
    await qr.query(`CREATE INDEX tickets_created_idx ON ${tickets} (created_at DESC, id DESC)`);
    await qr.query(`CREATE INDEX tickets_status_sla_idx ON ${tickets} (status, sla_due_at)`);
    await qr.query(`CREATE INDEX tickets_zone_idx ON ${tickets} (work_zone, created_at)`);
    await qr.query(`CREATE INDEX tickets_technician_idx ON ${tickets} (technician_id, completed_at)`);
    await qr.query(`CREATE INDEX tickets_customer_idx ON ${tickets} (customer_id)`);
    await qr.query(`CREATE INDEX tickets_completed_idx ON ${tickets} (completed_at) WHERE completed_at IS NOT NULL`);

    await qr.query(`
      CREATE TABLE ${table(qr, 'ticket_history')} (
        ticket_id   uuid        NOT NULL REFERENCES ${tickets} (id) ON DELETE CASCADE,
        seq         integer     NOT NULL,
        action      text        NOT NULL,
        from_status text,
        to_status   text        NOT NULL,
        actor       jsonb       NOT NULL,
        at          timestamptz NOT NULL,
        note        text,
        PRIMARY KEY (ticket_id, seq)
      )`);

    await qr.query(`
      CREATE TABLE ${table(qr, 'ticket_number_counters')} (
        type text    NOT NULL,
        day  text    NOT NULL,
        last integer NOT NULL,
        PRIMARY KEY (type, day)
      )`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP TABLE ${table(qr, 'ticket_number_counters')}`);
    await qr.query(`DROP TABLE ${table(qr, 'ticket_history')}`);
    await qr.query(`DROP TABLE ${table(qr, 'tickets')}`);
  }
}
