import type { Logger } from '@notify/logger';
import { supersessionsOf, type DeliveryRecord, type SupersessionKind } from '../domain';
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
  /** TicketEvent.previous_technician_id: set on a reassignment; '' otherwise. */
  previousTechnicianId?: string;
  /** The ticket's technician after the event (staff id); '' when none. */
  technicianId?: string;
}

const VERB: Record<string, string> = {
  'ticket.assigned': 'assigned',
  'ticket.started': 'started',
  'ticket.completed': 'completed',
  'ticket.cancelled': 'cancelled',
};

/**
 * Withdraws what a ticket event makes stale (domain supersessionsOf: job offers once the ticket
 * is taken, SLA warnings and escalations once it is closed, a technician's messages once the
 * ticket is reassigned away from them): records it with the ticket (DeliveryStore.supersede), so
 * that such a delivery is withdrawn whenever it would go out, and withdraws those waiting now.
 * Reason (the withdrawn rows' last_error): `withdrawn unsent: ticket <number> was <verb> (<event
 * key> <event id>)`, for a reassignment `withdrawn unsent: ticket <number> was reassigned to
 * another technician (…)`. A ticket assigned (back) to a technician drops the record of its being
 * taken from them. Called by the gateway's event handler for every ticket event, before
 * the event's own notification is ingested; a redelivered event records nothing new. Resolves
 * with the deliveries withdrawn now; the database's errors propagate (the consumer retries).
 */
export class SupersedeDeliveriesUseCase {
  constructor(private readonly o: { store: Pick<DeliveryStore, 'supersede'>; clock: Clock; logger: Pick<Logger, 'info'> }) {}

  async execute(change: TicketChange): Promise<DeliveryRecord[]> {
    const marks = supersessionsOf(change.eventKey, change.previousTechnicianId ?? '');
    if (marks.length === 0) return [];
    const assignedTo = change.eventKey === 'ticket.assigned' && change.technicianId ? { assignedTo: change.technicianId } : {};
    const ticket = change.ticketNumber || change.ticketId;
    const source = `(${change.eventKey} ${change.eventId})`;
    const reason = (kind: SupersessionKind) =>
      kind === 'STAFF'
        ? `withdrawn unsent: ticket ${ticket} was reassigned to another technician ${source}`
        : `withdrawn unsent: ticket ${ticket} was ${VERB[change.eventKey] ?? change.eventKey} ${source}`;
    const withdrawn = await this.o.store.supersede(change.ticketId, marks.map((m) => ({ ...m, reason: reason(m.kind) })), this.o.clock(), assignedTo);
    if (withdrawn.length > 0) {
      this.o.logger.info(
        { ticket_id: change.ticketId, event: change.eventKey, withdrawn: withdrawn.length, deliveries: withdrawn.map((d) => d.id) },
        'stale deliveries of the ticket withdrawn unsent',
      );
    }
    return withdrawn;
  }
}
