import { ValidationError } from '@notify/errors';
import { isTicketNumber } from '../../domain';

/**
 * Checks of raw request fields at the gRPC edge, before any use case runs: the wire carries any
 * int32 in an enum field and any string in an id, so a typo must be refused here
 * (INVALID_ARGUMENT naming the field) rather than read as UNSPECIFIED, dropped as a filter, or
 * looked up as an id that cannot exist (NOT_FOUND).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `value` quoted for an error message, cut to 64 characters. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

/** A required UUID (trimmed): ValidationError(field) `is required` / `must be a UUID, got "…"`. */
export function requireUuid(value: string | undefined, field: string): string {
  const v = (value ?? '').trim();
  if (!v) throw new ValidationError(field, 'is required');
  if (!UUID.test(v)) throw new ValidationError(field, `must be a UUID, got ${quoted(v)}`);
  return v;
}

/** An optional UUID (a filter): '' when empty, else as {@link requireUuid}. */
export function optionalUuid(value: string | undefined, field: string): string {
  return (value ?? '').trim() ? requireUuid(value, field) : '';
}

/**
 * A ticket reference (trimmed): its id (UUID) or its number (`GGN-20261122-0001`).
 * ValidationError(field) `is required` / `must be a ticket id (UUID) or number (…), got "…"`.
 */
export function requireTicketRef(value: string | undefined, field: string): string {
  const v = (value ?? '').trim();
  if (!v) throw new ValidationError(field, 'is required');
  if (!UUID.test(v) && !isTicketNumber(v)) {
    throw new ValidationError(field, `must be a ticket id (UUID) or number (GGN-YYYYMMDD-NNNN, PSB-YYYYMMDD-NNNN), got ${quoted(v)}`);
  }
  return v;
}

/** An optional ticket reference (a filter): '' when empty, else as {@link requireTicketRef}. */
export function optionalTicketRef(value: string | undefined, field: string): string {
  return (value ?? '').trim() ? requireTicketRef(value, field) : '';
}

// knownEnum and checkActor: @notify/grpc-kit (request-fields.ts), shared with the other services.
export { checkActor, knownEnum } from '@notify/grpc-kit';
