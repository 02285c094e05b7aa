import { nulFieldOf } from '../src';

describe('nulFieldOf: the field of a request string holding U+0000', () => {
  it('names the field in proto spelling, through messages, arrays and Struct values', () => {
    expect(nulFieldOf({ title: 'ok', description: 'A\u0000B' })).toBe('description');
    expect(nulFieldOf({ ticketId: 'x', sampleVariables: {} , customerName: 'Bu\u0000di' })).toBe('customer_name');
    expect(nulFieldOf({ recipients: [{ phone: '0812' }, { phone: '08\u00001' }] })).toBe('recipients[1].phone');
    expect(nulFieldOf({ variables: { customer_name: 'Bu\u0000di' } })).toBe('variables.customer_name');
    expect(nulFieldOf({ variables: { list: [{ a: 'x' }, { b: '\u0000' }] } })).toBe('variables.list[1].b');
    expect(nulFieldOf({ variables: { 'bad\u0000key': 'v' } })).toBe('variables');
    expect(nulFieldOf('\u0000')).toBe('(request)');
    // ts-proto oneofs: named by their case, as the proto field (Notify's target.recipients).
    expect(nulFieldOf({ idempotencyKey: 'k', target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'phone', value: '0812' } }, { addressee: { $case: 'phone', value: '08\u00001' } }] } } })).toBe(
      'recipients.addressees[1].phone',
    );
  });

  it('finds nothing in clean requests, non-strings, bytes and dates', () => {
    expect(nulFieldOf({ title: 'Internet mati', n: 3, ok: true, none: null, at: new Date(0), raw: new Uint8Array([0, 0]) })).toBeUndefined();
    expect(nulFieldOf({ text: 'line\nbreak\ttab é 🚀' })).toBeUndefined();
    expect(nulFieldOf(undefined)).toBeUndefined();
  });
});
