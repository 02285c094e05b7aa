import { ConflictError, NotFoundError } from '@notify/errors';
import { canonicalTicketNumber, type Ticket, type TicketTransition, type TransitionContext } from '../domain';
import type { Clock, IdGenerator, TicketRepository, TicketUnitOfWork, TicketWriter } from './ports';

/** What every state-changing ticket use case needs. */
export interface TicketCommandDeps {
  readonly uow: TicketUnitOfWork;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /**
   * Where single-ticket changes are read and written (the Postgres writer batches concurrent
   * ones); absent = {@link unitOfWorkWriter} over `uow` (one transaction per change).
   */
  readonly writer?: TicketWriter;
}

/**
 * A TicketWriter over a unit of work: `find` reads committed tickets, `commit` saves the ticket
 * with its version check and appends the event in one transaction of `uow`.
 */
export function unitOfWorkWriter(uow: TicketUnitOfWork): TicketWriter {
  return {
    find: (ref) => uow.run((tx) => findTicket(tx.tickets, ref)),
    commit: ({ ticket, expectedVersion, event }) =>
      uow.run(async (tx) => {
        await tx.tickets.save(ticket, expectedVersion);
        await tx.outbox.append(event);
      }),
  };
}

/** The writer of `deps`: its own, else one over its unit of work. */
export function writerOf(deps: TicketCommandDeps): TicketWriter {
  return deps.writer ?? unitOfWorkWriter(deps.uow);
}

/** A ticket by id or number (any case); null when unknown or `ref` is neither. */
async function findTicket(tickets: TicketRepository, ref: string): Promise<Ticket | null> {
  const key = (ref ?? '').trim();
  const number = canonicalTicketNumber(key);
  return number ? tickets.findByNumber(number) : key ? tickets.findById(key) : null;
}

/** Finds a ticket by id or by human-readable number; NotFoundError('ticket', ref) when missing. */
export async function loadTicket(tickets: TicketRepository, ref: string): Promise<Ticket> {
  const ticket = await findTicket(tickets, ref);
  if (!ticket) throw new NotFoundError('ticket', (ref ?? '').trim() || '(empty)');
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
 * Runs one transition: load the ticket (by id or number), apply `step` (authorization + domain
 * transition; throws to abort), then write the ticket with the loaded version as the expected
 * one together with its event (TicketWriter.commit: one atomic write; the Postgres writer batches
 * concurrent transitions into one read and one statement) — all or nothing.
 *
 * On ConflictError (someone else changed the ticket between our read and write) the whole
 * step is retried once on the fresh ticket, so the loser of a race gets the error the new
 * state deserves (e.g. "already taken by Budi"), not a bare conflict; a second conflict is
 * rethrown (ABORTED). `expectedVersion` > 0: the loaded ticket must be at that version, else
 * the step's own error on the current state when it refuses it (FailedPrecondition, e.g. "already
 * assigned to Budi"), or ExpectedVersionMismatchError (ABORTED, not retried) when it would still
 * apply; absent / 0 = no check. `step` must be pure (the domain's transitions are).
 */
export async function runTicketTransition(
  deps: TicketCommandDeps,
  ref: string,
  step: (ticket: Ticket, ctx: TransitionContext) => TicketTransition,
  expectedVersion?: number,
): Promise<Ticket> {
  const writer = writerOf(deps);
  for (let attempt = 1; ; attempt += 1) {
    try {
      const before = await writer.find(ref);
      if (!before) throw new NotFoundError('ticket', (ref ?? '').trim() || '(empty)');
      const ctx = { at: deps.clock.now(), eventId: deps.ids.newId() };
      if (expectedVersion !== undefined && expectedVersion > 0 && before.version !== expectedVersion) {
        // The step's own refusal on the current state says more than the version (the loser of
        // a take race hears "already assigned to Budi"); a step that would still apply → ABORTED.
        step(before, ctx);
        throw new ExpectedVersionMismatchError(before.number, before.version, expectedVersion);
      }
      const { ticket, event } = step(before, ctx);
      await writer.commit({ ticket, expectedVersion: before.version, event });
      return ticket;
    } catch (err) {
      if (err instanceof ConflictError && !(err instanceof ExpectedVersionMismatchError) && attempt < TRANSITION_ATTEMPTS) continue;
      throw err;
    }
  }
}
