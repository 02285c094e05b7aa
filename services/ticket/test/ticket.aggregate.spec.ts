import { FailedPreconditionError, ValidationError } from '@notify/errors';
import {
  SLA_HOURS,
  TICKET_STATUSES,
  assignTicket,
  cancelTicket,
  completeTicket,
  escalateTicket,
  openTicket,
  startTicket,
  type Actor,
  type Ticket,
  type TicketPriority,
  type TicketStatus,
  type TicketTransition,
  type TransitionContext,
} from '../src/domain';

const admin: Actor = { id: 'adm-1', role: 'admin', name: 'Admin' };
const budi: Actor = { id: 'tech-budi', role: 'technician', name: 'Budi' };
const T0 = new Date('2026-11-22T03:00:00Z');
let n = 0;
const ctx = (minutes = 0): TransitionContext => ({
  at: new Date(T0.getTime() + minutes * 60_000),
  eventId: `evt-${++n}`,
});

function open(priority: TicketPriority = 'NORMAL'): Ticket {
  return openTicket(
    {
      id: 't-1',
      number: 'GGN-20261122-0001',
      type: 'GANGGUAN',
      priority,
      customerId: 'cust-1',
      workZone: ' Karawang ',
      address: 'Jl. Tuparev 1',
      description: 'Internet mati',
    },
    admin,
    ctx(),
  ).ticket;
}

/** Drives a fresh ticket to `status` through the legal path. */
function inState(status: TicketStatus): Ticket {
  let t = open();
  if (status === 'OPEN') return t;
  if (status === 'CANCELLED') return cancelTicket(t, 'duplikat', admin, ctx(1)).ticket;
  t = assignTicket(t, { id: 'tech-budi', name: 'Budi' }, admin, ctx(1)).ticket;
  if (status === 'ASSIGNED') return t;
  t = startTicket(t, budi, ctx(2)).ticket;
  if (status === 'IN_PROGRESS') return t;
  return completeTicket(t, 'ganti konektor', budi, ctx(3)).ticket;
}

describe('openTicket', () => {
  it('opens an OPEN ticket at version 1 with one history line and a created event', () => {
    const { ticket, event } = openTicket(
      { id: 't-9', number: 'PSB-20261122-0003', type: 'PSB', priority: 'LOW', customerId: 'c', workZone: 'Karawang Timur', address: 'a', description: 'd' },
      admin,
      { at: T0, eventId: 'evt-x' },
    );
    expect(ticket).toMatchObject({ status: 'OPEN', version: 1, workZone: 'karawang-timur', technicianId: null, escalationLevel: 0 });
    expect(ticket.history).toEqual([{ action: 'created', from: null, to: 'OPEN', actor: admin, at: T0, note: null }]);
    expect(event).toMatchObject({ eventId: 'evt-x', kind: 'created', previousStatus: null, occurredAt: T0, actor: admin });
    expect(event.ticket).not.toHaveProperty('history');
    expect(event.ticket.id).toBe('t-9');
  });

  it.each(Object.entries(SLA_HOURS))('sets the SLA deadline for %s to creation + %i h', (priority, hours) => {
    const t = open(priority as TicketPriority);
    expect(t.slaDueAt.getTime() - t.createdAt.getTime()).toBe(hours * 3_600_000);
  });

  it('has the seeded SLA hours: urgent 4, high 8, normal 24, low 48', () => {
    expect(SLA_HOURS).toEqual({ URGENT: 4, HIGH: 8, NORMAL: 24, LOW: 48 });
  });

  it.each([
    ['title', { description: '  ' }],
    ['title', { title: 'x'.repeat(201) }],
    ['title', { title: 'two\nlines' }],
    ['description', { description: 'd'.repeat(4001) }],
    ['address', { address: '' }],
    ['customer_id', { customerId: '' }],
    ['work_zone', { workZone: 'kara/wang' }],
    ['type', { type: 'REPAIR' }],
    ['priority', { priority: 'ASAP' }],
  ])('rejects a bad %s naming the field', (field, patch) => {
    const input = { id: 't', number: 'GGN-20261122-0001', type: 'GANGGUAN', priority: 'HIGH', customerId: 'c', workZone: 'z', address: 'a', description: 'd', ...patch };
    try {
      openTicket(input as never, admin, ctx());
      throw new Error('expected a ValidationError');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe(field);
    }
  });
});

describe('legal transitions', () => {
  function expectStep(before: Ticket, step: TicketTransition, kind: string, to: TicketStatus, actor: Actor) {
    expect(step.ticket.status).toBe(to);
    expect(step.ticket.version).toBe(before.version + 1);
    expect(step.ticket.history).toHaveLength(before.history.length + 1);
    expect(step.ticket.history.at(-1)).toMatchObject({ action: kind, from: before.status, to, actor });
    expect(step.event).toMatchObject({ kind, previousStatus: before.status, actor, occurredAt: step.ticket.updatedAt });
    expect(step.event.ticket.version).toBe(step.ticket.version);
    expect(step.event.ticket.status).toBe(to);
  }

  it('OPEN → ASSIGNED → IN_PROGRESS → COMPLETED, one event each, version bumps', () => {
    const t1 = open();
    const a = assignTicket(t1, { id: 'tech-budi', name: 'Budi' }, admin, ctx(5));
    expectStep(t1, a, 'assigned', 'ASSIGNED', admin);
    expect(a.ticket).toMatchObject({ technicianId: 'tech-budi', technicianName: 'Budi', assignedAt: ctx(5).at });
    expect(a.event.previousTechnicianId).toBeNull();

    const s = startTicket(a.ticket, budi, ctx(10));
    expectStep(a.ticket, s, 'started', 'IN_PROGRESS', budi);
    expect(s.ticket.startedAt).toEqual(ctx(10).at);

    const c = completeTicket(s.ticket, '  modem diganti  ', budi, ctx(60));
    expectStep(s.ticket, c, 'completed', 'COMPLETED', budi);
    expect(c.ticket).toMatchObject({ completionNotes: 'modem diganti', completedAt: ctx(60).at, version: 4 });
    expect(c.event.note).toBe('modem diganti');
  });

  it.each(['OPEN', 'ASSIGNED', 'IN_PROGRESS'] as const)('cancels from %s with the reason recorded', (status) => {
    const before = inState(status);
    const step = cancelTicket(before, 'pelanggan membatalkan', admin, ctx(30));
    expectStep(before, step, 'cancelled', 'CANCELLED', admin);
    expect(step.ticket).toMatchObject({ cancelReason: 'pelanggan membatalkan', cancelledAt: ctx(30).at });
    expect(step.event.note).toBe('pelanggan membatalkan');
  });

  it('requires a cancel reason', () => {
    expect(() => cancelTicket(open(), '   ', admin, ctx())).toThrow(ValidationError);
    expect(() => cancelTicket(open(), '   ', admin, ctx())).toThrow(/^reason: is required/);
  });

  it('reassigns an ASSIGNED ticket to another technician, naming both in the history', () => {
    const before = inState('ASSIGNED');
    const step = assignTicket(before, { id: 'tech-andi', name: 'Andi' }, admin, ctx(20));
    expectStep(before, step, 'assigned', 'ASSIGNED', admin);
    expect(step.ticket.technicianId).toBe('tech-andi');
    expect(step.event.previousTechnicianId).toBe('tech-budi');
    expect(step.ticket.history.at(-1)!.note).toBe('reassigned from Budi (tech-budi) to Andi (tech-andi)');
  });

  it('refuses to "reassign" to the technician who already has it, naming them', () => {
    expect(() => assignTicket(inState('ASSIGNED'), { id: 'tech-budi' }, admin, ctx())).toThrow(
      new FailedPreconditionError('ticket GGN-20261122-0001 is already assigned to Budi (tech-budi)'),
    );
  });

  it('escalates 0 → 1 → 2 keeping the status, then refuses level 3', () => {
    const t0 = inState('ASSIGNED');
    const e1 = escalateTicket(t0, 'pelanggan VIP komplain', budi, ctx(40));
    expectStep(t0, e1, 'escalated', 'ASSIGNED', budi);
    expect(e1.ticket).toMatchObject({ escalationLevel: 1, escalationReason: 'pelanggan VIP komplain' });
    expect(e1.ticket.history.at(-1)).toMatchObject({ from: 'ASSIGNED', to: 'ASSIGNED', note: 'pelanggan VIP komplain' });
    const e2 = escalateTicket(e1.ticket, 'belum ada progres', admin, ctx(50));
    expect(e2.ticket.escalationLevel).toBe(2);
    expect(e2.event.ticket.escalationLevel).toBe(2);
    expect(() => escalateTicket(e2.ticket, 'lagi', admin, ctx(60))).toThrow(
      /already at escalation level 2 \(manager\/head\); it cannot be escalated further/,
    );
  });

  it('escalates to a target level above the current one, 0 → 2 included, and refuses one already reached', () => {
    const t0 = inState('OPEN');
    const e2 = escalateTicket(t0, 'Eskalasi kadis', admin, ctx(40), 2);
    expect(e2.ticket.escalationLevel).toBe(2);
    expect(e2.event.ticket.escalationLevel).toBe(2);
    const e1 = escalateTicket(t0, 'Eskalasi lead', admin, ctx(40), 1);
    expect(() => escalateTicket(e1.ticket, 'lagi', admin, ctx(50), 1)).toThrow(
      new FailedPreconditionError('ticket GGN-20261122-0001 is already at escalation level 1; it cannot be escalated to level 1'),
    );
    expect(escalateTicket(e1.ticket, 'ke kadis', admin, ctx(50), 2).ticket.escalationLevel).toBe(2);
  });

  it('does not mutate the ticket it was given', () => {
    const before = inState('ASSIGNED');
    const copy = structuredClone(before);
    startTicket(before, budi, ctx(9));
    expect(before).toEqual(copy);
  });
});

describe('wrong-state transitions', () => {
  const actions: Array<[string, readonly TicketStatus[], (t: Ticket) => unknown]> = [
    ['assign', ['OPEN', 'ASSIGNED'], (t) => assignTicket(t, { id: 'tech-zzz' }, admin, ctx())],
    ['start', ['ASSIGNED'], (t) => startTicket(t, budi, ctx())],
    ['complete', ['IN_PROGRESS'], (t) => completeTicket(t, null, budi, ctx())],
    ['cancel', ['OPEN', 'ASSIGNED', 'IN_PROGRESS'], (t) => cancelTicket(t, 'x', admin, ctx())],
    ['escalate', ['OPEN', 'ASSIGNED', 'IN_PROGRESS'], (t) => escalateTicket(t, 'x', admin, ctx())],
  ];
  const cases = actions.flatMap(([action, allowed, run]) =>
    TICKET_STATUSES.filter((s) => !allowed.includes(s)).map((status) => [action, status, allowed, run] as const),
  );

  it.each(cases)('%s from %s → FailedPrecondition naming the current state', (action, status, allowed, run) => {
    const ticket = inState(status);
    const needs = allowed.length === 1 ? allowed[0] : `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`;
    expect(() => run(ticket)).toThrow(
      new FailedPreconditionError(`ticket GGN-20261122-0001 is ${status}; ${action} needs ${needs}`),
    );
  });

  it('covers 15 wrong-state combinations', () => expect(cases).toHaveLength(15));
});
