import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * Campaign status FAILED: a due campaign whose template no longer renders with its variables is
 * not sent (ManageCampaignsUseCase.dispatchDue) — `failed_at` and `failure_reason` say when and
 * why. The status check of CreateJobFactsAndCampaigns1795600001000 (Postgres' default name
 * `campaigns_status_check`) is replaced to allow it.
 */
export class AddCampaignFailure1795600002000 implements MigrationInterface {
  name = 'AddCampaignFailure1795600002000';

  async up(qr: QueryRunner): Promise<void> {
    const campaigns = table(qr, 'campaigns');
    await qr.query(`ALTER TABLE ${campaigns} ADD COLUMN failed_at timestamptz, ADD COLUMN failure_reason text NOT NULL DEFAULT ''`);
    await qr.query(`ALTER TABLE ${campaigns} DROP CONSTRAINT campaigns_status_check`);
    await qr.query(`ALTER TABLE ${campaigns} ADD CONSTRAINT campaigns_status_check CHECK (status IN ('SCHEDULED', 'SENT', 'FAILED', 'CANCELLED'))`);
  }

  async down(qr: QueryRunner): Promise<void> {
    const campaigns = table(qr, 'campaigns');
    await qr.query(`DELETE FROM ${campaigns} WHERE status = 'FAILED'`);
    await qr.query(`ALTER TABLE ${campaigns} DROP CONSTRAINT campaigns_status_check`);
    await qr.query(`ALTER TABLE ${campaigns} ADD CONSTRAINT campaigns_status_check CHECK (status IN ('SCHEDULED', 'SENT', 'CANCELLED'))`);
    await qr.query(`ALTER TABLE ${campaigns} DROP COLUMN failure_reason, DROP COLUMN failed_at`);
  }
}
