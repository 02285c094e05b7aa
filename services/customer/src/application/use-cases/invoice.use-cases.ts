import { NotFoundError } from '@notify/errors';
import {
  calendarDateIn,
  createInvoice,
  daysBetween,
  DEFAULT_REMINDER_DAYS,
  dueDatesFor,
  parseCalendarDate,
  type Invoice,
} from '../../domain';
import { decodePageToken, encodePageToken, resolvePageSize } from '@notify/paging';
import type { Clock, CustomerRepository, IdGenerator, InvoiceRepository } from '../ports';
import { authorize, type Principal } from '../principal';

/**
 * CreateInvoice: an UNPAID invoice of a customer; amount in rupiah (positive integer), due
 * date a calendar date, description (e.g. `Desember 2026`) stored as given (trimmed). Without a
 * number (absent or blank) the repository numbers it `INV-YYYYMM-NNNN` (month of creation in
 * Asia/Jakarta, a per-month sequence); an explicit number is kept. Returns the invoice as stored.
 * Roles: CreateInvoice. Errors: NotFound (customer), Validation (amount, due_date, description),
 * AlreadyExists (number).
 */
export class CreateInvoiceUseCase {
  constructor(
    private readonly deps: { readonly invoices: InvoiceRepository; readonly customers: CustomerRepository; readonly clock: Clock; readonly ids: IdGenerator },
  ) {}

  async execute(
    principal: Principal,
    input: {
      readonly customerId: string;
      readonly amount: number;
      readonly dueDate: string;
      readonly number?: string;
      readonly description?: string;
    },
  ): Promise<Invoice> {
    authorize(principal, 'CreateInvoice', 'create invoices');
    const invoice = createInvoice({ id: this.deps.ids.newId(), ...input }, this.deps.clock.now());
    if (!(await this.deps.customers.findById(input.customerId))) throw new NotFoundError('customer', input.customerId);
    return this.deps.invoices.insert(invoice);
  }
}

export interface InvoiceDue extends Invoice {
  /** Calendar days from `onDate` to the due date (one of `withinDays`). */
  readonly daysUntilDue: number;
}

/**
 * ListInvoicesDue: UNPAID invoices due EXACTLY `withinDays` calendar days after `onDate`
 * (default: today in Asia/Jakarta by the clock; default days [7, 3, 1] —
 * whatsapp-notification-system-complete.md, "Payment Reminder"), dueDate ASC, paged.
 * Roles: ListInvoicesDue. Errors: Validation (on_date, within_days, page_*).
 */
export class ListInvoicesDueUseCase {
  constructor(private readonly deps: { readonly invoices: InvoiceRepository; readonly clock: Clock }) {}

  async execute(
    principal: Principal,
    input: { readonly onDate?: string; readonly withinDays?: readonly number[]; readonly pageSize?: number; readonly pageToken?: string } = {},
  ): Promise<{ onDate: string; invoices: InvoiceDue[]; nextPageToken: string | null }> {
    authorize(principal, 'ListInvoicesDue', 'list due invoices');
    const onDate = input.onDate ? parseCalendarDate(input.onDate, 'on_date') : calendarDateIn(this.deps.clock.now());
    const days = input.withinDays?.length ? input.withinDays : DEFAULT_REMINDER_DAYS;
    const dates = dueDatesFor(onDate, days);
    const limit = resolvePageSize(input.pageSize);
    const filter = { onDate, days: [...dates.keys()].sort() };
    const after = input.pageToken ? (({ d, i }) => ({ dueDate: d, id: i }))(decodePageToken(input.pageToken, ['d', 'i'] as const, filter)) : null;
    const rows = await this.deps.invoices.listUnpaidDue([...dates.keys()].sort(), limit + 1, after);
    const page = rows.slice(0, limit).map((inv) => ({ ...inv, daysUntilDue: daysBetween(onDate, inv.dueDate) }));
    const last = page.at(-1);
    return { onDate, invoices: page, nextPageToken: rows.length > limit && last ? encodePageToken({ d: last.dueDate, i: last.id }, filter) : null };
  }
}
