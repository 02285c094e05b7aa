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

/** Offset of `timeZone` from UTC at `at`, minutes (+420 for Asia/Jakarta). Throws RangeError for a bad zone. */
export function zoneOffsetMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(at);
  const n = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wallAsUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour') % 24, n('minute'));
  return Math.round((wallAsUtc - (at.getTime() - (at.getTime() % 60_000))) / 60_000);
}

/** Whether local minute `now` is inside [start, end) (wrapping midnight when start > end). */
function insideWindow(now: number, start: number, end: number): boolean {
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/**
 * When `at` falls inside the quiet window, the instant the window ends (the first minute
 * after it, seconds dropped); otherwise null. Issue 5: "Quiet hours defer (never drop)
 * non-urgent messages to the end of the window". The end is the first instant whose local time
 * in the window's zone is `endMinute`, also across a DST change inside the window (the clock
 * moved forward: the end comes that much sooner in real time, back: that much later); when
 * `endMinute` does not exist that night (it falls in the hour skipped by a spring-forward), the
 * end is the instant of the change, the first local minute after the window. An unknown zone is
 * read as Asia/Jakarta (WIB), the seeds' zone.
 */
export function quietHoursEnd(at: Date, q: QuietHours | null | undefined): Date | null {
  if (!q || q.startMinute === q.endMinute) return null;
  const start = ((q.startMinute % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  const end = ((q.endMinute % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  let zone = q.timeZone || 'Asia/Jakarta';
  let now: number;
  try {
    now = localMinute(at, zone);
  } catch {
    zone = 'Asia/Jakarta';
    now = localMinute(at, zone);
  }
  if (!insideWindow(now, start, end)) return null;
  const minutesLeft = (end - now + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  const base = new Date(at.getTime());
  base.setUTCSeconds(0, 0);
  // Wall-clock minutes left = real minutes left unless the zone's offset changes on the way:
  // take the change off (forward 60 → an hour sooner).
  const naive = new Date(base.getTime() + minutesLeft * 60_000);
  const shift = zoneOffsetMinutes(naive, zone) - zoneOffsetMinutes(base, zone);
  if (shift === 0) return naive;
  let end_ = new Date(naive.getTime() - shift * 60_000);
  // The end minute fell in a skipped hour: step to the first minute outside the window (the change).
  for (let i = 0; i < 180 && insideWindow(localMinute(end_, zone), start, end); i++) end_ = new Date(end_.getTime() + 60_000);
  return end_;
}
