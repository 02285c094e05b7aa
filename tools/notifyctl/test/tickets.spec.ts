import * as grpc from '@grpc/grpc-js';
import { customerv1, ticketv1 } from '@notify/proto';
import { technicianNames, ticketRecord, ticketTable, zoneMismatchNote } from '../src/commands/tickets';

const JOKO = '11111111-1111-4111-8111-111111111111';
const GONE = '22222222-2222-4222-8222-222222222222';
const DOWN = '33333333-3333-4333-8333-333333333333';

/**
 * A CustomerServiceClient whose GetStaff knows Joko, answers NOT_FOUND for GONE and
 * UNAVAILABLE for DOWN; it records the ids asked.
 */
function fakeCustomer(asked: string[]): customerv1.CustomerServiceClient {
  const getStaff = (req: customerv1.GetStaffRequest, _md: unknown, _opts: unknown, cb: (err: unknown, res?: customerv1.GetStaffResponse) => void) => {
    asked.push(req.id);
    if (req.id === JOKO) cb(null, customerv1.GetStaffResponse.fromPartial({ staff: { id: JOKO, name: 'Joko Teknisi' } }));
    else if (req.id === DOWN) cb(Object.assign(new Error('14 UNAVAILABLE: down'), { code: grpc.status.UNAVAILABLE, details: 'down', metadata: new grpc.Metadata() }));
    else cb(Object.assign(new Error(`5 NOT_FOUND: staff ${req.id} not found`), { code: grpc.status.NOT_FOUND, details: `staff ${req.id} not found`, metadata: new grpc.Metadata() }));
    return { cancel: () => undefined };
  };
  return { getStaff } as unknown as customerv1.CustomerServiceClient;
}

const ticket = (t: Partial<ticketv1.Ticket>) =>
  ticketv1.Ticket.fromPartial({ id: 'a0000000-0000-4000-8000-000000000001', number: 'GGN-20261122-0001', workZone: 'karawang', title: 'Internet mati', ...t });

describe('technicianNames', () => {
  it('asks GetStaff once per distinct id; an unknown id or a failed look-up is left out (the caller shows the id)', async () => {
    const asked: string[] = [];
    const names = await technicianNames(fakeCustomer(asked), [JOKO, '', JOKO, GONE, DOWN]);
    expect(asked.sort()).toEqual([JOKO, GONE, DOWN].sort());
    expect([...names]).toEqual([[JOKO, 'Joko Teknisi']]);
  });
});

describe('ticketTable (tickets list)', () => {
  it('shows the technician\'s name in the TECHNICIAN column (QA: a UUID), the id when there is no name', () => {
    const text = ticketTable(
      [ticket({ technicianId: JOKO }), ticket({ id: 'a0000000-0000-4000-8000-000000000002', number: 'GGN-20261122-0002', technicianId: GONE }), ticket({ id: 'a0000000-0000-4000-8000-000000000003', number: 'GGN-20261122-0003' })],
      new Map([[JOKO, 'Joko Teknisi']]),
    );
    const [, joko, gone, open] = text.trimEnd().split('\n');
    expect(joko).toMatch(/\bkarawang\s+Joko Teknisi\s+/);
    expect(joko).not.toContain(JOKO);
    expect(gone).toMatch(new RegExp(`\\bkarawang\\s+${GONE}\\s+`));
    expect(open).toMatch(/\bkarawang\s+Internet mati$/);
  });
});

describe('ticketRecord (tickets get and the transitions)', () => {
  it('names the technician with their id; the id alone without a name', () => {
    expect(ticketRecord(ticket({ technicianId: JOKO }), 'Joko Teknisi')).toMatch(new RegExp(`^Technician:\\s+Joko Teknisi \\(${JOKO}\\)$`, 'm'));
    expect(ticketRecord(ticket({ technicianId: GONE }))).toMatch(new RegExp(`^Technician:\\s+${GONE}$`, 'm'));
    expect(ticketRecord(ticket({}), 'Joko Teknisi')).not.toMatch(/^Technician:/m);
  });
});

describe('zoneMismatchNote (tickets assign)', () => {
  const staff = (workZones: string[]) => ({ id: JOKO, name: 'Dedi', workZones });

  it('notes a technician whose zones leave out the ticket\'s zone, naming their zones', () => {
    expect(zoneMismatchNote(staff(['bekasi']), 'karawang')).toBe('note: Dedi does not work in zone "karawang" (their zones: bekasi)');
    expect(zoneMismatchNote(staff(['cikarang', 'bekasi']), 'karawang')).toBe('note: Dedi does not work in zone "karawang" (their zones: cikarang, bekasi)');
  });

  it('says nothing when they work there (any case) or cover every zone (no zones)', () => {
    expect(zoneMismatchNote(staff(['bekasi', 'karawang']), 'karawang')).toBeUndefined();
    expect(zoneMismatchNote(staff(['Karawang']), 'karawang')).toBeUndefined();
    expect(zoneMismatchNote(staff([]), 'karawang')).toBeUndefined();
  });
});
