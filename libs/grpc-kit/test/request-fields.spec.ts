import { ValidationError } from '@notify/errors';
import { commonv1 } from '@notify/proto';
import { checkActor, isUuid, knownEnum, optionalUuid, quoted, requireUuid } from '../src/request-fields';

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
