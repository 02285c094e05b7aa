import { createDataSource, runMigrations } from '@notify/db';
import { createLogger } from '@notify/logger';
import { createTestSchema, waitFor, type TestSchema } from '@notify/testing';
import { JobRunner, systemClock, uuidGenerator } from '../src/application';
import type { JobName } from '../src/domain';
import { PgBossJobEngine } from '../src/infrastructure/engine/pg-boss-job-engine';
import { PostgresJobRunRepository, PostgresJobStateRepository } from '../src/infrastructure/persistence/job-run.repository';
import { schedulerMigrations } from '../src/infrastructure/persistence/migrations';
import { countingHandlers } from './support/counting-handlers';

jest.setTimeout(60_000);

/** One scheduler replica: its own DataSource and pg-boss instance on the shared schemas. */
async function replica(db: TestSchema, calls: JobName[], failures: { paymentReminder: number }) {
  const ds = createDataSource({ url: db.url, schema: db.schema, migrations: schedulerMigrations, poolSize: 3 });
  await runMigrations(ds);
  const counting = countingHandlers(calls, (ctx) => {
    if (ctx.jobName === 'payment_reminder' && failures.paymentReminder > 0) {
      failures.paymentReminder--;
      throw new Error('customer service unavailable');
    }
  });
  const runs = new PostgresJobRunRepository(ds);
  const states = new PostgresJobStateRepository(ds);
  const runner = new JobRunner({ handlers: counting, runs, states, clock: systemClock, ids: uuidGenerator });
  const engine = new PgBossJobEngine({
    connectionString: db.url,
    bossSchema: `${db.schema}_boss`,
    runner,
    logger: createLogger({ service: 'scheduler-test', level: 'silent' }),
    pollingIntervalSeconds: 0.5,
    retryDelaySeconds: 1,
  });
  await engine.start();
  return { ds, runs, states, engine };
}

describe('PgBossJobEngine with two replicas on one database', () => {
  let db: TestSchema;
  let a: Awaited<ReturnType<typeof replica>>;
  let b: Awaited<ReturnType<typeof replica>>;
  const calls: JobName[] = [];
  const failures = { paymentReminder: 0 };

  beforeAll(async () => {
    db = await createTestSchema('sched_engine');
    a = await replica(db, calls, failures);
    b = await replica(db, calls, failures);
  });

  afterAll(async () => {
    await Promise.allSettled([a?.engine.stop(2000), b?.engine.stop(2000)]);
    await Promise.allSettled([a?.ds.destroy(), b?.ds.destroy()]);
    if (db) {
      const ds = createDataSource({ url: db.url, schema: db.schema });
      await ds.initialize();
      await ds.query(`DROP SCHEMA IF EXISTS "${db.schema}_boss" CASCADE`);
      await ds.destroy();
      await db.dropSchema();
    }
  });

  const runsOf = async (job: JobName, tick: Date) =>
    (await a.runs.list({ jobName: job, limit: 100 })).filter((r) => r.scheduledFor.getTime() === tick.getTime());

  it('a tick sent by both replicas is enqueued once and runs exactly once', async () => {
    const tick = new Date(Date.UTC(2026, 0, 5, 2, 0));
    const [idA, idB] = await Promise.all([a.engine.sendTick('daily_summary', tick), b.engine.sendTick('daily_summary', tick)]);
    expect([idA, idB].filter((id) => id !== null)).toHaveLength(1);
    await waitFor(async () => (await runsOf('daily_summary', tick)).some((r) => r.outcome === 'SUCCEEDED'), { timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 1500)); // two more polling rounds of both workers
    const runs = await runsOf('daily_summary', tick);
    expect(runs.map((r) => [r.trigger, r.outcome, r.itemsProduced, r.attempt])).toEqual([['SCHEDULED', 'SUCCEEDED', 0, 1]]);
    expect(calls.filter((c) => c === 'daily_summary')).toHaveLength(1);
    // The same tick sent again later is still a duplicate.
    expect(await b.engine.sendTick('daily_summary', tick)).toBeNull();
  });

  it('a scheduled tick of a paused job records SKIPPED without calling the handler; a manual trigger still runs', async () => {
    await a.states.setPaused('weekly_performance', true, new Date());
    const tick = new Date(Date.UTC(2026, 0, 5, 1, 0));
    await b.engine.sendTick('weekly_performance', tick);
    const [skipped] = await waitFor(async () => {
      const runs = await runsOf('weekly_performance', tick);
      return runs.length > 0 ? runs : null;
    }, { timeoutMs: 15_000 });
    expect(skipped).toMatchObject({ outcome: 'SKIPPED', trigger: 'SCHEDULED', itemsProduced: 0 });
    expect(calls.filter((c) => c === 'weekly_performance')).toHaveLength(0);

    await a.engine.enqueueManual('weekly_performance', new Date());
    await waitFor(async () => (await a.runs.list({ jobName: 'weekly_performance', limit: 10 })).some((r) => r.trigger === 'MANUAL' && r.outcome === 'SUCCEEDED'), {
      timeoutMs: 15_000,
    });
    expect(calls.filter((c) => c === 'weekly_performance')).toHaveLength(1);
  });

  it('a failed run is recorded FAILED and retried by pg-boss as a RETRY run (attempt 2)', async () => {
    failures.paymentReminder = 1;
    const tick = new Date(Date.UTC(2026, 0, 5, 2, 0));
    await a.engine.sendTick('payment_reminder', tick);
    const done = await waitFor(
      async () => {
        const runs = await runsOf('payment_reminder', tick);
        return runs.some((r) => r.outcome === 'SUCCEEDED') ? runs : null;
      },
      { timeoutMs: 20_000 },
    );
    expect(done.map((r) => [r.trigger, r.attempt, r.outcome, r.error]).sort((x, y) => Number(x[1]) - Number(y[1]))).toEqual([
      ['SCHEDULED', 1, 'FAILED', 'customer service unavailable'],
      ['RETRY', 2, 'SUCCEEDED', ''],
    ]);
    expect(calls.filter((c) => c === 'payment_reminder')).toHaveLength(2);
  });
});
