import { ValidationError } from '@notify/errors';
import { decodeEventAs, eventConsumer } from '@notify/events';
import type { Logger } from '@notify/logger';
import type { ConsumerHandle, DeadLetterSink, EventBus, EventHandler } from '@notify/messaging';
import type { HandleCustomerRegisteredUseCase } from '../../application';

/**
 * The handler of `notify.customer.v1.registered` for the durable `ticket-customer`:
 * decodes the `CustomerEvent` (undecodable / invalid payload → PoisonEventError, which the
 * bus dead-letters and terminates), runs HandleCustomerRegistered (one PSB ticket per
 * customer asking for installation, duplicates acked) and terminates a registration the
 * domain rejects (ValidationError, e.g. no work zone) instead of retrying it. Other errors
 * (database down) are thrown: the bus naks with backoff and redelivers.
 */
export function customerRegisteredHandler(useCase: HandleCustomerRegisteredUseCase, logger: Logger): EventHandler {
  return async (evt) => {
    const payload = decodeEventAs('customer.registered', evt.subject, evt.data);
    const c = payload.customer!;
    try {
      const result = await useCase.execute({
        eventId: payload.eventId,
        customerId: c.id,
        customerName: c.name,
        address: c.address,
        workZone: c.workZone,
        packageName: c.packageName,
        wantsInstallation: c.wantsInstallation,
      });
      logger.info(
        {
          event_id: payload.eventId,
          customer_id: c.id,
          outcome: result.outcome,
          ...(result.outcome === 'created' ? { ticket_number: result.ticket.number } : {}),
        },
        'customer registration handled',
      );
    } catch (err) {
      if (err instanceof ValidationError) return { kind: 'term', reason: `registration rejected: ${err.message}` };
      throw err;
    }
  };
}

/** Starts the durable `ticket-customer` consumer (filtered to `registered`) on the CUSTOMER stream of namespace `ns`. */
export function consumeCustomerRegistered(
  bus: EventBus,
  handler: EventHandler,
  options: { readonly ns?: string; readonly deadLetter?: DeadLetterSink },
): Promise<ConsumerHandle> {
  return bus.consume(
    eventConsumer('ticket', 'customer', { events: ['registered'], ...(options.ns ? { ns: options.ns } : {}) }),
    handler,
    options.deadLetter ? { deadLetter: options.deadLetter } : {},
  );
}
