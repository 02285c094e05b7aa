/**
 * Times as the demo shows them: in WIB (Asia/Jakarta, UTC+7 all year, no daylight saving), the
 * zone of the seeds, of the templates' texts and of notifyctl (tools/notifyctl/src/format.ts
 * formatTime, the same format; the demo may not import another tool, so the few lines are here).
 */
const WIB = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Jakarta',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** `2026-12-07T16:48:05.939Z` → `2026-12-07 23:48 WIB` (to the minute, seconds dropped). Pure. */
export function formatWib(d: Date): string {
  const parts = Object.fromEntries(WIB.formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']} WIB`;
}
