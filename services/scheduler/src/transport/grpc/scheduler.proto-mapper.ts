import { schedulerv1 } from '@notify/proto';
import type { JobView, PendingJobRun } from '../../application';
import type { JobRun, JobRunOutcome, JobTrigger } from '../../domain';

const TRIGGER: Record<JobTrigger, schedulerv1.JobTrigger> = {
  SCHEDULED: schedulerv1.JobTrigger.JOB_TRIGGER_SCHEDULE,
  MANUAL: schedulerv1.JobTrigger.JOB_TRIGGER_MANUAL,
  RETRY: schedulerv1.JobTrigger.JOB_TRIGGER_RETRY,
};

const OUTCOME: Record<JobRunOutcome, schedulerv1.JobRunOutcome> = {
  RUNNING: schedulerv1.JobRunOutcome.JOB_RUN_OUTCOME_RUNNING,
  SUCCEEDED: schedulerv1.JobRunOutcome.JOB_RUN_OUTCOME_SUCCEEDED,
  FAILED: schedulerv1.JobRunOutcome.JOB_RUN_OUTCOME_FAILED,
  SKIPPED: schedulerv1.JobRunOutcome.JOB_RUN_OUTCOME_SKIPPED,
};

/** Domain JobRun → proto JobRun (triggered_by not recorded yet: absent). */
export function jobRunToProto(run: JobRun): schedulerv1.JobRun {
  return {
    id: run.id,
    jobName: run.jobName,
    trigger: TRIGGER[run.trigger],
    scheduledFor: run.scheduledFor,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? undefined,
    outcome: OUTCOME[run.outcome],
    itemsProduced: run.itemsProduced,
    error: run.error,
    attempt: run.attempt,
    triggeredBy: undefined,
  };
}

/** A run TriggerJob enqueued (not started: outcome UNSPECIFIED, no started_at). */
export function pendingRunToProto(run: PendingJobRun): schedulerv1.JobRun {
  return {
    id: run.id,
    jobName: run.jobName,
    trigger: TRIGGER[run.trigger],
    scheduledFor: run.scheduledFor,
    startedAt: undefined,
    finishedAt: undefined,
    outcome: schedulerv1.JobRunOutcome.JOB_RUN_OUTCOME_UNSPECIFIED,
    itemsProduced: 0,
    error: '',
    attempt: run.attempt,
    triggeredBy: undefined,
  };
}

/** JobView → proto Job (next_run_at not computed yet: absent). */
export function jobToProto(view: JobView): schedulerv1.Job {
  return {
    name: view.definition.name,
    description: view.definition.description,
    cron: view.definition.cron,
    timeZone: view.definition.timeZone,
    paused: view.paused,
    nextRunAt: undefined,
    lastRun: view.lastRun ? jobRunToProto(view.lastRun) : undefined,
  };
}
