// The retry of a round in which no provider was called (every breaker open, Retry-After):
// never before a provider can be called again, and further off with each such round in a row
// (QA: with Fonnte and Wablas down, such rounds repeated at the first backoff for the whole outage).
import { retryAfterUncountedRound } from '../../src/domain';

describe('retryAfterUncountedRound', () => {
  const now = new Date('2026-12-07T03:00:00.000Z');
  const backoff = (round: number) => Math.min(60_000, 1000 * 2 ** (round - 1));
  const waitOf = (rounds: number, uncounted: number, callableInMs?: number) =>
    retryAfterUncountedRound(now, rounds, uncounted, backoff, callableInMs).getTime() - now.getTime();

  it('the first such round waits the backoff of the rounds made (at least the first round\'s)', () => {
    expect(waitOf(0, 1)).toBe(1000);
    expect(waitOf(1, 1)).toBe(1000);
    expect(waitOf(3, 1)).toBe(4000);
  });

  it('each next one in a row waits the backoff of one more round, capped by the backoff', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => waitOf(0, n))).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    expect([1, 2, 3].map((n) => waitOf(2, n))).toEqual([2000, 4000, 8000]);
    expect(waitOf(0, 10_000)).toBe(60_000);
  });

  it('is never earlier than a provider can be called again (a breaker half-open, a Retry-After ended)', () => {
    expect(waitOf(0, 1, 25_000)).toBe(25_000);
    expect(waitOf(0, 5, 25_000)).toBe(25_000);
    expect(waitOf(0, 6, 25_000)).toBe(32_000);
    expect(waitOf(0, 1, 0)).toBe(1000);
    expect(waitOf(0, 1, undefined)).toBe(1000);
  });

  it('a count of 0 is taken as the first such round', () => {
    expect(waitOf(0, 0)).toBe(waitOf(0, 1));
  });
});
