/**
 * A recipient's quiet-hours window (notify.common.v1.QuietHours): minutes after local midnight
 * in `timeZone` (IANA, e.g. `Asia/Jakarta`). `startMinute > endMinute` wraps midnight
 * (22:00–06:00 = 1320–360). `startMinute === endMinute` = no window.
 */
export interface QuietHours {
  startMinute: number;
  endMinute: number;
  timeZone: string;
}

const MINUTES_PER_DAY = 1440;

/** Local wall-clock minute of `at` in `timeZone` (0..1439). Throws RangeError for a bad zone. */
export function localMinute(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const h = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const m = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return (h % 24) * 60 + m;
}

/**
 * When `at` falls inside the quiet window, the instant the window ends (the first minute
 * after it, seconds dropped); otherwise null. Issue 5: "Quiet hours defer (never drop)
 * non-urgent messages to the end of the window". The end is computed as `at` + the minutes
 * left until `endMinute` local time, which is exact except across a DST change inside the
 * window (Indonesia has none; elsewhere the error is at most the DST shift).
 */
export function quietHoursEnd(at: Date, q: QuietHours | null | undefined): Date | null {
  if (!q || q.startMinute === q.endMinute) return null;
  const start = ((q.startMinute % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  const end = ((q.endMinute % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  let now: number;
  try {
    now = localMinute(at, q.timeZone || 'Asia/Jakarta');
  } catch {
    now = localMinute(at, 'Asia/Jakarta');
  }
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return null;
  const minutesLeft = (end - now + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  const base = new Date(at.getTime());
  base.setUTCSeconds(0, 0);
  return new Date(base.getTime() + minutesLeft * 60_000);
}
