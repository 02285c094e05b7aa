import type { Actor, TicketAction, TicketSnapshot, TicketStatus } from './ticket.types';

/**
 * A ticket lifecycle event: exactly one per transition. Published on
 * `notify.ticket.v1.<kind>` through the transactional outbox, with the JetStream message id
 * = `eventId` (ARCHITECTURE.md, "Once").
 */
export interface TicketEvent {
  /** UUID, unique per event; the outbox row id and the JetStream `Nats-Msg-Id`. */
  readonly eventId: string;
  readonly kind: TicketAction;
  /** When the transition happened (the clock's time, also `ticket.updatedAt`). */
  readonly occurredAt: Date;
  /** Status before the transition; null for `created`. */
  readonly previousStatus: TicketStatus | null;
  readonly actor: Actor;
  /** The ticket after the transition (no history). */
  readonly ticket: TicketSnapshot;
  /** For `assigned`: the technician it was taken away from on a reassignment, else null. */
  readonly previousTechnicianId: string | null;
  /** Completion notes, cancel reason or escalation reason; null otherwise. */
  readonly note: string | null;
}

/** The NATS subject of an event kind (ARCHITECTURE.md, Events). */
export function ticketEventSubject(kind: TicketAction): string {
  return `notify.ticket.v1.${kind}`;
}
