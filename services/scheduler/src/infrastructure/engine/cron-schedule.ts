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
