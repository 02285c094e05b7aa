import { setTimeout as wait } from 'node:timers/promises';
import { NotFoundError, ValidationError } from '@notify/errors';
import { ResolutionAbortedError } from './ingest-notification.use-case';

/** Options of {@link retryUntilDone}. */
export interface RetryUntilDoneOptions {
  /** Aborted at shutdown: no new attempt starts, a pending wait ends at once. */
  readonly signal: AbortSignal;
  /** Wait before attempt n + 1 after n failures, ms (e.g. `backoffMs(n, 1000, 60000)` of @notify/db). */
  readonly backoff: (failures: number) => number;
  /** Told about each failure that will be retried (attempt number from 1, the wait in ms). */
  readonly onRetry: (err: unknown, attempt: number, waitMs: number) => void;
}

/**
 * Runs `task` until it resolves, retrying transient failures with `backoff` (issue 5: bad input
 * loses nothing; a Broadcast whose resolution failed on a dependency must not stay RESOLVING
 * until the next restart). Not retried, rethrown at once:
 * - ValidationError / NotFoundError: the input is wrong (the ingest use case has already marked
 *   the notification FAILED with the reason);
 * - ResolutionAbortedError: the gateway is stopping (the Broadcast resumes at the next start).
 * Everything else (UnavailableError, TimeoutError = DEADLINE_EXCEEDED, a database error…) is
 * retried; the task must be safe to run again (a Broadcast's pages are: unique delivery keys).
 * When `signal` aborts while waiting, rejects with ResolutionAbortedError.
 */
export async function retryUntilDone<T>(task: (signal: AbortSignal) => Promise<T>, o: RetryUntilDoneOptions): Promise<T> {
  for (let failures = 0; ; ) {
    try {
      return await task(o.signal);
    } catch (err) {
      if (err instanceof ValidationError || err instanceof NotFoundError || err instanceof ResolutionAbortedError) throw err;
      if (o.signal.aborted) throw new ResolutionAbortedError(`stopped while retrying: ${err instanceof Error ? err.message : String(err)}`);
      failures++;
      const waitMs = o.backoff(failures);
      o.onRetry(err, failures, waitMs);
      // Node's abortable timer: an abort ends the wait at once (rejects with AbortError, checked below).
      await wait(waitMs, undefined, { signal: o.signal }).catch(() => undefined);
      if (o.signal.aborted) throw new ResolutionAbortedError('stopped while waiting to retry');
    }
  }
}
