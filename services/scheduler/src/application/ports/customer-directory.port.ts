import type { Snapshot } from './snapshot.port';

/** An UNPAID invoice due in `daysUntilDue` days, with its customer. */
export interface InvoiceDue {
  /** Invoice id (UUID). */
  readonly invoiceId: string;
  /** Days from the reference date to the due date. */
  readonly daysUntilDue: number;
  /** notify.customer.v1.InvoiceDue (invoice + customer). */
  readonly snapshot: Snapshot<'invoice_due'>;
}

/** The customer service as the jobs use it (gRPC adapter in infrastructure/clients). */
export interface CustomerDirectory {
  /** ListInvoicesDue(on_date, within_days), every page. `onDate` is `YYYY-MM-DD` (Asia/Jakarta). */
  listInvoicesDue(onDate: string, withinDays: readonly number[]): Promise<InvoiceDue[]>;
  /** Staff ids of the active technicians (ListStaff role technician, active_only), every page. */
  listActiveTechnicianIds(): Promise<string[]>;
}
