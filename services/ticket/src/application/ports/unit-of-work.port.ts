import type { CreateRequestLog } from './create-request-log.port';
import type { ProcessedMessageLog } from './processed-message-log.port';
import type { TicketEventOutbox } from './ticket-event-outbox.port';
import type { TicketRepository } from './ticket-repository.port';

/** The transactional view handed to a unit of work. */
export interface TicketTransaction {
  readonly tickets: TicketRepository;
  readonly outbox: TicketEventOutbox;
  readonly processed: ProcessedMessageLog;
  readonly createRequests: CreateRequestLog;
}

/**
 * Runs `work` in one database transaction: commits when it resolves, rolls back when it
 * throws (rethrowing the error). Nothing is half-written: a ticket change and its outbox
 * event are stored together or not at all.
 */
export interface TicketUnitOfWork {
  run<T>(work: (tx: TicketTransaction) => Promise<T>): Promise<T>;
}
