import type { Invoice } from '../../domain';

/** Keyset position; order dueDate ASC, id ASC. */
export interface InvoiceCursor {
  readonly dueDate: string;
  readonly id: string;
}

export interface InvoiceRepository {
  /** AlreadyExistsError when the id exists. */
  insert(invoice: Invoice): Promise<void>;
  /** UNPAID invoices whose due date is one of `dueDates` (`YYYY-MM-DD`), dueDate ASC, id ASC, after `after`. */
  listUnpaidDue(dueDates: readonly string[], limit: number, after: InvoiceCursor | null): Promise<Invoice[]>;
}
