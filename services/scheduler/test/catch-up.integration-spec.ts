import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from '@notify/db';
import { createLogger } from '@notify/logger';
import { createTestSchema, waitFor, type TestSchema } from '@notify/testing';
import { loadSchedulerConfig } from '../src/config';
import { JOB_DEFINITIONS, startJobRun, succeedJobRun, type JobDefinition, type JobName, type JobRun } from '../src/domain';
import { cronTickAtOrBefore } from '../src/infrastructure/engine/cron-schedule';
import { tickJobId } from '../src/infrastructure/engine/pg-boss-job-engine';
import { PostgresJobRunRepository, PostgresJobStateRepository } from '../src/infrastructure/persistence/job-run.repository';
import { schedulerMigrations } from '../src/infrastructure/persistence/migrations';
import { startSchedulerService } from '../src/server';
import { countingHandlers } from './support/counting-handlers';
import { dropReplicas, startEngineReplica, type EngineReplica } from './support/engine-replica';

jest.setTimeout(60_000);

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** The catch-up window of the engine specs below. */
const WINDOW_MS = HOUR_MS;
/** Two more polling rounds of every worker (polling 0.5 s): long enough for a wrongly enqueued tick to have run. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 1500));

/** A daily cron (Asia/Jakarta, WIB = UTC+7, no DST) whose one tick a day is the WIB minute of `at`. */
function dailyCronAt(at: Date): string {
  const wib = new Date(at.getTime() + 7 * HOUR_MS);
  return `${wib.getUTCMinutes()} ${wib.getUTCHours()} * * *`;
}

/**
 * The start-up catch-up on two pg-boss engines over one real Postgres schema. pg-boss's own cron
 * fires a tick only while it is under 60 s old, so each job below gets a daily cron whose tick is
 * already past when the engines start and that pg-boss never fires:
 * - daily_summary: tick 2 min ago, no run → caught up, once;
 * - sla_monitor: tick 2 min ago, its run already recorded → nothing new;
 * - payment_reminder: tick 2 min ago, job paused → not caught up (no SKIPPED run either);
 * - weekly_performance: tick 2 h ago, older than the 1 h window → not caught up.
 * Without the catch-up, no run at all would be recorded for any of them. An sla_monitor run from
 * before all these ticks says the scheduler was in service (see the fresh-install spec below).
 */
describe('PgBossJobEngine start-up catch-up of missed cron ticks (two replicas, restart)', () => {
  let db: TestSchema;
  let seed: DataSource;
  let runs: PostgresJobRunRepository;
  const replicas: EngineReplica[] = [];
  const calls: JobName[] = [];
  const recent = new Date(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 2 * MINUTE_MS);
  const old = new Date(recent.getTime() - 2 * HOUR_MS);
  const crons: Record<JobName, string> = {
    daily_summary: dailyCronAt(recent),
    sla_monitor: dailyCronAt(recent),
    payment_reminder: dailyCronAt(recent),
    weekly_performance: dailyCronAt(old),
  };
  const jobs: JobDefinition[] = JOB_DEFINITIONS.map((j) => ({ ...j, cron: crons[j.name] }));
  let seededRun: JobRun;
  /** A run from before every tick below: the scheduler has been in service (a fresh install catches up nothing). */
  let inServiceRun: JobRun;

  const runsOf = async (job: JobName): Promise<JobRun[]> => runs.list({ jobName: job, limit: 100 });
  const callsOf = (job: JobName): number => calls.filter((c) => c === job).length;
  /** pg-boss's own record (its 11.x job table): every job of queue `job`. */
  const bossJobs = async (job: JobName): Promise<Array<{ id: string; state: string }>> =>
    seed.query(`SELECT id, state FROM "${db.schema}_boss".job WHERE name = $1 ORDER BY created_on`, [job]);
  const start = (): Promise<EngineReplica> =>
    startEngineReplica(db, calls, undefined, { jobs, catchUpWindowMs: WINDOW_MS }).then((r) => (replicas.push(r), r));

  beforeAll(async () => {
    db = await createTestSchema('sched_catchup');
    seed = createDataSource({ url: db.url, schema: db.schema, migrations: schedulerMigrations, poolSize: 2 });
    await runMigrations(seed);
    runs = new PostgresJobRunRepository(seed);
    // sla_monitor's tick already ran (recorded as pg-boss's cron would have: first attempt under tickJobId).
    const started = startJobRun({ id: tickJobId('sla_monitor', recent), jobName: 'sla_monitor', trigger: 'SCHEDULED', scheduledFor: recent, startedAt: new Date(recent.getTime() + 1000), attempt: 1 });
    seededRun = succeedJobRun(started, new Date(recent.getTime() + 2000), 0);
    expect(await runs.insert(seededRun)).toBe(true);
    const since = new Date(old.getTime() - HOUR_MS);
    inServiceRun = succeedJobRun(
      startJobRun({ id: tickJobId('sla_monitor', since), jobName: 'sla_monitor', trigger: 'SCHEDULED', scheduledFor: since, startedAt: since, attempt: 1 }),
      new Date(since.getTime() + 1000),
      0,
    );
    expect(await runs.insert(inServiceRun)).toBe(true);
    await new PostgresJobStateRepository(seed).setPaused('payment_reminder', true, new Date());
    // pg-boss's schema and the queues, created once by an engine without catch-up (pg-boss's own
    // first-install DDL is not safe for two instances at once), then stopped: the scheduler is "down".
    const installer = await startEngineReplica(db, calls, undefined, { jobs });
    await dropReplicas(undefined, [installer]);
  });

  afterAll(async () => {
    await seed?.destroy();
    await dropReplicas(db, replicas);
  });

  it('two replicas starting at once run the missed tick once: one SCHEDULED run with scheduled_for = the tick, one handler call, one pg-boss job', async () => {
    const startedAt = Date.now();
    await Promise.all([start(), start()]);
    const run = await waitFor(async () => (await runsOf('daily_summary')).find((r) => r.outcome === 'SUCCEEDED'), {
      timeoutMs: 20_000,
      description: `the caught-up daily_summary run of the ${recent.toISOString()} tick`,
    });
    await settle();
    expect((await runsOf('daily_summary')).map((r) => [r.id, r.trigger, r.outcome, r.attempt, r.scheduledFor.toISOString()])).toEqual([
      [tickJobId('daily_summary', recent), 'SCHEDULED', 'SUCCEEDED', 1, recent.toISOString()],
    ]);
    expect(run.startedAt.getTime()).toBeGreaterThanOrEqual(startedAt); // run late, at start-up
    expect(callsOf('daily_summary')).toBe(1);
    expect(await bossJobs('daily_summary')).toEqual([{ id: tickJobId('daily_summary', recent), state: 'completed' }]);
  });

  it('a tick that already has a run, a paused job and a tick older than the window are not caught up', async () => {
    expect(await runsOf('sla_monitor')).toEqual([seededRun, inServiceRun]);
    expect(await runsOf('payment_reminder')).toEqual([]);
    expect(await runsOf('weekly_performance')).toEqual([]);
    for (const job of ['sla_monitor', 'payment_reminder', 'weekly_performance'] as const) {
      expect({ job, calls: callsOf(job), bossJobs: await bossJobs(job) }).toEqual({ job, calls: 0, bossJobs: [] });
    }
  });

  it('a restart catches up nothing more: the tick has its run', async () => {
    await dropReplicas(undefined, replicas.splice(0));
    const restarted = await start();
    expect(await restarted.engine.catchUpMissedTicks()).toEqual([]); // what the restart's own catch-up found too
    await settle();
    expect((await runsOf('daily_summary')).map((r) => r.id)).toEqual([tickJobId('daily_summary', recent)]);
    expect(callsOf('daily_summary')).toBe(1);
    expect(await bossJobs('daily_summary')).toHaveLength(1);
    expect(await runsOf('payment_reminder')).toEqual([]);
    expect(await runsOf('weekly_performance')).toEqual([]);
  });
});

/**
 * The wiring: startSchedulerService with the default SCHEDULER_CATCHUP_WINDOW_MS (6 h) and the
 * production crons (counting handlers, nothing sent by the test). Which ticks are in the window
 * depends on the time of day, so the expectation is computed from the clock; ticks within 5 min of
 * the window's edge, or a tick boundary crossed during start-up, are not asserted.
 */
describe('startSchedulerService: catch-up with the default window over the production crons', () => {
  let db: TestSchema;
  let stop: (() => Promise<void>) | undefined;

  afterAll(async () => {
    await stop?.();
    if (!db) return;
    const ds = createDataSource({ url: db.url, schema: db.schema });
    await ds.initialize();
    await ds.query(`DROP SCHEMA IF EXISTS "${db.schema}_boss" CASCADE`).finally(() => ds.destroy());
    await db.dropSchema();
  });

  it('records a SCHEDULED run for each job whose latest tick is within 6 h, none for an older one', async () => {
    db = await createTestSchema('sched_catchup_svc');
    // In service for a week (an earlier run recorded): the ticks since were missed while it was down.
    const seedDs = createDataSource({ url: db.url, schema: db.schema, migrations: schedulerMigrations, poolSize: 1 });
    await runMigrations(seedDs);
    const weekAgo = new Date(Date.now() - 8 * 24 * HOUR_MS);
    await new PostgresJobRunRepository(seedDs).insert(succeedJobRun(
      startJobRun({ id: tickJobId('sla_monitor', weekAgo), jobName: 'sla_monitor', trigger: 'SCHEDULED', scheduledFor: weekAgo, startedAt: weekAgo, attempt: 1 }),
      new Date(weekAgo.getTime() + 1000),
      0,
    ));
    await seedDs.destroy();
    const config = loadSchedulerConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      NOTIFY_API_KEYS: 'it-sched-catchup-admin-01:admin',
      DATABASE_URL: db.url,
      DATABASE_SCHEMA: db.schema,
      SHUTDOWN_GRACE_MS: '2000',
    });
    expect(config.SCHEDULER_CATCHUP_WINDOW_MS).toBe(6 * HOUR_MS);
    const calls: JobName[] = [];
    const before = new Date();
    const service = await startSchedulerService(config, createLogger({ service: 'scheduler', level: 'silent' }), {
      handlers: countingHandlers(calls),
      pollingIntervalSeconds: 0.5,
    });
    stop = () => service.stop();
    const after = new Date();
    const repo = new PostgresJobRunRepository(service.dataSource);
    const checked = JOB_DEFINITIONS.map((j) => ({ job: j.name, tick: cronTickAtOrBefore(j.cron, j.timeZone, before), tickAfter: cronTickAtOrBefore(j.cron, j.timeZone, after) }))
      .filter((c) => c.tick.getTime() === c.tickAfter.getTime())
      .map((c) => ({ ...c, age: before.getTime() - c.tick.getTime() }))
      .filter((c) => Math.abs(c.age - config.SCHEDULER_CATCHUP_WINDOW_MS) > 5 * MINUTE_MS);
    const expected = checked.filter((c) => c.age < config.SCHEDULER_CATCHUP_WINDOW_MS);
    expect(expected.map((c) => c.job)).toContain('sla_monitor'); // its latest tick is always under 15 min old
    const ranOf = async (): Promise<JobRun[]> => (await repo.list({ limit: 100 })).filter((r) => checked.some((c) => r.id === tickJobId(c.job, c.tick)));
    await waitFor(async () => (await ranOf()).filter((r) => r.outcome === 'SUCCEEDED').length === expected.length, {
      timeoutMs: 20_000,
      description: `caught-up runs of ${expected.map((c) => c.job).join(', ')}`,
    });
    await settle();
    const ran = await ranOf();
    expect(ran.map((r) => [r.jobName, r.trigger, r.outcome, r.scheduledFor.toISOString()]).sort()).toEqual(
      expected.map((c) => [c.job, 'SCHEDULED', 'SUCCEEDED', c.tick.toISOString()]).sort(),
    );
    // Jobs with a daily or weekly cron: exactly one handler call when caught up, none otherwise.
    for (const c of checked.filter((x) => x.job !== 'sla_monitor')) {
      expect({ job: c.job, calls: calls.filter((n) => n === c.job).length }).toEqual({ job: c.job, calls: expected.includes(c) ? 1 : 0 });
    }
  });
});

/**
 * A fresh install (no run ever recorded) has missed nothing: its first start catches up no tick,
 * however recent (the daily summary is not sent at the first start just because 18:00 passed).
 */
describe('PgBossJobEngine catch-up on a fresh install', () => {
  let db: TestSchema;
  const replicas: EngineReplica[] = [];
  const calls: JobName[] = [];

  afterAll(async () => {
    await dropReplicas(db, replicas);
  });

  it('catches up nothing when no run was ever recorded', async () => {
    db = await createTestSchema('sched_catchup_fresh');
    const recent = new Date(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 2 * MINUTE_MS);
    const jobs: JobDefinition[] = JOB_DEFINITIONS.map((j) => ({ ...j, cron: dailyCronAt(recent) }));
    const replica = await startEngineReplica(db, calls, undefined, { jobs, catchUpWindowMs: WINDOW_MS });
    replicas.push(replica);
    expect(await replica.engine.catchUpMissedTicks()).toEqual([]);
    await settle();
    const seed = createDataSource({ url: db.url, schema: db.schema, poolSize: 1 });
    await seed.initialize();
    try {
      expect(await new PostgresJobRunRepository(seed).list({ limit: 10 })).toEqual([]);
    } finally {
      await seed.destroy();
    }
    expect(calls).toEqual([]);
  });
});
