import { createTestSchema, waitFor, type TestSchema } from '@notify/testing';
import { JOB_DEFINITIONS, type JobDefinition, type JobName, type JobRun } from '../src/domain';
import { tickJobId } from '../src/infrastructure/engine/pg-boss-job-engine';
import { dropReplicas, startEngineReplica, type EngineReplica } from './support/engine-replica';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const JOB: JobName = 'sla_monitor';
/** Fires only if pg-boss evaluates the cron in Asia/Jakarta (see jobsAt). */
const WIB_JOB: JobName = 'payment_reminder';
/** Fires only if pg-boss ignores the time zone (see jobsAt). */
const UTC_JOB: JobName = 'daily_summary';
/** The hour of `at` and the next one, as a cron hour field (the spec ends well within two hours). */
const thisHourAndNext = (hour: number): string => `${hour},${(hour + 1) % 24}`;
/**
 * Production definitions except three crons, so pg-boss's own cron fires within the test:
 * - sla_monitor every minute (`* * * * *`);
 * - payment_reminder every minute of the current and next WIB hour (WIB = UTC+7, no DST): fires
 *   only when pg-boss evaluates it in Asia/Jakarta;
 * - daily_summary every minute of the current and next UTC hour, i.e. 7 h ago in WIB: fires only
 *   when pg-boss ignores the time zone.
 * weekly_performance keeps its production cron.
 */
function jobsAt(now: Date): JobDefinition[] {
  const cron: Partial<Record<JobName, string>> = {
    [JOB]: '* * * * *',
    [WIB_JOB]: `* ${thisHourAndNext(new Date(now.getTime() + 7 * HOUR_MS).getUTCHours())} * * *`,
    [UTC_JOB]: `* ${thisHourAndNext(now.getUTCHours())} * * *`,
  };
  return JOB_DEFINITIONS.map((j) => ({ ...j, cron: cron[j.name] ?? j.cron }));
}
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
describe('pg-boss cron on two replicas (Asia/Jakarta): each tick runs exactly once', () => {
  let db: TestSchema;
  let a: EngineReplica;
  let b: EngineReplica;
  const callsA: JobName[] = [];
  const callsB: JobName[] = [];

  let boundary: number;

  beforeAll(async () => {
    db = await createTestSchema('sched_cron');
    const jobs = jobsAt(new Date());
    a = await startEngineReplica(db, callsA, undefined, { jobs, ...CRON });
    b = await startEngineReplica(db, callsB, undefined, { jobs, ...CRON });
  });

  afterAll(() => dropReplicas(db, [a, b]));

  const runsOf = async (job: JobName): Promise<JobRun[]> => a.runs.list({ jobName: job, limit: 500 });
  const succeededAt = async (job: JobName, minute?: number): Promise<boolean> =>
    (await runsOf(job)).some((r) => r.outcome === 'SUCCEEDED' && (minute === undefined || r.scheduledFor.getTime() === minute));
  const callsOf = (job: JobName): number => [...callsA, ...callsB].filter((c) => c === job).length;
  /** pg-boss's own record (its 11.x job table): the jobs of `queue` created in [from, to). */
  const bossJobs = async (queue: JobName, from: number, to: number): Promise<Array<{ state: string }>> =>
    a.ds.query(`SELECT state FROM "${db.schema}_boss".job WHERE name = $1 AND created_on >= $2 AND created_on < $3`, [queue, new Date(from), new Date(to)]);

  it(
    'every tick minute has one SCHEDULED run, scheduled_for = that minute, and one handler call — across both replicas',
    async () => {
      // 1. The first tick pg-boss fires (the current minute's, at its first cron evaluation).
      await waitFor(async () => (await succeededAt(JOB)) && (await succeededAt(WIB_JOB)), {
        timeoutMs: FIRST_TICK_TIMEOUT_MS,
        intervalMs: 200,
        description: `SUCCEEDED runs of ${JOB} and ${WIB_JOB} fired by pg-boss's cron`,
      });
      // 2. The next minute boundary: a tick fired by the cron monitors of two running replicas.
      //    Chosen after the first runs exist, so it is never that start-up tick.
      boundary = nextMinute(Date.now());
      await waitFor(async () => (await succeededAt(JOB, boundary)) && (await succeededAt(WIB_JOB, boundary)), {
        timeoutMs: boundary - Date.now() + BOUNDARY_RUN_SLACK_MS,
        intervalMs: 250,
        description: `the runs of the ${new Date(boundary).toISOString()} tick`,
      });
      // 3. Stop both replicas (graceful: active runs finish) so the record below is final.
      await Promise.all([a.engine.stop(10_000), b.engine.stop(10_000)]);

      for (const job of [JOB, WIB_JOB]) {
        const runs = await runsOf(job);
        const minutes = runs.map((r) => r.scheduledFor.getTime());
        // One run per tick minute, each a first SCHEDULED attempt on a whole minute, recorded under the tick's id.
        expect(new Set(minutes).size).toBe(runs.length);
        for (const r of runs) {
          expect({ job, trigger: r.trigger, attempt: r.attempt, outcome: r.outcome, msIntoMinute: r.scheduledFor.getTime() % MINUTE_MS, id: r.id }).toEqual({
            job,
            trigger: 'SCHEDULED',
            attempt: 1,
            outcome: 'SUCCEEDED',
            msIntoMinute: 0,
            id: tickJobId(job, r.scheduledFor),
          });
          expect(r.startedAt.getTime()).toBeGreaterThanOrEqual(r.scheduledFor.getTime()); // never before its tick
        }
        expect(minutes.filter((m) => m === boundary)).toHaveLength(1);
        // The handler ran once per recorded tick, whichever replica took it.
        expect({ job, calls: callsOf(job) }).toEqual({ job, calls: runs.length });
        // pg-boss itself enqueued the boundary tick once (not twice with one absorbed by the run id):
        // one job in the queue created in that minute, completed.
        expect(await bossJobs(job, boundary, boundary + MINUTE_MS)).toEqual([{ state: 'completed' }]);
      }
    },
    TEST_TIMEOUT_MS,
  );

  // Reads what the run above recorded (the replicas are stopped by then).
  it('pg-boss evaluates the crons in Asia/Jakarta: the current WIB hour fires, the current UTC hour does not', async () => {
    expect(await succeededAt(WIB_JOB, boundary)).toBe(true);
    expect(await runsOf(UTC_JOB)).toEqual([]);
    expect(callsOf(UTC_JOB)).toBe(0);
    expect(await bossJobs(UTC_JOB, 0, boundary + MINUTE_MS)).toEqual([]); // never enqueued, not merely not run
  });
});
