import { computeOpenWork, computeTicketStats, type TicketStatsRow } from '../src/domain';

const H = 3_600_000;
const day = new Date('2026-11-22T00:00:00+07:00');
const at = (hours: number) => new Date(day.getTime() + hours * H);

/** created hour, SLA hours, completed hour (null = not completed). */
function row(
  type: TicketStatsRow['type'],
  status: TicketStatsRow['status'],
  created: number,
  sla: number,
  completed: number | null,
  technicianId: string | null = null,
  workZone = 'karawang',
): TicketStatsRow {
  return {
    type,
    status,
    workZone,
    technicianId,
    technicianName: technicianId ? technicianId.toUpperCase() : null,
    createdAt: at(created),
    slaDueAt: at(created + sla),
    completedAt: completed === null ? null : at(completed),
  };
}

const rows: TicketStatsRow[] = [
  row('GANGGUAN', 'COMPLETED', 1, 4, 3, 'budi'), // 2 h, met
  row('GANGGUAN', 'COMPLETED', 2, 4, 8, 'budi'), // 6 h, missed
  row('PSB', 'COMPLETED', 3, 24, 13, 'andi'), // 10 h, met
  row('GANGGUAN', 'OPEN', 5, 8, null),
  row('PSB', 'ASSIGNED', 6, 24, null, 'andi'),
  row('GANGGUAN', 'CANCELLED', 7, 8, null),
  row('GANGGUAN', 'COMPLETED', -20, 24, 4, 'andi'), // created yesterday, completed today: 24 h, met (due at +4)
  row('GANGGUAN', 'COMPLETED', 2, 24, 30, 'budi'), // created today, completed tomorrow
  row('PSB', 'COMPLETED', 1, 24, 5, 'citra', 'bekasi'), // other zone: 4 h, met
];

describe('computeTicketStats', () => {
  const window = { from: at(0), to: at(24) };

  it('counts tickets created in the window by type and status', () => {
    const s = computeTicketStats(rows, window);
    expect(s.total).toBe(8);
    expect(s.byType).toEqual({ GANGGUAN: 5, PSB: 3 });
    expect(s.byStatus).toEqual({ OPEN: 1, ASSIGNED: 1, IN_PROGRESS: 0, COMPLETED: 5, CANCELLED: 1 });
    expect(s.byTypeAndStatus).toEqual([
      { type: 'GANGGUAN', status: 'OPEN', count: 1 },
      { type: 'GANGGUAN', status: 'COMPLETED', count: 3 },
      { type: 'GANGGUAN', status: 'CANCELLED', count: 1 },
      { type: 'PSB', status: 'ASSIGNED', count: 1 },
      { type: 'PSB', status: 'COMPLETED', count: 2 },
    ]);
  });

  it('computes SLA compliance and mean time to resolve over tickets completed in the window', () => {
    const s = computeTicketStats(rows, window);
    // completed today: 2h met, 6h missed, 10h met, 24h met, 4h met (bekasi)
    expect(s.completed).toBe(5);
    expect(s.slaMet).toBe(4);
    expect(s.slaCompliancePct).toBeCloseTo(80, 10);
    expect(s.meanHoursToResolve).toBeCloseTo((2 + 6 + 10 + 24 + 4) / 5, 10);
  });

  it('breaks completion down per technician, most completed first', () => {
    const s = computeTicketStats(rows, window);
    expect(s.technicians).toEqual([
      { technicianId: 'andi', technicianName: 'ANDI', completed: 2, meanHoursToResolve: 17, slaMet: 2, slaCompliancePct: 100 },
      { technicianId: 'budi', technicianName: 'BUDI', completed: 2, meanHoursToResolve: 4, slaMet: 1, slaCompliancePct: 50 },
      { technicianId: 'citra', technicianName: 'CITRA', completed: 1, meanHoursToResolve: 4, slaMet: 1, slaCompliancePct: 100 },
    ]);
  });

  it('filters by work zone', () => {
    const s = computeTicketStats(rows, { ...window, workZone: 'bekasi' });
    expect(s.total).toBe(1);
    expect(s.completed).toBe(1);
    expect(s.technicians.map((t) => t.technicianId)).toEqual(['citra']);
  });

  it('treats the window as half-open [from, to)', () => {
    const edge = [row('GANGGUAN', 'COMPLETED', 0, 4, 24, 'budi')];
    const s = computeTicketStats(edge, window);
    expect(s.total).toBe(1);
    expect(s.completed).toBe(0);
    expect(computeTicketStats(edge, { from: at(24), to: at(48) }).completed).toBe(1);
  });

  it('reports null (no data) instead of 0 % or 100 % when nothing was completed', () => {
    const s = computeTicketStats([row('PSB', 'OPEN', 1, 24, null)], window);
    expect(s).toMatchObject({ completed: 0, slaCompliancePct: null, meanHoursToResolve: null, technicians: [] });
  });

  it('counts a completion exactly at the deadline as met', () => {
    const s = computeTicketStats([row('GANGGUAN', 'COMPLETED', 1, 4, 5, 'budi')], window);
    expect(s.slaMet).toBe(1);
  });
});

describe('computeOpenWork', () => {
  const open: TicketStatsRow[] = [
    row('GANGGUAN', 'OPEN', 0, 4, null), // due at 4 h
    row('GANGGUAN', 'ASSIGNED', 0, 24, null, 'budi'),
    row('PSB', 'IN_PROGRESS', 1, 2, null, 'budi'), // due at 3 h
    row('PSB', 'IN_PROGRESS', 1, 2, null, 'sari', 'bekasi'),
    row('GANGGUAN', 'COMPLETED', 0, 1, 5, 'budi'),
    row('GANGGUAN', 'CANCELLED', 0, 1, null, 'sari'),
  ];

  it('counts active tickets, those past their SLA at the given instant, and assignments per technician', () => {
    expect(computeOpenWork(open, at(3.5))).toEqual({ at: at(3.5), open: 4, overdue: 2, assignedByTechnician: { budi: 2, sari: 1 } });
    expect(computeOpenWork(open, at(5), 'karawang')).toEqual({ at: at(5), open: 3, overdue: 2, assignedByTechnician: { budi: 2 } });
    expect(computeOpenWork(open, at(0))).toMatchObject({ open: 4, overdue: 0 });
  });
});
