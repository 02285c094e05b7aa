import type { Campaign, TechnicianPerformance } from '../../domain';
import type { Snapshot } from './snapshot.port';

interface EventBase {
  /** Event id (UUID), deterministic per fact (eventIdFrom), also the JetStream msgID. */
  readonly eventId: string;
  readonly occurredAt: Date;
}

/** A `notify.schedule.v1.*` event the scheduler publishes (encoded to its proto message by the outbox adapter). */
export type ScheduleEvent =
  | (EventBase & {
      readonly kind: 'sla_warning';
      readonly jobRunId: string;
      readonly ticket: Snapshot<'ticket'>;
      readonly thresholdMinutes: number;
      readonly remainingMinutes: number;
    })
  | (EventBase & { readonly kind: 'payment_reminder'; readonly jobRunId: string; readonly invoiceDue: Snapshot<'invoice_due'>; readonly daysUntilDue: number })
  | (EventBase & {
      readonly kind: 'daily_summary';
      readonly jobRunId: string;
      readonly date: string;
      readonly stats: Snapshot<'ticket_stats'>;
      /** Open tickets past their deadline, longest overdue first (at most DAILY_SUMMARY_OVERDUE_LIMIT). */
      readonly overdue: ReadonlyArray<Snapshot<'ticket'>>;
      /** How many were overdue in all. */
      readonly overdueTotal: number;
    })
  | (EventBase & {
      readonly kind: 'weekly_performance';
      readonly jobRunId: string;
      readonly technicianId: string;
      readonly weekStart: string;
      readonly weekEnd: string;
      readonly performance: TechnicianPerformance;
      readonly rank: number;
      readonly rankedCount: number;
    })
  | (EventBase & { readonly kind: 'campaign_due'; readonly campaign: Campaign });

/** A fact a job run produced: recorded once ever per `factKey`, with the event it publishes (if any). */
export interface JobFact {
  /** e.g. `sla_warning:<ticket id>:60`, `sla_escalation:<ticket id>:1`, `payment_reminder:<invoice id>:<date>`. */
  readonly factKey: string;
  readonly jobName: string;
  readonly jobRunId: string;
  /** Published through the outbox only when the fact is new. */
  readonly event?: ScheduleEvent;
}

/**
 * The scheduler's durable record of what its jobs did (`<schema>.job_facts`) and the
 * transactional outbox (`<schema>.outbox`).
 */
export interface JobFactStore {
  /**
   * In ONE transaction: inserts each fact whose key is not recorded yet and appends the events
   * of those new facts to the outbox (the relay publishes them with msgID = event id). Facts
   * already recorded (by an earlier run or a concurrent replica) are skipped with their events.
   * Resolves with the number of events appended.
   */
  recordOnce(facts: readonly JobFact[], at: Date): Promise<{ readonly published: number }>;
  /** The subset of `factKeys` already recorded. */
  recorded(factKeys: readonly string[]): Promise<Set<string>>;
}
