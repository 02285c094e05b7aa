import { ValidationError } from '@notify/errors';
import { maskPhone, normalizeOptionalRecipientPhone, normalizePhone } from '../src/domain';

describe('normalizePhone', () => {
  it.each([
    '082291921583',
    '82291921583',
    '+6282291921583',
    '+62 822-9192-1583',
    '6282291921583',
    '(0822) 9192 1583',
    ' 0822.9192.1583 ',
  ])('%p → 6282291921583 (seed table, default region ID)', (input) => {
    expect(normalizePhone(input)).toBe('6282291921583');
  });

  it('is idempotent on its own output', () => {
    expect(normalizePhone(normalizePhone('082291921583'))).toBe('6282291921583');
    expect(normalizePhone(normalizePhone('+254 798 765432'))).toBe('254798765432');
  });

  it.each([
    ['+254712345678', '254712345678'], // the SMS seed's Kenyan example, with its country code
    ['+1 202 555 0123', '12025550123'],
    ['021 5551234', '62215551234'], // Jakarta landline, valid number
    ['+254 798 765432', '254798765432'], // the QA report's Kenyan number
    ['254798765432', '254798765432'], // its E.164 digits without + (no Indonesian number): as if with +
    ['12025550143', '12025550143'],
  ])('accepts a valid number %p → %p', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it('reads national numbers in the given default region', () => {
    expect(normalizePhone('(202) 555-0123', 'US')).toBe('12025550123');
  });

  it.each([
    ['letters', '08229192158a'],
    ['letters only', 'abc'],
    ['too short', '0812345'],
    ['too long', '0811111111111111'],
    ['wrong region (a US number without +1)', '2025550123'],
    ['plus in the middle', '0822+9192'],
  ])('rejects %s (%p) with a ValidationError naming the field and the value', (_why, input) => {
    let err: unknown;
    try {
      normalizePhone(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('phone');
    expect((err as ValidationError).message).toContain(`"${input}"`);
  });

  it('names another field when asked', () => {
    expect(() => normalizePhone('x', 'ID', 'technician_phone')).toThrow(/^technician_phone: /);
    expect(() => normalizePhone('   ')).toThrow(new ValidationError('phone', 'is required'));
  });

  it('treats empty optional phones as null', () => {
    expect(normalizeOptionalRecipientPhone(undefined)).toBeNull();
    expect(normalizeOptionalRecipientPhone('  ')).toBeNull();
    expect(normalizeOptionalRecipientPhone('0822 9192 1583')).toBe('6282291921583');
  });

  it('masks numbers for logs', () => {
    expect(maskPhone('6282291921583')).toBe('62822*****583');
  });
});
