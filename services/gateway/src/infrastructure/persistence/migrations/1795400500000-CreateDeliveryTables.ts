import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * The gateway schema (issue 5): `notifications` (one per event / Notify / Broadcast, unique
 * idempotency key), `deliveries` (the send queue AND the delivery log: one row per (source,
 * recipient, channel), UNIQUE idempotency_key), `delivery_attempts` (one row per provider
 * call, BREAKER_OPEN included) and `receipts` (provider receipts seen, for dedupe).
 *
 * Indexes: the dispatcher's claim (`status IN (QUEUED, DEFERRED, FAILED) AND due_at <= now()`,
 * partial on those states, ordered by due_at), the lease sweep (SENDING by lease_until), the
 * receipt lookups (provider, provider_message_id) and (provider, provider_state_id), the
 * rate limit (recipient, sent_at), the log's filters (created_at, ticket, notification).
 */
export class CreateDeliveryTables1795400500000 implements MigrationInterface {
  name = 'CreateDeliveryTables1795400500000';

  async up(qr: QueryRunner): Promise<void> {
    const notifications = table(qr, 'notifications');
    const deliveries = table(qr, 'deliveries');
    await qr.query(`
      CREATE TABLE ${notifications} (
        id                 uuid        PRIMARY KEY,
        source             text        NOT NULL CHECK (source IN ('EVENT', 'NOTIFY', 'BROADCAST')),
        idempotency_key    text        NOT NULL UNIQUE,
        notification_type  text        NOT NULL,
        priority           text        NOT NULL CHECK (priority IN ('LOW', 'NORMAL', 'HIGH', 'URGENT')),
        template_key       text        NOT NULL DEFAULT '',
        status             text        NOT NULL CHECK (status IN ('RESOLVING', 'RESOLVED', 'FAILED')),
        deliveries_created integer     NOT NULL DEFAULT 0,
        left_out           integer     NOT NULL DEFAULT 0,
        error              text,
        ticket_id          text,
        actor              jsonb,
        variables          jsonb,
        request            jsonb,
        created_at         timestamptz NOT NULL,
        resolved_at        timestamptz
      )`);
    await qr.query(`CREATE INDEX notifications_created_idx ON ${notifications} (created_at DESC)`);

    await qr.query(`
      CREATE TABLE ${deliveries} (
        id                  uuid        PRIMARY KEY,
        notification_id     uuid        NOT NULL REFERENCES ${notifications} (id),
        idempotency_key     text        NOT NULL UNIQUE,
        notification_type   text        NOT NULL,
        ticket_id           text,
        source_event_id     text,
        recipient           text        NOT NULL,
        recipient_kind      text        NOT NULL,
        recipient_id        text,
        recipient_name      text        NOT NULL DEFAULT '',
        channel             text        NOT NULL CHECK (channel IN ('WHATSAPP', 'SMS')),
        priority            text        NOT NULL CHECK (priority IN ('LOW', 'NORMAL', 'HIGH', 'URGENT')),
        locale              text        NOT NULL DEFAULT 'ID',
        template_key        text        NOT NULL DEFAULT '',
        template_version    integer     NOT NULL DEFAULT 0,
        body                text        NOT NULL,
        fallback_body       text,
        fallback_template_version integer,
        quiet_hours         jsonb,
        status              text        NOT NULL CHECK (status IN ('QUEUED', 'DEFERRED', 'SENDING', 'SENT', 'DELIVERED', 'READ', 'FAILED', 'DEAD')),
        due_at              timestamptz NOT NULL,
        deferred_until      timestamptz,
        next_attempt_at     timestamptz,
        lease_until         timestamptz,
        rounds              integer     NOT NULL DEFAULT 0,
        attempt_count       integer     NOT NULL DEFAULT 0,
        pinned_provider     text,
        provider            text,
        provider_message_id text,
        provider_state_id   text,
        last_error          text,
        cost_rupiah         bigint      NOT NULL DEFAULT 0,
        failover            boolean     NOT NULL DEFAULT false,
        created_at          timestamptz NOT NULL,
        updated_at          timestamptz NOT NULL,
        sent_at             timestamptz,
        delivered_at        timestamptz,
        read_at             timestamptz
      )`);
    await qr.query(
      `CREATE INDEX deliveries_claim_idx ON ${deliveries} (due_at) WHERE status IN ('QUEUED', 'DEFERRED', 'FAILED')`,
    );
    await qr.query(`CREATE INDEX deliveries_lease_idx ON ${deliveries} (lease_until) WHERE status = 'SENDING'`);
    await qr.query(`CREATE INDEX deliveries_provider_msg_idx ON ${deliveries} (provider, provider_message_id) WHERE provider_message_id IS NOT NULL`);
    await qr.query(`CREATE INDEX deliveries_provider_state_idx ON ${deliveries} (provider, provider_state_id) WHERE provider_state_id IS NOT NULL`);
    await qr.query(`CREATE INDEX deliveries_recipient_sent_idx ON ${deliveries} (recipient, sent_at) WHERE sent_at IS NOT NULL`);
    await qr.query(`CREATE INDEX deliveries_created_idx ON ${deliveries} (created_at DESC, id DESC)`);
    await qr.query(`CREATE INDEX deliveries_notification_idx ON ${deliveries} (notification_id, created_at)`);
    await qr.query(`CREATE INDEX deliveries_ticket_idx ON ${deliveries} (ticket_id) WHERE ticket_id IS NOT NULL`);

    await qr.query(`
      CREATE TABLE ${table(qr, 'delivery_attempts')} (
        id                  uuid        PRIMARY KEY,
        delivery_id         uuid        NOT NULL REFERENCES ${deliveries} (id) ON DELETE CASCADE,
        number              integer     NOT NULL,
        provider            text        NOT NULL,
        outcome             text        NOT NULL CHECK (outcome IN ('ACCEPTED', 'RETRYABLE_FAILURE', 'PERMANENT_FAILURE', 'AMBIGUOUS', 'BREAKER_OPEN')),
        error               text,
        latency_ms          integer     NOT NULL DEFAULT 0,
        provider_message_id text,
        cost_rupiah         bigint      NOT NULL DEFAULT 0,
        http_status         integer     NOT NULL DEFAULT 0,
        started_at          timestamptz NOT NULL,
        finished_at         timestamptz NOT NULL,
        UNIQUE (delivery_id, number)
      )`);
    await qr.query(`CREATE INDEX delivery_attempts_started_idx ON ${table(qr, 'delivery_attempts')} (started_at)`);

    await qr.query(`
      CREATE TABLE ${table(qr, 'receipts')} (
        provider     text        NOT NULL,
        message_key  text        NOT NULL,
        status       text        NOT NULL,
        delivery_id  uuid,
        error        text,
        occurred_at  timestamptz NOT NULL,
        received_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (provider, message_key, status)
      )`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP TABLE ${table(qr, 'receipts')}`);
    await qr.query(`DROP TABLE ${table(qr, 'delivery_attempts')}`);
    await qr.query(`DROP TABLE ${table(qr, 'deliveries')}`);
    await qr.query(`DROP TABLE ${table(qr, 'notifications')}`);
  }
}
