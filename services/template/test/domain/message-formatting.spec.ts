import {
  FormatError,
  asSentence,
  firstName,
  formatDate,
  formatDateTime,
  formatDuration,
  formatNumber,
  formatPhone,
  formatRupiah,
  formatTime,
  parseDateTime,
} from '../../src/domain/message-formatting';

describe('dates and times in Asia/Jakarta (WIB)', () => {
  it('writes 22 November 2026 09:15 WIB for a UTC instant 02:15Z', () => {
    expect(formatDateTime('2026-11-22T02:15:00Z', 'id')).toBe('22 November 2026 09:15 WIB');
    expect(formatDateTime(new Date('2026-11-22T02:15:00Z'), 'id')).toBe('22 November 2026 09:15 WIB');
    expect(formatDateTime(Date.parse('2026-11-22T02:15:00Z'), 'id')).toBe('22 November 2026 09:15 WIB');
    expect(formatDateTime(String(Date.parse('2026-11-22T02:15:00Z')), 'id')).toBe('22 November 2026 09:15 WIB');
  });

  it('uses the Indonesian month names Januari … Desember for id and English ones for en', () => {
    const id = [];
    const en = [];
    for (let month = 1; month <= 12; month++) {
      const iso = `2026-${String(month).padStart(2, '0')}-15T12:00:00+07:00`;
      id.push(formatDate(iso, 'id').split(' ')[1]);
      en.push(formatDate(iso, 'en').split(' ')[1]);
    }
    expect(id).toEqual([
      'Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni',
      'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember',
    ]);
    expect(en).toEqual([
      'January', 'February', 'March', 'April', 'May', 'June',
      'July', 'August', 'September', 'October', 'November', 'December',
    ]);
  });

  it('moves to the next day and year when UTC evening is past midnight in Jakarta', () => {
    expect(formatDateTime('2026-12-31T18:30:00Z', 'id')).toBe('1 Januari 2027 01:30 WIB');
    expect(formatDateTime('2026-12-31T18:30:00Z', 'en')).toBe('1 January 2027 01:30 WIB');
  });

  it('reads a date-time without a zone as WIB wall-clock time, and a bare date as that day', () => {
    expect(formatDateTime('2026-08-17T08:00', 'id')).toBe('17 Agustus 2026 08:00 WIB');
    expect(formatDateTime('2026-08-17 08:00:00', 'id')).toBe('17 Agustus 2026 08:00 WIB');
    expect(formatDate('2025-03-31', 'id')).toBe('31 Maret 2025');
    expect(parseDateTime('2026-08-17').toISOString()).toBe('2026-08-16T17:00:00.000Z');
    expect(formatTime('2026-08-17T08:00:00+0700', 'en')).toBe('08:00 WIB');
  });

  it('uses a 24-hour clock with a colon (not Intl id-ID "pukul 21.05")', () => {
    expect(formatTime('2026-05-01T14:05:00Z', 'id')).toBe('21:05 WIB');
    expect(formatDateTime('2026-05-01T14:05:00Z', 'id')).toBe('1 Mei 2026 21:05 WIB');
  });

  it.each([['not a date'], ['2026-13-45'], [''], [null], [true], [{}], [Number.NaN]])('rejects %p', (value) => {
    expect(() => formatDateTime(value, 'id')).toThrow(FormatError);
  });
});

describe('rupiah', () => {
  it.each([
    [150000, 'Rp 150.000'],
    ['150000', 'Rp 150.000'],
    [0, 'Rp 0'],
    [999, 'Rp 999'],
    [1000, 'Rp 1.000'],
    [2478000, 'Rp 2.478.000'],
    [1234567890, 'Rp 1.234.567.890'],
    [-150000, '-Rp 150.000'],
  ])('id: %p → %s', (amount, text) => expect(formatRupiah(amount, 'id')).toBe(text));

  it('en uses a comma thousands separator', () => expect(formatRupiah(2478000, 'en')).toBe('Rp 2,478,000'));

  it.each([
    ['150.000', 'Rp 150.000'], // QA: read as 150 and sent as "Rp 150"
    ['1.250.500', 'Rp 1.250.500'],
    ['150,000', 'Rp 150.000'],
    [' 250.000 ', 'Rp 250.000'],
  ])('reads thousands grouped the Indonesian or the English way: %p → %s', (amount, text) => expect(formatRupiah(amount, 'id')).toBe(text));

  it.each([[150000.5], ['12.5'], ['Rp 150.000'], ['abc'], ['150.000,50'], ['1.50.000'], ['150000.50'], ['0.500'], [Number.MAX_SAFE_INTEGER + 2]])('rejects %p', (value) => {
    expect(() => formatRupiah(value, 'id')).toThrow(FormatError);
  });
});

describe('numbers, durations and text helpers', () => {
  it('groups numbers per locale', () => {
    expect(formatNumber(1250, 'id')).toBe('1.250');
    expect(formatNumber(2.5, 'id')).toBe('2,5');
    expect(formatNumber('1250', 'en')).toBe('1,250');
    // Thousands as an operator types them (QA: `customers_affected=1.500` went out as "1,5").
    expect(formatNumber('1.500', 'id')).toBe('1.500');
    expect(formatNumber('1,500', 'id')).toBe('1.500');
    expect(formatNumber('0.125', 'en')).toBe('0.13');
    expect(formatNumber('2.5', 'id')).toBe('2,5');
    expect(() => formatNumber('2,5', 'id')).toThrow(FormatError);
  });

  it.each([
    [0, '0 menit', '0 minutes'],
    [1, '1 menit', '1 minute'],
    [45, '45 menit', '45 minutes'],
    [60, '1 jam', '1 hour'],
    [120, '2 jam', '2 hours'],
    [150, '2 jam 30 menit', '2 hours 30 minutes'],
    [1440 + 61, '1 hari 1 jam 1 menit', '1 day 1 hour 1 minute'],
    [2 * 1440, '2 hari', '2 days'],
  ])('duration %p minutes → id "%s", en "%s"', (minutes, id, en) => {
    expect(formatDuration(minutes, 'id')).toBe(id);
    expect(formatDuration(minutes, 'en')).toBe(en);
  });

  it('rejects negative durations', () => expect(() => formatDuration(-5, 'id')).toThrow(FormatError));

  it('date_long keeps a date already written in words (the seeds\' promotion example "31 Maret 2025") and still refuses other text', () => {
    expect(formatDate('31 Maret 2025', 'id')).toBe('31 Maret 2025');
    expect(formatDate(' 1 January 2026 ', 'en')).toBe('1 January 2026');
    expect(formatDate('2025-03-31', 'id')).toBe('31 Maret 2025');
    expect(() => formatDate('besok', 'id')).toThrow();
    expect(() => formatDate('32 Maret 2025', 'id')).toThrow();
    expect(() => formatDate('31 Foo 2025', 'id')).toThrow();
  });

  it('first_name, phone and sentence', () => {
    expect(firstName('  John Doe ')).toBe('John');
    expect(firstName('Budi')).toBe('Budi');
    expect(formatPhone('6281234567890')).toBe('+6281234567890');
    expect(formatPhone('+62 812-3456-7890')).toBe('+6281234567890');
    // Written the Indonesian way: country code 62, as the services normalize phones.
    expect(formatPhone('081211110001')).toBe('+6281211110001');
    expect(formatPhone('0812-1111-0001')).toBe('+6281211110001');
    expect(formatPhone('81211110001')).toBe('+6281211110001');
    expect(formatPhone('254712345678')).toBe('+254712345678');
    expect(formatPhone('819012345678')).toBe('+819012345678'); // a Japanese number as stored (E.164 digits), not +62…
    expect(formatPhone('')).toBe('');
    expect(asSentence('Internet not working')).toBe('Internet not working.');
    expect(asSentence('Done!')).toBe('Done!');
    expect(asSentence('Fixed.')).toBe('Fixed.');
  });
});
