import type { JobName } from './job-definition';

/** How a run started (proto JobTrigger): the cron tick, TriggerJob, or a retry of a failed run. */
export type JobTrigger = 'SCHEDULED' | 'MANUAL' | 'RETRY';

/** Outcome of a run (proto JobRunOutcome). SKIPPED: a scheduled tick of a paused job. */
export type JobRunOutcome = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';

/** One run of a job. */
export interface JobRun {
  /** Run id (UUID). */
  readonly id: string;
  readonly jobName: JobName;
  readonly trigger: JobTrigger;
  /** The tick it belongs to; for manual runs the trigger time. */
  readonly scheduledFor: Date;
  readonly startedAt: Date;
  /** Absent while RUNNING. */
  readonly finishedAt: Date | null;
  readonly outcome: JobRunOutcome;
  /** Events the run published (warnings, reminders, summaries, escalations). */
  readonly itemsProduced: number;
  /** Error message when FAILED; empty otherwise. */
  readonly error: string;
  /** Attempt number, 1 for the first. */
  readonly attempt: number;
}

/** A new RUNNING run. */
export function startJobRun(fields: Pick<JobRun, 'id' | 'jobName' | 'trigger' | 'scheduledFor' | 'startedAt' | 'attempt'>): JobRun {
  return { ...fields, finishedAt: null, outcome: 'RUNNING', itemsProduced: 0, error: '' };
}

/** `run` finished at `at` with SUCCEEDED and `itemsProduced` (≥ 0) items. */
export const succeedJobRun = (run: JobRun, at: Date, itemsProduced: number): JobRun => ({
  ...run,
  finishedAt: at,
  outcome: 'SUCCEEDED',
  itemsProduced,
  error: '',
});

/** `run` finished at `at` with FAILED and the error message. */
export const failJobRun = (run: JobRun, at: Date, error: string): JobRun => ({ ...run, finishedAt: at, outcome: 'FAILED', error });

/** A SKIPPED run (a scheduled tick of a paused job): started and finished at `at`, nothing done. */
export function skippedJobRun(fields: Pick<JobRun, 'id' | 'jobName' | 'trigger' | 'scheduledFor' | 'attempt'>, at: Date): JobRun {
  return { ...fields, startedAt: at, finishedAt: at, outcome: 'SKIPPED', itemsProduced: 0, error: '' };
}
