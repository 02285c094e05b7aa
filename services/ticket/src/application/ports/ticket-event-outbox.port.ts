import type { TicketEvent } from '../../domain';

/**
 * The transactional outbox for ticket lifecycle events. `append` writes the event in the
 * SAME transaction as the ticket change (the unit of work's); a relay later publishes it on
 * `notify.ticket.v1.<kind>` with `Nats-Msg-Id = eventId`.
 */
export interface TicketEventOutbox {
  append(event: TicketEvent): Promise<void>;
}
