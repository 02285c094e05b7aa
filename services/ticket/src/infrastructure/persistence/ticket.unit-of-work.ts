import type { DataSource, EntityManager } from 'typeorm';
import { appendToOutbox, markProcessed, type OutboxEvent } from '@notify/db';
import { encodeEvent } from '@notify/events';
import type { TicketEvent } from '../../domain';
import type { TicketEventOutbox, TicketTransaction, TicketUnitOfWork, ProcessedMessageLog } from '../../application';
import { ticketEventToProto } from '../../transport/proto/ticket.proto-mapper';
import { PgCreateRequestLog, PgTicketNumberSequence, PgTicketRepository } from './ticket.repository';

/** `processed_events.consumer` under which the ticket service records its claims. */
export const TICKET_CLAIM_CONSUMER = 'ticket';

/**
 * The outbox event of a ticket event: subject `notify.ticket.v1.<kind>` (under `namespace`, tests),
 * payload the encoded ticketv1.TicketEvent, id its event id (JetStream's dedupe key).
 */
export function ticketOutboxEvent(event: TicketEvent, namespace: string | undefined): OutboxEvent {
  const encoded = encodeEvent(`ticket.${event.kind}`, ticketEventToProto(event), namespace);
  return { id: encoded.msgID, subject: encoded.subject, data: encoded.data };
}

/** Options of {@link PgTicketUnitOfWork}. */
export interface PgTicketUnitOfWorkOptions {
  /** The service schema (the DataSource's). */
  readonly schema: string;
  /** NATS namespace for the event subjects (tests); undefined in production. */
  readonly namespace?: string;
  /** Called after a transaction that appended events commits (e.g. WatchTickets' in-process feed). */
  readonly onCommitted?: (events: readonly TicketEvent[]) => void;
}

/**
 * TicketUnitOfWork over one TypeORM transaction (`ds.transaction`, READ COMMITTED): the
 * repository, the outbox (`appendToOutbox` of `encodeEvent('ticket.<kind>', TicketEvent)` in
 * `<schema>.outbox`) and the processed-message claims (`markProcessed` in
 * `<schema>.processed_events`), the CreateTicket request keys and the ticket numbers drawn
 * (`<schema>.ticket_number_counters`) all use the transaction's EntityManager, so they commit or
 * roll back together.
 */
export class PgTicketUnitOfWork implements TicketUnitOfWork {
  constructor(
    private readonly ds: DataSource,
    private readonly options: PgTicketUnitOfWorkOptions,
  ) {}

  async run<T>(work: (tx: TicketTransaction) => Promise<T>): Promise<T> {
    const appended: TicketEvent[] = [];
    const result = await this.ds.transaction(async (manager: EntityManager) => {
      const outbox: TicketEventOutbox = {
        append: async (event) => {
          await appendToOutbox(manager, ticketOutboxEvent(event, this.options.namespace), { schema: this.options.schema });
          appended.push(event);
        },
      };
      const processed: ProcessedMessageLog = {
        claim: (key) => markProcessed(manager, TICKET_CLAIM_CONSUMER, key, { schema: this.options.schema }),
      };
      return work({
        tickets: new PgTicketRepository(manager, this.options.schema),
        outbox,
        processed,
        createRequests: new PgCreateRequestLog(manager, this.options.schema),
        numbers: new PgTicketNumberSequence(manager, this.options.schema),
      });
    });
    if (appended.length > 0) this.options.onCommitted?.(appended);
    return result;
  }
}
