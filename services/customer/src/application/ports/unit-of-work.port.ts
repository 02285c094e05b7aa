import type { CreateRequestLog } from './create-request-log.port';
import type { CustomerEventOutbox } from './customer-event-outbox.port';
import type { CustomerRepository } from './customer-repository.port';
import type { InvoiceRepository } from './invoice-repository.port';
import type { OptOutRepository } from './opt-out-repository.port';
import type { PreferencesRepository } from './preferences-repository.port';

export interface CustomerTransaction {
  readonly customers: CustomerRepository;
  /** Preferences written with the customer (RegisterCustomer's locale). */
  readonly preferences: PreferencesRepository;
  /** Opt-outs written with their `opted_out` event (OptOut). */
  readonly optOuts: OptOutRepository;
  /**
   * Invoice status changes written with their `invoice_status_changed` event (SetInvoiceStatus);
   * invoices created under an idempotency key (CreateInvoice with request_id).
   */
  readonly invoices: InvoiceRepository;
  readonly outbox: CustomerEventOutbox;
  /** RegisterCustomer / CreateInvoice idempotency keys, committed with what they created. */
  readonly requests: CreateRequestLog;
}

/** One transaction: commit when `work` resolves, roll back (and rethrow) when it throws. */
export interface CustomerUnitOfWork {
  run<T>(work: (tx: CustomerTransaction) => Promise<T>): Promise<T>;
}
