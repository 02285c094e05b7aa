import { ValidationError } from '@notify/errors';
import { commonv1 } from '@notify/proto';

/** A UUID in its canonical text form (any version, either case). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** true when `value` is a UUID in its canonical text form (8-4-4-4-12 hex digits, either case). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** `value` quoted for an error message, cut to 64 characters (an error message stays short). */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

/**
 * A required id that must be a UUID, trimmed and lower-cased (as the services store ids they
 * make), or with its case kept when `options.keepCase` (the ticket service stores the customer and
 * staff ids it is given as text, as given: lower-casing them would stop matching its older rows):
 * ValidationError(field) `is required` when empty, `must be a UUID, got "…"` when it is not one
 * (INVALID_ARGUMENT, never a NOT_FOUND for an id that cannot exist).
 */
export function requireUuid(value: string | undefined, field: string, options: { keepCase?: boolean } = {}): string {
  const v = (value ?? '').trim();
  if (!v) throw new ValidationError(field, 'is required');
  if (!UUID.test(v)) throw new ValidationError(field, `must be a UUID, got ${quoted(v)}`);
  return options.keepCase ? v : v.toLowerCase();
}

/** An optional UUID (a filter): '' when empty, else as {@link requireUuid}. */
export function optionalUuid(value: string | undefined, field: string, options: { keepCase?: boolean } = {}): string {
  return (value ?? '').trim() ? requireUuid(value, field, options) : '';
}

/**
 * `value` when it is one of the values of the ts-proto enum `values` (UNSPECIFIED included; the
 * decoder's UNRECOGNIZED −1 excluded); else ValidationError(field) `unknown value N (one of …)`.
 * The wire carries any int32 in an enum field: a service checks it at its gRPC edge instead of
 * reading an integrator's typo as UNSPECIFIED or dropping it as a filter.
 */
export function knownEnum<E extends number>(value: E, values: Record<string, string | number>, field: string): E {
  const names = Object.entries(values).filter(([name, v]) => typeof v === 'number' && name !== 'UNRECOGNIZED');
  if (!names.some(([, v]) => v === value)) {
    throw new ValidationError(field, `unknown value ${value} (one of ${names.map(([name, v]) => `${name} = ${v}`).join(', ')})`);
  }
  return value;
}

/** The enums of a request's `actor`: values outside them are refused ({@link knownEnum}; `actor.kind`, `actor.role`). */
export function checkActor(actor: commonv1.Actor | undefined): void {
  if (!actor) return;
  knownEnum(actor.kind, commonv1.ActorKind, 'actor.kind');
  knownEnum(actor.role, commonv1.Role, 'actor.role');
}
