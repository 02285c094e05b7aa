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

/** Earliest `seconds` of a valid google.protobuf.Timestamp: 0001-01-01T00:00:00Z. */
export const TIMESTAMP_MIN_SECONDS = -62_135_596_800;
/** Latest `seconds` of a valid google.protobuf.Timestamp: 9999-12-31T23:59:59Z. */
export const TIMESTAMP_MAX_SECONDS = 253_402_300_799;

/**
 * A google.protobuf.Timestamp as it is on the wire, before ts-proto (`useDate=true`) turns it
 * into a Date: `seconds` since the Unix epoch (int64: a decimal string as forceLong=string gives
 * it, a bigint or a number) and `nanos` (0..999,999,999, never negative).
 */
export interface ProtoTimestamp {
  readonly seconds: string | number | bigint;
  readonly nanos: number;
}

const TIMESTAMP_RANGE = 'must be a timestamp between 0001-01-01 and 9999-12-31';

/**
 * A request's google.protobuf.Timestamp field checked against the Timestamp spec and returned
 * as a Date; the one conversion every gRPC entry point uses for its Timestamp fields.
 * `value` is what ts-proto decoded (a Date; `Invalid Date` when the seconds were too large for
 * a JS Date) or the raw Timestamp (grpc-kit's wire check, see timestamp.guard.ts). `field` is
 * the proto path of the field, e.g. `created.to`, `send_at`.
 * @returns the Date (millisecond precision: ts-proto drops the nanos below 1 ms), or
 *   `undefined` when the field is absent.
 * @throws ValidationError(field) (→ INVALID_ARGUMENT) `must be a timestamp between 0001-01-01
 *   and 9999-12-31, got seconds N` when the seconds are outside −62135596800..253402300799
 *   (`got an invalid date` when ts-proto could not represent them), and `nanos must be 0 to
 *   999999999, got N` for nanos outside their range.
 */
export function timestampFromProto(value: Date | ProtoTimestamp, field: string): Date;
export function timestampFromProto(value: Date | ProtoTimestamp | undefined, field: string): Date | undefined;
export function timestampFromProto(value: Date | ProtoTimestamp | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new ValidationError(field, `${TIMESTAMP_RANGE}, got an invalid date`);
    const seconds = Math.floor(ms / 1000);
    // ts-proto's float arithmetic rounds the last instants of 9999-12-31 (nanos ≥ 999999500) up
    // to 10000-01-01T00:00:00Z: that one instant is let through (the raw Timestamp was valid).
    if (seconds < TIMESTAMP_MIN_SECONDS || (seconds > TIMESTAMP_MAX_SECONDS && ms !== (TIMESTAMP_MAX_SECONDS + 1) * 1000)) {
      throw new ValidationError(field, `${TIMESTAMP_RANGE}, got seconds ${seconds}`);
    }
    return value;
  }
  let seconds: bigint;
  try {
    seconds = BigInt(value.seconds);
  } catch {
    throw new ValidationError(field, `${TIMESTAMP_RANGE}, got seconds ${quoted(String(value.seconds))}`);
  }
  if (seconds < BigInt(TIMESTAMP_MIN_SECONDS) || seconds > BigInt(TIMESTAMP_MAX_SECONDS)) throw new ValidationError(field, `${TIMESTAMP_RANGE}, got seconds ${seconds}`);
  const nanos = value.nanos;
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) throw new ValidationError(field, `nanos must be 0 to 999999999, got ${nanos}`);
  return new Date(Number(seconds) * 1000 + Math.floor(nanos / 1_000_000));
}

/** A required Timestamp field: ValidationError(field) `is required` when absent, else as {@link timestampFromProto}. */
export function requireTimestamp(value: Date | ProtoTimestamp | undefined, field: string): Date {
  if (value === undefined) throw new ValidationError(field, 'is required');
  return timestampFromProto(value, field);
}

/**
 * A request's common.v1.TimeRange `[from, to)` (either bound may be absent) as Dates, each
 * bound checked by {@link timestampFromProto} as `<field>.from` / `<field>.to`, e.g.
 * `created.from`.
 * @throws ValidationError as timestampFromProto, and ValidationError(`<field>.to`) `must be
 *   after <field>.from` when both are given and `to` is not after `from`.
 */
export function timeRangeFromProto(range: { readonly from?: Date | undefined; readonly to?: Date | undefined } | undefined, field: string): { from?: Date; to?: Date } {
  const from = timestampFromProto(range?.from, `${field}.from`);
  const to = timestampFromProto(range?.to, `${field}.to`);
  if (from && to && from.getTime() >= to.getTime()) throw new ValidationError(`${field}.to`, `must be after ${field}.from`);
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}
