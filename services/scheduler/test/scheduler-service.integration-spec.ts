import { NotFoundError } from '@notify/errors';
import { callUnary, createClient } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { schedulerv1 } from '@notify/proto';
import { createTestSchema, waitFor, type TestSchema } from '@notify/testing';
import { loadSchedulerConfig } from '../src/config';
import type { JobName } from '../src/domain';
import { startSchedulerService, type RunningSchedulerService } from '../src/server';
import { countingHandlers } from './support/counting-handlers';

const ADMIN_KEY = 'it-sched-admin-key-00001';
const OUTCOME = schedulerv1.JobRunOutcome;
const TRIGGER = schedulerv1.JobTrigger;

jest.setTimeout(60_000);

/**
 * The scheduler service end to end: two service instances (two pg-boss engines) on one real
 * Postgres schema, the real gRPC servers on 127.0.0.1:0 and real clients with an API key.
 */
describe('scheduler service (gRPC + Postgres + pg-boss, two replicas)', () => {
  let pg: TestSchema;
  const services: RunningSchedulerService[] = [];
  const clients: schedulerv1.SchedulerServiceClient[] = [];
  const calls: JobName[] = [];

  const counting = countingHandlers(calls);

  beforeAll(async () => {
    pg = await createTestSchema('sched_svc');
    const config = loadSchedulerConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      NOTIFY_API_KEYS: `${ADMIN_KEY}:admin`,
      DATABASE_URL: pg.url,
      DATABASE_SCHEMA: pg.schema,
      SHUTDOWN_GRACE_MS: '2000',
      // No start-up catch-up: the handler-call counts below would depend on the time of day (the
      // real crons' latest ticks); catch-up.integration-spec.ts covers it.
      SCHEDULER_CATCHUP_WINDOW_MS: '0',
    });
    for (let i = 0; i < 2; i++) {
      const service = await startSchedulerService(config, createLogger({ service: 'scheduler', level: 'silent' }), {
        handlers: counting,
        pollingIntervalSeconds: 0.5,
      });
      services.push(service);
      clients.push(createClient(schedulerv1.SchedulerServiceClient, `127.0.0.1:${service.grpc.port}`, { apiKey: ADMIN_KEY }));
    }
  });

  afterAll(async () => {
    for (const c of clients) (c as unknown as { close(): void }).close();
    for (const s of services) await s.stop();
    if (pg) {
      const { Client } = await import('pg');
      const c = new Client({ connectionString: pg.url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${pg.schema}_boss" CASCADE`);
      await c.end();
      await pg.dropSchema();
    }
  });

  const runs = async (jobName: string) => (await callUnary(clients[1]!, 'listJobRuns', { jobName, started: undefined, page: { pageSize: 100, pageToken: '' } })).runs;

  it('ListJobs lists the four jobs with their WIB crons', async () => {
    const { jobs } = await callUnary(clients[0]!, 'listJobs', {});
    expect(jobs.map((j) => [j.name, j.cron, j.timeZone, j.paused])).toEqual([
      ['sla_monitor', '*/15 * * * *', 'Asia/Jakarta', false],
      ['payment_reminder', '0 9 * * *', 'Asia/Jakarta', false],
      ['daily_summary', '0 18 * * *', 'Asia/Jakarta', false],
      ['weekly_performance', '0 8 * * 1', 'Asia/Jakarta', false],
    ]);
    // next_run_at from the cron in Asia/Jakarta: in the future, on the cron's minute (WIB = UTC+7).
    const now = Date.now();
    for (const job of jobs) expect(job.nextRunAt!.getTime()).toBeGreaterThan(now);
    const wibOf = (d: Date) => new Date(d.getTime() + 7 * 3_600_000);
    const byName = Object.fromEntries(jobs.map((j) => [j.name, wibOf(j.nextRunAt!)]));
    expect(byName.sla_monitor!.getUTCMinutes() % 15).toBe(0);
    expect([byName.payment_reminder!.getUTCHours(), byName.payment_reminder!.getUTCMinutes()]).toEqual([9, 0]);
    expect([byName.daily_summary!.getUTCHours(), byName.daily_summary!.getUTCMinutes()]).toEqual([18, 0]);
    expect([byName.weekly_performance!.getUTCDay(), byName.weekly_performance!.getUTCHours()]).toEqual([1, 8]);
    expect(byName.sla_monitor!.getTime() - wibOf(new Date(now)).getTime()).toBeLessThanOrEqual(15 * 60_000);
  });

  it('TriggerJob records one MANUAL run, visible in ListJobRuns on the other replica', async () => {
    const { run } = await callUnary(clients[0]!, 'triggerJob', { name: 'daily_summary', actor: undefined });
    expect(run).toMatchObject({ jobName: 'daily_summary', trigger: TRIGGER.JOB_TRIGGER_MANUAL, attempt: 1 });
    const done = await waitFor(async () => (await runs('daily_summary')).find((r) => r.id === run!.id && r.outcome === OUTCOME.JOB_RUN_OUTCOME_SUCCEEDED), {
      timeoutMs: 15_000,
    });
    expect(done).toMatchObject({ trigger: TRIGGER.JOB_TRIGGER_MANUAL, itemsProduced: 0, error: '' });
    expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(done.startedAt!.getTime());
    await new Promise((r) => setTimeout(r, 1500)); // more polling rounds on both replicas
    expect((await runs('daily_summary')).filter((r) => r.trigger === TRIGGER.JOB_TRIGGER_MANUAL)).toHaveLength(1);
    expect(calls.filter((c) => c === 'daily_summary')).toHaveLength(1);
    const { jobs } = await callUnary(clients[0]!, 'listJobs', {});
    expect(jobs.find((j) => j.name === 'daily_summary')?.lastRun?.id).toBe(run!.id);
  });

  it('PauseJob: a scheduled tick sent by both replicas is recorded once as SKIPPED and the handler does not run; ResumeJob clears it', async () => {
    const paused = await callUnary(clients[0]!, 'pauseJob', { name: 'payment_reminder' });
    expect(paused.job?.paused).toBe(true);
    const tick = new Date(Date.UTC(2026, 0, 5, 2, 0));
    await Promise.all(services.map((s) => s.engine.sendTick('payment_reminder', tick)));
    const skipped = await waitFor(async () => (await runs('payment_reminder')).find((r) => r.scheduledFor?.getTime() === tick.getTime()), { timeoutMs: 15_000 });
    expect(skipped).toMatchObject({ outcome: OUTCOME.JOB_RUN_OUTCOME_SKIPPED, trigger: TRIGGER.JOB_TRIGGER_SCHEDULE });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await runs('payment_reminder')).filter((r) => r.scheduledFor?.getTime() === tick.getTime())).toHaveLength(1);
    expect(calls.filter((c) => c === 'payment_reminder')).toHaveLength(0);
    expect((await callUnary(clients[1]!, 'listJobs', {})).jobs.find((j) => j.name === 'payment_reminder')?.paused).toBe(true);

    const resumed = await callUnary(clients[1]!, 'resumeJob', { name: 'payment_reminder' });
    expect(resumed.job?.paused).toBe(false);
    const next = new Date(Date.UTC(2026, 0, 6, 2, 0));
    await services[1]!.engine.sendTick('payment_reminder', next);
    await waitFor(async () => (await runs('payment_reminder')).find((r) => r.scheduledFor?.getTime() === next.getTime() && r.outcome === OUTCOME.JOB_RUN_OUTCOME_SUCCEEDED), {
      timeoutMs: 15_000,
    });
    expect(calls.filter((c) => c === 'payment_reminder')).toHaveLength(1);
  });

  it('an unknown job name is NOT_FOUND', async () => {
    await expect(callUnary(clients[0]!, 'triggerJob', { name: 'nope', actor: undefined })).rejects.toBeInstanceOf(NotFoundError);
    await expect(callUnary(clients[0]!, 'pauseJob', { name: 'nope' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(callUnary(clients[0]!, 'resumeJob', { name: 'nope' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(callUnary(clients[0]!, 'listJobRuns', { jobName: 'nope', started: undefined, page: undefined })).rejects.toBeInstanceOf(NotFoundError);
  });
});
