import type { ConsumerSpec, RetryPolicy } from './event-bus';

/** 1 s, doubling, capped at 60 s, ±20 % jitter. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
  multiplier: 2,
  jitter: 0.2,
});

/**
 * The nak delay after delivery number `deliveryCount` (1-based) failed, in ms (integer >= 0).
 * Uses `spec.backoffMs` when given (the last entry repeats), else the exponential
 * `spec.retry` merged over `DEFAULT_RETRY_POLICY`, capped at `maxDelayMs` however large the
 * count grows (transient failures are retried without limit); both get ± `jitter` (uniform).
 * `random` is injectable for tests (default `Math.random`).
 */
export function retryDelayMs(
  deliveryCount: number,
  spec: Pick<ConsumerSpec, 'backoffMs' | 'retry'>,
  random: () => number = Math.random,
): number {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...spec.retry };
  const n = Math.max(1, Math.floor(deliveryCount));
  let base: number;
  if (spec.backoffMs && spec.backoffMs.length > 0) {
    base = spec.backoffMs[Math.min(n, spec.backoffMs.length) - 1];
  } else {
    // initialDelayMs × multiplier^(n-1) overflows to Infinity for large n (then the cap
    // applies); 0 × Infinity would be NaN, hence the explicit zero case.
    base = policy.initialDelayMs <= 0 ? 0 : Math.min(policy.maxDelayMs, policy.initialDelayMs * Math.pow(policy.multiplier, n - 1));
  }
  const jitter = Math.min(Math.max(policy.jitter, 0), 1);
  const factor = 1 + jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base * factor));
}
