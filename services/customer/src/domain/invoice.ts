import { ValidationError } from '@notify/errors';
import { addDays, parseCalendarDate } from './calendar.util';

/**
 * Invoices, for payment reminders "for invoices due in 7/3/1 days", daily 09:00 WIB
 * (whatsapp-notification-system-complete.md, "Payment Reminder").
 */
export const INVOICE_STATUSES = ['UNPAID', 'PAID', 'CANCELLED'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export interface Invoice {
  /** UUID. */
  readonly id: string;
  readonly customerId: string;
  /** Invoice number as billed (free text), or null. */
  readonly number: string | null;
  /** Amount in rupiah (IDR has no minor unit in practice): a positive integer. */
  readonly amount: number;
  /** Calendar date `YYYY-MM-DD` (Asia/Jakarta). */
  readonly dueDate: string;
  readonly status: InvoiceStatus;
  readonly createdAt: Date;
}

/** Reminder offsets of the seed, in calendar days before the due date. */
export const DEFAULT_REMINDER_DAYS: readonly number[] = [7, 3, 1];

/** Validates a new invoice: amount (`amount`, positive safe integer rupiah), due date (`due_date`). */
export function createInvoice(
  input: { id: string; customerId: string; number?: string | null; amount: number; dueDate: string },
  at: Date,
): Invoice {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
    throw new ValidationError('amount', `must be a positive whole number of rupiah, got ${input.amount}`);
  }
  return {
    id: input.id,
    customerId: input.customerId,
    number: input.number?.trim() || null,
    amount: input.amount,
    dueDate: parseCalendarDate(input.dueDate, 'due_date'),
    status: 'UNPAID',
    createdAt: at,
  };
}

/**
 * The due dates that are exactly `withinDays` calendar days after `onDate`:
 * `dueDatesFor('2026-11-22', [7, 3, 1])` = {2026-11-29: 7, 2026-11-25: 3, 2026-11-23: 1}.
 * ValidationError(`within_days`) unless each is an integer 0..366.
 */
export function dueDatesFor(onDate: string, withinDays: readonly number[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of withinDays) {
    if (!Number.isInteger(d) || d < 0 || d > 366) {
      throw new ValidationError('within_days', `each must be a whole number of days 0..366, got ${d}`);
    }
    out.set(addDays(onDate, d), d);
  }
  return out;
}
