import { ValidationError } from '@notify/errors';
import type { OpenWork, TicketStats } from '../../domain';
import { normalizeWorkZone } from '@notify/work-zone';
import { systemClock, type Clock, type TicketRepository } from '../ports';
import { requireRole, type Principal } from '../principal';
import { TICKET_PERMISSIONS } from '../ticket-access.policy';

export interface GetTicketStatsInput {
  /** Window start (inclusive). */
  readonly from: Date;
  /** Window end (exclusive). At most 366 days after `from`. */
  readonly to: Date;
  readonly workZone?: string;
}

/** The window's statistics plus the open work at the time of the call. */
export type TicketStatsReport = TicketStats & { readonly openWork: OpenWork };

const MAX_WINDOW_MS = 366 * 24 * 3_600_000;

/**
 * GetTicketStats: counts by type and status of the tickets created in [from, to); SLA
 * compliance %, mean hours to resolve and per-technician completed / mean hours / SLA met of
 * the tickets completed in [from, to) — the figures of the daily summary and the weekly
 * technician performance (definitions in ticket-stats.calculator.ts) — plus `openWork`: the
 * open and overdue tickets and open assignments per technician at the time of the call.
 * Roles: TICKET_PERMISSIONS.stats. Errors: PermissionDenied, Validation (from, to, work_zone).
 */
export class GetTicketStatsUseCase {
  constructor(private readonly deps: { readonly tickets: TicketRepository; readonly clock?: Clock }) {}

  async execute(principal: Principal, input: GetTicketStatsInput): Promise<TicketStatsReport> {
    requireRole(principal, TICKET_PERMISSIONS.stats, 'read ticket statistics');
    if (!(input.from instanceof Date)) throw new ValidationError('from', 'is required');
    if (!(input.to instanceof Date)) throw new ValidationError('to', 'is required');
    // An invalid Date was given, not missing (QA: from −99999999999999 s answered `from: is required`).
    if (Number.isNaN(input.from.getTime())) throw new ValidationError('from', 'must be a valid timestamp');
    if (Number.isNaN(input.to.getTime())) throw new ValidationError('to', 'must be a valid timestamp');
    const span = input.to.getTime() - input.from.getTime();
    if (span <= 0) throw new ValidationError('to', 'must be after from');
    if (span > MAX_WINDOW_MS) throw new ValidationError('to', 'window is longer than 366 days');
    const workZone = input.workZone ? normalizeWorkZone(input.workZone) : null;
    const [stats, openWork] = await Promise.all([
      this.deps.tickets.stats({ from: input.from, to: input.to, workZone }),
      this.deps.tickets.openWork(workZone, (this.deps.clock ?? systemClock).now()),
    ]);
    return { ...stats, openWork };
  }
}
