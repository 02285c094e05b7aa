import { ValidationError } from '@notify/errors';
import { normalizePhone } from '../../src/domain/phone';

describe('normalizePhone (gateway: Notify recipients, delivery filters)', () => {
  it.each([
    ['082291921583', '6282291921583'],
    ['+62 822-9192-1583', '6282291921583'],
    ['6282291921583', '6282291921583'],
    ['+254 798 765432', '254798765432'],
    ['254798765432', '254798765432'], // the QA report: the recipient normalized once, then validated again
    ['+12025550143', '12025550143'],
    ['12025550143', '12025550143'],
  ])('%p → %p', (input, want) => {
    expect(normalizePhone(input)).toBe(want);
  });

  it('reads its own output back (Notify normalizes recipients[i].phone, then validates audiences[i].phone)', () => {
    for (const input of ['+254 798 765432', '+1 202 555 0143', '0822 9192 1583']) {
      expect(normalizePhone(normalizePhone(input, 'recipients[0].phone'), 'audiences[0].phone')).toBe(normalizePhone(input));
    }
  });

  it.each(['0812', 'abc', '2025550123', '+999 123'])('rejects %p with a ValidationError naming the field and the value', (input) => {
    let err: unknown;
    try {
      normalizePhone(input, 'audiences[0].phone');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('audiences[0].phone');
    expect((err as ValidationError).message).toContain(`"${input}"`);
  });
});
