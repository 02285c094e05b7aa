import type { CustomerEvent, InvoiceStatusEvent, OptOutEvent, PreferencesEvent } from '../../domain';

/**
 * Transactional outbox for
 * `notify.customer.v1.{registered,activated,preferences_updated,opted_out,invoice_status_changed}`:
 * `append` writes in the unit of work's transaction; a relay publishes with `Nats-Msg-Id = eventId`.
 */
export interface CustomerEventOutbox {
  append(event: CustomerEvent | PreferencesEvent | OptOutEvent | InvoiceStatusEvent): Promise<void>;
}
