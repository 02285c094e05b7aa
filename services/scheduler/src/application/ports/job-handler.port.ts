import type { JobName } from '../../domain';

/** What a handler gets for one run. */
export interface JobContext {
  /** Run id (UUID); carried in the events the run publishes (`job_run_id`). */
  readonly runId: string;
  readonly jobName: JobName;
  /** The tick the run belongs to (manual runs: the trigger time). */
  readonly scheduledFor: Date;
  /** Attempt number, 1 for the first. */
  readonly attempt: number;
  /**
   * Set when the run comes from TriggerJob (and on its retries): the trigger's id, stable across
   * attempts. Reports (daily summary, weekly performance) key a manual run by it, so asking for a
   * report by hand never uses up the scheduled one.
   */
  readonly manualTriggerId?: string;
}

/** The work of one job. Throwing fails the run (and the engine retries it per the job's retryLimit). */
export interface JobHandler {
  /** Does the job's work; resolves with the number of items (events) produced. */
  run(context: JobContext): Promise<{ readonly itemsProduced: number }>;
}

/** A handler per job. */
export type JobHandlers = Readonly<Record<JobName, JobHandler>>;
