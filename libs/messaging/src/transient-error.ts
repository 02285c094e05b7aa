import { TimeoutError, UnavailableError } from '@notify/errors';

/**
 * True when a handler's error says "try again later, the message itself is fine": a dependency
 * is unavailable or its circuit breaker is open (`UnavailableError`), or it ran out of time
 * (`TimeoutError`), or any error object carrying `transient: true` (for code that does not use
 * `@notify/errors`). The consumer runner naks such a message with capped backoff for as long as
 * the failure lasts and never dead-letters it for that (ARCHITECTURE.md "Events": `nak(delay)`
 * on a transient failure). A permanent error (`isPermanentError`) is never transient.
 */
export function isTransientError(err: unknown): boolean {
  if (err instanceof UnavailableError || err instanceof TimeoutError) return true;
  return typeof err === 'object' && err !== null && (err as { transient?: unknown }).transient === true;
}
