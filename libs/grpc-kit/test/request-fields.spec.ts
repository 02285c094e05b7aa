import { ValidationError } from '@notify/errors';
import { commonv1 } from '@notify/proto';
import {
  checkActor, isUuid, knownEnum, optionalUuid, quoted, requireTimestamp, requireUuid, timeRangeFromProto, timestampFromProto,
  TIMESTAMP_MAX_SECONDS, TIMESTAMP_MIN_SECONDS,
} from '../src/request-fields';

const fails = (f: () => unknown): ValidationError => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('did not throw');
};

describe('request fields checked at the gRPC edge', () => {
  it('requireUuid: trimmed and lower-cased; empty → "is required"; anything else → "must be a UUID" quoting (at most 64 characters of) the value', () => {
    expect(requireUuid(' 0B4E5C1A-9F3D-4C2B-8A71-5E6F7A8B9C0D ', 'customer_id')).toBe('0b4e5c1a-9f3d-4c2b-8a71-5e6f7a8b9c0d');
    expect(fails(() => requireUuid('  ', 'customer_id')).message).toBe('customer_id: is required');
    expect(fails(() => requireUuid(undefined, 'staff_id')).message).toBe('staff_id: is required');
    expect(fails(() => requireUuid('GGN-20261122-0001', 'ticket_id')).message).toBe('ticket_id: must be a UUID, got "GGN-20261122-0001"');
    const long = fails(() => requireUuid('x'.repeat(500), 'id')).message;
    expect(long).toBe(`id: must be a UUID, got "${'x'.repeat(64)}…"`);
    expect(requireUuid('0B4E5C1A-9F3D-4C2B-8A71-5E6F7A8B9C0D', 'customer_id', { keepCase: true })).toBe('0B4E5C1A-9F3D-4C2B-8A71-5E6F7A8B9C0D');
    expect(optionalUuid('', 'filter')).toBe('');
    expect(optionalUuid('0B4E5C1A-9F3D-4C2B-8A71-5E6F7A8B9C0D', 'filter')).toBe('0b4e5c1a-9f3d-4c2b-8a71-5e6f7a8b9c0d');
    expect(() => optionalUuid('nope', 'filter')).toThrow('filter: must be a UUID');
    expect([isUuid('0b4e5c1a-9f3d-4c2b-8a71-5e6f7a8b9c0d'), isUuid('0b4e5c1a9f3d4c2b8a715e6f7a8b9c0d'), isUuid('')]).toEqual([true, false, false]);
    expect(quoted('a"b')).toBe('"a\\"b"');
  });

  it('knownEnum: a value the enum has (UNSPECIFIED included) passes; any other number is refused naming the field and listing the values', () => {
    expect(knownEnum(commonv1.Channel.CHANNEL_SMS, commonv1.Channel, 'channel')).toBe(commonv1.Channel.CHANNEL_SMS);
    expect(knownEnum(0 as commonv1.Channel, commonv1.Channel, 'channel')).toBe(0);
    const err = fails(() => knownEnum(99 as commonv1.Channel, commonv1.Channel, 'channels[1]'));
    expect(err.field).toBe('channels[1]');
    expect(err.message).toMatch(/^channels\[1\]: unknown value 99 \(one of CHANNEL_UNSPECIFIED = 0, .*CHANNEL_SMS = \d\)$/);
    expect(() => knownEnum(-1 as commonv1.Channel, commonv1.Channel, 'channel')).toThrow(/unknown value -1/); // ts-proto's UNRECOGNIZED
    expect(() => checkActor({ kind: 7 as commonv1.ActorKind, id: '', name: '', role: 0 as commonv1.Role })).toThrow(/^actor\.kind: unknown value 7/);
    expect(() => checkActor(undefined)).not.toThrow();
  });
});

describe('timestampFromProto: google.protobuf.Timestamp per its spec (0001-01-01 .. 9999-12-31, nanos 0..999999999)', () => {
  const RANGE = 'must be a timestamp between 0001-01-01 and 9999-12-31';

  it('the bounds are the spec\'s: 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z', () => {
    expect(new Date(TIMESTAMP_MIN_SECONDS * 1000).toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(new Date(TIMESTAMP_MAX_SECONDS * 1000).toISOString()).toBe('9999-12-31T23:59:59.000Z');
  });

  it('a Date (as ts-proto decodes it) inside the range is returned as it is; absent stays undefined', () => {
    const d = new Date('2026-05-01T07:00:00.123Z');
    expect(timestampFromProto(d, 'since')).toBe(d);
    expect(timestampFromProto(new Date(TIMESTAMP_MIN_SECONDS * 1000), 'since').getTime()).toBe(TIMESTAMP_MIN_SECONDS * 1000);
    expect(timestampFromProto(new Date(TIMESTAMP_MAX_SECONDS * 1000 + 999), 'since').getTime()).toBe(TIMESTAMP_MAX_SECONDS * 1000 + 999);
    expect(timestampFromProto(undefined, 'since')).toBeUndefined();
    // ts-proto rounds 9999-12-31T23:59:59.999999999Z up to 10000-01-01T00:00:00Z: that instant only passes.
    expect(timestampFromProto(new Date((TIMESTAMP_MAX_SECONDS + 1) * 1000), 'since').getTime()).toBe((TIMESTAMP_MAX_SECONDS + 1) * 1000);
  });

  it('a Date outside the range names the field and the seconds; an Invalid Date (seconds too large for a Date) is refused too', () => {
    expect(fails(() => timestampFromProto(new Date((TIMESTAMP_MIN_SECONDS - 1) * 1000), 'created.from')).message)
      .toBe(`created.from: ${RANGE}, got seconds -62135596801`);
    expect(fails(() => timestampFromProto(new Date((TIMESTAMP_MAX_SECONDS + 1) * 1000 + 1), 'send_at')).message)
      .toBe(`send_at: ${RANGE}, got seconds 253402300800`);
    const invalid = fails(() => timestampFromProto(new Date(NaN), 'created.to'));
    expect(invalid.field).toBe('created.to');
    expect(invalid.message).toBe(`created.to: ${RANGE}, got an invalid date`);
  });

  it('a raw Timestamp (the wire check): seconds as string, bigint or number; bounds inclusive; nanos 0..999999999', () => {
    expect(timestampFromProto({ seconds: String(TIMESTAMP_MIN_SECONDS), nanos: 0 }, 'x').toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(timestampFromProto({ seconds: BigInt(TIMESTAMP_MAX_SECONDS), nanos: 999_999_999 }, 'x').toISOString()).toBe('9999-12-31T23:59:59.999Z');
    expect(timestampFromProto({ seconds: 1_777_618_800, nanos: 500_000_000 }, 'x').toISOString()).toBe('2026-05-01T07:00:00.500Z');
    expect(fails(() => timestampFromProto({ seconds: '99999999999999', nanos: 0 }, 'created.to')).message).toBe(`created.to: ${RANGE}, got seconds 99999999999999`);
    expect(fails(() => timestampFromProto({ seconds: '-99999999999999', nanos: 0 }, 'since')).message).toBe(`since: ${RANGE}, got seconds -99999999999999`);
    expect(fails(() => timestampFromProto({ seconds: '-62135596801', nanos: 0 }, 'since')).message).toBe(`since: ${RANGE}, got seconds -62135596801`);
    expect(fails(() => timestampFromProto({ seconds: '1777618800', nanos: 2_000_000_000 }, 'created.from')).message)
      .toBe('created.from: nanos must be 0 to 999999999, got 2000000000');
    const negative = fails(() => timestampFromProto({ seconds: '1777618800', nanos: -5 }, 'sla_due.to'));
    expect([negative.field, negative.message]).toEqual(['sla_due.to', 'sla_due.to: nanos must be 0 to 999999999, got -5']);
  });

  it('requireTimestamp: absent → "is required"; present → as timestampFromProto', () => {
    expect(fails(() => requireTimestamp(undefined, 'from')).message).toBe('from: is required');
    expect(fails(() => requireTimestamp(new Date(NaN), 'from')).message).toBe(`from: ${RANGE}, got an invalid date`);
    expect(requireTimestamp(new Date(0), 'to').getTime()).toBe(0);
  });

  it('timeRangeFromProto: each bound named <field>.from / <field>.to; to must be after from', () => {
    const from = new Date('2026-05-01T00:00:00Z');
    const to = new Date('2026-05-02T00:00:00Z');
    expect(timeRangeFromProto(undefined, 'created')).toEqual({});
    expect(timeRangeFromProto({ from, to }, 'created')).toEqual({ from, to });
    expect(timeRangeFromProto({ to }, 'created')).toEqual({ to });
    expect(fails(() => timeRangeFromProto({ from: new Date(NaN), to }, 'created')).field).toBe('created.from');
    expect(fails(() => timeRangeFromProto({ from, to: new Date(8.64e15 + 1) }, 'sla_due')).field).toBe('sla_due.to');
    const inverted = fails(() => timeRangeFromProto({ from: to, to: from }, 'created'));
    expect([inverted.field, inverted.message]).toEqual(['created.to', 'created.to: must be after created.from']);
    expect(fails(() => timeRangeFromProto({ from, to: from }, 'created')).message).toBe('created.to: must be after created.from');
  });
});
