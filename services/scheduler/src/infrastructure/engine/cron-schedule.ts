import { CronExpressionParser } from 'cron-parser';
import type { CronSchedule } from '../../application';

/**
 * CronSchedule on cron-parser, the parser pg-boss itself evaluates `schedule()` crons with
 * (pg-boss timekeeper: `CronExpressionParser.parse(cron, { tz, strict: false })`), so
 * next_run_at agrees with the tick pg-boss will fire.
 */
export const cronParserSchedule: CronSchedule = {
  nextRunAt(cron: string, timeZone: string, after: Date): Date {
    return CronExpressionParser.parse(cron, { currentDate: after, tz: timeZone, strict: false }).next().toDate();
  },
};

/**
 * The latest tick of five-field `cron` in IANA `timeZone` at or before `at` (cron-parser's
 * `prev()` is strictly before its current date, hence the +1 ms). Used to name the tick a
 * pg-boss cron job belongs to from the job's createdOn: exact as long as pg-boss enqueues the
 * job less than one cron period after the tick (pg-boss fires within a minute of it).
 * Throws for an invalid cron or time zone.
 */
export function cronTickAtOrBefore(cron: string, timeZone: string, at: Date): Date {
  return CronExpressionParser.parse(cron, { currentDate: new Date(at.getTime() + 1), tz: timeZone, strict: false }).prev().toDate();
}
