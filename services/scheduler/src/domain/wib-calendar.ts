/**
 * Calendar arithmetic in Asia/Jakarta (WIB). WIB is UTC+7 all year: Indonesia has observed
 * no daylight-saving time since 1964 (IANA tzdata, zone Asia/Jakarta), so a WIB calendar day
 * is exactly [00:00 WIB, 24:00 WIB) = [17:00 UTC of the day before, 17:00 UTC). Dates are
 * `YYYY-MM-DD` strings (the form of ListInvoicesDue.on_date and the schedule events' dates).
 */
export const WIB_OFFSET_MS = 7 * 60 * 60 * 1000;

const DAY_MS = 24 * 60 * 60 * 1000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The WIB calendar date of an instant, e.g. 2026-03-01T17:00Z → `2026-03-02`. */
export function wibDate(instant: Date): string {
  return new Date(instant.getTime() + WIB_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant 00:00 WIB of `date` (`YYYY-MM-DD`); throws TypeError for another form. */
export function wibMidnight(date: string): Date {
  const m = DATE_PATTERN.exec(date);
  if (!m) throw new TypeError(`date ${JSON.stringify(date)} is not YYYY-MM-DD`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - WIB_OFFSET_MS);
}

/** `date` plus `days` calendar days (negative: minus). */
export function addDays(date: string, days: number): string {
  return wibDate(new Date(wibMidnight(date).getTime() + days * DAY_MS));
}

/** ISO weekday of a date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  const day = new Date(wibMidnight(date).getTime() + WIB_OFFSET_MS).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The WIB day of `date` as a half-open window [from, to) of instants. */
export function wibDayWindow(date: string): { readonly from: Date; readonly to: Date } {
  const from = wibMidnight(date);
  return { from, to: new Date(from.getTime() + DAY_MS) };
}

/**
 * The Monday–Sunday week before the week of `date` (the weekly performance report, sent on
 * Monday for the week that just ended): `weekStart` (Monday) and `weekEnd` (Sunday) as dates,
 * and the window [weekStart 00:00 WIB, weekEnd + 1 day 00:00 WIB).
 */
export function previousWeek(date: string): { readonly weekStart: string; readonly weekEnd: string; readonly from: Date; readonly to: Date } {
  const thisMonday = addDays(date, 1 - isoWeekday(date));
  const weekStart = addDays(thisMonday, -7);
  const weekEnd = addDays(thisMonday, -1);
  return { weekStart, weekEnd, from: wibMidnight(weekStart), to: wibMidnight(thisMonday) };
}
