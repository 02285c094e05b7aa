import { AlreadyExistsError, NotFoundError, ValidationError } from '@notify/errors';
import {
  formatTicketNumber,
  openTicket,
  ticketDayKey,
  validateNewTicket,
  type Actor,
  type NewTicket,
  type Ticket,
  type TicketPriority,
  type TicketTransition,
  type TicketType,
} from '../../domain';
import type { CustomerDirectory, TicketNumberSequence } from '../ports';
import { actorOf, requireRole, type Principal } from '../principal';
import { TICKET_PERMISSIONS } from '../ticket-access.policy';
import { writerOf, type TicketCommandDeps } from '../ticket-transition.runner';

export interface CreateTicketInput {
  readonly type: TicketType;
  /** Default NORMAL (24 h SLA). */
  readonly priority?: TicketPriority;
  readonly customerId: string;
  readonly workZone: string;
  readonly address: string;
  /** One-line summary (≤ 200 characters); empty / absent = none. */
  readonly title?: string;
  /** The description as given (≤ 4000 characters, not counting the title). */
  readonly description: string;
  /**
   * Optional idempotency key (≤ 200 characters): a retry with the same key and the same
   * fields returns the first ticket and stores / publishes nothing new; the same key with
   * different fields → AlreadyExists.
   */
  readonly requestId?: string;
}

/** Maximum length of `request_id`. */
export const REQUEST_ID_MAX = 200;

export type CreateTicketDeps = TicketCommandDeps & { readonly numbers: TicketNumberSequence };

/**
 * CreateTicket: opens a GANGGUAN or PSB ticket (status OPEN, SLA deadline from the
 * priority, number `GGN-YYYYMMDD-NNNN` / `PSB-…` with the Jakarta date) and emits
 * `created` through the outbox in the same transaction.
 * With `requestId`, the key is recorded in the same transaction (see CreateTicketInput);
 * without one, the ticket and its event go through the TicketWriter (one atomic write, batched
 * with concurrent changes in Postgres).
 * The customer must exist (`customers`, the customer service's GetCustomer): a ticket for an
 * unknown customer would notify nobody about it. Every field is validated and the customer
 * checked before a number is drawn, so a refused request uses no number; a number drawn for a
 * creation that then fails (a database error, a request_id already used) is skipped (numbers
 * are unique, not gapless).
 * Roles: TICKET_PERMISSIONS.create. Errors: PermissionDenied; Validation (type, priority,
 * customer_id, work_zone, address, title, description, request_id); NotFound (no customer has that
 * customer_id); AlreadyExists (request_id reused with different fields); Unavailable / Timeout
 * when the customer service cannot answer (nothing is created).
 */
export class CreateTicketUseCase {
  constructor(private readonly deps: CreateTicketDeps & { readonly customers: CustomerDirectory }) {}

  async execute(principal: Principal, input: CreateTicketInput): Promise<Ticket> {
    requireRole(principal, TICKET_PERMISSIONS.create, 'create tickets');
    const requestId = input.requestId?.trim() || null;
    if (requestId && requestId.length > REQUEST_ID_MAX) {
      throw new ValidationError('request_id', `is longer than ${REQUEST_ID_MAX} characters`);
    }
    const { customerId } = validateNewTicket({ ...input, priority: input.priority ?? 'NORMAL' });
    if (!(await this.deps.customers.exists(customerId))) throw new NotFoundError('customer', customerId);
    const { ticket, event } = await prepareNewTicket(this.deps, input, actorOf(principal));
    if (!requestId) {
      // No idempotency key to record: one atomic write of the ticket and its event (TicketWriter).
      await writerOf(this.deps).commit({ ticket, expectedVersion: 0, event });
      return ticket;
    }
    return this.deps.uow.run(async (tx) => {
      const fingerprint = createFingerprint(ticket);
      const prior = await tx.createRequests.claim(requestId, ticket.id, fingerprint);
      if (prior) {
        // A request recorded before titles were stored has the fingerprint without the title
        // (its problem text, which holds the title, still tells two requests apart).
        if (prior.fingerprint !== fingerprint && prior.fingerprint !== createFingerprint(ticket, false)) {
          throw new AlreadyExistsError(`request_id ${requestId} was already used for a ticket with different fields`);
        }
        const first = await tx.tickets.findById(prior.ticketId);
        if (first) return first;
      }
      await tx.tickets.save(ticket, 0);
      await tx.outbox.append(event);
      return ticket;
    });
  }
}

/** The request's identifying fields after normalization (what a retry must repeat). */
function createFingerprint(t: Ticket, withTitle = true): string {
  return JSON.stringify([t.type, t.priority, t.customerId, t.workZone, t.address, t.description, t.createdBy.id, ...(withTitle && t.title ? [t.title] : [])]);
}

/**
 * Validates the input (ValidationError before anything else: no number is drawn for bad input),
 * draws the next number for (type, Jakarta day) and opens the ticket in memory (nothing stored
 * yet). Shared with HandleCustomerRegistered.
 */
export async function prepareNewTicket(
  deps: CreateTicketDeps,
  input: CreateTicketInput,
  actor: Actor,
): Promise<TicketTransition> {
  const fields: Omit<NewTicket, 'id' | 'number'> = {
    type: input.type,
    priority: input.priority ?? 'NORMAL',
    customerId: input.customerId,
    workZone: input.workZone,
    address: input.address,
    ...(input.title !== undefined ? { title: input.title } : {}),
    description: input.description,
  };
  validateNewTicket(fields);
  const at = deps.clock.now();
  const dayKey = ticketDayKey(at);
  const sequence = await deps.numbers.next(fields.type, dayKey);
  return openTicket({ ...fields, id: deps.ids.newId(), number: formatTicketNumber(fields.type, dayKey, sequence) }, actor, { at, eventId: deps.ids.newId() });
}
