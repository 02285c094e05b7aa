import * as grpc from '@grpc/grpc-js';
import type { ServiceName } from '@notify/config';
import { isGrpcStatusLike } from '@notify/grpc-kit';

/** A failed call with the status it ended with. */
export interface CallFailure {
  /** gRPC status name: `NOT_FOUND`, `UNIMPLEMENTED`, … */
  status: string;
  /** The server's status details (the domain error's message), or the local error text. */
  message: string;
}

/**
 * A failed call with a hint of the CLI's own after the server's message (`NOT_FOUND: job nope
 * not found; jobs: daily_summary, …`): same status, same exit code.
 */
export class AnnotatedCallError extends Error {
  constructor(
    readonly original: unknown,
    readonly extra: string,
  ) {
    super(`${original instanceof Error ? original.message : String(original)}; ${extra}`);
  }
}

/**
 * The gRPC status of what a call rejected with: `callUnary` rejects with a DomainError whose
 * `cause` is the grpc-js ServiceError (NOT_FOUND, INVALID_ARGUMENT, …) or with the
 * ServiceError itself (UNIMPLEMENTED, INTERNAL, CANCELLED, …). Undefined for errors that are
 * not call failures.
 */
export function callFailureOf(err: unknown): CallFailure | undefined {
  if (err instanceof AnnotatedCallError) {
    const failure = callFailureOf(err.original);
    return failure && { ...failure, message: `${failure.message}; ${err.extra}` };
  }
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
 * UNIMPLEMENTED the service is named too (the RPC is not served there yet); `unavailableHint`
 * (Connection.unavailableHint) follows an UNAVAILABLE.
 */
export function formatCallError(err: unknown, service?: string, address?: string, unavailableHint?: string): string {
  const failure = callFailureOf(err);
  const text = (s: string): string =>
    s.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\.?\s*Resolution note:\s*$/, '').trim();
  if (!failure) return `error: ${text(err instanceof Error ? err.message : String(err))}`;
  const where =
    service && ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'UNIMPLEMENTED'].includes(failure.status)
      ? ` (${service} service${address ? ` at ${address}` : ''})`
      : '';
  const hint = unavailableHint && failure.status === 'UNAVAILABLE' ? `; ${unavailableHint}` : '';
  return `error: ${failure.status}: ${text(failure.message)}${where}${hint}`;
}

/** The service a failed call went to, when a command calls one other than its own. */
const CALLED_SERVICE = new WeakMap<object, ServiceName>();

/**
 * Runs `call` (a call to `service`) and, when it rejects with an object, records `service` as
 * the one that failed, so the CLI names it in the status line instead of the command's own
 * service (e.g. `deliveries list --ticket <number>` looks the number up in the ticket service
 * first: a ticket service that is down is `UNAVAILABLE … (ticket service at …)`). The rejection
 * itself is passed on unchanged; an error already marked keeps its first service.
 */
export async function callingService<T>(service: ServiceName, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (typeof err === 'object' && err !== null && !CALLED_SERVICE.has(err)) CALLED_SERVICE.set(err, service);
    throw err;
  }
}

/** The service {@link callingService} recorded for `err`; undefined when none (the command's own service failed). */
export function calledServiceOf(err: unknown): ServiceName | undefined {
  return typeof err === 'object' && err !== null ? CALLED_SERVICE.get(err) : undefined;
}
