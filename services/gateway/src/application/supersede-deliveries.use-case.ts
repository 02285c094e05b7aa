import type { Logger } from '@notify/logger';
import { supersededByTicketEvent, type DeliveryRecord } from '../domain';
import type { Clock, DeliveryStore } from './ports';

/** A ticket event as the supersede rule needs it. */
export interface TicketChange {
  /** `<domain>.<name>`, e.g. `ticket.assigned`. */
  eventKey: string;
  /** The event's id (UUID), named in the reason. */
  eventId: string;
  /** Ticket id (UUID). */
  ticketId: string;
  /** Human-readable number (`GGN-20261207-0001`), named in the reason. */
  ticketNumber: string;
}

const VERB: Record<string, string> = {
  'ticket.assigned': 'assigned',
  'ticket.started': 'started',
  'ticket.completed': 'completed',
  'ticket.cancelled': 'cancelled',
};

/**
 * Withdraws what a ticket event makes stale before it goes out (domain supersededByTicketEvent:
 * job offers once the ticket is taken, SLA warnings and escalations once it is closed): those of
 * the ticket's deliveries still QUEUED, DEFERRED or FAILED become CANCELLED (DeliveryStore
 * cancelSuperseded), with the reason `withdrawn unsent: ticket <number> was <verb> (<event key>
 * <event id>)`. Called by the gateway's event handler for every ticket event, before the event's
 * own notification is ingested; idempotent (a redelivered event finds nothing left to withdraw).
 * Resolves with the withdrawn deliveries; the database's errors propagate (the consumer retries).
 */
export class SupersedeDeliveriesUseCase {
  constructor(private readonly o: { store: Pick<DeliveryStore, 'cancelSuperseded'>; clock: Clock; logger: Pick<Logger, 'info'> }) {}

  async execute(change: TicketChange): Promise<DeliveryRecord[]> {
    const what = supersededByTicketEvent(change.eventKey);
    if (!what) return [];
    const reason = `withdrawn unsent: ticket ${change.ticketNumber || change.ticketId} was ${VERB[change.eventKey] ?? change.eventKey} (${change.eventKey} ${change.eventId})`;
    const withdrawn = await this.o.store.cancelSuperseded(change.ticketId, what, reason, this.o.clock());
    if (withdrawn.length > 0) {
      this.o.logger.info(
        { ticket_id: change.ticketId, event: change.eventKey, withdrawn: withdrawn.length, deliveries: withdrawn.map((d) => d.id) },
        'stale deliveries of the ticket withdrawn unsent',
      );
    }
    return withdrawn;
  }
}
