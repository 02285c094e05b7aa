/**
 * Per-provider pacing (issue 5: "per-provider pacing respects a configured rate"): at most
 * `perSecond` requests per second leave this process for one provider, spaced evenly (one slot
 * every 1000/perSecond ms). The slots are handed out by {@link reserve} / {@link tryReserve};
 * the caller waits until its slot and only then starts the request (ProviderChain does so outside
 * the provider's circuit breaker and before the call's timeout starts, so a wait for a slot is
 * neither a provider failure nor part of the call's time). {@link capacity} tells the dispatcher
 * how many sends could start within a horizon, so it claims no more rows than that (a row claimed
 * is SENDING, and a SENDING row whose gateway died is taken as possibly sent).
 * Times are in ms on the monotonic clock `now` (default `performance.now`).
 */
export class Pacer {
  /** ms between two slots. */
  readonly intervalMs: number;
  /** Start of the next free slot, ms on `now`'s clock. */
  private next = 0;

  /**
   * @param perSecond requests per second, > 0 (RangeError otherwise).
   * @param now monotonic clock in ms.
   */
  constructor(
    readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError(`pacing rate must be a positive number per second, got ${perSecond}`);
    this.intervalMs = 1000 / perSecond;
  }

  /** ms until the next free slot (0 = one is free now). */
  waitMs(): number {
    return Math.max(0, this.next - this.now());
  }

  /** How many requests could start within `horizonMs` from now (free slots starting no later than now + horizonMs), >= 0. */
  capacity(horizonMs: number): number {
    const t = this.now();
    const first = Math.max(t, this.next);
    if (first > t + horizonMs) return 0;
    return Math.floor((t + horizonMs - first) / this.intervalMs) + 1;
  }

  /** ms until {@link capacity}(horizonMs) is at least 1 (0 = it is now). */
  capacityInMs(horizonMs: number): number {
    return Math.max(0, this.next - this.now() - horizonMs);
  }

  /** Takes the next free slot, however far it is; returns the wait until it, ms (0 = now). */
  reserve(): number {
    const t = this.now();
    const slot = Math.max(t, this.next);
    this.next = slot + this.intervalMs;
    return slot - t;
  }

  /** Takes the next free slot if it starts within `maxWaitMs`; returns the wait until it (ms), or null (nothing taken). */
  tryReserve(maxWaitMs: number): number | null {
    return this.waitMs() <= maxWaitMs ? this.reserve() : null;
  }
}
