import { formatWib } from './wib';

describe('formatWib (times as the demo prints them)', () => {
  it('shows a moment in WIB (UTC+7) to the minute, as notifyctl does', () => {
    expect(formatWib(new Date('2026-12-07T16:48:05.939Z'))).toBe('2026-12-07 23:48 WIB');
  });

  it('crosses the date line into the next WIB day, and pads', () => {
    expect(formatWib(new Date('2026-12-31T17:05:00Z'))).toBe('2027-01-01 00:05 WIB');
    expect(formatWib(new Date('2026-03-01T01:02:59Z'))).toBe('2026-03-01 08:02 WIB');
  });
});
