import type { Invoice } from '../../domain';

/** Keyset position; order dueDate ASC, id ASC. */
export interface InvoiceCursor {
  readonly dueDate: string;
  readonly id: string;
}

export interface InvoiceRepository {
  /**
   * Stores `invoice` and returns it as stored. An invoice without a number (null) is numbered in
   * the same transaction: `INV-YYYYMM-NNNN` (domain invoiceNumberMonth / formatInvoiceNumber),
   * YYYYMM the month of `createdAt` in Asia/Jakarta, NNNN the next value of that month's counter,
   * shared by every replica (concurrent inserts get distinct numbers; a number an explicit invoice
   * already holds is skipped). AlreadyExistsError when the id, or the explicit number, exists.
   */
  insert(invoice: Invoice): Promise<Invoice>;
  /** UNPAID invoices whose due date is one of `dueDates` (`YYYY-MM-DD`), dueDate ASC, id ASC, after `after`. */
  listUnpaidDue(dueDates: readonly string[], limit: number, after: InvoiceCursor | null): Promise<Invoice[]>;
}
