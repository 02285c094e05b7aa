import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * The customer service's directory in its schema (`customer` in production): customers
 * (unique phone), staff (unique phone, roles, work zones, active), WhatsApp groups (unique
 * chat id and name), preferences, opt-outs (by phone and channel), invoices (amount in rupiah as
 * bigint, calendar due date, unique number) and routing rules (seeded at start, editable).
 */
export class CreateCustomerDirectory1795400100000 implements MigrationInterface {
  name = 'CreateCustomerDirectory1795400100000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`
      CREATE TABLE ${table(qr, 'customers')} (
        id                 text        PRIMARY KEY,
        name               text        NOT NULL,
        phone              text        NOT NULL,
        address            text        NOT NULL,
        work_zone          text        NOT NULL,
        package_name       text        NOT NULL,
        status             text        NOT NULL CHECK (status IN ('PENDING', 'ACTIVE', 'SUSPENDED')),
        wants_installation boolean     NOT NULL DEFAULT false,
        created_at         timestamptz NOT NULL,
        updated_at         timestamptz NOT NULL,
        activated_at       timestamptz,
        version            integer     NOT NULL,
        CONSTRAINT customers_phone_key UNIQUE (phone)
      )`);
    await qr.query(`CREATE INDEX customers_created_idx ON ${table(qr, 'customers')} (created_at DESC, id DESC)`);
    await qr.query(`CREATE INDEX customers_active_zone_idx ON ${table(qr, 'customers')} (work_zone, id) WHERE status = 'ACTIVE'`);
    await qr.query(`
      CREATE TABLE ${table(qr, 'staff')} (
        id         text        PRIMARY KEY,
        name       text        NOT NULL,
        role       text        NOT NULL,
        phone      text,
        work_zones text[]      NOT NULL DEFAULT '{}',
        active     boolean     NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL,
        CONSTRAINT staff_phone_key UNIQUE (phone)
      )`);
    await qr.query(`CREATE INDEX staff_name_idx ON ${table(qr, 'staff')} (name, id)`);
    await qr.query(`
      CREATE TABLE ${table(qr, 'whatsapp_groups')} (
        id                 text        PRIMARY KEY,
        name               text        NOT NULL,
        description        text,
        chat_id            text        NOT NULL,
        category           text        NOT NULL,
        work_zone          text,
        notification_types text[]      NOT NULL DEFAULT '{}',
        active             boolean     NOT NULL DEFAULT true,
        created_at         timestamptz NOT NULL,
        updated_at         timestamptz NOT NULL,
        CONSTRAINT whatsapp_groups_chat_id_key UNIQUE (chat_id),
        CONSTRAINT whatsapp_groups_name_key UNIQUE (name)
      )`);
    await qr.query(`
      CREATE TABLE ${table(qr, 'preferences')} (
        subject_kind    text        NOT NULL,
        subject_id      text        NOT NULL,
        whatsapp        boolean     NOT NULL,
        sms             boolean     NOT NULL,
        opted_out_types text[]      NOT NULL DEFAULT '{}',
        quiet_start     text,
        quiet_end       text,
        time_zone       text        NOT NULL,
        locale          text        NOT NULL,
        updated_at      timestamptz,
        PRIMARY KEY (subject_kind, subject_id)
      )`);
    await qr.query(`
      CREATE TABLE ${table(qr, 'opt_outs')} (
        phone   text        NOT NULL,
        channel text        NOT NULL,
        reason  text,
        at      timestamptz NOT NULL,
        PRIMARY KEY (phone, channel)
      )`);
    await qr.query(`
      CREATE TABLE ${table(qr, 'invoices')} (
        id            text        PRIMARY KEY,
        customer_id   text        NOT NULL REFERENCES ${table(qr, 'customers')} (id),
        number        text,
        amount_rupiah bigint      NOT NULL CHECK (amount_rupiah > 0),
        due_date      date        NOT NULL,
        status        text        NOT NULL,
        created_at    timestamptz NOT NULL,
        CONSTRAINT invoices_number_key UNIQUE (number)
      )`);
    await qr.query(`CREATE INDEX invoices_customer_idx ON ${table(qr, 'invoices')} (customer_id)`);
    await qr.query(`CREATE INDEX invoices_unpaid_due_idx ON ${table(qr, 'invoices')} (due_date, id) WHERE status = 'UNPAID'`);
    await qr.query(`
      CREATE TABLE ${table(qr, 'routing_rules')} (
        id                text        PRIMARY KEY,
        notification_type text        NOT NULL,
        ticket_type       text,
        escalation_level  integer,
        audience          text        NOT NULL,
        channels          text[]      NOT NULL,
        template_key      text        NOT NULL,
        enabled           boolean     NOT NULL,
        source            text        NOT NULL DEFAULT '',
        updated_at        timestamptz NOT NULL DEFAULT now()
      )`);
    await qr.query(`CREATE INDEX routing_rules_type_idx ON ${table(qr, 'routing_rules')} (notification_type)`);
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const t of ['routing_rules', 'invoices', 'opt_outs', 'preferences', 'whatsapp_groups', 'staff', 'customers']) {
      await qr.query(`DROP TABLE ${table(qr, t)}`);
    }
  }
}
