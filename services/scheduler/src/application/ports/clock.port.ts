/** The time source. Domain and application code never call `new Date()` for "now". */
export interface Clock {
  /** The current instant. */
  now(): Date;
}

/** The real clock (composition root; tests use a fixed or stepping clock). */
export const systemClock: Clock = { now: () => new Date() };
