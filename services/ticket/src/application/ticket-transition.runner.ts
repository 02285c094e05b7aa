import { ConflictError, NotFoundError } from '@notify/errors';
import { isTicketNumber, type Ticket, type TicketTransition, type TransitionContext } from '../domain';
import type { Clock, IdGenerator, TicketRepository, TicketUnitOfWork } from './ports';

/** What every state-changing ticket use case needs. */
export interface TicketCommandDeps {
  readonly uow: TicketUnitOfWork;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/** Finds a ticket by id or by human-readable number; NotFoundError('ticket', ref) when missing. */
export async function loadTicket(tickets: TicketRepository, ref: string): Promise<Ticket> {
  const key = (ref ?? '').trim();
  const ticket = isTicketNumber(key) ? await tickets.findByNumber(key) : key ? await tickets.findById(key) : null;
  if (!ticket) throw new NotFoundError('ticket', key || '(empty)');
  return ticket;
}

/**
 * The caller's `expected_version` did not match the ticket's current version (ABORTED, like
 * any ConflictError, but never retried: the caller acted on a stale view).
 */
export class ExpectedVersionMismatchError extends ConflictError {
  constructor(number: string, current: number, expected: number) {
    super(`ticket ${number} is at version ${current}, expected ${expected}`);
  }
}

/** How many times a transition is tried when it loses an optimistic-concurrency race. */
export const TRANSITION_ATTEMPTS = 2;

/**
 * Runs one transition in a unit of work: load the ticket (by id or number), apply `step`
 * (authorization + domain transition; throws to abort), save with the loaded version as the
 * expected one, and append the event to the outbox — all or nothing.
 *
 * On ConflictError (someone else changed the ticket between our read and write) the whole
 * step is retried once on the fresh ticket, so the loser of a race gets the error the new
 * state deserves (e.g. "already taken by Budi"), not a bare conflict; a second conflict is
 * rethrown (ABORTED). `expectedVersion` > 0: the loaded ticket must be at that version, else
 * ExpectedVersionMismatchError (ABORTED, not retried); absent / 0 = no check.
 */
export async function runTicketTransition(
  deps: TicketCommandDeps,
  ref: string,
  step: (ticket: Ticket, ctx: TransitionContext) => TicketTransition,
  expectedVersion?: number,
): Promise<Ticket> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await deps.uow.run(async (tx) => {
        const before = await loadTicket(tx.tickets, ref);
        if (expectedVersion !== undefined && expectedVersion > 0 && before.version !== expectedVersion) {
          throw new ExpectedVersionMismatchError(before.number, before.version, expectedVersion);
        }
        const { ticket, event } = step(before, { at: deps.clock.now(), eventId: deps.ids.newId() });
        await tx.tickets.save(ticket, before.version);
        await tx.outbox.append(event);
        return ticket;
      });
    } catch (err) {
      if (err instanceof ConflictError && !(err instanceof ExpectedVersionMismatchError) && attempt < TRANSITION_ATTEMPTS) continue;
      throw err;
    }
  }
}
