import { DEFAULT_RETRY_POLICY, isPermanentError, PoisonMessageError, retryDelayMs } from '../src';

describe('retryDelayMs', () => {
  const mid = () => 0.5; // jitter factor 1
  const low = () => 0; // -jitter
  const high = () => 1; // +jitter

  test('exponential from the defaults: 1 s, 2 s, 4 s … capped at 60 s', () => {
    expect([1, 2, 3, 4, 7, 8, 20].map((n) => retryDelayMs(n, {}, mid))).toEqual([
      1_000, 2_000, 4_000, 8_000, 60_000, 60_000, 60_000,
    ]);
    expect(DEFAULT_RETRY_POLICY).toEqual({ initialDelayMs: 1_000, maxDelayMs: 60_000, multiplier: 2, jitter: 0.2 });
  });

  test('jitter spreads the delay by ± the configured fraction', () => {
    expect(retryDelayMs(2, {}, low)).toBe(1_600);
    expect(retryDelayMs(2, {}, high)).toBe(2_400);
    expect(retryDelayMs(2, { retry: { jitter: 0 } }, high)).toBe(2_000);
  });

  test('a partial retry policy overrides the defaults', () => {
    const spec = { retry: { initialDelayMs: 100, multiplier: 3, maxDelayMs: 1_000, jitter: 0 } };
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, spec))).toEqual([100, 300, 900, 1_000]);
  });

  test('an explicit backoffMs schedule wins; its last entry repeats', () => {
    const spec = { backoffMs: [5_000, 30_000], retry: { jitter: 0 } };
    expect([1, 2, 3, 9].map((n) => retryDelayMs(n, spec))).toEqual([5_000, 30_000, 30_000, 30_000]);
  });
});

describe('isPermanentError', () => {
  test('PoisonMessageError and errors marked permanent: true are permanent; others are not', () => {
    expect(isPermanentError(new PoisonMessageError('bad bytes'))).toBe(true);
    expect(isPermanentError(Object.assign(new Error('decode'), { permanent: true }))).toBe(true);
    expect(isPermanentError(new Error('timeout'))).toBe(false);
    expect(isPermanentError(Object.assign(new Error('x'), { permanent: 'yes' }))).toBe(false);
    expect(isPermanentError(undefined)).toBe(false);
  });
});
