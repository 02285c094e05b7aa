/**
 * Domain errors shared by every layer. The domain and application layers throw these;
 * only the transport edge (libs/grpc-kit `toGrpcError`) turns them into gRPC statuses.
 * This library imports nothing, so a domain layer may depend on it.
 *
 * Error kind          → gRPC status (STYLE.md, "gRPC errors")
 *   VALIDATION          INVALID_ARGUMENT
 *   NOT_FOUND           NOT_FOUND
 *   ALREADY_EXISTS      ALREADY_EXISTS
 *   FAILED_PRECONDITION FAILED_PRECONDITION  (wrong state, e.g. completing an OPEN ticket)
 *   CONFLICT            ABORTED              (optimistic version conflict)
 *   UNAUTHENTICATED     UNAUTHENTICATED
 *   PERMISSION_DENIED   PERMISSION_DENIED
 *   RATE_LIMITED        RESOURCE_EXHAUSTED
 *   UNAVAILABLE         UNAVAILABLE          (breaker open, dependency down)
 *   TIMEOUT             DEADLINE_EXCEEDED
 */
export type DomainErrorKind =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'CONFLICT'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'TIMEOUT';

/** Base class: `kind` selects the gRPC status, `message` is safe to show to the caller. */
export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A field is missing or malformed. `field` names it (proto field name, snake_case). */
export class ValidationError extends DomainError {
  readonly kind = 'VALIDATION' as const;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The entity `entity` with id `id` does not exist. */
export class NotFoundError extends DomainError {
  readonly kind = 'NOT_FOUND' as const;
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} not found`);
  }
}

/**
 * A unique value (phone, key, idempotency key) is already taken. When the holder is known,
 * `entity` names its kind (`customer`, `invoice`) and `id` its id (the transport sends them as
 * trailing metadata `entity` / `entity-id`, as NotFoundError's); both absent otherwise (an
 * idempotency key reused with other fields names no entity). `new AlreadyExistsError(message)`
 * and `(message, { cause })` keep working.
 */
export class AlreadyExistsError extends DomainError {
  readonly kind = 'ALREADY_EXISTS' as const;
  /** Kind of the entity holding the value (e.g. `invoice`), when known. */
  readonly entity?: string;
  /** Id of the entity holding the value, when known. */
  readonly id?: string;

  constructor(message: string, options?: { cause?: unknown; entity?: string; id?: string }) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    if (options?.entity) this.entity = options.entity;
    if (options?.id) this.id = options.id;
  }
}

/** The entity is in the wrong state for the operation; the message names the current state. */
export class FailedPreconditionError extends DomainError {
  readonly kind = 'FAILED_PRECONDITION' as const;
}

/** Optimistic concurrency: the entity changed since it was read (version mismatch). */
export class ConflictError extends DomainError {
  readonly kind = 'CONFLICT' as const;
}

/** No or unknown credentials. */
export class UnauthenticatedError extends DomainError {
  readonly kind = 'UNAUTHENTICATED' as const;
}

/** Known caller whose role may not do this. */
export class PermissionDeniedError extends DomainError {
  readonly kind = 'PERMISSION_DENIED' as const;
}

/** A rate limit was hit; `retryAfterMs` says when to try again, when known. */
export class RateLimitedError extends DomainError {
  readonly kind = 'RATE_LIMITED' as const;
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A dependency is down or its circuit breaker is open. */
export class UnavailableError extends DomainError {
  readonly kind = 'UNAVAILABLE' as const;
}

/** An operation ran out of time. */
export class TimeoutError extends DomainError {
  readonly kind = 'TIMEOUT' as const;
}

/** True when `err` is one of the errors above. */
export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}

export { lostConnectionOf, type LostConnection } from './lost-connection';
