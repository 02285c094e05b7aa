import { failJobRun, skippedJobRun, startJobRun, succeedJobRun, type JobName, type JobRun, type JobTrigger } from '../domain';
import type { Clock, IdGenerator, JobHandlers, JobRunRepository, JobStateRepository } from './ports';

/** One delivery of a job from the engine's queue. */
export interface JobTick {
  readonly jobName: JobName;
  /** SCHEDULED (cron tick), MANUAL (TriggerJob) or RETRY (a later attempt of either). */
  readonly trigger: JobTrigger;
  /** The tick the run belongs to (manual: the trigger time). */
  readonly scheduledFor: Date;
  /** Attempt number, 1 for the first. */
  readonly attempt: number;
  /**
   * Run id to use on a first attempt (UUID): the engine passes the TriggerJob id for a MANUAL
   * tick (so TriggerJob can name the run) and tickJobId(job, tick) for a SCHEDULED one (so a tick
   * delivered twice is recorded, and run, once). Default (retries): a new id.
   */
  readonly runId?: string;
  /** The TriggerJob id when the tick (or the run it retries) was MANUAL; see JobContext.manualTriggerId. */
  readonly manualTriggerId?: string;
}

/**
 * Runs one tick of a job and records it as a JobRun.
 * - A SCHEDULED (or RETRY of a scheduled) tick of a paused job does not call the handler and is
 *   recorded as a SKIPPED run, so ListJobRuns shows the tick was seen (proto Job.paused: "paused
 *   jobs do not run on their schedule (TriggerJob still runs them)"). MANUAL ticks run even when paused.
 * - Otherwise a RUNNING run is inserted, the handler runs, and the run is finished SUCCEEDED with
 *   the handler's item count, or FAILED with the error message — and the error is rethrown so the
 *   engine retries (pg-boss retryLimit).
 * - The run (RUNNING or SKIPPED) is inserted only if no run with its id exists; when one does,
 *   this delivery is a duplicate of a tick already recorded (by this or another replica): nothing
 *   is recorded, the handler is not called, and run() resolves with null. This is what makes
 *   "each tick runs once" hold whatever the queue delivers (issue: "each tick runs once even with
 *   several scheduler replicas").
 */
export class JobRunner {
  constructor(
    private readonly deps: {
      readonly handlers: JobHandlers;
      readonly runs: JobRunRepository;
      readonly states: JobStateRepository;
      readonly clock: Clock;
      readonly ids: IdGenerator;
    },
  ) {}

  /**
   * Runs `tick`; resolves with the recorded run, or null when a run with `tick.runId` already
   * exists (a duplicate delivery: nothing done); rejects (after recording FAILED) when the handler
   * throws. `pausedApplies`: a paused job's tick is SKIPPED (scheduled ticks and their retries).
   */
  async run(tick: JobTick, options: { readonly pausedApplies: boolean }): Promise<JobRun | null> {
    const { handlers, runs, states, clock, ids } = this.deps;
    const base = { id: tick.runId ?? ids.next(), jobName: tick.jobName, trigger: tick.trigger, scheduledFor: tick.scheduledFor, attempt: tick.attempt };
    if (options.pausedApplies && (await states.isPaused(tick.jobName))) {
      const skipped = skippedJobRun(base, clock.now());
      return (await runs.insert(skipped)) ? skipped : null;
    }
    const started = startJobRun({ ...base, startedAt: clock.now() });
    if (!(await runs.insert(started))) return null;
    try {
      const { itemsProduced } = await handlers[tick.jobName].run({
        runId: started.id,
        jobName: tick.jobName,
        scheduledFor: tick.scheduledFor,
        attempt: tick.attempt,
        ...(tick.manualTriggerId ? { manualTriggerId: tick.manualTriggerId } : {}),
      });
      const done = succeedJobRun(started, clock.now(), itemsProduced);
      await runs.update(done);
      return done;
    } catch (error) {
      await runs.update(failJobRun(started, clock.now(), error instanceof Error ? error.message : String(error)));
      throw error;
    }
  }
}
