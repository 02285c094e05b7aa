import { isValidPhoneNumber } from 'libphonenumber-js/max';
import { Locale } from './template-ref';

/**
 * Formatting rules for values in messages (used by the template filters). Dates and times
 * are shown in Asia/Jakarta (WIB, UTC+7, no daylight saving), the time zone of the seeds'
 * schedules ("09:00 WIB"); month names come from Intl (`id-ID`: Januari … Desember, `en-GB`:
 * January … December); the assembly (day month year, 24-hour `HH:mm`, the `WIB` suffix) is
 * fixed here because Intl's `id-ID` pattern writes "pukul 09.15".
 */
export const MESSAGE_TIME_ZONE = 'Asia/Jakarta';
export const MESSAGE_TIME_ZONE_LABEL = 'WIB';

/** A value a formatter cannot format; the renderer reports it as a ValidationError with the position. */
export class FormatError extends Error {
  override readonly name = 'FormatError';
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Reads a date-time: a Date, epoch milliseconds (number or digit string), or an ISO-8601
 * string. A string without a zone (`2026-11-22T09:15`) is WIB wall-clock time, and a date
 * alone (`2026-11-22`) is midnight WIB of that day, so the result never depends on the
 * server's time zone. Throws FormatError otherwise.
 */
export function parseDateTime(value: unknown): Date {
  if (value instanceof Date) {
    if (!Number.isNaN(value.getTime())) return value;
  } else if (typeof value === 'number' || (typeof value === 'string' && /^\d{10,}$/.test(value))) {
    const date = new Date(Number(value));
    if (Number.isFinite(Number(value)) && !Number.isNaN(date.getTime())) return date;
  } else if (typeof value === 'string') {
    const text = value.trim();
    const dateOnly = ISO_DATE.exec(text);
    const iso = dateOnly ? `${text}T00:00:00+07:00` : ISO_DATE_TIME.test(text) ? withZone(text) : undefined;
    if (iso !== undefined) {
      const date = new Date(iso.replace(' ', 'T'));
      if (!Number.isNaN(date.getTime())) return date;
    }
  }
  throw new FormatError('expected a date-time (ISO-8601 such as 2026-11-22T09:15:00+07:00, or epoch milliseconds)');
}

function withZone(text: string): string {
  const zone = ISO_DATE_TIME.exec(text)![8];
  if (!zone) return `${text}+07:00`;
  // `+0700` → `+07:00`: Date.parse only promises the ISO form with a colon.
  return /^[+-]\d{4}$/.test(zone) ? `${text.slice(0, -5)}${zone.slice(0, 3)}:${zone.slice(3)}` : text;
}

const INTL_LOCALE: Record<Locale, string> = { id: 'id-ID', en: 'en-GB' };
const dateFormats = new Map<Locale, Intl.DateTimeFormat>();

type DateParts = Readonly<Record<'day' | 'month' | 'year' | 'hour' | 'minute', string>>;
/**
 * Recently formatted instants per (locale, epoch ms): a broadcast renders the same `start_at`
 * for every recipient, and `Intl.DateTimeFormat.formatToParts` is the dearest step of a render
 * (about 7 µs a call here). Cleared whenever it reaches PARTS_CACHE_SIZE entries.
 */
const partsCache = new Map<string, DateParts>();
const PARTS_CACHE_SIZE = 512;

function parts(date: Date, locale: Locale): DateParts {
  const key = `${locale}|${date.getTime()}`;
  const hit = partsCache.get(key);
  if (hit) return hit;
  const computed = formatParts(date, locale);
  if (partsCache.size >= PARTS_CACHE_SIZE) partsCache.clear();
  partsCache.set(key, computed);
  return computed;
}

function formatParts(date: Date, locale: Locale): DateParts {
  let format = dateFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(INTL_LOCALE[locale], {
      timeZone: MESSAGE_TIME_ZONE,
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    dateFormats.set(locale, format);
  }
  const out = { day: '', month: '', year: '', hour: '', minute: '' };
  for (const part of format.formatToParts(date)) {
    if (part.type in out) out[part.type as keyof typeof out] = part.value;
  }
  return out;
}

const WRITTEN_MONTHS = new Set([
  'januari', 'februari', 'maret', 'april', 'mei', 'juni', 'juli', 'agustus', 'september', 'oktober', 'november', 'desember',
  'january', 'february', 'march', 'may', 'june', 'july', 'august', 'october', 'december',
]);

/**
 * A date already written out in words, day month year (`31 Maret 2025`, `1 January 2026`): the
 * form the seeds' own API examples give (whatsapp-notification-system-complete.md, Promotion
 * Campaign `"validUntil": "31 Maret 2025"`). Returned trimmed, or undefined for anything else.
 */
function writtenDate(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d{1,2}) ([A-Za-z]+) (\d{4})\s*$/.exec(value);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 31 || !WRITTEN_MONTHS.has(m[2]!.toLowerCase())) return undefined;
  return `${Number(m[1])} ${m[2]} ${m[3]}`;
}

/**
 * `22 November 2026` (id: Januari … Desember; en: January … December), in WIB. A date already
 * written in words (`31 Maret 2025`) is kept as written; anything else that is not a date-time
 * raises FormatError.
 */
export function formatDate(value: unknown, locale: Locale): string {
  const written = writtenDate(value);
  if (written !== undefined) return written;
  const p = parts(parseDateTime(value), locale);
  return `${p.day} ${p.month} ${p.year}`;
}

/** `09:15 WIB` (24-hour clock, WIB) for both locales. */
export function formatTime(value: unknown, locale: Locale): string {
  const p = parts(parseDateTime(value), locale);
  return `${p.hour}:${p.minute} ${MESSAGE_TIME_ZONE_LABEL}`;
}

/** `22 November 2026 09:15 WIB`. */
export function formatDateTime(value: unknown, locale: Locale): string {
  const p = parts(parseDateTime(value), locale);
  return `${p.day} ${p.month} ${p.year} ${p.hour}:${p.minute} ${MESSAGE_TIME_ZONE_LABEL}`;
}

/** Thousands grouped with dots, the Indonesian way (`150.000`, `1.250.500`): a leading digit 1-9, then groups of exactly three. */
const DOT_THOUSANDS = /^-?[1-9]\d{0,2}(\.\d{3})+$/;
/** Thousands grouped with commas, the English way (`150,000`), with an optional decimal point part (`1,250.5`). */
const COMMA_THOUSANDS = /^-?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$/;

/**
 * Reads a number from a number or a string: a plain decimal (`150000`, `-2.5`, `0.125`), or
 * digits grouped in thousands — with dots as Indonesian writes them (`150.000` = 150000,
 * `1.500` = 1500: QA, an operator's `--var amount=150.000` went out as `Rp 150`) or with commas
 * as English does (`150,000`, `1,250.5`). A string that is none of these (`2,5`, `Rp 150.000`,
 * `150.000,50`, `1.50.000`) throws FormatError, as does a number that is not finite.
 */
export function parseNumber(value: unknown, what = 'a number'): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const v = value.trim();
    if (DOT_THOUSANDS.test(v)) return Number(v.replace(/\./g, ''));
    if (COMMA_THOUSANDS.test(v)) return Number(v.replace(/,/g, ''));
    if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  }
  throw new FormatError(`expected ${what}`);
}

function groupThousands(integer: number, separator: string): string {
  return Math.abs(integer)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}

/**
 * Rupiah amount, whole rupiah (the rupiah has no minor unit in use): id `Rp 150.000`,
 * en `Rp 150,000`; negative amounts `-Rp 150.000`. Throws FormatError for fractions or
 * amounts beyond Number.MAX_SAFE_INTEGER.
 */
export function formatRupiah(value: unknown, locale: Locale): string {
  const amount = parseNumber(value, 'a whole rupiah amount');
  if (!Number.isSafeInteger(amount)) throw new FormatError('expected a whole rupiah amount');
  const sign = amount < 0 ? '-' : '';
  return `${sign}Rp ${groupThousands(amount, locale === 'id' ? '.' : ',')}`;
}

const numberFormats = new Map<Locale, Intl.NumberFormat>();
/** A count or decimal with the locale's separators: id `1.250` / `2,5`, en `1,250` / `2.5`. */
export function formatNumber(value: unknown, locale: Locale): string {
  const n = parseNumber(value);
  let format = numberFormats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale === 'id' ? 'id-ID' : 'en-US', { maximumFractionDigits: 2 });
    numberFormats.set(locale, format);
  }
  return format.format(n);
}

/**
 * A duration given in minutes (rounded to whole minutes), largest units first, zero parts
 * left out: id `1 hari 2 jam 30 menit`, `2 jam`, `45 menit`; en `1 day 2 hours 30 minutes`,
 * `1 hour`. `0` gives `0 menit` / `0 minutes`. Throws FormatError for negative values.
 */
export function formatDuration(value: unknown, locale: Locale): string {
  const minutesTotal = Math.round(parseNumber(value, 'a duration in minutes'));
  if (minutesTotal < 0) throw new FormatError('expected a duration in minutes that is not negative');
  const days = Math.floor(minutesTotal / 1440);
  const hours = Math.floor((minutesTotal % 1440) / 60);
  const minutes = minutesTotal % 60;
  const units =
    locale === 'id'
      ? [
          [days, 'hari', 'hari'],
          [hours, 'jam', 'jam'],
          [minutes, 'menit', 'menit'],
        ]
      : [
          [days, 'day', 'days'],
          [hours, 'hour', 'hours'],
          [minutes, 'minute', 'minutes'],
        ];
  const out = units.filter(([n]) => n !== 0).map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  return out.length > 0 ? out.join(' ') : locale === 'id' ? '0 menit' : '0 minutes';
}

/** The first word of a name (`John Doe` → `John`), as the SMS seed greets "Hi John". */
export function firstName(value: unknown): string {
  const text = String(value ?? '').trim();
  return text.split(/\s+/)[0] ?? '';
}

/**
 * A phone number shown in international form with a leading `+` (`6281234567890` →
 * `+6281234567890`); spaces, dashes, dots and brackets are dropped. Numbers are stored as E.164
 * digits, and one written the Indonesian way is read with country code 62 as everywhere else
 * (ARCHITECTURE.md "Phones": `082291921583` → `6282291921583`): a leading trunk `0` becomes
 * `+62…`; digits that are a valid international number keep them (`254712345678`,
 * `819012345678`); a bare Indonesian mobile number that is none (`81211110001`) gets `+62`.
 * This only formats, it does not validate.
 */
export function formatPhone(value: unknown): string {
  const raw = String(value ?? '').trim();
  const digits = raw.replace(/[\s\-().+]/g, '');
  if (digits === '') return '';
  if (raw.startsWith('+')) return `+${digits}`;
  if (digits.startsWith('0')) return `+62${digits.slice(1)}`;
  // Stored numbers are E.164 digits of any country (a Japanese 81…, a Korean 82…): read them as
  // such first (libphonenumber-js); only digits that are no valid international number but a
  // valid Indonesian one without its trunk 0 (812…) get 62.
  if (isValidPhoneNumber(`+${digits}`)) return `+${digits}`;
  if (digits.startsWith('8') && isValidPhoneNumber(`+62${digits}`)) return `+62${digits}`;
  return `+${digits}`;
}

/** Free text ended as a sentence: a `.` is added unless it already ends with `.`, `!` or `?`. */
export function asSentence(value: unknown): string {
  const text = String(value ?? '').trimEnd();
  if (text === '' || /[.!?]$/.test(text)) return text;
  return `${text}.`;
}
