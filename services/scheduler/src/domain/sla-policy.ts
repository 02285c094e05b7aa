/**
 * The SLA monitor's rules. Source: ../shared/reference/seeds/whatsapp-notification-system-complete.md
 * ("SLA Monitor": urgent 4 h → warn 1 h before, high 8 h → 2 h, normal 24 h → 4 h, low 48 h →
 * 8 h) and issue 6 (at most one warning per ticket per threshold; escalate to level 1 once a
 * ticket is past its deadline, and to level 2 when it is still open after a further half of its
 * SLA duration).
 */

/** Ticket priority (proto notify.common.v1.Priority without the prefix). */
export type TicketPriority = 'LOW' | 'NORMAL' | 'HIGH' | 'URGENT';

/** Warning threshold per priority, minutes before sla_due_at. */
export const SLA_WARNING_THRESHOLD_MINUTES: Readonly<Record<TicketPriority, number>> = Object.freeze({
  URGENT: 60,
  HIGH: 120,
  NORMAL: 240,
  LOW: 480,
});

/** The largest threshold (minutes): tickets due later than now + this need nothing yet. */
export const MAX_SLA_WARNING_THRESHOLD_MINUTES = 480;

/** What the monitor needs to know about an open (OPEN / ASSIGNED / IN_PROGRESS) ticket. */
export interface SlaTicket {
  /** Ticket id (UUID). */
  readonly id: string;
  readonly priority: TicketPriority;
  readonly createdAt: Date;
  readonly slaDueAt: Date;
  /** Current escalation level, 0..2. */
  readonly escalationLevel: number;
}

/** Escalation levels the monitor drives (1: supervisor / lead, 2: manager / head). */
export type SlaEscalationLevel = 1 | 2;

/** One thing the monitor owes a ticket at an instant. */
export type SlaAction =
  | { readonly kind: 'warn'; readonly thresholdMinutes: number; readonly remainingMinutes: number }
  | { readonly kind: 'escalate'; readonly level: SlaEscalationLevel };

const MINUTE_MS = 60_000;

/** The instant a ticket still open is escalated to level 2: sla_due_at + (sla_due_at − created_at) / 2. */
export function levelTwoEscalationAt(ticket: Pick<SlaTicket, 'createdAt' | 'slaDueAt'>): Date {
  const due = ticket.slaDueAt.getTime();
  return new Date(due + (due - ticket.createdAt.getTime()) / 2);
}

/**
 * What is due for `ticket` at `now` (pure; de-duplication is the caller's durable record):
 * - a warning when 0 < sla_due_at − now ≤ the priority's threshold (remaining minutes rounded
 *   down); none once the deadline has passed (the escalation takes over);
 * - escalation to level 1 when now > sla_due_at;
 * - escalation to level 2 when now ≥ {@link levelTwoEscalationAt} (after level 1, in order).
 */
export function slaActions(ticket: SlaTicket, now: Date): SlaAction[] {
  const remainingMs = ticket.slaDueAt.getTime() - now.getTime();
  const threshold = SLA_WARNING_THRESHOLD_MINUTES[ticket.priority];
  const actions: SlaAction[] = [];
  if (remainingMs > 0 && remainingMs <= threshold * MINUTE_MS) {
    actions.push({ kind: 'warn', thresholdMinutes: threshold, remainingMinutes: Math.floor(remainingMs / MINUTE_MS) });
  }
  if (remainingMs < 0) actions.push({ kind: 'escalate', level: 1 });
  if (now.getTime() >= levelTwoEscalationAt(ticket).getTime() && remainingMs < 0) actions.push({ kind: 'escalate', level: 2 });
  return actions;
}
