import { eventIdFrom } from '@notify/events';
import { wibDate } from '../../domain';
import type { Clock, CustomerDirectory, JobContext, JobFactStore, JobHandler } from '../ports';

/** Days before the due date that get a reminder (seeds "Payment Reminder": invoices due in 7/3/1 days). */
export const REMINDER_DAYS: readonly number[] = Object.freeze([7, 3, 1]);

/**
 * Payment reminders (daily 09:00 WIB; seeds "Payment Reminder … Once per day per invoice").
 * The reference date is the WIB calendar date of the tick (`scheduledFor`; a manual run: the
 * trigger time), so a retry later the same day reminds about the same invoices. Lists the
 * UNPAID invoices due in exactly 7, 3 and 1 days (ListInvoicesDue, every page) and publishes
 * one PaymentReminderEvent per (invoice, date): event id eventIdFrom('payment_reminder',
 * invoice id, date) and a durable `payment_reminder:<invoice>:<date>` fact. Items = reminders published.
 */
export class PaymentReminderJob implements JobHandler {
  constructor(private readonly deps: { readonly customers: CustomerDirectory; readonly facts: JobFactStore; readonly clock: Clock }) {}

  async run(context: JobContext): Promise<{ readonly itemsProduced: number }> {
    const { customers, facts, clock } = this.deps;
    const date = wibDate(context.scheduledFor);
    const now = clock.now();
    const due = await customers.listInvoicesDue(date, REMINDER_DAYS);
    const { published } = await facts.recordOnce(
      due
        .filter((d) => REMINDER_DAYS.includes(d.daysUntilDue))
        .map((d) => ({
          factKey: `payment_reminder:${d.invoiceId}:${date}`,
          jobName: context.jobName,
          jobRunId: context.runId,
          event: {
            kind: 'payment_reminder' as const,
            eventId: eventIdFrom('payment_reminder', d.invoiceId, date),
            occurredAt: now,
            jobRunId: context.runId,
            invoiceDue: d.snapshot,
            daysUntilDue: d.daysUntilDue,
          },
        })),
      now,
    );
    return { itemsProduced: published };
  }
}
