import { AlreadyExistsError, ConflictError, NotFoundError, ValidationError } from '@notify/errors';
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
  type ValidNewTicket,
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

/** CreateTicket's dependencies: `numbers` is the service-wide sequence (creates without request_id). */
export type CreateTicketDeps = TicketCommandDeps & { readonly numbers: TicketNumberSequence };

/**
 * CreateTicket: opens a GANGGUAN or PSB ticket (status OPEN, SLA deadline from the
 * priority, number `GGN-YYYYMMDD-NNNN` / `PSB-…` with the Jakarta date) and emits
 * `created` through the outbox in the same transaction.
 * With `requestId`, the key is claimed first, in the transaction that then draws the number and
 * stores the ticket (see CreateRequestLog): a replay of a known key (same fields → the first
 * ticket; other fields → AlreadyExists), even one racing the first request, draws no number, and
 * any failure rolls the number back with the ticket. Without one, the number is drawn just before
 * the ticket and its event go through the TicketWriter (one atomic write, batched with concurrent
 * changes in Postgres) and is given back if that write fails (TicketNumberSequence.release).
 * The customer must exist (`customers`, the customer service's GetCustomer): a ticket for an
 * unknown customer would notify nobody about it. Every field is validated and the customer
 * checked before a number is drawn, so a refused request uses no number: numbers are meant to
 * run without gaps (a gap remains only when a create without request_id fails after a later
 * number was drawn, or the process dies between draw and write).
 * Roles: TICKET_PERMISSIONS.create. Errors: PermissionDenied; Validation (type, priority,
 * customer_id, work_zone, address, title, description, request_id); NotFound (no customer has that
 * customer_id); AlreadyExists (request_id reused with different fields); Unavailable / Timeout
 * when the customer service cannot answer (nothing is created).
 */
export class CreateTicketUseCase {
  constructor(private readonly deps: CreateTicketDeps & { readonly customers: CustomerDirectory }) {}

  async execute(principal: Principal, input: CreateTicketInput): Promise<Ticket> {
    return (await this.create(principal, input)).ticket;
  }

  /**
   * {@link execute} telling a replay apart: `replayed` true when `requestId` named a request made
   * before with the same fields (nothing created; `ticket` is the first one's, as it is now).
   */
  async create(principal: Principal, input: CreateTicketInput): Promise<{ ticket: Ticket; replayed: boolean }> {
    requireRole(principal, TICKET_PERMISSIONS.create, 'create tickets');
    const requestId = input.requestId?.trim() || null;
    if (requestId && requestId.length > REQUEST_ID_MAX) {
      throw new ValidationError('request_id', `is longer than ${REQUEST_ID_MAX} characters`);
    }
    const { customerId } = validateNewTicket({ ...input, priority: input.priority ?? 'NORMAL' });
    if (!(await this.deps.customers.exists(customerId))) throw new NotFoundError('customer', customerId);
    const draft = draftNewTicket(this.deps, input, actorOf(principal));
    if (!requestId) {
      // No idempotency key to record: one atomic write of the ticket and its event (TicketWriter).
      const { ticket, event } = await openDraft(draft, this.deps.numbers);
      try {
        await writerOf(this.deps).commit({ ticket, expectedVersion: 0, event });
      } catch (err) {
        // Not stored: give the number back. A ConflictError means the id or number is taken
        // (the number then stays used); a failed release leaves a gap, the caller gets `err`.
        if (!(err instanceof ConflictError)) await this.deps.numbers.release(draft.fields.type, draft.dayKey, sequenceOf(ticket.number)).catch(() => false);
        throw err;
      }
      return { ticket, replayed: false };
    }
    const fingerprint = createFingerprint(draft);
    return this.deps.uow.run(async (tx) => {
      const prior = await tx.createRequests.claim(requestId, draft.id, fingerprint);
      if (prior) {
        // A request recorded before titles were stored has the fingerprint without the title
        // (its problem text, which holds the title, still tells two requests apart).
        if (prior.fingerprint !== fingerprint && prior.fingerprint !== createFingerprint(draft, false)) {
          throw new AlreadyExistsError(`request_id ${requestId} was already used for a ticket with different fields`);
        }
        const first = await tx.tickets.findById(prior.ticketId);
        if (first) return { ticket: first, replayed: true };
      }
      // The key is ours: the number is drawn in this transaction (rolled back with it).
      const { ticket, event } = await openDraft(draft, tx.numbers);
      await tx.tickets.save(ticket, 0);
      await tx.outbox.append(event);
      return { ticket, replayed: false };
    });
  }
}

/** The request's identifying fields after normalization (what a retry must repeat). */
function createFingerprint(d: NewTicketDraft, withTitle = true): string {
  const f = d.valid;
  return JSON.stringify([f.type, f.priority, f.customerId, f.workZone, f.address, f.description, d.actor.id, ...(withTitle && f.title ? [f.title] : [])]);
}

/** The sequence part of a number this service formatted (`GGN-20261122-0042` → 42). */
function sequenceOf(number: string): number {
  return Number(number.slice(number.lastIndexOf('-') + 1));
}

/** A new ticket before its number is drawn: its fields (as given and normalized), instant, Jakarta day, ids, actor. */
export interface NewTicketDraft {
  readonly fields: Omit<NewTicket, 'id' | 'number'>;
  /** `fields` validated and normalized (what the ticket will hold). */
  readonly valid: ValidNewTicket;
  readonly at: Date;
  /** `YYYYMMDD`, the Jakarta day of `at` (the number's scope). */
  readonly dayKey: string;
  readonly id: string;
  readonly eventId: string;
  readonly actor: Actor;
}

/**
 * Validates the input (ValidationError before anything else: no number is drawn for bad input)
 * and fixes what a new ticket needs but its number: the normalized fields, the instant and its
 * Jakarta day, the ticket and event ids. Nothing is stored or drawn. Shared with
 * HandleCustomerRegistered.
 */
export function draftNewTicket(deps: TicketCommandDeps, input: CreateTicketInput, actor: Actor): NewTicketDraft {
  const fields: Omit<NewTicket, 'id' | 'number'> = {
    type: input.type,
    priority: input.priority ?? 'NORMAL',
    customerId: input.customerId,
    workZone: input.workZone,
    address: input.address,
    ...(input.title !== undefined ? { title: input.title } : {}),
    description: input.description,
  };
  const valid = validateNewTicket(fields);
  const at = deps.clock.now();
  return { fields, valid, at, dayKey: ticketDayKey(at), id: deps.ids.newId(), eventId: deps.ids.newId(), actor };
}

/**
 * Draws the draft's number from `numbers` (a transaction's, to have it roll back with the ticket)
 * and opens the ticket in memory with its `created` event (nothing stored yet).
 */
export async function openDraft(draft: NewTicketDraft, numbers: TicketNumberSequence): Promise<TicketTransition> {
  const { fields, dayKey } = draft;
  const sequence = await numbers.next(fields.type, dayKey);
  const number = formatTicketNumber(fields.type, dayKey, sequence);
  return openTicket({ ...fields, id: draft.id, number }, draft.actor, { at: draft.at, eventId: draft.eventId });
}
