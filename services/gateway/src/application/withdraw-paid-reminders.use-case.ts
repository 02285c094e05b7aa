import type { Logger } from '@notify/logger';
import type { DeliveryRecord } from '../domain';
import type { Clock, DeliveryStore } from './ports';

/** An invoice's status change as the gateway needs it (customer event `invoice_status_changed`). */
export interface InvoiceClosure {
  /** The event's id (UUID), logged. */
  eventId: string;
  /** The invoice's id (UUID), as the payment reminder event carried it. */
  invoiceId: string;
  /** The invoice's number (`INV-202612-0001`), named in the reason; '' when it has none. */
  invoiceNumber: string;
  /** The status it moved to; an UNPAID (or unknown) one changes nothing. */
  status: 'PAID' | 'VOID' | 'UNPAID';
  /** Why, as given to SetInvoiceStatus (`transfer BCA 12/12`), '' when none. */
  reason: string;
}

/**
 * Withdraws the payment reminders of an invoice that was paid or voided (DeliveryStore
 * .closeInvoice): a reminder held by the rate limit or quiet hours, or waiting for a retry while
 * a provider is down, is not sent after the customer paid (QA: a customer who had paid still got
 * the reminders). The closure is recorded, so a reminder that starts to wait later (back from a
 * failed round, ingested after the payment) is withdrawn at its claim and RetryDelivery refuses
 * one. Reason (last_error): `withdrawn unsent: invoice <number> was paid (<reason>)` or `… was
 * cancelled (<reason>)`. Applying it twice withdraws nothing more. Database errors propagate
 * (the consumer retries). Rule source: whatsapp-notification-system-complete.md "Payment
 * Reminder" reminds of unpaid invoices only.
 */
export class WithdrawPaidRemindersUseCase {
  constructor(private readonly o: { store: Pick<DeliveryStore, 'closeInvoice'>; clock: Clock; logger: Pick<Logger, 'info'> }) {}

  async execute(change: InvoiceClosure): Promise<DeliveryRecord[]> {
    if (!change.invoiceId || change.status === 'UNPAID') return [];
    const what = change.invoiceNumber ? `invoice ${change.invoiceNumber}` : `invoice ${change.invoiceId}`;
    const reason = `withdrawn unsent: ${what} was ${change.status === 'PAID' ? 'paid' : 'cancelled'}${change.reason ? ` (${change.reason})` : ''}`;
    const withdrawn = await this.o.store.closeInvoice(change.invoiceId, change.status, reason, this.o.clock());
    if (withdrawn.length > 0) {
      this.o.logger.info(
        { event_id: change.eventId, invoice_id: change.invoiceId, withdrawn: withdrawn.length, deliveries: withdrawn.map((d) => d.id) },
        'waiting payment reminders of a paid or cancelled invoice withdrawn unsent',
      );
    }
    return withdrawn;
  }
}
