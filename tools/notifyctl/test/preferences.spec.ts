import { commonv1, customerv1 } from '@notify/proto';
import { UsageError } from '../src/args';
import { parseDueDate, parseQuietHours, preferencesRecord } from '../src/commands/preferences';

describe('parseQuietHours (--quiet)', () => {
  it('reads HH:MM-HH:MM as minutes after midnight, across midnight too', () => {
    expect(parseQuietHours('21:00-07:00')).toEqual({ startMinute: 1260, endMinute: 420 });
    expect(parseQuietHours(' 9:30 - 12:15 ')).toEqual({ startMinute: 570, endMinute: 735 });
  });

  it.each(['21-07', '24:00-07:00', '21:60-07:00', '21:00-21:00', 'malam'])('refuses %s naming the flag', (text) => {
    expect(() => parseQuietHours(text)).toThrow(UsageError);
    expect(() => parseQuietHours(text)).toThrow(/^--quiet: /);
  });
});

describe('preferencesRecord', () => {
  it('shows the stored preferences, and says when they are the defaults', () => {
    const stored = customerv1.Preferences.fromPartial({
      channels: [commonv1.Channel.CHANNEL_SMS],
      optedOutTypes: [commonv1.NotificationType.NOTIFICATION_TYPE_PROMOTION],
      quietHours: { startMinute: 1260, endMinute: 420, timeZone: 'Asia/Makassar' },
      locale: commonv1.Locale.LOCALE_EN,
      updatedAt: new Date('2026-12-07T03:00:00Z'),
    });
    const text = preferencesRecord(stored);
    expect(text).toMatch(/^Channels:\s+SMS$/m);
    expect(text).toMatch(/^Opted out of:\s+PROMOTION$/m);
    expect(text).toMatch(/^Quiet hours:\s+21:00-07:00 Asia\/Makassar \(URGENT messages still go\)$/m);
    expect(text).toMatch(/^Locale:\s+EN \(English where a text has an English version: the ticket SMS; WhatsApp texts are Indonesian\)$/m);
    expect(text).toMatch(/^Updated:\s+2026-12-07 10:00 WIB$/m);
    const defaults = preferencesRecord(customerv1.Preferences.fromPartial({ channels: [commonv1.Channel.CHANNEL_WHATSAPP, commonv1.Channel.CHANNEL_SMS] }));
    expect(defaults).toMatch(/^Quiet hours:\s+none$/m);
    expect(defaults).toMatch(/^Opted out of:\s+-$/m);
    expect(defaults).toMatch(/^Updated:\s+\(defaults: nothing stored\)$/m);
  });
});

describe('parseDueDate (customers invoice --due)', () => {
  const now = new Date('2026-11-22T18:30:00Z'); // 2026-11-23 01:30 WIB
  it('a date as given; a span from now as that day in WIB', () => {
    expect(parseDueDate('2026-12-31', now)).toBe('2026-12-31');
    expect(parseDueDate('+30d', now)).toBe('2026-12-23');
    expect(parseDueDate('in 1w', now)).toBe('2026-11-30');
  });

  it('refuses a plain span, which reads as ago, saying how to write it from now', () => {
    expect(() => parseDueDate('30d', now)).toThrow(UsageError);
    expect(() => parseDueDate('30d', now)).toThrow('--due: "30d" is 30 days ago; for 30 days from now write +30d');
  });
});
