import * as grpc from '@grpc/grpc-js';
import { isGrpcStatusLike } from '@notify/grpc-kit';

/** A failed call with the status it ended with. */
export interface CallFailure {
  /** gRPC status name: `NOT_FOUND`, `UNIMPLEMENTED`, … */
  status: string;
  /** The server's status details (the domain error's message), or the local error text. */
  message: string;
}

/**
 * The gRPC status of what a call rejected with: `callUnary` rejects with a DomainError whose
 * `cause` is the grpc-js ServiceError (NOT_FOUND, INVALID_ARGUMENT, …) or with the
 * ServiceError itself (UNIMPLEMENTED, INTERNAL, CANCELLED, …). Undefined for errors that are
 * not call failures.
 */
export function callFailureOf(err: unknown): CallFailure | undefined {
  const cause = (err as { cause?: unknown } | null)?.cause;
  const status = isGrpcStatusLike(cause) ? cause : isGrpcStatusLike(err) ? err : undefined;
  if (!status) return undefined;
  const details = typeof status.details === 'string' && status.details !== '' ? status.details : err instanceof Error ? err.message : '';
  return { status: grpc.status[status.code] ?? String(status.code), message: details };
}

/**
 * One line for stderr: `error: NOT_FOUND: ticket 0000… not found`. For UNAVAILABLE and
 * DEADLINE_EXCEEDED the service and address are appended (`(ticket at 127.0.0.1:50051)`),
 * since the usual cause is a wrong address or a service that is not running; for
 * UNIMPLEMENTED the service is named too (the RPC is not served there yet).
 */
export function formatCallError(err: unknown, service?: string, address?: string): string {
  const failure = callFailureOf(err);
  const text = (s: string): string =>
    s.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\.?\s*Resolution note:\s*$/, '').trim();
  if (!failure) return `error: ${text(err instanceof Error ? err.message : String(err))}`;
  const where =
    service && ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'UNIMPLEMENTED'].includes(failure.status)
      ? ` (${service} service${address ? ` at ${address}` : ''})`
      : '';
  return `error: ${failure.status}: ${text(failure.message)}${where}`;
}
