import type { CustomerEventOutbox } from './customer-event-outbox.port';
import type { CustomerRepository } from './customer-repository.port';

export interface CustomerTransaction {
  readonly customers: CustomerRepository;
  readonly outbox: CustomerEventOutbox;
}

/** One transaction: commit when `work` resolves, roll back (and rethrow) when it throws. */
export interface CustomerUnitOfWork {
  run<T>(work: (tx: CustomerTransaction) => Promise<T>): Promise<T>;
}
