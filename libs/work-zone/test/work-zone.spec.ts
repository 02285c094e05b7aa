import { ValidationError } from '@notify/errors';
import { isWorkZone, normalizeWorkZone } from '../src';

describe('normalizeWorkZone', () => {
  it.each([
    ['karawang', 'karawang'],
    [' Karawang Timur ', 'karawang-timur'],
    ['BEKASI\tutara', 'bekasi-utara'],
    ['zone_7', 'zone_7'],
    ['a'.repeat(64), 'a'.repeat(64)],
  ])('reads %j as %j', (input, key) => {
    expect(normalizeWorkZone(input)).toBe(key);
    expect(isWorkZone(input)).toBe(true);
  });

  it.each(['', '   ', 'at lan/tis', 'a b/c', '-karawang', 'kara.wang', 'a'.repeat(65), 'karawäng'])('refuses %j, naming the field', (input) => {
    let thrown: unknown;
    try {
      normalizeWorkZone(input, 'audience[0].work_zone');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).field).toBe('audience[0].work_zone');
    expect(isWorkZone(input)).toBe(false);
  });

  it('says what a work zone key is when the characters are wrong, and that it is required when empty', () => {
    expect(() => normalizeWorkZone('a b/c')).toThrow('"a b/c" is not a work zone key (letters, digits, - and _)');
    expect(() => normalizeWorkZone(' ')).toThrow('is required');
  });
});
