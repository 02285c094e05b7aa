import { FailedPreconditionError, RateLimitedError, TimeoutError, UnavailableError, ValidationError } from '@notify/errors';
import { DEFAULT_RETRY_POLICY, isPermanentError, isTransientError, PoisonMessageError, retryDelayMs } from '../src';

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

  test('stays capped however many transient redeliveries there were', () => {
    expect([100, 1_100, 5_000].map((n) => retryDelayMs(n, {}, mid))).toEqual([60_000, 60_000, 60_000]);
    expect(retryDelayMs(5_000, { retry: { initialDelayMs: 0 } }, mid)).toBe(0);
    expect(retryDelayMs(5_000, { retry: { multiplier: 10, maxDelayMs: 30_000, jitter: 0 } })).toBe(30_000);
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

describe('isTransientError', () => {
  test('UnavailableError, TimeoutError and errors marked transient: true are transient; others are not', () => {
    expect(isTransientError(new UnavailableError('customer: circuit breaker open'))).toBe(true);
    expect(isTransientError(new TimeoutError('deadline exceeded'))).toBe(true);
    expect(isTransientError(Object.assign(new Error('restarting'), { transient: true }))).toBe(true);
    expect(isTransientError(new ValidationError('work_zone', 'required'))).toBe(false);
    expect(isTransientError(new FailedPreconditionError('ticket is CLOSED'))).toBe(false);
    expect(isTransientError(new RateLimitedError('slow down'))).toBe(false);
    expect(isTransientError(new PoisonMessageError('bad bytes'))).toBe(false);
    expect(isTransientError(new Error('connection terminated'))).toBe(false);
    expect(isTransientError(Object.assign(new Error('x'), { transient: 'yes' }))).toBe(false);
    expect(isTransientError(undefined)).toBe(false);
  });
});
