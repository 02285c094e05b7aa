import { decideJob, displayPhone, formatWib, stepOn, isJobCommand, normalizeSenderPhone, oldestJob, stepApplied, type Job } from '../../src/application/replies';

const job = (over: Partial<Job> & { number: string }): Job => ({
  id: `id-${over.number}`,
  kind: 'GANGGUAN',
  status: 'OPEN',
  version: 1,
  workZone: 'karawang',
  address: 'Jl. Mawar 1',
  description: 'Internet mati',
  technicianId: '',
  customerId: 'c-1',
  createdAt: new Date('2026-11-22T01:00:00Z'),
  ...over,
});

describe('normalizeSenderPhone (customer-notification-system.md, "Phone Number Format")', () => {
  it.each([
    ['082291921583', '6282291921583'],
    ['081234567890', '6281234567890'],
    ['6591234567', '6591234567'], // a Singapore sender: E.164 digits first (read as Indonesian it would be 626591234567)
    ['819012345678', '819012345678'], // a Japanese sender likewise (not the Indonesian 0819…)
    ['+6282291921583', '6282291921583'],
    ['6282291921583', '6282291921583'],
    [' +62 822-9192-1583 ', '6282291921583'],
    ['6282291921583@s.whatsapp.net', '6282291921583'],
    ['6282291921583@c.us', '6282291921583'],
    ['254798765432', '254798765432'], // the QA report: a Kenyan technician's sender as Fonnte sends it
    ['254798765432@s.whatsapp.net', '254798765432'],
    ['+254 798 765432', '254798765432'],
    ['12025550143', '12025550143'],
    ['62896753882', '62896753882'], // a short Indonesian mobile as E.164 digits: not read as a national number
  ])('%s → %s', (raw, want) => {
    expect(normalizeSenderPhone(raw)).toBe(want);
  });

  it.each(['', '   ', '120363042111111111@g.us', 'abc', '12', '0822919215831234567', '2025550123', '+999123'])('%j is not a sender number', (raw) => {
    expect(normalizeSenderPhone(raw)).toBeNull();
  });
});

describe('isJobCommand', () => {
  it.each(['1', ' 1 ', '1\n', '\t1', '1.', '1!', '1)', '*1*', '_1_', '~1~', '`1`', ' *1*. '])('%j is the job key', (t) => expect(isJobCommand(t)).toBe(true));
  it.each(['', '11', '1..', '.1', 'satu', 'ok', 'halo', '1 ok', '2', '*2*', '1.5', '-1'])('%j is not', (t) => expect(isJobCommand(t)).toBe(false));
});

describe('decideJob: which job "1" acts on', () => {
  const open1 = job({ number: 'GGN-20261122-0002', createdAt: new Date('2026-11-22T02:00:00Z') });
  const open0 = job({ number: 'GGN-20261122-0001', createdAt: new Date('2026-11-22T01:00:00Z') });
  const assigned = job({ number: 'GGN-20261121-0009', status: 'ASSIGNED', technicianId: 't1' });
  const inProgress = job({ number: 'GGN-20261121-0005', status: 'IN_PROGRESS', technicianId: 't1' });

  it('completes the job in progress first', () => {
    expect(decideJob([inProgress], [assigned], [open0])).toEqual({ step: 'complete', job: inProgress });
  });
  it('else starts the assigned job', () => {
    expect(decideJob([], [assigned], [open0])).toEqual({ step: 'start', job: assigned });
  });
  it('else takes the oldest OPEN job offered', () => {
    expect(decideJob([], [], [open1, open0])).toEqual({ step: 'take', job: open0 });
  });
  it('ignores a non-OPEN job in the offered list', () => {
    expect(decideJob([], [], [{ ...open0, status: 'ASSIGNED' }])).toBeNull();
  });
  it('else nothing', () => {
    expect(decideJob([], [], [])).toBeNull();
  });
});

describe('stepOn: what "1" does to the ticket of the latest job message', () => {
  const me = { id: 't1', workZones: ['karawang'] };
  it('OPEN in their zones → take (any zone when they have none); outside them → null', () => {
    expect(stepOn(job({ number: 'A' }), me)).toBe('take');
    expect(stepOn(job({ number: 'A', workZone: 'Karawang ' }), me)).toBe('take');
    expect(stepOn(job({ number: 'A', workZone: 'bekasi' }), me)).toBeNull();
    expect(stepOn(job({ number: 'A', workZone: 'bekasi' }), { id: 't1', workZones: [] })).toBe('take');
  });
  it('theirs ASSIGNED → start, theirs IN_PROGRESS → complete', () => {
    expect(stepOn(job({ number: 'A', status: 'ASSIGNED', technicianId: 't1' }), me)).toBe('start');
    expect(stepOn(job({ number: 'A', status: 'IN_PROGRESS', technicianId: 't1' }), me)).toBe('complete');
  });
  it('someone else\'s, cancelled or completed → null', () => {
    expect(stepOn(job({ number: 'A', status: 'ASSIGNED', technicianId: 't2' }), me)).toBeNull();
    expect(stepOn(job({ number: 'A', status: 'IN_PROGRESS', technicianId: 't2' }), me)).toBeNull();
    expect(stepOn(job({ number: 'A', status: 'COMPLETED', technicianId: 't1' }), me)).toBeNull();
    expect(stepOn(job({ number: 'A', status: 'CANCELLED' }), me)).toBeNull();
  });
});

describe('displayPhone', () => {
  it('E.164 digits get their +; anything else is shown as is', () => {
    expect(displayPhone('6281234567001')).toBe('+6281234567001');
    expect(displayPhone('+6281234567001')).toBe('+6281234567001');
    expect(displayPhone('')).toBe('');
  });
});

describe('oldestJob', () => {
  it('picks the earliest created_at, then the lower number on a tie', () => {
    const at = new Date('2026-11-22T03:00:00Z');
    const a = job({ number: 'GGN-20261122-0003', createdAt: at });
    const b = job({ number: 'GGN-20261122-0002', createdAt: at });
    const c = job({ number: 'GGN-20261122-0009', createdAt: new Date('2026-11-22T04:00:00Z') });
    expect(oldestJob([c, a, b])).toBe(b);
    expect(oldestJob([])).toBeUndefined();
  });
});

describe('formatWib', () => {
  it('shows Asia/Jakarta time (UTC+7), day/month/year 24-hour', () => {
    expect(formatWib(new Date('2026-11-22T07:05:00Z'))).toBe('22/11/2026 14:05 WIB');
    expect(formatWib(new Date('2026-12-31T17:30:00Z'))).toBe('01/01/2027 00:30 WIB');
  });
});

describe('stepApplied: did a call with a lost answer happen?', () => {
  const open = job({ number: 'GGN-20261122-0001', version: 3 });
  it('yes when the re-read ticket is in the step\'s target state, held by the technician, one version on', () => {
    expect(stepApplied('take', open, { ...open, status: 'ASSIGNED', technicianId: 't1', version: 4 }, 't1')).toBe(true);
    expect(stepApplied('start', { ...open, status: 'ASSIGNED' }, { ...open, status: 'IN_PROGRESS', technicianId: 't1', version: 4 }, 't1')).toBe(true);
    expect(stepApplied('complete', { ...open, status: 'IN_PROGRESS' }, { ...open, status: 'COMPLETED', technicianId: 't1', version: 4 }, 't1')).toBe(true);
  });
  it('no when someone else holds it, it moved further, it did not move, or it could not be read', () => {
    expect(stepApplied('take', open, { ...open, status: 'ASSIGNED', technicianId: 't2', version: 4 }, 't1')).toBe(false);
    expect(stepApplied('take', open, { ...open, status: 'ASSIGNED', technicianId: 't1', version: 5 }, 't1')).toBe(false);
    expect(stepApplied('take', open, open, 't1')).toBe(false);
    expect(stepApplied('take', open, null, 't1')).toBe(false);
  });
});
