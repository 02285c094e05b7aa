import type { SlaEscalationLevel, SlaTicket, TechnicianPerformance } from '../../domain';
import type { Snapshot } from './snapshot.port';

/** An open ticket (OPEN / ASSIGNED / IN_PROGRESS) as the SLA monitor sees it. */
export interface OpenTicket extends SlaTicket {
  /** The ticket as the ticket service returned it (notify.ticket.v1.Ticket). */
  readonly snapshot: Snapshot<'ticket'>;
}

/** GetTicketStats over a window. */
export interface TicketStatsResult {
  /** Per-technician numbers (those with activity in the window). */
  readonly technicians: readonly TechnicianPerformance[];
  /** The whole answer (notify.ticket.v1.TicketStats). */
  readonly snapshot: Snapshot<'ticket_stats'>;
}

/** ESCALATED: the call raised the level; ALREADY_ESCALATED: the ticket was at or past the level (FAILED_PRECONDITION). */
export type EscalationOutcome = 'ESCALATED' | 'ALREADY_ESCALATED';

/** The ticket service as the jobs use it (gRPC adapter in infrastructure/clients). */
export interface TicketDirectory {
  /** All open tickets whose sla_due_at is before `before` (every page). Errors: the service's (UNAVAILABLE, DEADLINE_EXCEEDED…). */
  listOpenTicketsDueBefore(before: Date): Promise<OpenTicket[]>;
  /**
   * EscalateTicket to `level` (1 or 2) with `reason`, as the service actor `scheduler`.
   * A FAILED_PRECONDITION answer (level already reached, or the ticket closed meanwhile) is
   * ALREADY_ESCALATED; other errors reject.
   */
  escalate(ticketId: string, level: SlaEscalationLevel, reason: string): Promise<EscalationOutcome>;
  /** GetTicketStats over [from, to), all zones. */
  stats(window: { readonly from: Date; readonly to: Date }): Promise<TicketStatsResult>;
}
