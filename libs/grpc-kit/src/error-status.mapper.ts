import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { SpanStatusCode, isSpanContextValid, trace } from '@opentelemetry/api';
import {
  AlreadyExistsError,
  ConflictError,
  DomainError,
  DomainErrorKind,
  FailedPreconditionError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitedError,
  TimeoutError,
  UnauthenticatedError,
  UnavailableError,
  ValidationError,
  isDomainError,
  lostConnectionOf,
} from '@notify/errors';
import { KitLogger, defaultLogger } from './kit-logger';

/**
 * The one table from domain error kind to gRPC status (STYLE.md "gRPC errors",
 * libs/errors). Anything not in the table becomes INTERNAL.
 */
export const STATUS_BY_KIND: Readonly<Record<DomainErrorKind, grpc.status>> = Object.freeze({
  VALIDATION: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
  CONFLICT: grpc.status.ABORTED,
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
  RATE_LIMITED: grpc.status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  TIMEOUT: grpc.status.DEADLINE_EXCEEDED,
});

/**
 * Trailing-metadata keys that carry structured detail next to the status message.
 * `field`: ValidationError.field (proto field name, snake_case). `entity` / `entity-id`:
 * NotFoundError.entity / .id, and AlreadyExistsError.entity / .id when it names the entity that
 * holds the value (e.g. the invoice that has the number). `retry-after-ms`: RateLimitedError.retryAfterMs (ms, integer).
 */
export const ERROR_METADATA = Object.freeze({
  field: 'field',
  entity: 'entity',
  entityId: 'entity-id',
  retryAfterMs: 'retry-after-ms',
});

/** gRPC status for a domain error kind, after {@link STATUS_BY_KIND}. */
export function statusFor(kind: DomainErrorKind): grpc.status {
  return STATUS_BY_KIND[kind];
}

/** Options for {@link toGrpcError}. */
export interface ToGrpcErrorOptions {
  /** Where the detail of an unexpected (INTERNAL) error goes; default a plain pino logger. */
  logger?: KitLogger;
  /** Full method path (`/pkg.Service/Method`), added to the log line. */
  method?: string;
}

/**
 * Turns anything a handler threw into the status the client sees (a grpc-js `ServiceError`,
 * usable with `callback(err)` and `call.emit('error', err)`):
 * - a `DomainError` → `statusFor(err.kind)` with `err.message` as details (messages of
 *   domain errors are written to be shown; cut to {@link MAX_STATUS_DETAILS_BYTES}); ValidationError
 *   adds metadata `field`, NotFoundError `entity` + `entity-id`, AlreadyExistsError `entity` +
 *   `entity-id` when it has them (made header-safe by {@link metadataValue}), RateLimitedError `retry-after-ms` when known;
 * - an error that already has a numeric gRPC `code` 1..16 (e.g. a failed call to another
 *   service that was not mapped) passes through with its code, details and metadata;
 * - a refused or lost connection to a dependency (Postgres down or restarting, a pool that
 *   cannot connect: {@link lostConnectionOf}) → UNAVAILABLE `a dependency of this service is
 *   unavailable (<code>); retry later; trace <trace_id>` (no connection was made), or `…; the
 *   call may or may not have been applied: retry it with the same request id or idempotency
 *   key; …` (one broke while in use), logged at warn: callers retry UNAVAILABLE, as they do
 *   not retry INTERNAL;
 * - anything else → INTERNAL with details `internal error; trace <trace_id>`; the error
 *   itself is logged at error level with `trace_id` (the active OpenTelemetry trace, or a
 *   fresh random id when no span is active) and recorded on the active span.
 */
export function toGrpcError(err: unknown, options: ToGrpcErrorOptions = {}): grpc.ServiceError {
  if (isDomainError(err)) {
    const metadata = new grpc.Metadata();
    if (err instanceof ValidationError) metadata.set(ERROR_METADATA.field, metadataValue(err.field));
    if (err instanceof NotFoundError) {
      metadata.set(ERROR_METADATA.entity, metadataValue(err.entity));
      metadata.set(ERROR_METADATA.entityId, metadataValue(err.id));
    }
    if (err instanceof AlreadyExistsError) {
      if (err.entity) metadata.set(ERROR_METADATA.entity, metadataValue(err.entity));
      if (err.id) metadata.set(ERROR_METADATA.entityId, metadataValue(err.id));
    }
    if (err instanceof RateLimitedError && err.retryAfterMs !== undefined) {
      metadata.set(ERROR_METADATA.retryAfterMs, String(Math.round(err.retryAfterMs)));
    }
    return statusError(statusFor(err.kind), statusDetails(err.message), metadata);
  }
  if (isGrpcStatusLike(err)) {
    const details = typeof err.details === 'string' ? err.details : err instanceof Error ? err.message : '';
    const metadata = err.metadata instanceof grpc.Metadata ? err.metadata : new grpc.Metadata();
    return statusError(err.code, statusDetails(details), metadata);
  }
  const span = trace.getActiveSpan();
  const spanContext = span?.spanContext();
  const traceId =
    spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : randomBytes(16).toString('hex');
  const lost = lostConnectionOf(err);
  if (span) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: lost ? `unavailable: ${lost.reason}` : 'internal error' });
  }
  if (lost) {
    (options.logger ?? defaultLogger()).warn({ err, trace_id: traceId, grpc_method: options.method }, `a dependency is unavailable (${lost.reason})`);
    const advice = lost.phase === 'connect'
      ? 'retry later'
      : 'the call may or may not have been applied: retry it with the same request id or idempotency key';
    return statusError(grpc.status.UNAVAILABLE, `a dependency of this service is unavailable (${lost.reason}); ${advice}; trace ${traceId}`, new grpc.Metadata());
  }
  (options.logger ?? defaultLogger()).error(
    { err, trace_id: traceId, grpc_method: options.method },
    'internal error in gRPC handler',
  );
  return statusError(grpc.status.INTERNAL, `internal error; trace ${traceId}`, new grpc.Metadata());
}

// lostConnectionOf lives in @notify/errors (messaging classifies a NATS that cannot be reached with it too); re-exported here for the services.
export { lostConnectionOf, type LostConnection } from '@notify/errors';

/**
 * The reverse table, for clients: a failed call's `ServiceError` → the `DomainError` of the
 * same row (INVALID_ARGUMENT → ValidationError with `field` from metadata, NOT_FOUND →
 * NotFoundError with `entity`/`entity-id`, ALREADY_EXISTS → AlreadyExistsError with
 * `entity`/`entity-id` when the metadata has them, FAILED_PRECONDITION, ABORTED →
 * ConflictError, UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED → RateLimitedError
 * with `retry-after-ms`, UNAVAILABLE, DEADLINE_EXCEEDED → TimeoutError). The message is the
 * remote status details verbatim and `cause` is the original error.
 * Codes outside the table (CANCELLED, UNKNOWN, INTERNAL, UNIMPLEMENTED, OUT_OF_RANGE,
 * DATA_LOSS) and errors without a numeric code are returned unchanged, so `toGrpcError`
 * later passes their code through. Note that UNAUTHENTICATED / PERMISSION_DENIED from a
 * downstream service mean this service's own key is wrong or under-privileged.
 */
export function fromGrpcError(err: unknown): Error {
  if (!isGrpcStatusLike(err)) return err instanceof Error ? err : new Error(String(err));
  const details = typeof err.details === 'string' ? err.details : err instanceof Error ? err.message : '';
  const md = err.metadata instanceof grpc.Metadata ? err.metadata : new grpc.Metadata();
  const first = (key: string): string | undefined => {
    const v = md.get(key)[0];
    return v === undefined ? undefined : String(v);
  };
  let mapped: DomainError;
  switch (err.code) {
    case grpc.status.INVALID_ARGUMENT:
      mapped = new ValidationError(first(ERROR_METADATA.field) ?? '', details);
      break;
    case grpc.status.NOT_FOUND:
      mapped = new NotFoundError(first(ERROR_METADATA.entity) ?? 'resource', first(ERROR_METADATA.entityId) ?? '');
      break;
    case grpc.status.ALREADY_EXISTS: {
      const entity = first(ERROR_METADATA.entity);
      const id = first(ERROR_METADATA.entityId);
      mapped = new AlreadyExistsError(details, { ...(entity ? { entity } : {}), ...(id ? { id } : {}) });
      break;
    }
    case grpc.status.FAILED_PRECONDITION:
      mapped = new FailedPreconditionError(details);
      break;
    case grpc.status.ABORTED:
      mapped = new ConflictError(details);
      break;
    case grpc.status.UNAUTHENTICATED:
      mapped = new UnauthenticatedError(details);
      break;
    case grpc.status.PERMISSION_DENIED:
      mapped = new PermissionDeniedError(details);
      break;
    case grpc.status.RESOURCE_EXHAUSTED: {
      const retry = Number(first(ERROR_METADATA.retryAfterMs));
      mapped = new RateLimitedError(details, Number.isFinite(retry) ? retry : undefined);
      break;
    }
    case grpc.status.UNAVAILABLE:
      mapped = new UnavailableError(details);
      break;
    case grpc.status.DEADLINE_EXCEEDED:
      mapped = new TimeoutError(details);
      break;
    default:
      return err instanceof Error ? err : statusError(err.code, details, md);
  }
  mapped.message = details;
  Object.defineProperty(mapped, 'cause', { value: err, writable: true, configurable: true, enumerable: false });
  return mapped;
}

/** True when `err` carries a gRPC status code (an integer 1..16, not OK). */
export function isGrpcStatusLike(
  err: unknown,
): err is { code: grpc.status; details?: unknown; metadata?: unknown; message?: unknown } {
  if (typeof err !== 'object' || err === null || !('code' in err)) return false;
  const code = (err as { code: unknown }).code;
  return typeof code === 'number' && Number.isInteger(code) && code >= 1 && code <= 16;
}

/**
 * Longest status message sent, in UTF-8 bytes (a longer one, e.g. repeating a huge id the caller
 * sent, is cut and ends with "…"): grpc-js percent-encodes it into the `grpc-message` header,
 * and a header past the peer's limit resets the stream (the client saw `RST_STREAM` and lost
 * its channel).
 */
export const MAX_STATUS_DETAILS_BYTES = 1024;
/** Longest trailing-metadata value sent, in characters after encoding (see {@link metadataValue}). */
export const MAX_METADATA_VALUE_CHARS = 256;

/** `details` cut to {@link MAX_STATUS_DETAILS_BYTES} on a character boundary. */
export function statusDetails(details: string): string {
  if (Buffer.byteLength(details, 'utf8') <= MAX_STATUS_DETAILS_BYTES) return details;
  let out = '';
  let bytes = 0;
  const budget = MAX_STATUS_DETAILS_BYTES - 3; // "…" is 3 bytes
  for (const ch of details) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > budget) break;
    out += ch;
    bytes += n;
  }
  return `${out}…`;
}

/**
 * A trailing-metadata value that grpc-js accepts: ASCII metadata values must be printable ASCII
 * (0x20–0x7E; grpc-js throws on anything else, and a throw while answering took the whole
 * process down — a NotFoundError repeating a caller's id "A\u0000B" or "laporan-é"). Other bytes
 * of the UTF-8 form, and "%", are percent-encoded (`%C3%A9`); the result is cut to
 * {@link MAX_METADATA_VALUE_CHARS}. Plain ids and field names pass unchanged.
 */
export function metadataValue(value: string): string {
  let out = '';
  for (const b of Buffer.from(value, 'utf8')) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    if (out.length > MAX_METADATA_VALUE_CHARS) {
      // Cut before an escape the limit would split (`%C` of `%C3`): the value stays decodable.
      const cut = out.slice(0, MAX_METADATA_VALUE_CHARS);
      const pct = cut.lastIndexOf('%');
      return pct >= 0 && pct > cut.length - 3 ? cut.slice(0, pct) : cut;
    }
  }
  return out;
}

function statusError(code: grpc.status, details: string, metadata: grpc.Metadata): grpc.ServiceError {
  const e = new Error(`${code} ${grpc.status[code]}: ${details}`) as grpc.ServiceError;
  e.code = code;
  e.details = details;
  e.metadata = metadata;
  return e;
}

/**
 * A batch RPC's per-item error as its proto message carries it (`RenderTemplateError`,
 * `ResolveRecipientsError`): the status the single RPC would have failed with, its message, and the
 * detail its trailing metadata would have carried (`field`; `entity`, `entity_id`).
 */
export interface ItemError {
  code: number;
  message: string;
  field: string;
  entity: string;
  entityId: string;
}

/**
 * The per-item error of a ValidationError (3 INVALID_ARGUMENT, its field) or a NotFoundError
 * (5 NOT_FOUND, its entity and id), as a batch RPC answers it instead of failing the whole call.
 */
export function itemErrorOf(err: ValidationError | NotFoundError): ItemError {
  return {
    code: statusFor(err.kind),
    message: err.message,
    field: err instanceof ValidationError ? err.field : '',
    entity: err instanceof NotFoundError ? err.entity : '',
    entityId: err instanceof NotFoundError ? err.id : '',
  };
}

/** A per-item error back to the domain error the single RPC would have thrown ({@link fromGrpcError} of its code and detail). */
export function errorFromItem(item: ItemError): Error {
  const metadata = new grpc.Metadata();
  if (item.field) metadata.set(ERROR_METADATA.field, item.field);
  if (item.entity) metadata.set(ERROR_METADATA.entity, item.entity);
  if (item.entityId) metadata.set(ERROR_METADATA.entityId, item.entityId);
  return fromGrpcError({ code: item.code, details: item.message, metadata });
}
