import type { CreateRequestLog } from './create-request-log.port';
import type { ProcessedMessageLog } from './processed-message-log.port';
import type { TicketEventOutbox } from './ticket-event-outbox.port';
import type { TicketNumberSequence } from './ticket-number-sequence.port';
import type { TicketRepository } from './ticket-repository.port';

/** The transactional view handed to a unit of work. */
export interface TicketTransaction {
  readonly tickets: TicketRepository;
  readonly outbox: TicketEventOutbox;
  readonly processed: ProcessedMessageLog;
  readonly createRequests: CreateRequestLog;
  /**
   * Ticket numbers drawn in this transaction: a rollback gives them back (no gap), and the
   * counter row stays locked until the transaction ends (concurrent draws of the same type and
   * day wait, so numbers stay distinct).
   */
  readonly numbers: TicketNumberSequence;
}

/**
 * Runs `work` in one database transaction: commits when it resolves, rolls back when it
 * throws (rethrowing the error). Nothing is half-written: a ticket change and its outbox
 * event are stored together or not at all.
 */
export interface TicketUnitOfWork {
  run<T>(work: (tx: TicketTransaction) => Promise<T>): Promise<T>;
}
