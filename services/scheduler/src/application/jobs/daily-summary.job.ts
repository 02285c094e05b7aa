import { eventIdFrom } from '@notify/events';
import { wibDate, wibDayWindow } from '../../domain';
import type { Clock, JobContext, JobFactStore, JobHandler, TicketDirectory } from '../ports';

/** At most this many overdue tickets are listed in a daily summary (DailySummaryEvent.overdue). */
export const DAILY_SUMMARY_OVERDUE_LIMIT = 20;

/**
 * Daily summary (18:00 WIB, to managers and supervisors; seeds "Daily Summary … Tickets,
 * technicians, SLA, issues"). GetTicketStats over the WIB calendar day of the tick
 * ([00:00, 24:00) WIB, all zones) → one DailySummaryEvent per day carrying the stats as the
 * ticket service returned them, and the "issues": the tickets still open past their SLA
 * deadline when the job runs (ListTickets, all zones and days; the longest overdue first, at most
 * {@link DAILY_SUMMARY_OVERDUE_LIMIT}, with the total): event id eventIdFrom('daily_summary', date) and a durable
 * `daily_summary:<date>` fact. Items = 1 the first time, 0 on a re-run the same day.
 * A TriggerJob run is a report of its own (fact `daily_summary:<date>:manual:<trigger id>`, event
 * id from the same parts): a manager asking at noon still gets the 18:00 report.
 */
export class DailySummaryJob implements JobHandler {
  constructor(private readonly deps: { readonly tickets: TicketDirectory; readonly facts: JobFactStore; readonly clock: Clock }) {}

  async run(context: JobContext): Promise<{ readonly itemsProduced: number }> {
    const { tickets, facts, clock } = this.deps;
    const date = wibDate(context.scheduledFor);
    const stats = await tickets.stats(wibDayWindow(date));
    const now = clock.now();
    // Every open ticket due before now, soonest deadline (= longest overdue) first.
    const overdue = (await tickets.listOpenTicketsDueBefore(now))
      .filter((t) => t.slaDueAt.getTime() < now.getTime())
      .sort((a, b) => a.slaDueAt.getTime() - b.slaDueAt.getTime());
    const manual = context.manualTriggerId ? [`manual:${context.manualTriggerId}`] : [];
    const { published } = await facts.recordOnce(
      [
        {
          factKey: ['daily_summary', date, ...manual].join(':'),
          jobName: context.jobName,
          jobRunId: context.runId,
          event: {
            kind: 'daily_summary',
            eventId: eventIdFrom('daily_summary', date, ...manual),
            occurredAt: now,
            jobRunId: context.runId,
            date,
            stats: stats.snapshot,
            overdue: overdue.slice(0, DAILY_SUMMARY_OVERDUE_LIMIT).map((t) => t.snapshot),
            overdueTotal: overdue.length,
          },
        },
      ],
      now,
    );
    return { itemsProduced: published };
  }
}
