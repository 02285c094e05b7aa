import { FailedPreconditionError, NotFoundError, PermissionDeniedError, ValidationError } from '@notify/errors';
import { decodePageToken, encodePageToken, resolvePageSize } from '@notify/paging';
import { JOB_DEFINITIONS, findJobDefinition, type JobDefinition, type JobName, type JobRun } from '../../domain';
import type { Clock, CronSchedule, JobQueue, JobRunCursor, JobRunRepository, JobStateRepository } from '../ports';

/** A job as ListJobs shows it. */
export interface JobView {
  readonly definition: JobDefinition;
  readonly paused: boolean;
  /** Latest run, or null if never run. */
  readonly lastRun: JobRun | null;
  /** Next cron tick after now (Asia/Jakarta); null when paused (proto Job.next_run_at: "absent when paused"). */
  readonly nextRunAt: Date | null;
}

/** ListJobRuns input. */
export interface ListJobRunsQuery {
  /** Job name; '' = all jobs. */
  readonly jobName: string;
  /** common.proto PageRequest: 0 = 50, above 500 clamped to 500, negative refused. */
  readonly pageSize: number;
  /** '' = first page; else the next_page_token of the previous page. */
  readonly pageToken: string;
  /** started_at ≥ this (optional). */
  readonly startedFrom?: Date;
  /** started_at < this (optional). */
  readonly startedTo?: Date;
}

const MANAGER_JOBS: readonly JobName[] = ['daily_summary', 'weekly_performance'];
const SUPERVISOR_JOBS: readonly JobName[] = ['weekly_performance', 'sla_monitor'];
/**
 * Which jobs each caller role may trigger by hand (proto TriggerJob "Roles:" comment; seeds:
 * "Daily Summary (manual): Admin, Manager"; "Technician Performance: Admin, Supervisor, Manager").
 * admin and service may trigger every job; other roles none.
 */
export const TRIGGER_ROLES: Readonly<Record<string, readonly JobName[] | 'all'>> = Object.freeze({
  admin: 'all',
  service: 'all',
  manager: MANAGER_JOBS,
  supervisor: SUPERVISOR_JOBS,
});

/** A run TriggerJob enqueued that has not started yet. */
export type PendingJobRun = Pick<JobRun, 'id' | 'jobName' | 'trigger' | 'scheduledFor' | 'attempt'>;

/** A RUNNING run older than this (ms; pg-boss's default job expiry, 15 min) no longer blocks TriggerJob. */
export const RUNNING_STALE_AFTER_MS = 15 * 60_000;

/**
 * The job RPCs: ListJobs, TriggerJob, ListJobRuns, PauseJob, ResumeJob.
 * Errors: an empty job name → ValidationError('name', 'is required'); an unknown one →
 * NotFoundError('job', name) (gRPC NOT_FOUND, issue 6 "Bad input").
 */
export class ManageJobsUseCase {
  constructor(
    private readonly deps: {
      readonly runs: JobRunRepository;
      readonly states: JobStateRepository;
      readonly queue: JobQueue;
      readonly clock: Clock;
      readonly cron: CronSchedule;
    },
  ) {}

  /** The four jobs with paused flag, latest run and next tick (cron in Asia/Jakarta after clock.now()). */
  async listJobs(): Promise<JobView[]> {
    const [paused, latest] = await Promise.all([this.deps.states.pausedJobs(), this.deps.runs.latestPerJob()]);
    return JOB_DEFINITIONS.map((definition) => this.view(definition, paused.has(definition.name), latest.get(definition.name) ?? null));
  }

  /**
   * Enqueues a MANUAL run now (runs even when the job is paused); resolves with the run as
   * enqueued (not started yet; its id is the one ListJobRuns will show).
   * ValidationError for an empty name; NotFoundError for an unknown one; PermissionDeniedError
   * when `role` may not trigger this job (TRIGGER_ROLES); FailedPreconditionError when the job's
   * latest run is RUNNING and started less than {@link RUNNING_STALE_AFTER_MS} ago (an older
   * RUNNING row is taken to be a run whose process died, which pg-boss retries on expiry), or
   * when the queue finds a run of it running or a manual run queued — checked and enqueued
   * atomically (JobQueue.enqueueManual), so of two concurrent triggers exactly one runs.
   */
  async triggerJob(name: string, role: string): Promise<PendingJobRun> {
    const definition = this.require(name, 'name');
    const allowed = TRIGGER_ROLES[role];
    if (allowed !== 'all' && !allowed?.includes(definition.name)) {
      throw new PermissionDeniedError(`role ${role} may not trigger ${definition.name}`);
    }
    const at = this.deps.clock.now();
    const latest = (await this.deps.runs.latestPerJob()).get(definition.name);
    if (latest?.outcome === 'RUNNING' && at.getTime() - latest.startedAt.getTime() < RUNNING_STALE_AFTER_MS) {
      throw new FailedPreconditionError(`${definition.name} is already running (run ${latest.id}, started ${latest.startedAt.toISOString()})`);
    }
    const enqueued = await this.deps.queue.enqueueManual(definition.name, at);
    if ('busy' in enqueued) throw new FailedPreconditionError(`${definition.name} is already running: ${enqueued.busy}`);
    return { id: enqueued.id, jobName: definition.name, trigger: 'MANUAL', scheduledFor: at, attempt: 1 };
  }

  /**
   * One page of runs, newest first (started_at, then id, descending), with the token of the
   * next page ('' on the last). `jobName` '' = all jobs; page size per common.proto (0 = 50,
   * above 500 clamped); optional started range [from, to). NotFoundError for an unknown name;
   * ValidationError for a negative page size (`page_size`), a bad page token (one issued for
   * other filters included), or from ≥ to
   * (`started`).
   */
  async listJobRuns(query: ListJobRunsQuery): Promise<{ readonly runs: JobRun[]; readonly nextPageToken: string }> {
    const name: JobName | undefined = query.jobName.trim() === '' ? undefined : this.require(query.jobName, 'job_name').name;
    const size = resolvePageSize(query.pageSize);
    if (query.startedFrom && query.startedTo && query.startedFrom.getTime() >= query.startedTo.getTime()) {
      throw new ValidationError('started', 'from must be before to');
    }
    const filter = { jobName: name ?? null, startedFrom: query.startedFrom ?? null, startedTo: query.startedTo ?? null };
    let after: JobRunCursor | undefined;
    if (query.pageToken !== '') {
      const t = decodePageToken(query.pageToken, ['startedAt', 'id'], filter);
      after = { startedAt: new Date(t.startedAt), id: t.id };
      if (Number.isNaN(after.startedAt.getTime())) throw new ValidationError('page_token', 'is not a valid page token');
    }
    const rows = await this.deps.runs.list({
      ...(name ? { jobName: name } : {}),
      limit: size + 1,
      ...(after ? { after } : {}),
      ...(query.startedFrom ? { startedFrom: query.startedFrom } : {}),
      ...(query.startedTo ? { startedTo: query.startedTo } : {}),
    });
    const runs = rows.slice(0, size);
    const last = runs[runs.length - 1];
    const nextPageToken = rows.length > size && last ? encodePageToken({ startedAt: last.startedAt.toISOString(), id: last.id }, filter) : '';
    return { runs, nextPageToken };
  }

  /** Pauses the job's schedule (idempotent). NotFoundError for an unknown name. */
  async pauseJob(name: string): Promise<JobView> {
    return this.setPaused(name, true);
  }

  /** Resumes the job's schedule (idempotent). NotFoundError for an unknown name. */
  async resumeJob(name: string): Promise<JobView> {
    return this.setPaused(name, false);
  }

  private async setPaused(name: string, paused: boolean): Promise<JobView> {
    const definition = this.require(name, 'name');
    await this.deps.states.setPaused(definition.name, paused, this.deps.clock.now());
    const latest = await this.deps.runs.latestPerJob();
    return this.view(definition, paused, latest.get(definition.name) ?? null);
  }

  private view(definition: JobDefinition, paused: boolean, lastRun: JobRun | null): JobView {
    const nextRunAt = paused ? null : this.deps.cron.nextRunAt(definition.cron, definition.timeZone, this.deps.clock.now());
    return { definition, paused, lastRun, nextRunAt };
  }

  /** The job named `name` (trimmed): ValidationError(field) when empty, NotFoundError('job', name) when unknown. */
  private require(name: string, field: string): JobDefinition {
    const trimmed = name.trim();
    if (!trimmed) throw new ValidationError(field, 'is required');
    const definition = findJobDefinition(trimmed);
    if (!definition) throw new NotFoundError('job', trimmed);
    return definition;
  }
}
