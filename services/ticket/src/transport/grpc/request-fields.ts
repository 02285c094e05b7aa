import { ValidationError } from '@notify/errors';
import { isUuid, optionalUuid as optionalUuidOf, quoted, requireUuid as requireUuidOf } from '@notify/grpc-kit';
import { canonicalTicketNumber } from '../../domain';

/**
 * Checks of raw request fields at the gRPC edge, before any use case runs: the wire carries any
 * int32 in an enum field and any string in an id, so a typo must be refused here
 * (INVALID_ARGUMENT naming the field) rather than read as UNSPECIFIED, dropped as a filter, or
 * looked up as an id that cannot exist (NOT_FOUND).
 */

/**
 * A ticket reference (trimmed), in the case the service stores it: its id (UUID, lower case) or
 * its number (`GGN-20261122-0001`, upper case), each accepted in any case (`ggn-20261122-0001`).
 * ValidationError(field) `is required` / `must be a ticket id (UUID) or number (…), got "…"`.
 */
export function requireTicketRef(value: string | undefined, field: string): string {
  const v = (value ?? '').trim();
  if (!v) throw new ValidationError(field, 'is required');
  if (isUuid(v)) return v.toLowerCase();
  const number = canonicalTicketNumber(v);
  if (!number) {
    throw new ValidationError(field, `must be a ticket id (UUID) or number (GGN-YYYYMMDD-NNNN, PSB-YYYYMMDD-NNNN), got ${quoted(v)}`);
  }
  return number;
}

/** An optional ticket reference (a filter): '' when empty, else as {@link requireTicketRef}. */
export function optionalTicketRef(value: string | undefined, field: string): string {
  return (value ?? '').trim() ? requireTicketRef(value, field) : '';
}

/**
 * A required UUID (trimmed, its case kept: this service stores customer and staff ids as text,
 * as given, and matches them as such): grpc-kit's requireUuid with `keepCase`.
 */
export const requireUuid = (value: string | undefined, field: string): string => requireUuidOf(value, field, { keepCase: true });
/** An optional UUID (a filter): '' when empty, else as {@link requireUuid}. */
export const optionalUuid = (value: string | undefined, field: string): string => optionalUuidOf(value, field, { keepCase: true });

// knownEnum and checkActor: @notify/grpc-kit (request-fields.ts), shared with the other services.
export { checkActor, knownEnum } from '@notify/grpc-kit';
