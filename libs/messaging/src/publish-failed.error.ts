/**
 * A publish did not reach a stream: no stream captures the subject, JetStream is unavailable,
 * the ack timed out, or the bus is closed. Retryable (the outbox relay tries again later).
 * `cause` holds the transport's error.
 */
export class PublishFailedError extends Error {
  constructor(
    readonly subject: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`publish to ${subject} failed: ${detail}`, options);
    this.name = 'PublishFailedError';
  }
}
