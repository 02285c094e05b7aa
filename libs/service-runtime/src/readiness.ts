// Dependency-aware readiness: periodic checks of what a service needs to serve (Postgres),
// with a failure threshold, one log line per transition and listeners (the gRPC health entries,
// the gateway's /readyz). Liveness is not here: it stays the gRPC server's overall entry.
import { withTimeout } from '@notify/db';
import type { Logger } from '@notify/logger';

/** Default time between two rounds of checks, ms. */
export const DEFAULT_READINESS_INTERVAL_MS = 5_000;
/**
 * Default number of consecutive failed checks after which a dependency counts as failing: 3, with
 * the 5 s timeout, so a pool busy with a burst (the check queues for a connection like any query)
 * does not take a pod out; a refused Postgres shows in 10–15 s, one that hangs in 25–35 s.
 */
export const DEFAULT_READINESS_FAILURE_THRESHOLD = 3;
/** Default time one check may take before it counts as failed, ms. */
export const DEFAULT_READINESS_TIMEOUT_MS = 5_000;

/** One dependency to check: resolves when it answers, rejects (or outlives the timeout) when not. */
export interface DependencyCheck {
  /** Short name used in logs and in `failing` (`postgres`). */
  readonly name: string;
  check(): Promise<unknown>;
}

/** Tuning of {@link startReadiness}; every field optional. */
export interface ReadinessOptions {
  /** Time between the end of one round of checks and the start of the next, ms (default 5000). */
  readonly intervalMs?: number;
  /** Consecutive failed checks before a dependency counts as failing (default 3; 1 = at once). */
  readonly failureThreshold?: number;
  /** A check still pending after this long has failed, ms (default 5000). */
  readonly timeoutMs?: number;
}

/** The readiness at one moment. */
export interface ReadinessState {
  /** True when no dependency is failing. */
  readonly ready: boolean;
  /** Names of the failing dependencies (each failed `failureThreshold` times in a row), sorted; empty when ready. */
  readonly failing: readonly string[];
}

/** Dependency readiness of one service, from {@link startReadiness}. */
export interface Readiness {
  /** The current state (ready until a dependency has failed `failureThreshold` checks in a row). */
  state(): ReadinessState;
  /**
   * Calls `listener` after each change of the failing set (not for the current state).
   * Returns the unsubscribe function. A throwing listener is logged and does not stop the others.
   */
  onChange(listener: (state: ReadinessState) => void): () => void;
  /** Runs one round of checks now (besides the periodic ones) and resolves with the state after it. */
  checkNow(): Promise<ReadinessState>;
  /** Stops the periodic checks (a round in flight finishes and is ignored). Idempotent. */
  stop(): void;
}

/** Options of {@link startReadiness}. */
export interface StartReadinessOptions extends ReadinessOptions {
  /** Short service name for the log lines. */
  readonly service: string;
  readonly checks: readonly DependencyCheck[];
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}


/**
 * Starts checking `checks` every `intervalMs` ms (first round one interval after the start; the
 * runtime was just opened, so it starts ready). Each round runs the checks in parallel, each
 * bounded by `timeoutMs`. A dependency whose check failed `failureThreshold` times in a row is
 * failing; its first success clears it. When the failing set changes: one `warn` naming the
 * failing dependencies and the last error (`<service> not ready: postgres failing`), or one
 * `info` when none is left (`<service> ready again`), then the listeners.
 * The timer is unref'd (it never holds the process open).
 * @throws RangeError when `intervalMs` or `timeoutMs` is not a positive number or
 *   `failureThreshold` is not a positive integer.
 */
export function startReadiness(options: StartReadinessOptions): Readiness {
  const intervalMs = options.intervalMs ?? DEFAULT_READINESS_INTERVAL_MS;
  const threshold = options.failureThreshold ?? DEFAULT_READINESS_FAILURE_THRESHOLD;
  const timeoutMs = options.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;
  if (!(intervalMs > 0)) throw new RangeError(`readiness intervalMs must be > 0 ms (got ${intervalMs})`);
  if (!(timeoutMs > 0)) throw new RangeError(`readiness timeoutMs must be > 0 ms (got ${timeoutMs})`);
  if (!Number.isInteger(threshold) || threshold < 1) throw new RangeError(`readiness failureThreshold must be an integer >= 1 (got ${threshold})`);
  const { logger, service, checks } = options;
  const failures = new Map<string, number>(checks.map((c) => [c.name, 0]));
  const listeners = new Set<(state: ReadinessState) => void>();
  let current: ReadinessState = { ready: true, failing: [] };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<ReadinessState> | undefined;

  const runRound = async (): Promise<ReadinessState> => {
    const errors = new Map<string, string>();
    await Promise.all(
      checks.map(async (c) => {
        try {
          await withTimeout(Promise.resolve().then(() => c.check()), timeoutMs, () => new Error(`${c.name}: no answer within ${timeoutMs} ms`));
          failures.set(c.name, 0);
        } catch (err) {
          failures.set(c.name, (failures.get(c.name) ?? 0) + 1);
          errors.set(c.name, err instanceof Error ? err.message : String(err));
        }
      }),
    );
    if (stopped) return current;
    const failing = checks.filter((c) => (failures.get(c.name) ?? 0) >= threshold).map((c) => c.name).sort();
    if (failing.join(',') === current.failing.join(',')) return current;
    current = { ready: failing.length === 0, failing };
    if (current.ready) {
      // The logger names the service already (its `service` binding): not logged twice (QA: a duplicate key).
      logger.info({}, `${service} ready again: every dependency answers`);
    } else {
      const detail = Object.fromEntries(failing.map((n) => [n, errors.get(n) ?? 'failed']));
      logger.warn({ failing, errors: detail, failure_threshold: threshold }, `${service} not ready: ${failing.join(', ')} failing`);
    }
    for (const listener of listeners) {
      try {
        listener(current);
      } catch (err) {
        logger.error({ err, service }, 'readiness listener failed');
      }
    }
    return current;
  };
  /** One round at a time: a caller arriving during a round waits for it, then runs its own. */
  const checkNow = (): Promise<ReadinessState> => {
    const next: Promise<ReadinessState> = (round ?? Promise.resolve(current)).then(runRound, runRound);
    round = next;
    void next.finally(() => {
      if (round === next) round = undefined;
    });
    return next;
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      void checkNow().finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();

  return {
    state: () => current,
    onChange: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    checkNow,
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
