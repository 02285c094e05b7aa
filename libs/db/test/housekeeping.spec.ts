// The housekeeping timer: passes on schedule, tasks in order, a failing task logged without
// stopping the others, runOnce after a pass in progress, stop() ending the passes.
import { startHousekeeping, type HousekeepingTask } from '../src';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startHousekeeping', () => {
  const logs: Array<{ level: string; obj: object; msg?: string }> = [];
  const logger = {
    info: (obj: object, msg?: string) => void logs.push({ level: 'info', obj, msg }),
    warn: (obj: object, msg?: string) => void logs.push({ level: 'warn', obj, msg }),
  };
  beforeEach(() => void logs.splice(0));

  it('runs every task in order after the initial delay, then every interval; a failing task does not stop the next', async () => {
    const calls: string[] = [];
    const tasks: HousekeepingTask[] = [
      { name: 'a', run: async () => (calls.push('a'), 3) },
      { name: 'broken', run: async () => { calls.push('broken'); throw new Error('db down'); } },
      { name: 'c', run: async () => (calls.push('c'), 0) },
    ];
    const hk = startHousekeeping({ tasks, intervalMs: 100, initialDelayMs: 30, logger });
    try {
      await sleep(15);
      expect(calls).toEqual([]);
      await sleep(200);
      expect(calls.length).toBeGreaterThanOrEqual(6);
      expect(calls.slice(0, 6)).toEqual(['a', 'broken', 'c', 'a', 'broken', 'c']);
      expect(logs.find((l) => l.level === 'warn')).toMatchObject({ obj: { task: 'broken' } });
      expect(logs.find((l) => l.level === 'info')).toMatchObject({ obj: { deleted: { a: 3 } } });
      expect(await hk.runOnce()).toEqual({ a: 3, broken: -1, c: 0 });
    } finally {
      await hk.stop();
    }
    const n = calls.length;
    await sleep(250);
    expect(calls.length).toBe(n);
  });

  it('runOnce waits for a pass in progress instead of overlapping it', async () => {
    let active = 0;
    let maxActive = 0;
    const slow: HousekeepingTask = {
      name: 'slow',
      run: async () => {
        maxActive = Math.max(maxActive, ++active);
        await sleep(50);
        active--;
        return 1;
      },
    };
    const hk = startHousekeeping({ tasks: [slow], intervalMs: 10_000, initialDelayMs: 10_000, logger });
    try {
      const results = await Promise.all([hk.runOnce(), hk.runOnce(), hk.runOnce()]);
      expect(results).toEqual([{ slow: 1 }, { slow: 1 }, { slow: 1 }]);
      expect(maxActive).toBe(1);
    } finally {
      await hk.stop();
    }
  });

  it('refuses an interval that is not positive', () => {
    expect(() => startHousekeeping({ tasks: [], intervalMs: 0, logger })).toThrow(/intervalMs/);
  });
});
