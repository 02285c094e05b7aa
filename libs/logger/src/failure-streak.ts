/** The logger methods a failure streak writes with (pino's, or any `(fields, message)` logger). */
export interface StreakLogger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

/** One logged outage of a loop that retries on its own (see {@link failureStreak}). */
export interface FailureStreak {
  /**
   * A failure of the loop: the first of a streak is logged at `level` with `fields` and `msg`;
   * the next ones at debug, except one at `level` every `remindEveryMs` (with `failures` and
   * `failing_for_s`), so an outage is a few lines, not one per retry.
   */
  failure(level: 'warn' | 'error', fields: object, msg: string): void;
  /** A success: after a streak, one info line `<what> recovered` with how many failures and for how long; otherwise nothing. */
  success(fields?: object): void;
  /**
   * Ends the current streak without a line (the caller logged its end itself, e.g. a reconnect's
   * own info line, or a give-up at error): the next failure is news again, logged at its level.
   */
  reset(): void;
  /** Failures in the current streak (0 when the last attempt succeeded). */
  readonly failures: number;
}

/**
 * Logs a loop's repeated failures as one outage (the dispatcher's claims, the outbox relay, the
 * receipt reconciliation: each retries on its own, so each failure is not news): the first
 * failure at its level, a reminder every `remindEveryMs` (default 60 s) while it lasts, the rest
 * at debug, and one info line when it recovers. `what` names the loop in the recovery line
 * (`outbox relay`, `dispatcher claims`).
 */
export function failureStreak(logger: StreakLogger, what: string, remindEveryMs = 60_000): FailureStreak {
  let failures = 0;
  let since = 0;
  let remindedAt = 0;
  return {
    get failures() {
      return failures;
    },
    failure(level, fields, msg) {
      const now = Date.now();
      failures++;
      if (failures === 1) {
        since = now;
        remindedAt = now;
        logger[level](fields, msg);
      } else if (now - remindedAt >= remindEveryMs) {
        remindedAt = now;
        logger[level]({ ...fields, failures, failing_for_s: Math.round((now - since) / 1000) }, `${msg} (still failing)`);
      } else {
        logger.debug({ ...fields, failures }, msg);
      }
    },
    success(fields = {}) {
      if (failures === 0) return;
      logger.info({ ...fields, failures, failing_for_s: Math.round((Date.now() - since) / 1000) }, `${what} recovered`);
      failures = 0;
    },
    reset() {
      failures = 0;
    },
  };
}
