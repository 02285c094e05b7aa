import { createTestSchema, waitFor, type TestSchema } from '@notify/testing';
import { JOB_DEFINITIONS, type JobName, type JobRun } from '../src/domain';
import { tickJobId } from '../src/infrastructure/engine/pg-boss-job-engine';
import { dropReplicas, startEngineReplica, type EngineReplica } from './support/engine-replica';

const MINUTE_MS = 60_000;
const JOB: JobName = 'sla_monitor';
/** Production definitions except one: sla_monitor every minute, so pg-boss's own cron fires within the test. */
const JOBS = JOB_DEFINITIONS.map((j) => (j.name === JOB ? { ...j, cron: '* * * * *' } : j));
/**
 * pg-boss's cron intervals shortened for the test only (pg-boss 11 accepts 1..45 s; production
 * keeps the defaults, 30 s and 5 s): the crons are evaluated every second (on one instance at a
 * time) and a fired tick reaches the job queue within about a second.
 */
const CRON = { cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1 } as const;

/**
 * Time budget (a slow, loaded 2-core machine): the first tick ≤ 30 s after start-up (pg-boss
 * fires the current minute's tick at its first cron evaluation, ~1–2 s in practice); the next
 * minute boundary ≤ 60 s later; that tick's run ≤ 30 s after the boundary (~1–2 s in
 * practice); graceful stop and reads ≤ 20 s.
 */
const FIRST_TICK_TIMEOUT_MS = 30_000;
const BOUNDARY_RUN_SLACK_MS = 30_000;
const TEST_TIMEOUT_MS = FIRST_TICK_TIMEOUT_MS + MINUTE_MS + BOUNDARY_RUN_SLACK_MS + 20_000;

/** The first whole minute strictly after `ms`. */
const nextMinute = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS + MINUTE_MS;

/**
 * The real cron path, with nothing sent by the test: two engine replicas on one database, both
 * evaluating crons (pg-boss `schedule: true`), both working every queue. A cron tick carries no
 * `scheduledFor`; the engine names it from the pg-boss job (the cron's latest tick at or before
 * createdOn) and records its first attempt under tickJobId(job, tick).
 */
describe('pg-boss cron on two replicas: each tick runs exactly once', () => {
  let db: TestSchema;
  let a: EngineReplica;
  let b: EngineReplica;
  const callsA: JobName[] = [];
  const callsB: JobName[] = [];

  beforeAll(async () => {
    db = await createTestSchema('sched_cron');
    a = await startEngineReplica(db, callsA, undefined, { jobs: JOBS, ...CRON });
    b = await startEngineReplica(db, callsB, undefined, { jobs: JOBS, ...CRON });
  });

  afterAll(() => dropReplicas(db, [a, b]));

  const runsOfJob = async (): Promise<JobRun[]> => a.runs.list({ jobName: JOB, limit: 500 });

  it(
    'every tick minute has one SCHEDULED run, scheduled_for = that minute, and one handler call — across both replicas',
    async () => {
      // 1. The first tick pg-boss fires (the current minute's, at its first cron evaluation).
      await waitFor(async () => (await runsOfJob()).some((r) => r.outcome === 'SUCCEEDED'), {
        timeoutMs: FIRST_TICK_TIMEOUT_MS,
        intervalMs: 200,
        description: `a SUCCEEDED run of ${JOB} fired by pg-boss's cron`,
      });
      // 2. The next minute boundary: a tick fired by the cron monitors of two running replicas.
      //    Chosen after the first run exists, so it is never that start-up tick.
      const boundary = nextMinute(Date.now());
      await waitFor(async () => (await runsOfJob()).some((r) => r.scheduledFor.getTime() === boundary && r.outcome === 'SUCCEEDED'), {
        timeoutMs: boundary - Date.now() + BOUNDARY_RUN_SLACK_MS,
        intervalMs: 250,
        description: `the run of the ${new Date(boundary).toISOString()} tick`,
      });
      // 3. Stop both replicas (graceful: active runs finish) so the record below is final.
      await Promise.all([a.engine.stop(10_000), b.engine.stop(10_000)]);

      const runs = await runsOfJob();
      const minutes = runs.map((r) => r.scheduledFor.getTime());
      // One run per tick minute, each a first SCHEDULED attempt on a whole minute, recorded under the tick's id.
      expect(new Set(minutes).size).toBe(runs.length);
      for (const r of runs) {
        expect({ trigger: r.trigger, attempt: r.attempt, outcome: r.outcome, secondsIntoMinute: r.scheduledFor.getTime() % MINUTE_MS, id: r.id }).toEqual({
          trigger: 'SCHEDULED',
          attempt: 1,
          outcome: 'SUCCEEDED',
          secondsIntoMinute: 0,
          id: tickJobId(JOB, r.scheduledFor),
        });
        expect(r.startedAt.getTime()).toBeGreaterThanOrEqual(r.scheduledFor.getTime()); // never before its tick
      }
      expect(minutes.filter((m) => m === boundary)).toHaveLength(1);
      // The handler ran once per recorded tick, whichever replica took it.
      expect(callsA.filter((c) => c === JOB).length + callsB.filter((c) => c === JOB).length).toBe(runs.length);
      // pg-boss itself enqueued the boundary tick once (not twice with one absorbed by the run id):
      // one job in its queue created in that minute, completed. (Reads pg-boss 11's job table.)
      const jobs: Array<{ state: string }> = await a.ds.query(
        `SELECT state FROM "${db.schema}_boss".job WHERE name = $1 AND created_on >= $2 AND created_on < $3`,
        [JOB, new Date(boundary), new Date(boundary + MINUTE_MS)],
      );
      expect(jobs).toEqual([{ state: 'completed' }]);
    },
    TEST_TIMEOUT_MS,
  );
});
