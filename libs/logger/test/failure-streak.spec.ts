import { failureStreak } from '../src/failure-streak';

describe('failureStreak', () => {
  const capture = () => {
    const lines: Array<{ level: string; fields: Record<string, unknown>; msg: string }> = [];
    const at = (level: string) => (fields: object, msg: string) => void lines.push({ level, fields: fields as Record<string, unknown>, msg });
    return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
  };

  it('an outage is its first failure, a reminder per interval and one recovery line; the rest at debug', () => {
    jest.useFakeTimers({ now: new Date('2026-12-07T00:00:00Z') });
    try {
      const { lines, logger } = capture();
      const streak = failureStreak(logger, 'dispatcher claims', 60_000);
      streak.success(); // nothing to recover from
      for (let i = 0; i < 30; i++) {
        streak.failure('error', { attempt: i }, 'dispatcher: claim failed');
        jest.advanceTimersByTime(5_000);
      }
      expect(streak.failures).toBe(30);
      streak.success();
      expect(lines.filter((l) => l.level !== 'debug')).toEqual([
        { level: 'error', fields: { attempt: 0 }, msg: 'dispatcher: claim failed' },
        { level: 'error', fields: { attempt: 12, failures: 13, failing_for_s: 60 }, msg: 'dispatcher: claim failed (still failing)' },
        { level: 'error', fields: { attempt: 24, failures: 25, failing_for_s: 120 }, msg: 'dispatcher: claim failed (still failing)' },
        { level: 'info', fields: { failures: 30, failing_for_s: 150 }, msg: 'dispatcher claims recovered' },
      ]);
      expect(lines.filter((l) => l.level === 'debug')).toHaveLength(27);
      expect(streak.failures).toBe(0);
      streak.failure('warn', {}, 'again');
      expect(lines.at(-1)).toEqual({ level: 'warn', fields: {}, msg: 'again' });
      // reset(): the streak ends without a line; the next failure is logged at its level again.
      const before = lines.length;
      streak.reset();
      expect(streak.failures).toBe(0);
      expect(lines).toHaveLength(before);
      streak.failure('warn', {}, 'after reset');
      expect(lines.at(-1)).toEqual({ level: 'warn', fields: {}, msg: 'after reset' });
    } finally {
      jest.useRealTimers();
    }
  });
});
