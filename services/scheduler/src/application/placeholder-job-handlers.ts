import type { JobHandler, JobHandlers } from './ports';

/**
 * TODO(issue 6): the real handlers — SLA monitor (warnings + EscalateTicket via the ticket
 * service), payment reminders (customer service invoices due in 7/3/1 days), daily summary and
 * weekly performance (GetTicketStats) publishing `notify.schedule.v1.*` events — are later work.
 * Until then every job runs this placeholder, which does nothing and reports 0 items, so a run
 * is recorded SUCCEEDED with items_produced = 0.
 */
const placeholder: JobHandler = { run: () => Promise.resolve({ itemsProduced: 0 }) };

/** A placeholder handler (0 items) for each of the four jobs. TODO(issue 6): replace per job. */
export const placeholderJobHandlers: JobHandlers = Object.freeze({
  sla_monitor: placeholder,
  payment_reminder: placeholder,
  daily_summary: placeholder,
  weekly_performance: placeholder,
});
