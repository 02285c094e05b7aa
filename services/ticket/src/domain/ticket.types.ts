/**
 * Ticket domain vocabulary: types, states, priorities, escalation levels, actors and the
 * ticket aggregate's data shape. Pure data; the behaviour lives in `ticket.aggregate.ts`.
 *
 * Sources: customer-notification-system.md (GANGGUAN / PSB tickets, OPEN → ASSIGNED →
 * IN_PROGRESS → COMPLETED, CANCELLED with a reason), whatsapp-notification-system-complete.md
 * ("SLA Monitor": urgent 4 h, high 8 h, normal 24 h, low 48 h) and
 * case-workflow-whatsapp-bot-plan.md §4 (escalation to lead, then to head).
 */

/** GANGGUAN = disturbance (an existing customer's fault), PSB = new installation. */
export const TICKET_TYPES = ['GANGGUAN', 'PSB'] as const;
export type TicketType = (typeof TICKET_TYPES)[number];

export const TICKET_STATUSES = ['OPEN', 'ASSIGNED', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** States from which a ticket can still move (not COMPLETED / CANCELLED). */
export const ACTIVE_TICKET_STATUSES: readonly TicketStatus[] = ['OPEN', 'ASSIGNED', 'IN_PROGRESS'];

export const TICKET_PRIORITIES = ['URGENT', 'HIGH', 'NORMAL', 'LOW'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

/**
 * 0 = not escalated, 1 = supervisor / lead (Kabid, Kasubbag, Koordinator UPT),
 * 2 = manager / head (Kepala Dinas). case-workflow-whatsapp-bot-plan.md §4.2 and §4.3.
 */
export type EscalationLevel = 0 | 1 | 2;
export const MAX_ESCALATION_LEVEL: EscalationLevel = 2;

/** Roles that can appear as the actor of a transition (API-key roles plus `system`). */
export const ACTOR_ROLES = [
  'admin',
  'manager',
  'supervisor',
  'noc',
  'customer_service',
  'technician',
  'service',
  'system',
] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];

/** Who performed a transition. `id` is a staff id, or a service / system name. */
export interface Actor {
  readonly id: string;
  readonly role: ActorRole;
  readonly name?: string;
}

/** The lifecycle events; each transition yields exactly one (subject `notify.ticket.v1.<action>`). */
export const TICKET_ACTIONS = ['created', 'assigned', 'started', 'completed', 'cancelled', 'escalated'] as const;
export type TicketAction = (typeof TICKET_ACTIONS)[number];

/**
 * One line of a ticket's history. `from` is null for `created`; for `escalated` and for a
 * reassignment `from` equals `to`. `note` holds the completion notes, cancel / escalation
 * reason, or a reassignment remark.
 */
export interface TicketHistoryEntry {
  readonly action: TicketAction;
  readonly from: TicketStatus | null;
  readonly to: TicketStatus;
  readonly actor: Actor;
  readonly at: Date;
  readonly note: string | null;
}

/**
 * The ticket aggregate. Immutable: every transition returns a new object with `version`
 * bumped by one (a new ticket has version 1). Times are instants (Date, UTC).
 */
export interface Ticket {
  /** UUID. */
  readonly id: string;
  /** Human-readable number, `GGN-20261122-0001` / `PSB-20261122-0001` (ticket-number.policy.ts). */
  readonly number: string;
  readonly type: TicketType;
  readonly status: TicketStatus;
  readonly priority: TicketPriority;
  /** Customer id in the customer service. */
  readonly customerId: string;
  /** Work zone key, lower-case (e.g. `karawang`). */
  readonly workZone: string;
  /** Where the job is. */
  readonly address: string;
  /**
   * The problem text (GANGGUAN) or the installation request (PSB), as the messages show it: the
   * title and the description given at creation joined by a line break (only the description when
   * it already starts with the title; only the title when there was no description).
   */
  readonly description: string;
  /** The one-line title given at creation (1..200 characters); null when none was given (and for tickets stored before titles were). */
  readonly title: string | null;
  readonly technicianId: string | null;
  /** Display name of the technician at assignment time (for messages and stats). */
  readonly technicianName: string | null;
  readonly escalationLevel: EscalationLevel;
  readonly escalationReason: string | null;
  readonly completionNotes: string | null;
  readonly cancelReason: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** createdAt + the priority's SLA hours (sla.policy.ts). */
  readonly slaDueAt: Date;
  readonly assignedAt: Date | null;
  readonly startedAt: Date | null;
  readonly completedAt: Date | null;
  readonly cancelledAt: Date | null;
  readonly createdBy: Actor;
  /** Optimistic-concurrency version: 1 after creation, +1 per transition. */
  readonly version: number;
  readonly history: readonly TicketHistoryEntry[];
}

/** The ticket without its history: what lifecycle events carry. */
export type TicketSnapshot = Omit<Ticket, 'history'>;

/** `ticket` minus `history`. */
export function toSnapshot(ticket: Ticket): TicketSnapshot {
  const { history: _history, ...snapshot } = ticket;
  return snapshot;
}

export function isTicketType(value: unknown): value is TicketType {
  return typeof value === 'string' && (TICKET_TYPES as readonly string[]).includes(value);
}
export function isTicketStatus(value: unknown): value is TicketStatus {
  return typeof value === 'string' && (TICKET_STATUSES as readonly string[]).includes(value);
}
export function isTicketPriority(value: unknown): value is TicketPriority {
  return typeof value === 'string' && (TICKET_PRIORITIES as readonly string[]).includes(value);
}
