/** Cron evaluation (cron-parser adapter in infrastructure/engine). */
export interface CronSchedule {
  /** The first tick of five-field `cron` in IANA `timeZone` strictly after `after`. */
  nextRunAt(cron: string, timeZone: string, after: Date): Date;
}
