import type { JobName, JobRun } from '../../domain';

/** Keyset position of ListJobRuns (newest first: started_at descending, then id descending). */
export interface JobRunCursor {
  readonly startedAt: Date;
  readonly id: string;
}

/** Filter of {@link JobRunRepository.list}. */
export interface JobRunFilter {
  /** One job; absent = all. */
  readonly jobName?: JobName;
  /** At most this many runs. */
  readonly limit: number;
  /** Only runs strictly after this position (the next page). */
  readonly after?: JobRunCursor;
  /** started_at ≥ this. */
  readonly startedFrom?: Date;
  /** started_at < this. */
  readonly startedTo?: Date;
}

/** Runs of jobs (Postgres table `job_runs` in DATABASE_SCHEMA). */
export interface JobRunRepository {
  /** Inserts `run` unless a run with its id exists; resolves true when inserted, false (nothing written) otherwise. */
  insert(run: JobRun): Promise<boolean>;
  /** Replaces the run with the same id (finish). */
  update(run: JobRun): Promise<void>;
  /** Runs newest first (started_at descending, then id descending), filtered, at most `limit`. */
  list(filter: JobRunFilter): Promise<JobRun[]>;
  /** The latest run (by started_at) of each job that has one. */
  latestPerJob(): Promise<Map<JobName, JobRun>>;
  /**
   * Which of `ids` (run ids, UUIDs) are recorded: the subset with a run, as a Set (empty for no
   * ids). One read; the start-up catch-up asks it whether a tick's first run (id
   * tickJobId(job, tick)) exists.
   */
  existingIds(ids: readonly string[]): Promise<Set<string>>;
  /**
   * When the first run of any job was started (the scheduler in service since then), or null
   * when none was ever recorded (a fresh install). The start-up catch-up never runs a tick from
   * before it.
   */
  firstStartedAt(): Promise<Date | null>;
}

/** Paused flags of jobs (Postgres table `job_states`). A job without a row is not paused. */
export interface JobStateRepository {
  isPaused(jobName: JobName): Promise<boolean>;
  setPaused(jobName: JobName, paused: boolean, at: Date): Promise<void>;
  /** Names of all paused jobs. */
  pausedJobs(): Promise<Set<JobName>>;
}
