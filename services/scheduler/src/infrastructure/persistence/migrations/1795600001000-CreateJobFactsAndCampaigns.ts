import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * - `job_facts`: what the jobs did, once per fact key ever (an SLA warning per ticket and
 *   threshold, an escalation per ticket and level, a reminder per invoice and day, a summary
 *   per day, a performance report per technician and week); written in the same transaction
 *   as the outbox row of the fact's event.
 * - `campaigns`: ScheduleCampaign / CancelCampaign / ListCampaigns; status moves SCHEDULED →
 *   SENT (with the campaign_due outbox row) or SCHEDULED → CANCELLED by conditional updates.
 */
export class CreateJobFactsAndCampaigns1795600001000 implements MigrationInterface {
  name = 'CreateJobFactsAndCampaigns1795600001000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`
      CREATE TABLE ${table(qr, 'job_facts')} (
        fact_key    text        PRIMARY KEY,
        job_name    text        NOT NULL,
        job_run_id  uuid        NOT NULL,
        event_id    uuid,
        recorded_at timestamptz NOT NULL
      )`);
    await qr.query(`CREATE INDEX job_facts_run ON ${table(qr, 'job_facts')} (job_run_id)`);
    await qr.query(`
      CREATE TABLE ${table(qr, 'campaigns')} (
        id                uuid        PRIMARY KEY,
        name              text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
        kind              text        NOT NULL CHECK (kind IN ('MAINTENANCE', 'PROMOTION', 'EMERGENCY_ALERT', 'OTHER')),
        notification_type text        NOT NULL,
        template_key      text        NOT NULL,
        audience          jsonb       NOT NULL,
        variables         jsonb       NOT NULL,
        send_at           timestamptz NOT NULL,
        priority          text        NOT NULL,
        channels          jsonb       NOT NULL,
        status            text        NOT NULL CHECK (status IN ('SCHEDULED', 'SENT', 'CANCELLED')),
        created_by        jsonb,
        created_at        timestamptz NOT NULL,
        sent_at           timestamptz,
        cancelled_at      timestamptz,
        cancel_reason     text        NOT NULL DEFAULT '',
        request_id        text
      )`);
    await qr.query(`CREATE UNIQUE INDEX campaigns_request_id ON ${table(qr, 'campaigns')} (request_id) WHERE request_id IS NOT NULL`);
    await qr.query(`CREATE INDEX campaigns_send_at ON ${table(qr, 'campaigns')} (send_at DESC, id DESC)`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP TABLE ${table(qr, 'campaigns')}`);
    await qr.query(`DROP TABLE ${table(qr, 'job_facts')}`);
  }
}
