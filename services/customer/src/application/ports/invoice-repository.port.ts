import type { Invoice, InvoiceStatus } from '../../domain';

/** Keyset position: ListInvoicesDue's order is dueDate ASC, id ASC; ListInvoices' dueDate DESC, id DESC. */
export interface InvoiceCursor {
  readonly dueDate: string;
  readonly id: string;
}

/** ListInvoices' filters; absent = no filter. */
export interface InvoiceListFilter {
  readonly customerId?: string;
  /** Any of these statuses; absent or empty = all. */
  readonly statuses?: readonly InvoiceStatus[];
}

export interface InvoiceRepository {
  /**
   * Stores `invoice` and returns it as stored. An invoice without a number (null) is numbered in
   * the same transaction: `INV-YYYYMM-NNNN` (domain invoiceNumberMonth / formatInvoiceNumber),
   * YYYYMM the month of `createdAt` in Asia/Jakarta, NNNN the next value of that month's counter,
   * shared by every replica (concurrent inserts get distinct numbers; a number an explicit invoice
   * already holds is skipped). AlreadyExistsError when the id, or the explicit number, exists (the number's with `entity`
   * `invoice` and `id` the id of the invoice that holds it). Inside a unit of work (CreateInvoice
   * with request_id) the counter is drawn in that transaction and rolls back with it.
   */
  insert(invoice: Invoice): Promise<Invoice>;
  /** UNPAID invoices whose due date is one of `dueDates` (`YYYY-MM-DD`), dueDate ASC, id ASC, after `after`. */
  listUnpaidDue(dueDates: readonly string[], limit: number, after: InvoiceCursor | null): Promise<Invoice[]>;
  /** The invoice with this id; null when none. */
  findById(id: string): Promise<Invoice | null>;
  /** The invoice with this number (exact, as stored); null when none. */
  findByNumber(number: string): Promise<Invoice | null>;
  /**
   * Stores `invoice`'s status, statusChangedAt, statusReason and statusChangedBy when the stored
   * status is still `expected` (one conditional UPDATE: of two concurrent changes one wins).
   * true when stored; false when the invoice is gone or its status is no longer `expected`.
   */
  updateStatus(invoice: Invoice, expected: InvoiceStatus): Promise<boolean>;
  /** Invoices matching `filter`, dueDate DESC, id DESC (bytewise), after `after`; at most `limit`. */
  list(filter: InvoiceListFilter, limit: number, after: InvoiceCursor | null): Promise<Invoice[]>;
}
