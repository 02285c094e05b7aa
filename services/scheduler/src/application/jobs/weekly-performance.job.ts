import { eventIdFrom } from '@notify/events';
import { previousWeek, rankTechnicians, wibDate } from '../../domain';
import type { Clock, CustomerDirectory, JobContext, JobFact, JobFactStore, JobHandler, TicketDirectory } from '../ports';

/**
 * Weekly technician performance (Monday 08:00 WIB, to each active technician; seeds "Weekly
 * Performance … Stats, rating, rank"). For the Monday–Sunday week before the tick's week:
 * GetTicketStats over [Monday 00:00, next Monday 00:00) WIB, the active technicians
 * (ListStaff role technician, active only), ranked by most completed then shortest mean time
 * (domain rankTechnicians; a technician without activity gets zeros and is ranked too) → one
 * WeeklyPerformanceEvent per technician per week: event id eventIdFrom('weekly_performance',
 * technician id, week start) and a durable `weekly_performance:<technician>:<week start>` fact.
 * Items = events published. A TriggerJob run is a report of its own (`:manual:<trigger id>`
 * appended to fact and event id), so a run by hand never uses up Monday's.
 */
export class WeeklyPerformanceJob implements JobHandler {
  constructor(
    private readonly deps: {
      readonly tickets: TicketDirectory;
      readonly customers: CustomerDirectory;
      readonly facts: JobFactStore;
      readonly clock: Clock;
    },
  ) {}

  async run(context: JobContext): Promise<{ readonly itemsProduced: number }> {
    const { tickets, customers, facts, clock } = this.deps;
    const week = previousWeek(wibDate(context.scheduledFor));
    const [stats, active] = await Promise.all([tickets.stats({ from: week.from, to: week.to }), customers.listActiveTechnicianIds()]);
    const now = clock.now();
    const manual = context.manualTriggerId ? [`manual:${context.manualTriggerId}`] : [];
    const items: JobFact[] = rankTechnicians(active, stats.technicians).map((line) => ({
      factKey: ['weekly_performance', line.performance.technicianId, week.weekStart, ...manual].join(':'),
      jobName: context.jobName,
      jobRunId: context.runId,
      event: {
        kind: 'weekly_performance',
        eventId: eventIdFrom('weekly_performance', line.performance.technicianId, week.weekStart, ...manual),
        occurredAt: now,
        jobRunId: context.runId,
        technicianId: line.performance.technicianId,
        weekStart: week.weekStart,
        weekEnd: week.weekEnd,
        performance: line.performance,
        rank: line.rank,
        rankedCount: line.rankedCount,
      },
    }));
    const { published } = await facts.recordOnce(items, now);
    return { itemsProduced: published };
  }
}
