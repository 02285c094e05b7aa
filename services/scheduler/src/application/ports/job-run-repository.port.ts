import type { JobName, JobRun } from '../../domain';

/** Runs of jobs (Postgres table `job_runs` in DATABASE_SCHEMA). */
export interface JobRunRepository {
  /** Inserts a new run. */
  insert(run: JobRun): Promise<void>;
  /** Replaces the run with the same id (finish). */
  update(run: JobRun): Promise<void>;
  /** Runs newest first (by started_at), optionally of one job, at most `limit`. */
  list(filter: { readonly jobName?: JobName; readonly limit: number }): Promise<JobRun[]>;
  /** The latest run (by started_at) of each job that has one. */
  latestPerJob(): Promise<Map<JobName, JobRun>>;
}

/** Paused flags of jobs (Postgres table `job_states`). A job without a row is not paused. */
export interface JobStateRepository {
  isPaused(jobName: JobName): Promise<boolean>;
  setPaused(jobName: JobName, paused: boolean, at: Date): Promise<void>;
  /** Names of all paused jobs. */
  pausedJobs(): Promise<Set<JobName>>;
}
