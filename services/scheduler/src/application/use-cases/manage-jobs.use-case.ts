import { NotFoundError, PermissionDeniedError, ValidationError } from '@notify/errors';
import { JOB_DEFINITIONS, findJobDefinition, type JobDefinition, type JobName, type JobRun } from '../../domain';
import type { Clock, JobQueue, JobRunRepository, JobStateRepository } from '../ports';

/** A job as ListJobs shows it. */
export interface JobView {
  readonly definition: JobDefinition;
  readonly paused: boolean;
  /** Latest run, or null if never run. */
  readonly lastRun: JobRun | null;
}

/**
 * Which jobs each caller role may trigger by hand (proto TriggerJob "Roles:" comment; seeds:
 * "Daily Summary (manual): Admin, Manager"; "Technician Performance: Admin, Supervisor, Manager").
 * admin and service may trigger every job; other roles none.
 */
const MANAGER_JOBS: readonly JobName[] = ['daily_summary', 'weekly_performance'];
const SUPERVISOR_JOBS: readonly JobName[] = ['weekly_performance', 'sla_monitor'];
export const TRIGGER_ROLES: Readonly<Record<string, readonly JobName[] | 'all'>> = Object.freeze({
  admin: 'all',
  service: 'all',
  manager: MANAGER_JOBS,
  supervisor: SUPERVISOR_JOBS,
});

/** A run TriggerJob enqueued that has not started yet. */
export type PendingJobRun = Pick<JobRun, 'id' | 'jobName' | 'trigger' | 'scheduledFor' | 'attempt'>;

/** Largest page of ListJobRuns. */
export const MAX_JOB_RUNS_PAGE = 500;

/**
 * The job RPCs: ListJobs, TriggerJob, ListJobRuns, PauseJob, ResumeJob.
 * Errors: an unknown job name → NotFoundError('Job', name) (gRPC NOT_FOUND, issue 6 "Bad input").
 */
export class ManageJobsUseCase {
  constructor(
    private readonly deps: {
      readonly runs: JobRunRepository;
      readonly states: JobStateRepository;
      readonly queue: JobQueue;
      readonly clock: Clock;
    },
  ) {}

  /** The four jobs with paused flag and latest run. */
  async listJobs(): Promise<JobView[]> {
    const [paused, latest] = await Promise.all([this.deps.states.pausedJobs(), this.deps.runs.latestPerJob()]);
    return JOB_DEFINITIONS.map((definition) => ({
      definition,
      paused: paused.has(definition.name),
      lastRun: latest.get(definition.name) ?? null,
    }));
  }

  /**
   * Enqueues a MANUAL run now (runs even when the job is paused); resolves with the run as
   * enqueued (outcome PENDING: not started yet; its id is the one ListJobRuns will show).
   * NotFoundError for an unknown name; PermissionDeniedError when `role` may not trigger this
   * job (TRIGGER_ROLES).
   */
  async triggerJob(name: string, role: string): Promise<PendingJobRun> {
    const definition = this.require(name);
    const allowed = TRIGGER_ROLES[role];
    if (allowed !== 'all' && !allowed?.includes(definition.name)) {
      throw new PermissionDeniedError(`role ${role} may not trigger ${definition.name}`);
    }
    const at = this.deps.clock.now();
    const id = await this.deps.queue.enqueueManual(definition.name, at);
    return { id, jobName: definition.name, trigger: 'MANUAL', scheduledFor: at, attempt: 1 };
  }

  /**
   * Runs newest first; `jobName` empty = all jobs; `limit` 1..500 (0 = 50).
   * NotFoundError for an unknown name; ValidationError for a limit out of range.
   */
  async listJobRuns(jobName: string, limit: number): Promise<JobRun[]> {
    const name: JobName | undefined = jobName === '' ? undefined : this.require(jobName).name;
    const size = limit === 0 ? 50 : limit;
    if (!Number.isInteger(size) || size < 1 || size > MAX_JOB_RUNS_PAGE) {
      throw new ValidationError('page_size', `must be 1..${MAX_JOB_RUNS_PAGE}`);
    }
    return this.deps.runs.list({ jobName: name, limit: size });
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
    const definition = this.require(name);
    await this.deps.states.setPaused(definition.name, paused, this.deps.clock.now());
    const latest = await this.deps.runs.latestPerJob();
    return { definition, paused, lastRun: latest.get(definition.name) ?? null };
  }

  private require(name: string): JobDefinition {
    const definition = findJobDefinition(name);
    if (!definition) throw new NotFoundError('Job', name);
    return definition;
  }
}
