/**
 * Calendar-date helpers for the business time zone. Ticket numbers use the date in
 * Asia/Jakarta (WIB, UTC+7, no DST), not the server's time zone.
 */

/** The business time zone (ARCHITECTURE.md: "times in Asia/Jakarta (WIB)"). */
export const BUSINESS_TIME_ZONE = 'Asia/Jakarta';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The calendar date of instant `at` in `timeZone`, as `YYYY-MM-DD`. Throws RangeError on an unknown zone. */
export function calendarDateIn(at: Date, timeZone: string = BUSINESS_TIME_ZONE): string {
  const parts = formatterFor(timeZone).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}
