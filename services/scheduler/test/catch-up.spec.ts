import { ConfigError } from '@notify/config';
import { loadSchedulerConfig } from '../src/config';
import { JOB_DEFINITIONS, type JobName } from '../src/domain';
import { catchUpCandidates } from '../src/infrastructure/engine/pg-boss-job-engine';

const HOUR_MS = 3_600_000;
const at = (iso: string): Date => new Date(iso);
/** The scheduler in service since long before these ticks. */
const SINCE = new Date('2025-12-01T00:00:00Z');
const pairs = (ticks: ReturnType<typeof catchUpCandidates>): Array<[JobName, string]> => ticks.map((t) => [t.jobName, t.tick.toISOString()]);

/**
 * Which ticks the start-up catch-up considers (production crons, Asia/Jakarta = UTC+7): the latest
 * tick of each non-paused job, if at most the window old. Whether it already has a run, and the
 * enqueueing, are covered by catch-up.integration-spec.ts.
 */
describe('catchUpCandidates', () => {
  // Monday 2026-01-05 18:02 WIB = 11:02 UTC: daily_summary (18:00 WIB) 2 min ago, sla_monitor's :00 tick
  // 2 min ago, payment_reminder (09:00 WIB = 02:00 UTC) 9 h 2 min ago, weekly_performance (Mon 08:00 WIB) 10 h 2 min ago.
  const now = at('2026-01-05T11:02:00Z');

  it('takes only the latest tick of each job within the window (one SLA tick, not every missed 15-minute one)', () => {
    expect(pairs(catchUpCandidates(JOB_DEFINITIONS, new Set(), now, 6 * HOUR_MS, SINCE))).toEqual([
      ['sla_monitor', '2026-01-05T11:00:00.000Z'],
      ['daily_summary', '2026-01-05T11:00:00.000Z'],
    ]);
    expect(pairs(catchUpCandidates(JOB_DEFINITIONS, new Set(), now, 24 * HOUR_MS, SINCE))).toEqual([
      ['sla_monitor', '2026-01-05T11:00:00.000Z'],
      ['payment_reminder', '2026-01-05T02:00:00.000Z'],
      ['daily_summary', '2026-01-05T11:00:00.000Z'],
      ['weekly_performance', '2026-01-05T01:00:00.000Z'],
    ]);
  });

  it('keeps a tick exactly windowMs old and drops one a millisecond older', () => {
    const daily = JOB_DEFINITIONS.filter((j) => j.name === 'daily_summary');
    expect(pairs(catchUpCandidates(daily, new Set(), now, 2 * 60_000, SINCE))).toEqual([['daily_summary', '2026-01-05T11:00:00.000Z']]);
    expect(catchUpCandidates(daily, new Set(), now, 2 * 60_000 - 1, SINCE)).toEqual([]);
  });

  it('a tick at this very instant counts (age 0)', () => {
    expect(pairs(catchUpCandidates(JOB_DEFINITIONS, new Set(), at('2026-01-05T11:00:00Z'), 60_000, SINCE))).toEqual([
      ['sla_monitor', '2026-01-05T11:00:00.000Z'],
      ['daily_summary', '2026-01-05T11:00:00.000Z'],
    ]);
  });

  it('skips paused jobs', () => {
    expect(pairs(catchUpCandidates(JOB_DEFINITIONS, new Set<JobName>(['daily_summary']), now, 6 * HOUR_MS, SINCE))).toEqual([['sla_monitor', '2026-01-05T11:00:00.000Z']]);
  });

  it('never takes a tick from before the first run ever recorded, and nothing on a fresh install', () => {
    // In service since 10:30 UTC: the 11:00 ticks were missed, anything before was not.
    expect(pairs(catchUpCandidates(JOB_DEFINITIONS, new Set(), now, 24 * HOUR_MS, at('2026-01-05T10:30:00Z')))).toEqual([
      ['sla_monitor', '2026-01-05T11:00:00.000Z'],
      ['daily_summary', '2026-01-05T11:00:00.000Z'],
    ]);
    expect(catchUpCandidates(JOB_DEFINITIONS, new Set(), now, 24 * HOUR_MS, at('2026-01-05T11:00:00Z'))).toEqual([]);
    expect(catchUpCandidates(JOB_DEFINITIONS, new Set(), now, 24 * HOUR_MS, null)).toEqual([]);
  });

  it('a window of 0 (or less) turns the catch-up off', () => {
    expect(catchUpCandidates(JOB_DEFINITIONS, new Set(), at('2026-01-05T11:00:00Z'), 0, SINCE)).toEqual([]);
    expect(catchUpCandidates(JOB_DEFINITIONS, new Set(), now, -1, SINCE)).toEqual([]);
  });
});

describe('SCHEDULER_CATCHUP_WINDOW_MS', () => {
  const base = { NOTIFY_API_KEYS: 'unit-test-admin-key-0001:admin' };

  it('defaults to 6 h, takes ms or a unit, and 0 (off)', () => {
    expect(loadSchedulerConfig(base).SCHEDULER_CATCHUP_WINDOW_MS).toBe(6 * HOUR_MS);
    expect(loadSchedulerConfig({ ...base, SCHEDULER_CATCHUP_WINDOW_MS: '30m' }).SCHEDULER_CATCHUP_WINDOW_MS).toBe(1_800_000);
    expect(loadSchedulerConfig({ ...base, SCHEDULER_CATCHUP_WINDOW_MS: '0' }).SCHEDULER_CATCHUP_WINDOW_MS).toBe(0);
  });

  it('rejects a value that is not a duration, naming the variable', () => {
    expect(() => loadSchedulerConfig({ ...base, SCHEDULER_CATCHUP_WINDOW_MS: '-1' })).toThrow(ConfigError);
    expect(() => loadSchedulerConfig({ ...base, SCHEDULER_CATCHUP_WINDOW_MS: 'soon' })).toThrow(/SCHEDULER_CATCHUP_WINDOW_MS/);
  });
});
