import { FailedPreconditionError, NotFoundError, PermissionDeniedError, ValidationError } from '@notify/errors';
import { JobRunner, ManageJobsUseCase, type Clock, type JobHandlers, type JobQueue } from '../src/application';
import { JOB_DEFINITIONS, type JobName } from '../src/domain';
import { cronParserSchedule } from '../src/infrastructure/engine/cron-schedule';
import { InMemoryJobRunRepository, InMemoryJobStateRepository } from '../src/infrastructure/memory/in-memory-job-stores';
import { countingHandlers } from './support/counting-handlers';

const placeholderJobHandlers = countingHandlers([]);

class SteppingClock implements Clock {
  constructor(private t: number) {}
  now(): Date {
    const d = new Date(this.t);
    this.t += 1000;
    return d;
  }
}

function setup(handlers: JobHandlers = placeholderJobHandlers) {
  const runs = new InMemoryJobRunRepository();
  const states = new InMemoryJobStateRepository();
  const clock = new SteppingClock(Date.parse('2026-01-05T01:00:00Z'));
  let n = 0;
  const ids = { next: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` };
  const enqueued: { name: JobName; at: Date }[] = [];
  const queue: JobQueue = {
    enqueueManual: (name, at) => {
      enqueued.push({ name, at });
      return Promise.resolve({ id: '11111111-1111-4111-8111-111111111111' });
    },
  };
  const runner = new JobRunner({ handlers, runs, states, clock, ids });
  const jobs = new ManageJobsUseCase({ runs, states, queue, clock, cron: cronParserSchedule });
  return { runs, states, runner, jobs, enqueued };
}

const tick = (jobName: JobName, trigger: 'SCHEDULED' | 'MANUAL' = 'SCHEDULED') => ({
  jobName,
  trigger,
  scheduledFor: new Date('2026-01-05T01:00:00Z'),
  attempt: 1,
});

describe('job definitions', () => {
  it('are the four seed jobs with their WIB crons', () => {
    expect(JOB_DEFINITIONS.map((j) => [j.name, j.cron, j.timeZone])).toEqual([
      ['sla_monitor', '*/15 * * * *', 'Asia/Jakarta'],
      ['payment_reminder', '0 9 * * *', 'Asia/Jakarta'],
      ['daily_summary', '0 18 * * *', 'Asia/Jakarta'],
      ['weekly_performance', '0 8 * * 1', 'Asia/Jakarta'],
    ]);
  });
});

describe('JobRunner', () => {
  it('records a SUCCEEDED run with the handler item count and clock times', async () => {
    const handlers = { ...placeholderJobHandlers, daily_summary: { run: () => Promise.resolve({ itemsProduced: 3 }) } };
    const { runner, runs } = setup(handlers);
    const run = (await runner.run(tick('daily_summary'), { pausedApplies: true }))!;
    expect(run).toMatchObject({ outcome: 'SUCCEEDED', itemsProduced: 3, trigger: 'SCHEDULED', attempt: 1 });
    expect(run.finishedAt!.getTime()).toBeGreaterThan(run.startedAt.getTime());
    expect(await runs.list({ limit: 10 })).toEqual([run]);
  });

  it('a second delivery of a tick (same run id) records nothing and does not call the handler', async () => {
    let calls = 0;
    const handlers = { ...placeholderJobHandlers, sla_monitor: { run: () => (calls++, Promise.resolve({ itemsProduced: 1 })) } };
    const { runner, runs, states } = setup(handlers);
    const once = { ...tick('sla_monitor'), runId: '22222222-2222-4222-8222-222222222222' };
    const first = await runner.run(once, { pausedApplies: true });
    expect(first).toMatchObject({ id: once.runId, outcome: 'SUCCEEDED', itemsProduced: 1 });
    expect(await runner.run(once, { pausedApplies: true })).toBeNull();
    await states.setPaused('sla_monitor', true); // a duplicate of a paused tick is not recorded SKIPPED either
    expect(await runner.run(once, { pausedApplies: true })).toBeNull();
    expect(calls).toBe(1);
    expect(await runs.list({ limit: 10 })).toEqual([first]);
  });

  it('records FAILED with the message and rethrows so the engine retries', async () => {
    const handlers = { ...placeholderJobHandlers, sla_monitor: { run: () => Promise.reject(new Error('ticket service down')) } };
    const { runner, runs } = setup(handlers);
    await expect(runner.run(tick('sla_monitor'), { pausedApplies: true })).rejects.toThrow('ticket service down');
    const [run] = await runs.list({ limit: 10 });
    expect(run).toMatchObject({ outcome: 'FAILED', error: 'ticket service down' });
    expect(run!.finishedAt).not.toBeNull();
  });

  it('skips a scheduled tick of a paused job without calling the handler', async () => {
    let calls = 0;
    const handlers = { ...placeholderJobHandlers, sla_monitor: { run: () => (calls++, Promise.resolve({ itemsProduced: 1 })) } };
    const { runner, states, runs } = setup(handlers);
    await states.setPaused('sla_monitor', true);
    const run = await runner.run(tick('sla_monitor'), { pausedApplies: true });
    expect(calls).toBe(0);
    expect(run?.outcome).toBe('SKIPPED');
    expect((await runs.list({ limit: 10 })).map((r) => r.outcome)).toEqual(['SKIPPED']);
    await runner.run(tick('sla_monitor', 'MANUAL'), { pausedApplies: false });
    expect(calls).toBe(1);
  });
});

describe('ManageJobsUseCase', () => {
  it('lists jobs with paused flag and last run; pause/resume toggle it', async () => {
    const { jobs, runner } = setup();
    await runner.run(tick('daily_summary'), { pausedApplies: true });
    await jobs.pauseJob('sla_monitor');
    const listed = await jobs.listJobs();
    expect(listed.map((j) => [j.definition.name, j.paused, j.lastRun?.outcome ?? null])).toEqual([
      ['sla_monitor', true, null],
      ['payment_reminder', false, null],
      ['daily_summary', false, 'SUCCEEDED'],
      ['weekly_performance', false, null],
    ]);
    expect((await jobs.resumeJob('sla_monitor')).paused).toBe(false);
    expect((await jobs.listJobs())[0]!.paused).toBe(false);
  });

  it('triggerJob enqueues a manual run at the clock time', async () => {
    const { jobs, enqueued } = setup();
    const pending = await jobs.triggerJob('weekly_performance', 'admin');
    expect(pending).toEqual({
      id: '11111111-1111-4111-8111-111111111111',
      jobName: 'weekly_performance',
      trigger: 'MANUAL',
      scheduledFor: new Date('2026-01-05T01:00:00Z'),
      attempt: 1,
    });
    expect(enqueued).toEqual([{ name: 'weekly_performance', at: new Date('2026-01-05T01:00:00Z') }]);
  });

  it('unknown job names are NotFoundError, empty ones ValidationError(name); a negative page size is ValidationError, a large one is clamped', async () => {
    const { jobs } = setup();
    await expect(jobs.triggerJob('nope', 'admin')).rejects.toBeInstanceOf(NotFoundError);
    await expect(jobs.pauseJob('nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(jobs.resumeJob('nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(jobs.listJobRuns({ jobName: 'nope', pageSize: 0, pageToken: '' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(jobs.triggerJob('', 'admin')).rejects.toThrow(new ValidationError('name', 'is required'));
    await expect(jobs.pauseJob(' ')).rejects.toThrow(new ValidationError('name', 'is required'));
    await expect(jobs.listJobRuns({ jobName: '', pageSize: -1, pageToken: '' })).rejects.toBeInstanceOf(ValidationError);
    await expect(jobs.listJobRuns({ jobName: '', pageSize: 501, pageToken: '' })).resolves.toMatchObject({ runs: [] });
  });

  it('triggerJob is FAILED_PRECONDITION when the queue finds the job busy (a run queued or running), naming it', async () => {
    const { jobs } = setup();
    const busy = new ManageJobsUseCase({
      runs: new InMemoryJobRunRepository(),
      states: new InMemoryJobStateRepository(),
      queue: { enqueueManual: () => Promise.resolve({ busy: 'a manual run is queued (run r9)' }) },
      clock: new SteppingClock(Date.parse('2026-01-05T01:00:00Z')),
      cron: cronParserSchedule,
    });
    await expect(busy.triggerJob('weekly_performance', 'admin')).rejects.toThrow(
      new FailedPreconditionError('weekly_performance is already running: a manual run is queued (run r9)'),
    );
    await expect(jobs.triggerJob('weekly_performance', 'admin')).resolves.toMatchObject({ jobName: 'weekly_performance' });
  });

  it('triggerJob is FAILED_PRECONDITION while a run of the job is RUNNING (a stale RUNNING row does not block)', async () => {
    const { jobs, runs } = setup();
    const running = { id: 'r1', jobName: 'sla_monitor' as const, trigger: 'SCHEDULED' as const, scheduledFor: new Date('2026-01-05T00:59:00Z'), attempt: 1 };
    await runs.insert({ ...running, startedAt: new Date('2026-01-05T00:59:00Z'), finishedAt: null, outcome: 'RUNNING', itemsProduced: 0, error: '' });
    await expect(jobs.triggerJob('sla_monitor', 'admin')).rejects.toBeInstanceOf(FailedPreconditionError);
    await expect(jobs.triggerJob('daily_summary', 'admin')).resolves.toMatchObject({ jobName: 'daily_summary' });
    await runs.insert({ ...running, id: 'r2', jobName: 'payment_reminder', startedAt: new Date('2026-01-05T00:40:00Z'), finishedAt: null, outcome: 'RUNNING', itemsProduced: 0, error: '' });
    await expect(jobs.triggerJob('payment_reminder', 'admin')).resolves.toMatchObject({ jobName: 'payment_reminder' });
  });

  it('triggerJob follows the per-job roles of the proto (manager: summary/performance; supervisor: performance/SLA)', async () => {
    const { jobs } = setup();
    await expect(jobs.triggerJob('daily_summary', 'manager')).resolves.toMatchObject({ jobName: 'daily_summary' });
    await expect(jobs.triggerJob('sla_monitor', 'manager')).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(jobs.triggerJob('sla_monitor', 'supervisor')).resolves.toMatchObject({ jobName: 'sla_monitor' });
    await expect(jobs.triggerJob('daily_summary', 'supervisor')).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(jobs.triggerJob('payment_reminder', 'noc')).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(jobs.triggerJob('payment_reminder', 'service')).resolves.toMatchObject({ jobName: 'payment_reminder' });
  });

  it('listJobRuns filters by job, newest first, limited', async () => {
    const { jobs, runner } = setup();
    await runner.run(tick('daily_summary'), { pausedApplies: true });
    await runner.run(tick('sla_monitor'), { pausedApplies: true });
    await runner.run(tick('daily_summary', 'MANUAL'), { pausedApplies: false });
    expect((await jobs.listJobRuns({ jobName: 'daily_summary', pageSize: 0, pageToken: '' })).runs.map((r) => r.trigger)).toEqual(['MANUAL', 'SCHEDULED']);
    const first = await jobs.listJobRuns({ jobName: '', pageSize: 2, pageToken: '' });
    expect(first.runs.map((r) => r.jobName)).toEqual(['daily_summary', 'sla_monitor']);
    expect(first.nextPageToken).not.toBe('');
    const second = await jobs.listJobRuns({ jobName: '', pageSize: 2, pageToken: first.nextPageToken });
    expect(second.runs.map((r) => [r.jobName, r.trigger])).toEqual([['daily_summary', 'SCHEDULED']]);
    expect(second.nextPageToken).toBe('');
    await expect(jobs.listJobRuns({ jobName: '', pageSize: 2, pageToken: 'garbage' })).rejects.toBeInstanceOf(ValidationError);
    // A token is bound to its filters (common.proto): used for one job's runs it is refused.
    await expect(jobs.listJobRuns({ jobName: 'daily_summary', pageSize: 2, pageToken: first.nextPageToken })).rejects.toThrow(/^page_token: was issued for different filters/);
  });

  it('listJobs gives next_run_at from the WIB cron (absent when paused)', async () => {
    const { jobs } = setup();
    await jobs.pauseJob('daily_summary');
    const views = await jobs.listJobs(); // SteppingClock: now ≈ 2026-01-05T01:00:01Z = Monday 08:00:01 WIB
    const next = Object.fromEntries(views.map((v) => [v.definition.name, v.nextRunAt?.toISOString() ?? null]));
    expect(next).toEqual({
      sla_monitor: '2026-01-05T01:15:00.000Z',
      payment_reminder: '2026-01-05T02:00:00.000Z',
      daily_summary: null,
      weekly_performance: '2026-01-12T01:00:00.000Z',
    });
  });
});
