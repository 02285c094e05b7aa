import { eventIdFrom } from '@notify/events';
import { MAX_SLA_WARNING_THRESHOLD_MINUTES, slaActions, type SlaEscalationLevel } from '../../domain';
import type { Clock, JobContext, JobFact, JobFactStore, JobHandler, TicketDirectory } from '../ports';

/** Escalation reasons sent to EscalateTicket (the ticket proto's example reason is `SLA terlewati`). */
export const SLA_ESCALATION_REASON: Readonly<Record<SlaEscalationLevel, string>> = Object.freeze({
  1: 'SLA terlewati',
  2: 'SLA terlewati: tiket masih terbuka setelah setengah durasi SLA berikutnya',
});

/** Fact key of the warning of `ticketId` at `thresholdMinutes` (one per ticket per threshold). */
export const slaWarningKey = (ticketId: string, thresholdMinutes: number): string => `sla_warning:${ticketId}:${thresholdMinutes}`;
/** Fact key of the escalation of `ticketId` to `level` (once per level). */
export const slaEscalationKey = (ticketId: string, level: SlaEscalationLevel): string => `sla_escalation:${ticketId}:${level}`;

/**
 * The SLA monitor (every 15 minutes; rules in domain/sla-policy.ts, source: the seeds' "SLA
 * Monitor" and issue 6). At `clock.now()`:
 * 1. lists the open tickets (OPEN / ASSIGNED / IN_PROGRESS) due before now + 480 min;
 * 2. escalates each ticket past its deadline to level 1, and one still open at
 *    sla_due_at + (sla_due_at − created_at) / 2 to level 2 (EscalateTicket, in order), once per
 *    (ticket, level): a durable `sla_escalation:<ticket>:<level>` fact is recorded after the
 *    call succeeded or the ticket service answered FAILED_PRECONDITION (already at that level);
 *    a ticket whose snapshot already shows the level is recorded without a call;
 * 3. publishes one SlaWarningEvent per (ticket, threshold) ever: event id
 *    eventIdFrom('sla_warning', ticket id, threshold) and a durable `sla_warning:<ticket>:<threshold>`
 *    fact, written with the outbox row in one transaction.
 * Items produced = warnings published + escalations made. An escalation that fails otherwise
 * (UNAVAILABLE, DEADLINE_EXCEEDED…) does not stop the others; the warnings are still recorded,
 * then the run fails with the first error so the engine retries it (already-recorded facts are
 * not repeated).
 */
export class SlaMonitorJob implements JobHandler {
  constructor(private readonly deps: { readonly tickets: TicketDirectory; readonly facts: JobFactStore; readonly clock: Clock }) {}

  async run(context: JobContext): Promise<{ readonly itemsProduced: number }> {
    const { tickets, facts, clock } = this.deps;
    const now = clock.now();
    const open = await tickets.listOpenTicketsDueBefore(new Date(now.getTime() + MAX_SLA_WARNING_THRESHOLD_MINUTES * 60_000));
    const warnings: JobFact[] = [];
    const escalations: Array<{ ticketId: string; currentLevel: number; level: SlaEscalationLevel }> = [];
    for (const ticket of open) {
      for (const action of slaActions(ticket, now)) {
        if (action.kind === 'warn') {
          warnings.push({
            factKey: slaWarningKey(ticket.id, action.thresholdMinutes),
            jobName: context.jobName,
            jobRunId: context.runId,
            event: {
              kind: 'sla_warning',
              eventId: eventIdFrom('sla_warning', ticket.id, String(action.thresholdMinutes)),
              occurredAt: now,
              jobRunId: context.runId,
              ticket: ticket.snapshot,
              thresholdMinutes: action.thresholdMinutes,
              remainingMinutes: action.remainingMinutes,
            },
          });
        } else {
          escalations.push({ ticketId: ticket.id, currentLevel: ticket.escalationLevel, level: action.level });
        }
      }
    }

    const done = await facts.recorded(escalations.map((e) => slaEscalationKey(e.ticketId, e.level)));
    let escalated = 0;
    let firstError: unknown;
    const failedTickets = new Set<string>();
    for (const e of escalations) {
      const key = slaEscalationKey(e.ticketId, e.level);
      if (done.has(key) || failedTickets.has(e.ticketId)) continue;
      try {
        const outcome = e.currentLevel >= e.level ? 'ALREADY_ESCALATED' : await tickets.escalate(e.ticketId, e.level, SLA_ESCALATION_REASON[e.level]);
        if (outcome === 'ESCALATED') escalated += 1;
        await facts.recordOnce([{ factKey: key, jobName: context.jobName, jobRunId: context.runId }], clock.now());
      } catch (error) {
        failedTickets.add(e.ticketId); // level 2 needs level 1 first
        firstError ??= error;
      }
    }

    const { published } = await facts.recordOnce(warnings, now);
    if (firstError !== undefined) throw firstError;
    return { itemsProduced: published + escalated };
  }
}
