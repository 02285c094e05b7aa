import { ValidationError } from '@notify/errors';
import { normalizeMessagingPhone, normalizeOptionalMessagingPhone, normalizeOptionalPhone, normalizePhone, phoneSearch, phoneToE164Digits } from '../src';

/** The ValidationError `fn` throws (fails the test when it throws none or another error). */
function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('normalizePhone (ARCHITECTURE.md "Phones")', () => {
  it.each(['082291921583', '82291921583', '+6282291921583', '+62 822-9192-1583', '6282291921583', '(0822) 9192 1583', ' 0822.9192.1583 '])(
    '%p → 6282291921583 (seed table, default region ID)',
    (input) => expect(normalizePhone(input)).toBe('6282291921583'),
  );

  it.each([
    ['+254 798 765432', '254798765432'], // Kenya, typed with its country code
    ['254798765432', '254798765432'], // the same as stored / as Fonnte sends it
    ['+12025550143', '12025550143'],
    ['12025550143', '12025550143'],
    ['+1 (202) 555-0143', '12025550143'],
    ['+81 90-1234-5678', '819012345678'], // a `+` number is read in its own country
    ['021 5551234', '62215551234'], // Jakarta landline
  ])('%p → %p', (input, expected) => expect(normalizePhone(input)).toBe(expected));

  it('reads back its own output for foreign numbers not valid in Indonesia (the twice-normalized registration)', () => {
    expect(normalizePhone(normalizePhone('+254 798 765432'))).toBe('254798765432');
    expect(normalizePhone(normalizePhone('+1 202 555 0143'))).toBe('12025550143');
    expect(normalizePhone(normalizePhone('082291921583'))).toBe('6282291921583');
  });

  it('keeps E.164 digits of Indonesia (62…) as they are, also short numbers that read as another number nationally', () => {
    // +62 896 753882 (a 9-digit mobile); read as a national number it would be +62 628 96753882.
    expect(normalizePhone('+62 896 753882')).toBe('62896753882');
    expect(normalizePhone('62896753882')).toBe('62896753882');
  });

  it('reads digits in Indonesia first: a number valid both ways is Indonesian unless written with +', () => {
    expect(normalizePhone('819012345678')).toBe('62819012345678');
    expect(normalizePhone('+819012345678')).toBe('819012345678');
  });

  it('reads national numbers in the given default region', () => {
    expect(normalizePhone('(202) 555-0123', { defaultRegion: 'US' })).toBe('12025550123');
  });

  it.each([
    ['letters', '08229192158a', 'is not a phone number (unexpected characters)'],
    ['too short', '0812345', 'is not a valid phone number'],
    ['too long', '0811111111111111', 'is not a valid phone number'],
    ['a US number without +1, no country code either', '2025550123', 'is not a valid phone number'],
    ['plus in the middle', '0822+9192', 'is not a valid phone number'],
    ['a + number that is none', '+999 123', 'is not a valid phone number'],
    ['digits that are no number anywhere', '123456789012', 'is not a valid phone number'],
  ])('rejects %s (%p) with a ValidationError naming the field and the value given', (_why, input, text) => {
    const err = validationError(() => normalizePhone(input, { field: 'audiences[0].phone' }));
    expect(err.field).toBe('audiences[0].phone');
    expect(err.message).toContain(`"${input}" ${text}`);
  });

  it('says how a number without + was read', () => {
    expect(validationError(() => normalizePhone('2025550123')).message).toBe('phone: "2025550123" is not a valid phone number (read in region ID or with a country code)');
    expect(validationError(() => normalizePhone('+999 123')).message).toBe('phone: "+999 123" is not a valid phone number (read with its country code)');
  });

  it('requires a value; optional phones give null when blank', () => {
    expect(validationError(() => normalizePhone('   ')).message).toBe('phone: is required');
    expect(normalizeOptionalPhone(undefined)).toBeNull();
    expect(normalizeOptionalPhone(' ')).toBeNull();
    expect(normalizeOptionalPhone('+254 798 765432')).toBe('254798765432');
  });
});

describe('normalizeMessagingPhone (a number WhatsApp or SMS can reach)', () => {
  it.each([
    ['082291921583', '6282291921583'], // mobile
    ['+254 798 765432', '254798765432'], // a foreign mobile
    ['+1 202 555 0143', '12025550143'], // US: fixed line or mobile, not told apart
  ])('takes %s', (input, digits) => {
    expect(normalizeMessagingPhone(input)).toBe(digits);
  });

  it.each([
    ['021 5551234', 'landline', '+62 21 5551234'],
    ['0215551234', 'landline', '+62 21 5551234'],
    ['0800 1234567', 'toll-free number', '+62 800 1234567'],
  ])('refuses %s (a %s) naming its type and number, for the field given', (input, what, international) => {
    const e = validationError(() => normalizeMessagingPhone(input, { field: 'customer.phone' }));
    expect(e.field).toBe('customer.phone');
    expect(e.message).toContain(`"${input}" is a ${what} (${international}): WhatsApp and SMS need a mobile number`);
  });

  it('refuses what normalizePhone refuses, and an optional one may be blank', () => {
    expect(validationError(() => normalizeMessagingPhone('12ab')).message).toContain('is not a phone number');
    expect(normalizeOptionalMessagingPhone('  ')).toBeNull();
    expect(() => normalizeOptionalMessagingPhone('021 5551234')).toThrow(/landline/);
  });
});

describe('phoneToE164Digits', () => {
  it.each([
    ['254798765432', '254798765432'],
    ['6282291921583', '6282291921583'],
    ['082291921583', '6282291921583'],
  ])('%p → %p', (input, expected) => expect(phoneToE164Digits(input)).toBe(expected));

  it.each(['', '  ', 'abc', '12', '120363042111111111@g.us', '0822919215831234567'])('%j → null', (input) => {
    expect(phoneToE164Digits(input)).toBeNull();
  });
});

describe('phoneSearch (a search text typed like a phone number)', () => {
  it.each([
    ['0822', { digits: '62822', prefix: true }],
    ['0822-9192', { digits: '628229192', prefix: true }],
    ['(021) 555', { digits: '6221555', prefix: true }],
    ['+62 822', { digits: '62822', prefix: true }],
    ['+254 798', { digits: '254798', prefix: true }],
    ['822', { digits: '822', prefix: false }],
    ['62822', { digits: '62822', prefix: false }],
    ['9192 1583', { digits: '91921583', prefix: false }],
  ])('%p → %p', (query, expected) => expect(phoneSearch(query)).toEqual(expected));

  it.each(['', '  ', 'Budi', 'Budi 0822', 'Jl. Mawar 12', '0822+9192', '+', '()'])('%j is not phone-like → null', (query) => {
    expect(phoneSearch(query)).toBeNull();
  });
});
