import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/** Job runs (ListJobRuns) and per-job paused flags (PauseJob/ResumeJob). */
export class CreateJobTables1795600000000 implements MigrationInterface {
  name = 'CreateJobTables1795600000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`
      CREATE TABLE ${table(qr, 'job_runs')} (
        id             uuid        PRIMARY KEY,
        job_name       text        NOT NULL,
        trigger        text        NOT NULL CHECK (trigger IN ('SCHEDULED', 'MANUAL', 'RETRY')),
        scheduled_for  timestamptz NOT NULL,
        started_at     timestamptz NOT NULL,
        finished_at    timestamptz,
        outcome        text        NOT NULL CHECK (outcome IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED')),
        items_produced integer     NOT NULL DEFAULT 0 CHECK (items_produced >= 0),
        error          text        NOT NULL DEFAULT '',
        attempt        integer     NOT NULL CHECK (attempt >= 1)
      )`);
    await qr.query(`CREATE INDEX job_runs_job_started ON ${table(qr, 'job_runs')} (job_name, started_at DESC)`);
    await qr.query(`CREATE INDEX job_runs_started ON ${table(qr, 'job_runs')} (started_at DESC)`);
    await qr.query(`
      CREATE TABLE ${table(qr, 'job_states')} (
        job_name   text        PRIMARY KEY,
        paused     boolean     NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP TABLE ${table(qr, 'job_states')}`);
    await qr.query(`DROP TABLE ${table(qr, 'job_runs')}`);
  }
}
