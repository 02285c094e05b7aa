import { metSla } from './sla.policy';
import {
  TICKET_STATUSES,
  TICKET_TYPES,
  type Ticket,
  type TicketStatus,
  type TicketType,
} from './ticket.types';

/**
 * Ticket statistics for the daily summary and the weekly technician performance messages
 * (whatsapp-notification-recommendation.md, "Template 3: Daily Summary": totals per status,
 * SLA compliance %, average resolution hours; whatsapp-notification-system-complete.md,
 * "Weekly Performance").
 *
 * Definitions (window [from, to), half-open, instants):
 * - counts (`total`, `byType`, `byStatus`, `byTypeAndStatus`): tickets CREATED in the window,
 *   by their current status;
 * - completion figures (`completed`, `slaMet`, `slaCompliancePct`, `meanHoursToResolve`,
 *   `technicians`): tickets COMPLETED in the window (whenever they were created);
 * - time to resolve = completedAt − createdAt, in hours (the same clock the SLA runs on);
 * - SLA met = completedAt ≤ slaDueAt; compliance % = slaMet / completed × 100;
 * - means and percentages are null when nothing was completed (no data, not 0 and not 100).
 * Both populations are filtered by work zone when `workZone` is given.
 *
 * The same math in SQL (for a repository that pushes it down), per population:
 *   counts:     SELECT type, status, count(*) FROM tickets
 *               WHERE created_at >= $from AND created_at < $to [AND work_zone = $zone] GROUP BY 1, 2
 *   completion: SELECT technician_id, max(technician_name), count(*),
 *                      avg(extract(epoch FROM completed_at - created_at)) / 3600,
 *                      count(*) FILTER (WHERE completed_at <= sla_due_at)
 *               FROM tickets WHERE status = 'COMPLETED' AND completed_at >= $from AND completed_at < $to
 *               [AND work_zone = $zone] GROUP BY ROLLUP (technician_id)
 */

/** The columns the statistics need (a projection of a ticket row). */
export type TicketStatsRow = Pick<
  Ticket,
  'type' | 'status' | 'workZone' | 'technicianId' | 'technicianName' | 'createdAt' | 'completedAt' | 'slaDueAt'
>;

export interface TicketStatsQuery {
  /** Window start, inclusive. */
  readonly from: Date;
  /** Window end, exclusive. */
  readonly to: Date;
  /** Only this work zone (normalized key); all zones when absent. */
  readonly workZone?: string | null;
}

export interface TechnicianStats {
  readonly technicianId: string;
  /** Latest known display name among the rows, or null. */
  readonly technicianName: string | null;
  /** Tickets this technician completed in the window. */
  readonly completed: number;
  /** Mean hours from creation to completion of those tickets. */
  readonly meanHoursToResolve: number;
  /** How many of them were completed by their SLA deadline. */
  readonly slaMet: number;
  /** slaMet / completed × 100. */
  readonly slaCompliancePct: number;
}

export interface TicketStats {
  readonly from: Date;
  readonly to: Date;
  readonly workZone: string | null;
  /** Tickets created in the window. */
  readonly total: number;
  readonly byType: Readonly<Record<TicketType, number>>;
  readonly byStatus: Readonly<Record<TicketStatus, number>>;
  /** Every (type, status) pair with a non-zero count, types then statuses in lifecycle order. */
  readonly byTypeAndStatus: ReadonlyArray<{ type: TicketType; status: TicketStatus; count: number }>;
  /** Tickets completed in the window. */
  readonly completed: number;
  readonly slaMet: number;
  /** slaMet / completed × 100; null when nothing was completed. */
  readonly slaCompliancePct: number | null;
  /** Mean hours from creation to completion; null when nothing was completed. */
  readonly meanHoursToResolve: number | null;
  /** Per technician, most completed first, then by id. */
  readonly technicians: readonly TechnicianStats[];
}

const HOUR_MS = 3_600_000;

function inWindow(at: Date | null, q: TicketStatsQuery): at is Date {
  return at !== null && at.getTime() >= q.from.getTime() && at.getTime() < q.to.getTime();
}

function zero<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

/**
 * Computes {@link TicketStats} over `rows` (any superset of the tickets created or completed
 * in the window; rows outside it are ignored). Pure; O(n).
 */
export function computeTicketStats(rows: Iterable<TicketStatsRow>, query: TicketStatsQuery): TicketStats {
  const workZone = query.workZone ?? null;
  const byType = zero(TICKET_TYPES);
  const byStatus = zero(TICKET_STATUSES);
  const pairs = new Map<string, number>();
  let total = 0;
  let completed = 0;
  let slaMet = 0;
  let resolveMs = 0;
  const perTech = new Map<string, { name: string | null; completed: number; ms: number; met: number }>();

  for (const row of rows) {
    if (workZone !== null && row.workZone !== workZone) continue;
    if (inWindow(row.createdAt, query)) {
      total += 1;
      byType[row.type] += 1;
      byStatus[row.status] += 1;
      const key = `${row.type}|${row.status}`;
      pairs.set(key, (pairs.get(key) ?? 0) + 1);
    }
    if (row.status === 'COMPLETED' && inWindow(row.completedAt, query)) {
      const ms = row.completedAt.getTime() - row.createdAt.getTime();
      const met = metSla(row.completedAt, row.slaDueAt);
      completed += 1;
      resolveMs += ms;
      if (met) slaMet += 1;
      if (row.technicianId) {
        const t = perTech.get(row.technicianId) ?? { name: null, completed: 0, ms: 0, met: 0 };
        t.completed += 1;
        t.ms += ms;
        if (met) t.met += 1;
        if (row.technicianName) t.name = row.technicianName;
        perTech.set(row.technicianId, t);
      }
    }
  }

  const byTypeAndStatus: Array<{ type: TicketType; status: TicketStatus; count: number }> = [];
  for (const type of TICKET_TYPES) {
    for (const status of TICKET_STATUSES) {
      const count = pairs.get(`${type}|${status}`);
      if (count) byTypeAndStatus.push({ type, status, count });
    }
  }

  const technicians: TechnicianStats[] = [...perTech.entries()]
    .map(([technicianId, t]) => ({
      technicianId,
      technicianName: t.name,
      completed: t.completed,
      meanHoursToResolve: t.ms / t.completed / HOUR_MS,
      slaMet: t.met,
      slaCompliancePct: (t.met / t.completed) * 100,
    }))
    .sort((a, b) => b.completed - a.completed || a.technicianId.localeCompare(b.technicianId));

  return {
    from: query.from,
    to: query.to,
    workZone,
    total,
    byType,
    byStatus,
    byTypeAndStatus,
    completed,
    slaMet,
    slaCompliancePct: completed ? (slaMet / completed) * 100 : null,
    meanHoursToResolve: completed ? resolveMs / completed / HOUR_MS : null,
    technicians,
  };
}

/** The columns the open-work counts need. */
export type OpenWorkRow = Pick<Ticket, 'status' | 'workZone' | 'technicianId' | 'slaDueAt'>;

/**
 * Point-in-time open work (notify.ticket.v1.TicketStats `open`, `overdue`,
 * `TechnicianStats.open_assigned`): tickets not COMPLETED / CANCELLED, whatever their
 * creation time; overdue = of those, `slaDueAt < now`; per technician = ASSIGNED or
 * IN_PROGRESS with them.
 */
export interface OpenWork {
  readonly at: Date;
  readonly open: number;
  readonly overdue: number;
  /** technicianId → tickets ASSIGNED / IN_PROGRESS with them. */
  readonly assignedByTechnician: Readonly<Record<string, number>>;
}

/** Computes {@link OpenWork} at `now` over `rows` (filtered by `workZone` when given). Pure; O(n). */
export function computeOpenWork(rows: Iterable<OpenWorkRow>, now: Date, workZone: string | null = null): OpenWork {
  let open = 0;
  let overdue = 0;
  const assignedByTechnician: Record<string, number> = {};
  for (const row of rows) {
    if (workZone !== null && row.workZone !== workZone) continue;
    if (row.status === 'COMPLETED' || row.status === 'CANCELLED') continue;
    open += 1;
    if (row.slaDueAt.getTime() < now.getTime()) overdue += 1;
    if (row.technicianId && (row.status === 'ASSIGNED' || row.status === 'IN_PROGRESS')) {
      assignedByTechnician[row.technicianId] = (assignedByTechnician[row.technicianId] ?? 0) + 1;
    }
  }
  return { at: now, open, overdue, assignedByTechnician };
}
