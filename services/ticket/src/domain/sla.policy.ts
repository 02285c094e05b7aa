import type { TicketPriority } from './ticket.types';

/**
 * SLA resolution deadline per priority, in hours from the ticket's creation.
 * Source: whatsapp-notification-system-complete.md, "SLA Monitor" (Urgent 4h, High 8h,
 * Normal 24h, Low 48h).
 */
export const SLA_HOURS: Readonly<Record<TicketPriority, number>> = {
  URGENT: 4,
  HIGH: 8,
  NORMAL: 24,
  LOW: 48,
};

const HOUR_MS = 3_600_000;

/** The SLA deadline (instant) of a ticket of `priority` created at `createdAt`. */
export function slaDueAt(priority: TicketPriority, createdAt: Date): Date {
  return new Date(createdAt.getTime() + SLA_HOURS[priority] * HOUR_MS);
}

/** True when a ticket completed at `completedAt` met its deadline `slaDueAt` (inclusive). */
export function metSla(completedAt: Date, dueAt: Date): boolean {
  return completedAt.getTime() <= dueAt.getTime();
}
