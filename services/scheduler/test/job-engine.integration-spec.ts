import PgBoss from 'pg-boss';
import { createTestSchema, waitFor, type TestSchema } from '@notify/testing';
import type { JobName } from '../src/domain';
import { tickJobId } from '../src/infrastructure/engine/pg-boss-job-engine';
import { dropReplicas, startEngineReplica, type EngineReplica } from './support/engine-replica';

jest.setTimeout(60_000);

describe('PgBossJobEngine with two replicas on one database', () => {
  let db: TestSchema;
  let a: EngineReplica;
  let b: EngineReplica;
  const calls: JobName[] = [];
  const failures = { paymentReminder: 0 };
  /** payment_reminder fails while failures.paymentReminder > 0 (the customer service "down"). */
  const failPaymentReminder = (ctx: { jobName: JobName }): void => {
    if (ctx.jobName === 'payment_reminder' && failures.paymentReminder > 0) {
      failures.paymentReminder--;
      throw new Error('customer service unavailable');
    }
  };

  beforeAll(async () => {
    db = await createTestSchema('sched_engine');
    a = await startEngineReplica(db, calls, failPaymentReminder);
    b = await startEngineReplica(db, calls, failPaymentReminder);
  });

  afterAll(() => dropReplicas(db, [a, b]));

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

  it('a cron tick pg-boss delivers twice (its send-it job sent again) is named from the cron and runs once', async () => {
    // What pg-boss's send-it worker does for a fired cron tick: send(queue, schedule data) — no
    // tick time. Done twice here by a third, plain pg-boss instance on the same schema (no
    // workers, no cron), as after an instance died between sending and completing the send-it job.
    const raw = new PgBoss({ connectionString: db.url, schema: `${db.schema}_boss`, schedule: false, supervise: false, migrate: false });
    await raw.start();
    try {
      // daily_summary's cron is 0 18 * * * WIB = 11:00 UTC: the tick is the latest 11:00 UTC at or before the send.
      const latestSixPmWib = (ms: number): number => {
        const elevenUtc = Date.UTC(new Date(ms).getUTCFullYear(), new Date(ms).getUTCMonth(), new Date(ms).getUTCDate(), 11);
        return elevenUtc <= ms ? elevenUtc : elevenUtc - 24 * 3_600_000;
      };
      const callsBefore = calls.filter((c) => c === 'daily_summary').length;
      const before = Date.now();
      const ids = await Promise.all([raw.send('daily_summary', { trigger: 'SCHEDULED' }), raw.send('daily_summary', { trigger: 'SCHEDULED' })]);
      const after = Date.now();
      expect(ids.every((id) => typeof id === 'string')).toBe(true);
      await waitFor(async () => (await Promise.all(ids.map((id) => raw.getJobById('daily_summary', id!)))).every((j) => j?.state === 'completed'), {
        timeoutMs: 20_000,
        description: 'both deliveries completed by the replicas',
      });
      const ticks = [...new Set([latestSixPmWib(before), latestSixPmWib(after)])]; // one value unless the sends straddled 11:00 UTC
      const runs = (await a.runs.list({ jobName: 'daily_summary', limit: 100 })).filter((r) => ticks.includes(r.scheduledFor.getTime()));
      expect(runs.map((r) => [r.trigger, r.outcome, r.attempt, r.id])).toEqual([['SCHEDULED', 'SUCCEEDED', 1, tickJobId('daily_summary', runs[0]!.scheduledFor)]]);
      expect(calls.filter((c) => c === 'daily_summary').length - callsBefore).toBe(1);
    } finally {
      await raw.stop({ graceful: false, timeout: 1000 });
    }
  });
});
