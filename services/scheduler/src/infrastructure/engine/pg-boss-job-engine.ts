import { createHash, randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import type { Logger } from '@notify/logger';
import { withSpan } from '@notify/telemetry';
import { systemClock, type JobQueue, type JobRunner, type JobRunRepository, type JobStateRepository, type ManualEnqueue } from '../../application';
import { JOB_DEFINITIONS, type JobDefinition, type JobName, type JobTrigger } from '../../domain';
import { transactionDb, type CampaignDueQueue, type SqlExecutorDb } from '../persistence/campaign.store';
import { cronTickAtOrBefore } from './cron-schedule';

/** The pg-boss queue of campaign due jobs (one job per campaign, id = campaign id, start after send_at). */
export const CAMPAIGN_DUE_QUEUE = 'campaign_due';

/** Data of a campaign due job. */
interface CampaignDueData {
  readonly campaignId: string;
}

/** Data carried by each pg-boss job of a scheduler queue. */
interface TickData {
  /** SCHEDULED (cron or sendTick) or MANUAL (TriggerJob). */
  readonly trigger?: 'SCHEDULED' | 'MANUAL';
  /** ISO instant of the tick; absent on pg-boss cron jobs (then the latest tick of the job's cron at or before the job's createdOn). */
  readonly scheduledFor?: string;
}

/** Options of the start-up catch-up of missed cron ticks ({@link PgBossJobEngine.catchUpMissedTicks}). */
export interface CatchUpOptions {
  /**
   * How old (ms, measured from the tick to the engine's start) a job's latest tick may be and
   * still be caught up; 0 (or less) = no catch-up. SCHEDULER_CATCHUP_WINDOW_MS (default 6 h).
   */
  readonly windowMs: number;
  /**
   * The run records (`job_runs`): a tick whose first run (id tickJobId(job, tick)) exists is not
   * caught up, nor one from before the first run ever recorded (firstStartedAt).
   */
  readonly runs: Pick<JobRunRepository, 'existingIds' | 'firstStartedAt'>;
  /** The paused flags (`job_states`): a paused job is not caught up. */
  readonly states: Pick<JobStateRepository, 'pausedJobs'>;
}

/** A job's cron tick: what the catch-up considers and enqueues. */
export interface JobCronTick {
  readonly jobName: JobName;
  /** The tick instant (a whole minute of the job's cron in its time zone). */
  readonly tick: Date;
}

/** A tick the catch-up enqueued: `enqueuedAs` = the pg-boss job id, null when another replica had already enqueued that tick. */
export interface CaughtUpTick extends JobCronTick {
  readonly enqueuedAs: string | null;
}

/**
 * The ticks a start-up catch-up considers: for each job of `jobs` not in `paused`, only the latest
 * tick of its cron (in its `timeZone`) at or before `now` ({@link cronTickAtOrBefore}), kept when
 * `now − tick ≤ windowMs` (ms) and the tick is after `inServiceSince` (the first run this
 * scheduler ever recorded: a tick from before the scheduler existed was not missed, so a fresh
 * install sends no "missed" daily summary at its first start). Earlier missed ticks are never
 * considered (one catch-up per job, not one per missed 15-minute SLA tick). `windowMs ≤ 0` or no
 * `inServiceSince` → none. Pure (no I/O); throws for an invalid cron or time zone (cron-parser).
 */
export function catchUpCandidates(
  jobs: readonly JobDefinition[],
  paused: ReadonlySet<JobName>,
  now: Date,
  windowMs: number,
  inServiceSince: Date | null,
): JobCronTick[] {
  if (!(windowMs > 0) || inServiceSince === null) return [];
  return jobs
    .filter((job) => !paused.has(job.name))
    .map((job) => ({ jobName: job.name, tick: cronTickAtOrBefore(job.cron, job.timeZone, now) }))
    .filter(({ tick }) => now.getTime() - tick.getTime() <= windowMs && tick.getTime() > inServiceSince.getTime());
}

/** Options of {@link PgBossJobEngine}. */
export interface PgBossJobEngineOptions {
  /** Postgres URL (DATABASE_URL). */
  readonly connectionString: string;
  /**
   * The service's DataSource on the same database: {@link PgBossJobEngine.enqueueManual} runs its
   * check and its pg-boss insert in one transaction of it.
   */
  readonly dataSource: DataSource;
  /** pg-boss's own schema, e.g. `<DATABASE_SCHEMA>_boss`; every replica must use the same one. */
  readonly bossSchema: string;
  readonly runner: JobRunner;
  readonly logger: Logger;
  /** Worker polling interval, seconds (pg-boss minimum 0.5; default 2). */
  readonly pollingIntervalSeconds?: number;
  /** Retry delay for every queue, seconds (tests; default: each JobDefinition's retryDelaySeconds). */
  readonly retryDelaySeconds?: number;
  /** Evaluate cron schedules on this instance (default true; pg-boss lets one instance at a time fire a tick). */
  readonly schedule?: boolean;
  /**
   * The jobs this engine creates queues for, schedules and works (default JOB_DEFINITIONS, the
   * production crons). Tests pass a copy with a shorter cron to let pg-boss's own cron fire.
   */
  readonly jobs?: readonly JobDefinition[];
  /**
   * pg-boss `cronMonitorIntervalSeconds`: how often an instance evaluates the crons, seconds
   * (pg-boss accepts 1..45; default 30, so a tick is enqueued up to ~30 s after its minute).
   * Tests only.
   */
  readonly cronMonitorIntervalSeconds?: number;
  /**
   * pg-boss `cronWorkerIntervalSeconds`: how often the fired ticks are moved from pg-boss's
   * `__pgboss__send-it` queue into the job queues, seconds (1..45; default 5). Tests only.
   */
  readonly cronWorkerIntervalSeconds?: number;
  /**
   * Runs a due campaign (ManageCampaignsUseCase.dispatchDue); absent = no campaign worker on
   * this instance. Throwing retries the job (retryLimit 5, 10 s apart).
   */
  readonly onCampaignDue?: (campaignId: string) => Promise<unknown>;
  /**
   * Catch-up of missed cron ticks at start() (see class doc); absent = none (the engine specs
   * that count handler calls). The composition root always passes it, with
   * SCHEDULER_CATCHUP_WINDOW_MS.
   */
  readonly catchUp?: CatchUpOptions;
}

/** The pg-boss job id of a tick: a UUID derived from `<job>:<tick ISO>`, so a tick sent twice is inserted once. */
export function tickJobId(jobName: JobName, tick: Date): string {
  const h = createHash('sha1').update(`${jobName}:${tick.toISOString()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/**
 * The job engine on pg-boss 11, in its own Postgres schema (`bossSchema`).
 * - start(): one queue per job (retryLimit / retryDelay from the JobDefinition), `schedule(name,
 *   cron, {trigger: 'SCHEDULED'}, {tz: 'Asia/Jakarta'})` (an upsert, so every replica may call it),
 *   and a worker per queue (batch size 1) that runs the tick through {@link JobRunner}. A job the
 *   handler fails (throws) is retried by pg-boss up to retryLimit times (recorded as RETRY runs).
 * - How pg-boss 11 fires a cron tick (node_modules/pg-boss/src/timekeeper.js): every
 *   `cronMonitorIntervalSeconds` each instance tries a conditional UPDATE of `version.cron_on`,
 *   so one instance at a time evaluates the crons; a cron whose latest tick is under 60 s old is
 *   inserted into `__pgboss__send-it` with singletonKey `<queue>__` and a 60-second singleton slot
 *   (a unique index: once per schedule per minute across replicas); every
 *   `cronWorkerIntervalSeconds` a send-it worker `send`s it to the job's queue, without the tick
 *   time. The run's `scheduled_for` is therefore the latest tick of the cron at or before the
 *   job's createdOn ({@link cronTickAtOrBefore}).
 * - Each tick runs once: the first attempt of a SCHEDULED tick is recorded under the run id
 *   {@link tickJobId}(job, tick) (insert-if-absent), so a second delivery of the same tick (two
 *   sendTick calls, or pg-boss re-sending a send-it job after an instance died mid-way) records
 *   nothing and does not call the handler.
 * - enqueueManual(): `send` now (TriggerJob) unless the job is busy; runs even when the job is
 *   paused. Atomic across replicas: in one transaction it takes a transaction-level advisory lock
 *   on (pg-boss schema, job) — so concurrent triggers of one job queue up there —, looks in
 *   pg-boss's `job` table for a job of the queue that is `active` (a run in progress, scheduled or
 *   manual) or a MANUAL one `created` / `retry` (queued, or waiting for its retry), and only if
 *   there is none inserts the new job (pg-boss `send` with `db` = the transaction). The lock is
 *   released at commit, when the next trigger's check sees the job. (Chosen over a unique index:
 *   pg-boss owns its tables and its queue policies apply to scheduled ticks too; over a
 *   check-then-send, which let two concurrent triggers both run — the QA finding.)
 * - sendTick(): enqueues a SCHEDULED tick with pg-boss `id` derived from `<job>:<tick>` and
 *   `singletonKey` `<job>:<tick ISO>`: sending the same tick from several replicas yields one job
 *   (pg-boss inserts with ON CONFLICT DO NOTHING), hence one run.
 * - enqueueCampaignDue(): one job per campaign in queue `campaign_due` (id = campaign id,
 *   startAfter = send_at) inserted through the caller's transaction; a worker hands it to
 *   `onCampaignDue`. pg-boss gives a job to one worker at a time; the dispatch itself is
 *   idempotent (conditional SCHEDULED → SENT), so a redelivered job publishes nothing more.
 * - Catch-up at start() ({@link catchUpMissedTicks}): pg-boss fires a tick only while it is under
 *   60 s old (timekeeper.js `shouldSendIt`: `prevDiff < 60`) and never afterwards, so a tick that
 *   falls while no replica is up (a deploy or crash from 17:59:30 to 18:01:10) would be lost with
 *   no run recorded. Once the queues and workers are up, the engine takes each job's latest
 *   tick at or before now ({@link catchUpCandidates}: not paused, at most `catchUp.windowMs`
 *   old, after the first run ever recorded), asks `job_runs` in one query whether its first run (id tickJobId(job, tick)) exists,
 *   and {@link sendTick}s each tick that has none: an ordinary SCHEDULED run with
 *   `scheduled_for` = the missed tick (the run model has no field for "late"; `started_at` −
 *   `scheduled_for` shows the delay). Replicas starting together enqueue it once (sendTick's
 *   pg-boss id and singletonKey) and run it once (the run id); if pg-boss's own cron fires the
 *   same tick, the run id again makes it one run. Running a tick late is safe because the jobs
 *   record their facts once per period / item (`daily_summary:<date>`,
 *   `payment_reminder:<invoice>:<date>`, SLA thresholds per ticket). Cost: one read of
 *   `job_states`, one of `job_runs`, and one pg-boss insert per missed tick. Best effort: a
 *   failure is logged and start() goes on (future ticks are unaffected).
 * - stop(): graceful — waits for active handlers (up to `timeoutMs`), then closes pg-boss's pool.
 */
export class PgBossJobEngine implements JobQueue, CampaignDueQueue {
  private readonly boss: PgBoss;
  private readonly jobs: ReadonlyMap<JobName, JobDefinition>;

  constructor(private readonly options: PgBossJobEngineOptions) {
    this.jobs = new Map((options.jobs ?? JOB_DEFINITIONS).map((j) => [j.name, j]));
    this.boss = new PgBoss({
      connectionString: options.connectionString,
      schema: options.bossSchema,
      schedule: options.schedule ?? true,
      application_name: `notify-${options.bossSchema}`,
      ...(options.cronMonitorIntervalSeconds !== undefined ? { cronMonitorIntervalSeconds: options.cronMonitorIntervalSeconds } : {}),
      ...(options.cronWorkerIntervalSeconds !== undefined ? { cronWorkerIntervalSeconds: options.cronWorkerIntervalSeconds } : {}),
    });
    this.boss.on('error', (error: unknown) => options.logger.error({ err: error }, 'pg-boss error'));
  }

  /**
   * Creates the schema/queues, upserts the cron schedules, starts the workers, then catches up
   * the missed ticks (options.catchUp; a catch-up failure is logged, not thrown).
   * Rejects when pg-boss cannot start (Postgres unreachable).
   */
  async start(): Promise<void> {
    await this.boss.start();
    for (const job of this.jobs.values()) {
      if (!(await this.boss.getQueue(job.name))) {
        await this.boss.createQueue(job.name, {
          retryLimit: job.retryLimit,
          retryDelay: this.options.retryDelaySeconds ?? job.retryDelaySeconds,
        });
      }
      const data: TickData = { trigger: 'SCHEDULED' };
      await this.boss.schedule(job.name, job.cron, data, { tz: job.timeZone });
      await this.boss.work<TickData>(
        job.name,
        { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 2 },
        async (jobs) => {
          for (const j of jobs) await this.runOne(job, j);
        },
      );
    }
    if (!(await this.boss.getQueue(CAMPAIGN_DUE_QUEUE))) {
      await this.boss.createQueue(CAMPAIGN_DUE_QUEUE, { retryLimit: 5, retryDelay: this.options.retryDelaySeconds ?? 10 });
    }
    const onCampaignDue = this.options.onCampaignDue;
    if (onCampaignDue) {
      await this.boss.work<CampaignDueData>(
        CAMPAIGN_DUE_QUEUE,
        { batchSize: 1, pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 2 },
        async (jobs) => {
          for (const j of jobs) {
            await withSpan(`scheduler ${CAMPAIGN_DUE_QUEUE}`, { 'notify.campaign.id': j.data.campaignId }, () => onCampaignDue(j.data.campaignId));
          }
        },
      );
    }
    try {
      await this.catchUpMissedTicks();
    } catch (error) {
      this.options.logger.error({ err: error }, 'scheduler catch-up of missed cron ticks failed; later ticks run as usual');
    }
  }

  /**
   * The start-up catch-up (class doc): enqueues, once, the latest tick of each non-paused job that
   * is at most `options.catchUp.windowMs` ms before `now`, after the first run this scheduler ever
   * recorded (none on a fresh install), and has no run recorded. Resolves with
   * the ticks enqueued (none without options.catchUp or with windowMs 0). Rejects when
   * `job_states` / `job_runs` / pg-boss cannot be reached.
   */
  async catchUpMissedTicks(now: Date = systemClock.now()): Promise<CaughtUpTick[]> {
    const catchUp = this.options.catchUp;
    if (!catchUp || !(catchUp.windowMs > 0)) return [];
    const [paused, inServiceSince] = await Promise.all([catchUp.states.pausedJobs(), catchUp.runs.firstStartedAt()]);
    const candidates = catchUpCandidates([...this.jobs.values()], paused, now, catchUp.windowMs, inServiceSince);
    if (candidates.length === 0) return [];
    const recorded = await catchUp.runs.existingIds(candidates.map((c) => tickJobId(c.jobName, c.tick)));
    const enqueued: CaughtUpTick[] = [];
    for (const { jobName, tick } of candidates.filter((c) => !recorded.has(tickJobId(c.jobName, c.tick)))) {
      const enqueuedAs = await this.sendTick(jobName, tick);
      enqueued.push({ jobName, tick, enqueuedAs });
      this.options.logger.info(
        { job: jobName, scheduled_for: tick.toISOString(), late_ms: now.getTime() - tick.getTime(), enqueued: enqueuedAs !== null },
        enqueuedAs ? 'scheduler catch-up: missed cron tick enqueued' : 'scheduler catch-up: missed cron tick already enqueued (another replica starting too)',
      );
    }
    return enqueued;
  }

  /** Enqueues the due job of a campaign (start after `sendAt`) through `db` (the caller's transaction). */
  async enqueueCampaignDue(campaignId: string, sendAt: Date, db: SqlExecutorDb): Promise<void> {
    const data: CampaignDueData = { campaignId };
    await this.boss.send(CAMPAIGN_DUE_QUEUE, data, { id: campaignId, startAfter: sendAt, db: db as PgBoss.Db });
  }

  /**
   * TriggerJob: a MANUAL run of `jobName` as soon as a worker polls, unless a run of the job is
   * active or a manual one queued (class doc: one transaction, advisory lock, check, insert).
   * Resolves with the run id, or with `busy` naming the job that blocks.
   */
  async enqueueManual(jobName: JobName, at: Date): Promise<ManualEnqueue> {
    const data: TickData = { trigger: 'MANUAL', scheduledFor: at.toISOString() };
    const schema = this.options.bossSchema;
    return this.options.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`notify.scheduler.trigger:${schema}:${jobName}`]);
      const busy: Array<{ id: string; state: string; trigger: string | null }> = await manager.query(
        `SELECT id, state::text AS state, data->>'trigger' AS trigger FROM "${schema.replaceAll('"', '""')}".job
          WHERE name = $1 AND (state = 'active' OR (state IN ('created', 'retry') AND data->>'trigger' = 'MANUAL'))
          ORDER BY created_on LIMIT 1`,
        [jobName],
      );
      const blocking = busy[0];
      if (blocking) {
        const what = blocking.state === 'active' ? 'running' : blocking.state === 'retry' ? 'waiting for its retry' : 'queued';
        return { busy: `a ${blocking.trigger === 'MANUAL' ? 'manual' : 'scheduled'} run is ${what} (run ${blocking.id})` };
      }
      const id = randomUUID();
      await this.boss.send(jobName, data, { id, db: transactionDb(manager) as PgBoss.Db });
      return { id };
    });
  }

  /**
   * Enqueues the SCHEDULED tick `tick` of `jobName`, de-duplicated by tick (see class doc).
   * Resolves with the pg-boss job id, or null when the tick was already enqueued.
   */
  async sendTick(jobName: JobName, tick: Date): Promise<string | null> {
    const data: TickData = { trigger: 'SCHEDULED', scheduledFor: tick.toISOString() };
    return this.boss.send(jobName, data, { id: tickJobId(jobName, tick), singletonKey: `${jobName}:${tick.toISOString()}` });
  }

  /** Graceful stop: no new fetches, waits for active runs up to `timeoutMs` (ms), closes the pool. */
  async stop(timeoutMs = 10_000): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
  }

  /**
   * One delivery of a job: trigger (RETRY once pg-boss retried it), the tick (data.scheduledFor,
   * else the cron's latest tick at or before createdOn) and the run id of a first attempt
   * (MANUAL: the job id TriggerJob answered; SCHEDULED: tickJobId(job, tick), one run per tick).
   */
  private async runOne(definition: JobDefinition, job: PgBoss.JobWithMetadata<TickData>): Promise<void> {
    const jobName = definition.name;
    const original = job.data.trigger ?? 'SCHEDULED';
    const trigger: JobTrigger = job.retryCount > 0 ? 'RETRY' : original;
    const scheduledFor = job.data.scheduledFor ? new Date(job.data.scheduledFor) : cronTickAtOrBefore(definition.cron, definition.timeZone, job.createdOn);
    const runId = original === 'MANUAL' ? job.id : tickJobId(jobName, scheduledFor);
    // One span per run: the outbox rows the run writes carry its traceparent to the gateway.
    await withSpan(`scheduler job ${jobName}`, { 'notify.job.name': jobName, 'notify.job.trigger': trigger, 'notify.job.attempt': job.retryCount + 1 }, () =>
      this.options.runner.run(
        {
          jobName,
          trigger,
          scheduledFor,
          attempt: job.retryCount + 1,
          ...(job.retryCount === 0 ? { runId } : {}),
          ...(original === 'MANUAL' ? { manualTriggerId: job.id } : {}),
        },
        { pausedApplies: original === 'SCHEDULED' },
      ),
    );
  }
}
