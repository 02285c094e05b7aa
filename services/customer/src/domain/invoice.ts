import { FailedPreconditionError, ValidationError } from '@notify/errors';
import { addDays, calendarDateIn, parseCalendarDate } from './calendar.util';
import type { CustomerActor } from './customer.aggregate';

/**
 * Invoices, for payment reminders "for invoices due in 7/3/1 days", daily 09:00 WIB
 * (whatsapp-notification-system-complete.md, "Payment Reminder").
 */
export const INVOICE_STATUSES = ['UNPAID', 'PAID', 'CANCELLED'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/**
 * Each status by the name the API gives it (proto notify.customer.v1.InvoiceStatus, where
 * CANCELLED is INVOICE_STATUS_VOID): the words of the messages callers read, e.g. `it cannot
 * become VOID` (QA: they said CANCELLED, a status the API does not have). Stored rows keep the
 * domain's names.
 */
export const INVOICE_STATUS_API_NAMES: Readonly<Record<InvoiceStatus, string>> = { UNPAID: 'UNPAID', PAID: 'PAID', CANCELLED: 'VOID' };

export interface Invoice {
  /** UUID. */
  readonly id: string;
  readonly customerId: string;
  /**
   * Invoice number as billed (free text, unique). Null only on a new invoice created without one,
   * until the repository numbers it (`INV-YYYYMM-NNNN`, {@link invoiceNumberMonth} and
   * {@link formatInvoiceNumber}); a stored invoice has one (migration 1795400400000 numbered those
   * stored without one before).
   */
  readonly number: string | null;
  /** Amount in rupiah (IDR has no minor unit in practice): a positive integer. */
  readonly amount: number;
  /** Calendar date `YYYY-MM-DD` (Asia/Jakarta). */
  readonly dueDate: string;
  readonly status: InvoiceStatus;
  /** Billing period or description, e.g. `Desember 2026` (trimmed; '' when none). */
  readonly description: string;
  readonly createdAt: Date;
  /** When it became PAID or CANCELLED ({@link changeInvoiceStatus}); null while UNPAID. */
  readonly statusChangedAt: Date | null;
  /** Why, as given with the change (trimmed, at most {@link INVOICE_REASON_MAX} characters); '' when none. */
  readonly statusReason: string;
  /** Who changed the status (a staff id, a role, or a service's actor id); null while UNPAID. */
  readonly statusChangedBy: string | null;
}

/**
 * `invoice_status_changed`, published on `notify.customer.v1.invoice_status_changed` through the
 * outbox in the transaction of a SetInvoiceStatus that stored a change (a call that changed
 * nothing publishes nothing): the gateway withdraws that invoice's payment reminders still waiting.
 */
export interface InvoiceStatusEvent {
  /** UUID; the JetStream message id. */
  readonly eventId: string;
  readonly kind: 'invoice_status_changed';
  readonly occurredAt: Date;
  /** Who made the change (for role service: the request's actor id when given). */
  readonly actor: CustomerActor;
  /** The invoice after the change (PAID or CANCELLED, with when, why and who). */
  readonly invoice: Invoice;
  /** The status it had before (UNPAID). */
  readonly previousStatus: InvoiceStatus;
}

/** Longest description (characters) CreateInvoice takes: it is printed in the payment reminder. */
export const INVOICE_DESCRIPTION_MAX = 200;

/** Longest explicit invoice number (characters). */
export const INVOICE_NUMBER_MAX = 100;

/** Longest reason (characters) SetInvoiceStatus keeps with a status change. */
export const INVOICE_REASON_MAX = 500;

/**
 * The `YYYYMM` of a generated invoice number: the month of the invoice's creation in
 * Asia/Jakarta (WIB), so an invoice created at 00:30 WIB on 1 December is numbered in December
 * although it is still November in UTC. (The contract, customer_service.proto CreateInvoiceRequest.number,
 * names no date; the invoice has no issue date apart from its creation, and the due date may be
 * in a later month.)
 */
export function invoiceNumberMonth(createdAt: Date): string {
  return calendarDateIn(createdAt).slice(0, 7).replace('-', '');
}

/**
 * `INV-<month>-<seq>` with `seq` zero-padded to 4 digits: `formatInvoiceNumber('202612', 1)` =
 * `INV-202612-0001`. A month past 9999 invoices gets wider numbers (`INV-202612-10000`), never cut ones.
 */
export function formatInvoiceNumber(month: string, seq: number): string {
  return `INV-${month}-${String(seq).padStart(4, '0')}`;
}

/** Reminder offsets of the seed, in calendar days before the due date. */
export const DEFAULT_REMINDER_DAYS: readonly number[] = [7, 3, 1];

/**
 * Validates a new invoice: amount (`amount`, positive safe integer rupiah), due date (`due_date`),
 * number (`number`, at most {@link INVOICE_NUMBER_MAX} characters), description (`description`,
 * at most {@link INVOICE_DESCRIPTION_MAX} characters). Number and
 * description are trimmed; an empty number is null (the repository numbers the invoice when it
 * stores it).
 */
export function createInvoice(
  input: { id: string; customerId: string; number?: string | null; amount: number; dueDate: string; description?: string | null },
  at: Date,
): Invoice {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
    throw new ValidationError('amount', `must be a positive whole number of rupiah, got ${input.amount}`);
  }
  const number = input.number?.trim() || null;
  if (number && number.length > INVOICE_NUMBER_MAX) throw new ValidationError('number', `is longer than ${INVOICE_NUMBER_MAX} characters`);
  const description = (input.description ?? '').trim();
  if (description.length > INVOICE_DESCRIPTION_MAX) {
    throw new ValidationError('description', `is longer than ${INVOICE_DESCRIPTION_MAX} characters`);
  }
  return {
    id: input.id,
    customerId: input.customerId,
    number,
    amount: input.amount,
    dueDate: parseCalendarDate(input.dueDate, 'due_date'),
    status: 'UNPAID',
    description,
    createdAt: at,
    statusChangedAt: null,
    statusReason: '',
    statusChangedBy: null,
  };
}

/**
 * An invoice's status change (SetInvoiceStatus): UNPAID → PAID or CANCELLED, stamped with `at`,
 * the trimmed `reason` and `by`. The status it has already → `changed` false and the invoice as it
 * is (its earlier time, reason and actor kept: a repeated call is a no-op). Any other change — PAID
 * ↔ CANCELLED, or either back to UNPAID — FailedPreconditionError naming the current status (by
 * its API name, {@link INVOICE_STATUS_API_NAMES}: `invoice INV-… is PAID; it cannot become VOID`).
 * ValidationError(`status`) for a status outside {@link INVOICE_STATUSES}, (`reason`) over
 * {@link INVOICE_REASON_MAX} characters.
 */
export function changeInvoiceStatus(
  invoice: Invoice,
  status: InvoiceStatus,
  change: { readonly at: Date; readonly reason?: string | null; readonly by: string },
): { invoice: Invoice; changed: boolean } {
  if (!INVOICE_STATUSES.includes(status)) throw new ValidationError('status', `must be one of ${INVOICE_STATUSES.join(', ')}, got "${String(status)}"`);
  const reason = (change.reason ?? '').trim();
  if (reason.length > INVOICE_REASON_MAX) throw new ValidationError('reason', `is longer than ${INVOICE_REASON_MAX} characters`);
  if (invoice.status === status) return { invoice, changed: false };
  if (invoice.status !== 'UNPAID') {
    const name = INVOICE_STATUS_API_NAMES;
    throw new FailedPreconditionError(
      `invoice ${invoice.number ?? invoice.id} is ${name[invoice.status]}; it cannot become ${name[status]} (only an UNPAID invoice changes, to PAID or VOID)`,
    );
  }
  return { invoice: { ...invoice, status, statusChangedAt: change.at, statusReason: reason, statusChangedBy: change.by }, changed: true };
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
