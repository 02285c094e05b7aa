import type { DataSource } from 'typeorm';
import { dataSourceSchema, qualifiedTable } from '@notify/db';
import type { JobRunFilter, JobRunRepository, JobStateRepository } from '../../application';
import type { JobName, JobRun, JobRunOutcome, JobTrigger } from '../../domain';

interface JobRunRow {
  id: string;
  job_name: string;
  trigger: string;
  scheduled_for: Date;
  started_at: Date;
  finished_at: Date | null;
  outcome: string;
  items_produced: number;
  error: string;
  attempt: number;
}

const toRun = (r: JobRunRow): JobRun => ({
  id: r.id,
  jobName: r.job_name as JobName,
  trigger: r.trigger as JobTrigger,
  scheduledFor: r.scheduled_for,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  outcome: r.outcome as JobRunOutcome,
  itemsProduced: r.items_produced,
  error: r.error,
  attempt: r.attempt,
});

const COLUMNS = 'id, job_name, trigger, scheduled_for, started_at, finished_at, outcome, items_produced, error, attempt';

/** JobRunRepository on Postgres (`<DATABASE_SCHEMA>.job_runs`, migration CreateJobTables1795600000000). */
export class PostgresJobRunRepository implements JobRunRepository {
  private readonly table: string;

  constructor(private readonly ds: DataSource) {
    this.table = qualifiedTable(dataSourceSchema(ds), 'job_runs');
  }

  /** INSERT … ON CONFLICT (id) DO NOTHING: concurrent inserts of one id (two replicas, one tick) serialize on the primary key; one wins. */
  async insert(run: JobRun): Promise<boolean> {
    const inserted: unknown[] = await this.ds.query(`INSERT INTO ${this.table} (${COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (id) DO NOTHING RETURNING id`, [
      run.id,
      run.jobName,
      run.trigger,
      run.scheduledFor,
      run.startedAt,
      run.finishedAt,
      run.outcome,
      run.itemsProduced,
      run.error,
      run.attempt,
    ]);
    return inserted.length === 1;
  }

  async update(run: JobRun): Promise<void> {
    await this.ds.query(`UPDATE ${this.table} SET finished_at = $2, outcome = $3, items_produced = $4, error = $5 WHERE id = $1`, [
      run.id,
      run.finishedAt,
      run.outcome,
      run.itemsProduced,
      run.error,
    ]);
  }

  async list(filter: JobRunFilter): Promise<JobRun[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => (params.push(v), `$${params.length}`);
    if (filter.jobName) where.push(`job_name = ${p(filter.jobName)}`);
    if (filter.startedFrom) where.push(`started_at >= ${p(filter.startedFrom)}`);
    if (filter.startedTo) where.push(`started_at < ${p(filter.startedTo)}`);
    if (filter.after) where.push(`(started_at, id) < (${p(filter.after.startedAt)}, ${p(filter.after.id)})`);
    const rows: JobRunRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM ${this.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ${p(filter.limit)}`,
      params,
    );
    return rows.map(toRun);
  }

  async latestPerJob(): Promise<Map<JobName, JobRun>> {
    const rows: JobRunRow[] = await this.ds.query(
      `SELECT DISTINCT ON (job_name) ${COLUMNS} FROM ${this.table} ORDER BY job_name, started_at DESC, id`,
    );
    return new Map(rows.map((r) => [r.job_name as JobName, toRun(r)]));
  }

  /** `SELECT id … WHERE id = ANY($1::uuid[])` (primary key lookups); no query for no ids. */
  async existingIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { id: string }[] = await this.ds.query(`SELECT id FROM ${this.table} WHERE id = ANY($1::uuid[])`, [[...ids]]);
    return new Set(rows.map((r) => r.id));
  }

  /** `SELECT min(started_at)`; null for an empty table. */
  async firstStartedAt(): Promise<Date | null> {
    const rows: { first: Date | null }[] = await this.ds.query(`SELECT min(started_at) AS first FROM ${this.table}`);
    return rows[0]?.first ?? null;
  }
}

/** JobStateRepository on Postgres (`<DATABASE_SCHEMA>.job_states`); shared by every replica. */
export class PostgresJobStateRepository implements JobStateRepository {
  private readonly table: string;

  constructor(private readonly ds: DataSource) {
    this.table = qualifiedTable(dataSourceSchema(ds), 'job_states');
  }

  async isPaused(jobName: JobName): Promise<boolean> {
    const rows: { paused: boolean }[] = await this.ds.query(`SELECT paused FROM ${this.table} WHERE job_name = $1`, [jobName]);
    return rows[0]?.paused ?? false;
  }

  async setPaused(jobName: JobName, paused: boolean, at: Date): Promise<void> {
    await this.ds.query(
      `INSERT INTO ${this.table} (job_name, paused, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (job_name) DO UPDATE SET paused = EXCLUDED.paused, updated_at = EXCLUDED.updated_at`,
      [jobName, paused, at],
    );
  }

  async pausedJobs(): Promise<Set<JobName>> {
    const rows: { job_name: string }[] = await this.ds.query(`SELECT job_name FROM ${this.table} WHERE paused`);
    return new Set(rows.map((r) => r.job_name as JobName));
  }
}
