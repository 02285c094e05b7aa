import { canonicalTicketNumber, formatTicketNumber, isTicketNumber, ticketDayKey } from '../src/domain';

describe('ticket numbers', () => {
  it.each([
    ['GANGGUAN', 1, 'GGN-20261122-0001'],
    ['PSB', 1, 'PSB-20261122-0001'],
    ['GANGGUAN', 42, 'GGN-20261122-0042'],
    ['PSB', 12345, 'PSB-20261122-12345'],
  ] as const)('%s #%i → %s', (type, seq, expected) => {
    expect(formatTicketNumber(type, '20261122', seq)).toBe(expected);
    expect(isTicketNumber(expected)).toBe(true);
  });

  it.each([0, -1, 1.5])('rejects sequence %p', (seq) => {
    expect(() => formatTicketNumber('PSB', '20261122', seq)).toThrow(RangeError);
  });

  it.each([
    ['2026-11-21T16:59:59Z', '20261121'], // 23:59:59 WIB
    ['2026-11-21T17:00:00Z', '20261122'], // 00:00 WIB the next day, still the 21st in UTC
    ['2026-11-22T16:59:59Z', '20261122'],
    ['2026-12-31T17:00:00Z', '20270101'],
  ])('uses the Jakarta calendar date: %s → %s', (instant, day) => {
    expect(ticketDayKey(new Date(instant))).toBe(day);
  });

  it('does not take other strings for numbers', () => {
    expect(isTicketNumber('00000000-0000-4000-8000-000000000001')).toBe(false);
    expect(isTicketNumber('GGN-2026112-0001')).toBe(false);
    expect(isTicketNumber('TKT-20261122-0001')).toBe(false);
  });

  it('reads a number typed in any case as its canonical upper case', () => {
    expect(canonicalTicketNumber('ggn-20261207-0001')).toBe('GGN-20261207-0001');
    expect(canonicalTicketNumber(' Psb-20261207-0012 ')).toBe('PSB-20261207-0012');
    expect(canonicalTicketNumber('GGN-20261207-0001')).toBe('GGN-20261207-0001');
    expect(canonicalTicketNumber('ggn-2026120-0001')).toBeNull();
    expect(canonicalTicketNumber('00000000-0000-4000-8000-000000000001')).toBeNull();
  });
});
