/**
 * A message that can never be processed (undecodable payload, unknown schema version, a
 * reference that will never resolve): the consumer runner records a dead letter and
 * terminates it (`term`) instead of retrying.
 *
 * Libraries that cannot depend on `@notify/messaging` (contract libs such as `@notify/events`)
 * mark their errors the same way with a `permanent: true` property; see `isPermanentError`.
 */
export class PoisonMessageError extends Error {
  readonly permanent = true as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PoisonMessageError';
  }
}

/** True for a `PoisonMessageError` or any error object carrying `permanent: true`. */
export function isPermanentError(err: unknown): boolean {
  if (err instanceof PoisonMessageError) return true;
  return typeof err === 'object' && err !== null && (err as { permanent?: unknown }).permanent === true;
}
