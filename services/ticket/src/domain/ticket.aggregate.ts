import { FailedPreconditionError, ValidationError } from '@notify/errors';
import { slaDueAt } from './sla.policy';
import type { TicketEvent } from './ticket.events';
import {
  ACTIVE_TICKET_STATUSES,
  MAX_ESCALATION_LEVEL,
  isTicketPriority,
  isTicketType,
  toSnapshot,
  type Actor,
  type EscalationLevel,
  type Ticket,
  type TicketAction,
  type TicketHistoryEntry,
  type TicketPriority,
  type TicketStatus,
  type TicketType,
} from './ticket.types';
import { normalizeWorkZone } from '@notify/work-zone';

/**
 * The ticket state machine (customer-notification-system.md, "Flow Diagram"):
 *
 *   OPEN ──assign──▶ ASSIGNED ──start──▶ IN_PROGRESS ──complete──▶ COMPLETED
 *     │               │  ▲ reassign          │
 *     └──cancel───────┴──┴──cancel───────────┴──cancel──▶ CANCELLED
 *
 * plus `escalate` (level 0 → 1 → 2) on any active ticket. Every function here is pure:
 * it takes the current ticket, the actor and a {@link TransitionContext} (time and event id,
 * supplied by the application's clock and id generator), and returns the next ticket
 * (version + 1, one more history line) with exactly one {@link TicketEvent}. A transition
 * from the wrong state throws FailedPreconditionError naming the ticket's current state;
 * bad input throws ValidationError naming the field. Nothing is returned on an error.
 */

/** Time and identity of one transition. */
export interface TransitionContext {
  /** The instant of the transition (from the application's Clock). */
  readonly at: Date;
  /** UUID for the event (from the application's IdGenerator). */
  readonly eventId: string;
}

/** A transition's outcome: the next ticket and its single event. */
export interface TicketTransition {
  readonly ticket: Ticket;
  readonly event: TicketEvent;
}

/** What a new ticket needs. Strings are trimmed; `workZone` is normalized. */
export interface NewTicket {
  /** UUID for the ticket. */
  readonly id: string;
  /** From ticket-number.policy.ts `formatTicketNumber`. */
  readonly number: string;
  readonly type: TicketType;
  readonly priority: TicketPriority;
  readonly customerId: string;
  readonly workZone: string;
  readonly address: string;
  /** One-line summary, 0..200 characters; empty / absent = none (the description's first line stands for it). */
  readonly title?: string | null;
  /** The description as given, 0..4000 characters (not counting the title). */
  readonly description: string;
}

/** Field limits (characters): the contract's (proto/notify/ticket/v1/ticket_service.proto). */
export const TICKET_LIMITS = { title: 200, description: 4000, address: 500, notes: 2000, reason: 2000, customerId: 100 } as const;

/** A new ticket's fields validated and normalized, before it has an id and a number. */
export interface ValidNewTicket {
  readonly type: TicketType;
  readonly priority: TicketPriority;
  readonly customerId: string;
  readonly workZone: string;
  readonly address: string;
  readonly title: string | null;
  /** The problem text (see Ticket.description). */
  readonly description: string;
}

/**
 * The problem text of a title and a description (both trimmed): joined by a line break, or only
 * the description when it already starts with the title (`Internet mati` + `Internet mati sejak
 * pagi`), or only the one given. The messages show it ("Masalah: …").
 */
export function problemText(title: string | null, description: string): string {
  if (!title) return description;
  if (!description) return title;
  return description.startsWith(title) ? description : `${title}\n${description}`;
}

/**
 * Validates and normalizes a new ticket's fields (no I/O, no number: CreateTicket checks them
 * before it draws a ticket number, so refused input uses none). ValidationError for `type`,
 * `priority`, `customer_id`, `work_zone`, `address` (1..500), `title` (one line, ≤ 200),
 * `description` (≤ 4000) and, when both title and description are empty, `title`.
 */
export function validateNewTicket(input: Omit<NewTicket, 'id' | 'number'>): ValidNewTicket {
  if (!isTicketType(input.type)) throw new ValidationError('type', `must be GANGGUAN or PSB, got "${input.type}"`);
  if (!isTicketPriority(input.priority)) {
    throw new ValidationError('priority', `must be URGENT, HIGH, NORMAL or LOW, got "${input.priority}"`);
  }
  const customerId = requiredText(input.customerId, 'customer_id', TICKET_LIMITS.customerId);
  const workZone = normalizeWorkZone(input.workZone);
  const address = requiredText(input.address, 'address', TICKET_LIMITS.address);
  const title = optionalText(input.title, 'title', TICKET_LIMITS.title);
  if (title && /[\r\n\u2028\u2029]/.test(title)) throw new ValidationError('title', 'must be one line (no line breaks)');
  const description = optionalText(input.description, 'description', TICKET_LIMITS.description) ?? '';
  if (!title && !description) throw new ValidationError('title', 'is required (or give a description, whose first line then serves as the title)');
  return { type: input.type, priority: input.priority, customerId, workZone, address, title, description: problemText(title, description) };
}

function requiredText(value: string | undefined | null, field: string, max: number): string {
  const text = (value ?? '').trim();
  if (!text) throw new ValidationError(field, 'is required');
  if (text.length > max) throw new ValidationError(field, `is longer than ${max} characters`);
  return text;
}

function optionalText(value: string | undefined | null, field: string, max: number): string | null {
  const text = (value ?? '').trim();
  if (!text) return null;
  if (text.length > max) throw new ValidationError(field, `is longer than ${max} characters`);
  return text;
}

function wrongState(ticket: Ticket, action: string, needs: readonly TicketStatus[]): FailedPreconditionError {
  const list = needs.length === 1 ? needs[0] : `${needs.slice(0, -1).join(', ')} or ${needs[needs.length - 1]}`;
  return new FailedPreconditionError(`ticket ${ticket.number} is ${ticket.status}; ${action} needs ${list}`);
}

function requireState(ticket: Ticket, action: string, needs: readonly TicketStatus[]): void {
  if (!needs.includes(ticket.status)) throw wrongState(ticket, action, needs);
}

/** `Budi (tech-2)` or `tech-2` when the name is unknown. */
export function describeTechnician(ticket: Pick<Ticket, 'technicianId' | 'technicianName'>): string {
  if (!ticket.technicianId) return 'nobody';
  return ticket.technicianName ? `${ticket.technicianName} (${ticket.technicianId})` : ticket.technicianId;
}

function transition(
  before: Ticket,
  action: TicketAction,
  changes: Partial<Omit<Ticket, 'id' | 'number' | 'version' | 'history'>>,
  actor: Actor,
  ctx: TransitionContext,
  note: string | null,
  previousTechnicianId: string | null = null,
): TicketTransition {
  const to = changes.status ?? before.status;
  const entry: TicketHistoryEntry = { action, from: before.status, to, actor, at: ctx.at, note };
  const ticket: Ticket = {
    ...before,
    ...changes,
    updatedAt: ctx.at,
    version: before.version + 1,
    history: [...before.history, entry],
  };
  return {
    ticket,
    event: {
      eventId: ctx.eventId,
      kind: action,
      occurredAt: ctx.at,
      previousStatus: before.status,
      actor,
      ticket: toSnapshot(ticket),
      previousTechnicianId,
      note,
    },
  };
}

/**
 * Opens a ticket (status OPEN, version 1, SLA deadline from the priority) and yields the
 * `created` event. Throws ValidationError as {@link validateNewTicket}.
 */
export function openTicket(input: NewTicket, actor: Actor, ctx: TransitionContext): TicketTransition {
  const { type, priority, customerId, workZone, address, title, description } = validateNewTicket(input);
  const ticket: Ticket = {
    id: input.id,
    number: input.number,
    type,
    status: 'OPEN',
    priority,
    customerId,
    workZone,
    address,
    description,
    title,
    technicianId: null,
    technicianName: null,
    escalationLevel: 0,
    escalationReason: null,
    completionNotes: null,
    cancelReason: null,
    createdAt: ctx.at,
    updatedAt: ctx.at,
    slaDueAt: slaDueAt(priority, ctx.at),
    assignedAt: null,
    startedAt: null,
    completedAt: null,
    cancelledAt: null,
    createdBy: actor,
    version: 1,
    history: [{ action: 'created', from: null, to: 'OPEN', actor, at: ctx.at, note: null }],
  };
  return {
    ticket,
    event: {
      eventId: ctx.eventId,
      kind: 'created',
      occurredAt: ctx.at,
      previousStatus: null,
      actor,
      ticket: toSnapshot(ticket),
      previousTechnicianId: null,
      note: null,
    },
  };
}

/** The technician a ticket is assigned to. */
export interface TechnicianRef {
  readonly id: string;
  readonly name?: string | null;
}

/**
 * Assigns an OPEN ticket, or reassigns an ASSIGNED one to another technician; yields
 * `assigned`. Throws FailedPreconditionError when the ticket is IN_PROGRESS / COMPLETED /
 * CANCELLED, or already assigned to this same technician (naming who has it).
 */
export function assignTicket(
  ticket: Ticket,
  technician: TechnicianRef,
  actor: Actor,
  ctx: TransitionContext,
): TicketTransition {
  const technicianId = requiredText(technician.id, 'technician_id', 100);
  requireState(ticket, 'assign', ['OPEN', 'ASSIGNED']);
  if (ticket.technicianId === technicianId) {
    throw new FailedPreconditionError(`ticket ${ticket.number} is already assigned to ${describeTechnician(ticket)}`);
  }
  const reassignment = ticket.status === 'ASSIGNED';
  const technicianName = technician.name?.trim() || null;
  const note = reassignment
    ? `reassigned from ${describeTechnician(ticket)} to ${describeTechnician({ technicianId, technicianName })}`
    : null;
  return transition(
    ticket,
    'assigned',
    { status: 'ASSIGNED', technicianId, technicianName, assignedAt: ctx.at },
    actor,
    ctx,
    note,
    reassignment ? ticket.technicianId : null,
  );
}

/** ASSIGNED → IN_PROGRESS; yields `started`. FailedPreconditionError from any other state. */
export function startTicket(ticket: Ticket, actor: Actor, ctx: TransitionContext): TicketTransition {
  requireState(ticket, 'start', ['ASSIGNED']);
  return transition(ticket, 'started', { status: 'IN_PROGRESS', startedAt: ctx.at }, actor, ctx, null);
}

/**
 * IN_PROGRESS → COMPLETED with optional `notes` (≤ 2000 characters); yields `completed`.
 * FailedPreconditionError from any other state.
 */
export function completeTicket(
  ticket: Ticket,
  notes: string | null | undefined,
  actor: Actor,
  ctx: TransitionContext,
): TicketTransition {
  const completionNotes = optionalText(notes, 'notes', TICKET_LIMITS.notes);
  requireState(ticket, 'complete', ['IN_PROGRESS']);
  return transition(
    ticket,
    'completed',
    { status: 'COMPLETED', completedAt: ctx.at, completionNotes },
    actor,
    ctx,
    completionNotes,
  );
}

/**
 * OPEN / ASSIGNED / IN_PROGRESS → CANCELLED; `reason` is required, 1..2000 characters
 * (ValidationError `reason`); yields `cancelled`. FailedPreconditionError from COMPLETED or CANCELLED.
 */
export function cancelTicket(ticket: Ticket, reason: string, actor: Actor, ctx: TransitionContext): TicketTransition {
  const cancelReason = requiredText(reason, 'reason', TICKET_LIMITS.reason);
  requireState(ticket, 'cancel', ACTIVE_TICKET_STATUSES);
  return transition(
    ticket,
    'cancelled',
    { status: 'CANCELLED', cancelledAt: ctx.at, cancelReason },
    actor,
    ctx,
    cancelReason,
  );
}

/**
 * Raises the escalation level of an active ticket, recording `reason` (required); the status
 * does not change (1..2000 characters); yields `escalated`. `toLevel` is the level to reach: 1 supervisor / lead,
 * 2 manager / head; absent = the next level. Escalating straight to 2 is allowed: the operator's
 * "Eskalasi kadis" is its own action beside "Eskalasi lead" (case-workflow-whatsapp-bot-plan.md
 * §2 Phase A, §4.3), not a second step after it.
 * FailedPreconditionError when the ticket is closed, already at level 2, or already at
 * `toLevel` or above (so two people pressing the same escalation at once escalate once).
 */
export function escalateTicket(ticket: Ticket, reason: string, actor: Actor, ctx: TransitionContext, toLevel?: EscalationLevel): TicketTransition {
  const escalationReason = requiredText(reason, 'reason', TICKET_LIMITS.reason);
  requireState(ticket, 'escalate', ACTIVE_TICKET_STATUSES);
  if (ticket.escalationLevel >= MAX_ESCALATION_LEVEL) {
    throw new FailedPreconditionError(
      `ticket ${ticket.number} is already at escalation level ${ticket.escalationLevel} (manager/head); it cannot be escalated further`,
    );
  }
  if (toLevel !== undefined && toLevel <= ticket.escalationLevel) {
    throw new FailedPreconditionError(`ticket ${ticket.number} is already at escalation level ${ticket.escalationLevel}; it cannot be escalated to level ${toLevel}`);
  }
  const escalationLevel = (toLevel ?? ticket.escalationLevel + 1) as EscalationLevel;
  return transition(ticket, 'escalated', { escalationLevel, escalationReason }, actor, ctx, escalationReason);
}
