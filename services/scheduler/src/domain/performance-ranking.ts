/** One technician's numbers over a window (proto notify.ticket.v1.TechnicianStats). */
export interface TechnicianPerformance {
  /** Staff id (UUID). */
  readonly technicianId: string;
  /** Tickets completed in the window. */
  readonly completed: number;
  /** Mean hours from created_at to completed_at of those (0 when none). */
  readonly meanTimeToResolveHours: number;
  /** Completed at or before sla_due_at. */
  readonly slaMet: number;
  /** slaMet / completed × 100 (0 when none). */
  readonly slaCompliancePercent: number;
  /** Tickets currently ASSIGNED / IN_PROGRESS with the technician. */
  readonly openAssigned: number;
}

/** A technician's ranked line of the weekly report. */
export interface RankedTechnician {
  readonly performance: TechnicianPerformance;
  /** 1 = best. Equal completed and equal mean time share a rank (standard competition ranking: 1, 2, 2, 4). */
  readonly rank: number;
  /** How many technicians were ranked. */
  readonly rankedCount: number;
}

const ZERO = (technicianId: string): TechnicianPerformance => ({
  technicianId,
  completed: 0,
  meanTimeToResolveHours: 0,
  slaMet: 0,
  slaCompliancePercent: 0,
  openAssigned: 0,
});

/**
 * Ranks the active technicians for the weekly performance report (issue 6; seeds "Weekly
 * Performance: … Stats, rating, rank"): most completed first, then the shortest mean time to
 * resolve. Every id of `activeTechnicianIds` is ranked exactly once; one without numbers in
 * `stats` gets zeros; stats of technicians not in the list (inactive, left) are ignored.
 * Output order: by rank, then technician id.
 */
export function rankTechnicians(activeTechnicianIds: readonly string[], stats: readonly TechnicianPerformance[]): RankedTechnician[] {
  const byId = new Map(stats.map((s) => [s.technicianId, s]));
  const lines = [...new Set(activeTechnicianIds)].map((id) => byId.get(id) ?? ZERO(id));
  const better = (a: TechnicianPerformance, b: TechnicianPerformance): number =>
    b.completed - a.completed || a.meanTimeToResolveHours - b.meanTimeToResolveHours;
  lines.sort((a, b) => better(a, b) || (a.technicianId < b.technicianId ? -1 : a.technicianId > b.technicianId ? 1 : 0));
  const ranked: RankedTechnician[] = [];
  lines.forEach((performance, i) => {
    const previous = ranked[i - 1];
    const rank = previous && better(previous.performance, performance) === 0 ? previous.rank : i + 1;
    ranked.push({ performance, rank, rankedCount: lines.length });
  });
  return ranked;
}
