/**
 * Exponential backoff with "equal jitter": attempt 1 waits between initialMs/2 and initialMs,
 * each further attempt doubles, capped at maxMs (all values in milliseconds).
 * `random` is injectable for tests.
 */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}
