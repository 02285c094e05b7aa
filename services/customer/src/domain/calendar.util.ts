import { ValidationError } from '@notify/errors';

/**
 * Calendar dates (`YYYY-MM-DD`, no time of day) in the business time zone. Invoice due
 * dates are calendar dates; "due in 3 days" counts calendar days in Asia/Jakarta.
 */

/** The business time zone (ARCHITECTURE.md: "times in Asia/Jakarta (WIB)"). */
export const BUSINESS_TIME_ZONE = 'Asia/Jakarta';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar date of instant `at` in `timeZone`, as `YYYY-MM-DD`. */
export function calendarDateIn(at: Date, timeZone: string = BUSINESS_TIME_ZONE): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Validates a `YYYY-MM-DD` calendar date (real day of a real month); ValidationError(field) otherwise. */
export function parseCalendarDate(value: string, field: string): string {
  const m = DATE.exec((value ?? '').trim());
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d) return m[0];
  }
  throw new ValidationError(field, `"${value}" is not a calendar date (YYYY-MM-DD)`);
}

/** `date` + `days` calendar days (negative allowed): `addDays('2026-02-27', 3)` = `2026-03-02`. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Whole calendar days from `from` to `to` (`to` − `from`). */
export function daysBetween(from: string, to: string): number {
  const ms = (s: string) => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((ms(to) - ms(from)) / 86_400_000);
}

/** True when `timeZone` is an IANA zone the runtime knows (e.g. `Asia/Jakarta`, `Asia/Makassar`). */
export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone || !timeZone.includes('/')) return timeZone === 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
