import {
  AlreadyExistsError,
  ConflictError,
  FailedPreconditionError,
  NotFoundError,
  PermissionDeniedError,
  ValidationError,
} from '@notify/errors';
import { runTicketTransition } from '../src/application';
import { assignTicket } from '../src/domain';
import { ADMIN, ANDI, BUDI, CITRA, SUPERVISOR, ticketFixture } from './support/ticket-fixture';

describe('CreateTicket', () => {
  it('numbers tickets per type and Jakarta day and emits one created event', async () => {
    const f = ticketFixture('2026-11-21T17:30:00Z'); // 2026-11-22 00:30 WIB
    const g1 = await f.newTicket();
    const g2 = await f.newTicket({ priority: 'URGENT' });
    const p1 = await f.newTicket({ type: 'PSB' });
    expect([g1.number, g2.number, p1.number]).toEqual(['GGN-20261122-0001', 'GGN-20261122-0002', 'PSB-20261122-0001']);
    f.clock.set('2026-11-22T17:00:00Z'); // next Jakarta day
    expect((await f.newTicket()).number).toBe('GGN-20261123-0001');

    expect(f.store.outbox.map((e) => [e.kind, e.ticket.number])).toEqual([
      ['created', 'GGN-20261122-0001'],
      ['created', 'GGN-20261122-0002'],
      ['created', 'PSB-20261122-0001'],
      ['created', 'GGN-20261123-0001'],
    ]);
    expect(g2.slaDueAt.toISOString()).toBe('2026-11-21T21:30:00.000Z'); // URGENT: +4 h
    expect(g1.priority).toBe('HIGH');
    expect(f.store.outbox[0]).toMatchObject({ actor: { id: 'adm-1', role: 'admin', name: 'Admin' }, previousStatus: null });
    expect(f.store.outbox[0]!.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('defaults the priority to NORMAL (24 h)', async () => {
    const f = ticketFixture();
    const t = await f.uc.create.execute(ADMIN, { type: 'PSB', customerId: 'c', workZone: 'bekasi', address: 'a', description: 'd' });
    expect(t.priority).toBe('NORMAL');
    expect(t.slaDueAt.getTime() - t.createdAt.getTime()).toBe(24 * 3_600_000);
  });

  it('refuses technicians and bad input, storing nothing', async () => {
    const f = ticketFixture();
    await expect(f.uc.create.execute(BUDI, { type: 'GANGGUAN', customerId: 'c', workZone: 'k', address: 'a', description: 'd' })).rejects.toThrow(PermissionDeniedError);
    await expect(f.newTicket({ description: '' })).rejects.toThrow(/^title: is required/);
    await expect(f.newTicket({ title: 't'.repeat(201) })).rejects.toThrow(new ValidationError('title', 'is longer than 200 characters'));
    await expect(f.newTicket({ type: 'X' as never })).rejects.toThrow(ValidationError);
    expect(f.store.tickets.size).toBe(0);
    expect(f.store.outbox).toHaveLength(0);
  });

  it('refuses a customer the customer service does not know (NOT_FOUND) before drawing a number, storing nothing', async () => {
    const f = ticketFixture();
    await expect(f.newTicket({ customerId: 'cust-typo' })).rejects.toThrow(new NotFoundError('customer', 'cust-typo'));
    expect(f.customers.asked).toEqual(['cust-typo']);
    expect(f.store.tickets.size).toBe(0);
    expect(f.store.outbox).toHaveLength(0);
    // No number was used up: the next ticket of the day is still the first.
    expect((await f.newTicket()).number).toBe('GGN-20261122-0001');
  });
});

describe('GetTicket', () => {
  it('finds by id and by number; NotFound otherwise', async () => {
    const f = ticketFixture();
    const t = await f.newTicket();
    expect((await f.uc.get.execute(BUDI, t.id)).number).toBe(t.number);
    expect((await f.uc.get.execute(BUDI, t.number)).id).toBe(t.id);
    await expect(f.uc.get.execute(ADMIN, 'GGN-20261122-0099')).rejects.toThrow(new NotFoundError('ticket', 'GGN-20261122-0099'));
    await expect(f.uc.get.execute(ADMIN, 'nope')).rejects.toThrow(NotFoundError);
  });
});

describe('expected_version on a stale view', () => {
  it('the loser of a take race (both at version 1) hears who has the job; a step that would still apply is ABORTED', async () => {
    const f = ticketFixture();
    const t = await f.newTicket();
    await f.uc.assign.execute(BUDI, { ticketId: t.id, expectedVersion: 1 });
    await expect(f.uc.assign.execute(ANDI, { ticketId: t.id, expectedVersion: 1 })).rejects.toThrow(FailedPreconditionError);
    await expect(f.uc.assign.execute(ANDI, { ticketId: t.id, expectedVersion: 1 })).rejects.toThrow(/Budi/);
    // Escalating would still apply to version 2: the stale view is the reason, ABORTED (Conflict).
    const stale = await f.uc.escalate.execute(SUPERVISOR, { ticketId: t.id, reason: 'lama', expectedVersion: 1 }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ConflictError);
    expect(String((stale as Error).message)).toContain('expected 1');
    expect(f.store.outbox.map((e) => e.kind)).toEqual(['created', 'assigned']);
  });
});

describe('the lifecycle through the use cases', () => {
  it('emits exactly one event per transition, carrying previous status, actor and snapshot', async () => {
    const f = ticketFixture();
    const t = await f.newTicket();
    await f.uc.assign.execute(BUDI, { ticketId: t.number });
    f.clock.advanceHours(1);
    await f.uc.start.execute(BUDI, { ticketId: t.id });
    await f.uc.escalate.execute(BUDI, { ticketId: t.id, reason: 'butuh tangga' });
    f.clock.advanceHours(2);
    const done = await f.uc.complete.execute(BUDI, { ticketId: t.id, notes: 'konektor diganti' });

    expect(f.store.outbox.map((e) => [e.kind, e.previousStatus, e.ticket.status, e.ticket.version, e.actor.id])).toEqual([
      ['created', null, 'OPEN', 1, 'adm-1'],
      ['assigned', 'OPEN', 'ASSIGNED', 2, 'tech-budi'],
      ['started', 'ASSIGNED', 'IN_PROGRESS', 3, 'tech-budi'],
      ['escalated', 'IN_PROGRESS', 'IN_PROGRESS', 4, 'tech-budi'],
      ['completed', 'IN_PROGRESS', 'COMPLETED', 5, 'tech-budi'],
    ]);
    expect(new Set(f.store.outbox.map((e) => e.eventId)).size).toBe(5);
    // Named on every step of their own ticket, as on the take (QA: the bare staff id from STARTED on).
    for (const e of f.store.outbox.slice(1)) expect(e.actor).toEqual({ id: 'tech-budi', role: 'technician', name: 'Budi' });
    expect(done.history.slice(1).map((h) => h.actor.name)).toEqual(['Budi', 'Budi', 'Budi', 'Budi']);
    expect(done).toMatchObject({ status: 'COMPLETED', completionNotes: 'konektor diganti', technicianName: 'Budi', version: 5 });
    expect(done.history.map((h) => h.action)).toEqual(['created', 'assigned', 'started', 'escalated', 'completed']);
    expect(done.completedAt!.getTime() - done.startedAt!.getTime()).toBe(2 * 3_600_000);
    expect(f.store.tickets.get(t.id)).toEqual(done);
  });

  it('emits nothing and changes nothing on a failed transition', async () => {
    const f = ticketFixture();
    const t = await f.newTicket();
    await expect(f.uc.complete.execute(ADMIN, { ticketId: t.id })).rejects.toThrow(
      new FailedPreconditionError(`ticket ${t.number} is OPEN; complete needs IN_PROGRESS`),
    );
    await expect(f.uc.start.execute(ADMIN, { ticketId: t.id })).rejects.toThrow(`is OPEN; start needs ASSIGNED`);
    await expect(f.uc.cancel.execute(ADMIN, { ticketId: t.id, reason: '' })).rejects.toThrow(ValidationError);
    expect(f.store.outbox).toHaveLength(1);
    expect(f.store.tickets.get(t.id)!.version).toBe(1);
  });

  it('writes neither the ticket nor the event when the outbox append fails', async () => {
    const f = ticketFixture();
    const t = await f.newTicket();
    f.store.failNextAppend = new Error('outbox insert failed');
    await expect(f.uc.cancel.execute(ADMIN, { ticketId: t.id, reason: 'duplikat' })).rejects.toThrow('outbox insert failed');
    expect(f.store.tickets.get(t.id)!.status).toBe('OPEN');
    expect(f.store.outbox.map((e) => e.kind)).toEqual(['created']);
  });

  it('cancels from ASSIGNED with the reason, by a dispatcher', async () => {
    const f = ticketFixture();
    const t = await f.newTicket();
    await f.uc.assign.execute(SUPERVISOR, { ticketId: t.id, technicianId: 'tech-andi' });
    const c = await f.uc.cancel.execute({ role: 'customer_service', staffId: 'cs-1' }, { ticketId: t.id, reason: 'pelanggan pindah' });
    expect(c).toMatchObject({ status: 'CANCELLED', cancelReason: 'pelanggan pindah' });
    // Not the ticket's technician: not given the technician's name.
    expect(f.store.outbox.at(-1)!.actor).toEqual({ id: 'cs-1', role: 'customer_service' });
    expect(f.store.outbox.at(-1)).toMatchObject({ kind: 'cancelled', previousStatus: 'ASSIGNED', note: 'pelanggan pindah' });
  });
});

describe('AssignTicket', () => {
  it('lets a dispatcher reassign an ASSIGNED ticket, recording the previous technician', async () => {
    const f = ticketFixture();
    const t = await f.newTicket();
    await f.uc.assign.execute(SUPERVISOR, { ticketId: t.id, technicianId: 'tech-budi' });
    const r = await f.uc.assign.execute(SUPERVISOR, { ticketId: t.id, technicianId: 'tech-citra' });
    expect(r).toMatchObject({ status: 'ASSIGNED', technicianId: 'tech-citra', technicianName: 'Citra', version: 3 });
    expect(f.store.outbox.at(-1)).toMatchObject({ kind: 'assigned', previousStatus: 'ASSIGNED', previousTechnicianId: 'tech-budi' });
  });

  it('checks the technician a dispatcher names', async () => {
    const f = ticketFixture();
    const t = await f.newTicket();
    await expect(f.uc.assign.execute(ADMIN, { ticketId: t.id })).rejects.toThrow(new ValidationError('technician_id', 'is required'));
    await expect(f.uc.assign.execute(ADMIN, { ticketId: t.id, technicianId: 'ghost' })).rejects.toThrow(new NotFoundError('technician', 'ghost'));
    await expect(f.uc.assign.execute(ADMIN, { ticketId: t.id, technicianId: 'sup-1' })).rejects.toThrow('technician_id: Sari (sup-1) is a supervisor, not a technician');
    await expect(f.uc.assign.execute(ADMIN, { ticketId: t.id, technicianId: 'tech-old' })).rejects.toThrow(
      new FailedPreconditionError('technician Dodi (tech-old) is inactive'),
    );
    expect(f.store.outbox).toHaveLength(1);
  });

  it('lets a technician take an OPEN job in their zone, not outside it, not for someone else', async () => {
    const f = ticketFixture();
    const bekasi = await f.newTicket({ workZone: 'bekasi' });
    await expect(f.uc.assign.execute(BUDI, { ticketId: bekasi.id })).rejects.toThrow(
      /in work zone bekasi, outside technician tech-budi's zones \(karawang\)/,
    );
    await expect(f.uc.assign.execute(BUDI, { ticketId: bekasi.id, technicianId: 'tech-citra' })).rejects.toThrow(
      new PermissionDeniedError('technician tech-budi may only assign tickets to themself'),
    );
    await expect(f.uc.assign.execute({ role: 'technician', staffId: 'tech-old' }, { ticketId: bekasi.id })).rejects.toThrow(
      PermissionDeniedError,
    );
    await expect(f.uc.assign.execute({ role: 'technician' }, { ticketId: bekasi.id })).rejects.toThrow(PermissionDeniedError);
    const taken = await f.uc.assign.execute(CITRA, { ticketId: bekasi.id });
    expect(taken).toMatchObject({ technicianId: 'tech-citra', status: 'ASSIGNED' });
  });

  it('tells a technician who already has the job', async () => {
    const f = ticketFixture();
    const t = await f.newTicket();
    await f.uc.assign.execute(BUDI, { ticketId: t.id });
    await expect(f.uc.assign.execute(ANDI, { ticketId: t.id })).rejects.toThrow(
      new FailedPreconditionError(`ticket ${t.number} is already taken by Budi (tech-budi)`),
    );
    await f.uc.start.execute(BUDI, { ticketId: t.id });
    await expect(f.uc.assign.execute(ANDI, { ticketId: t.id })).rejects.toThrow('already taken by Budi (tech-budi)');
  });

  it('two technicians taking the same job at once: one wins, one event, the other hears who has it', async () => {
    const f = ticketFixture();
    const t = await f.newTicket();
    // Hold both first reads until both have happened, so both see version 1 (OPEN).
    let waiting: Array<() => void> = [];
    let reads = 0;
    f.store.beforeRead = () =>
      new Promise<void>((resolve) => {
        reads += 1;
        if (reads > 2) return resolve();
        waiting.push(resolve);
        if (waiting.length === 2) {
          waiting.forEach((r) => r());
          waiting = [];
        }
      });
    const results = await Promise.allSettled([
      f.uc.assign.execute(BUDI, { ticketId: t.id }),
      f.uc.assign.execute(ANDI, { ticketId: t.id }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(reads).toBe(3); // two racing reads + the loser's retry
    const winner = f.store.tickets.get(t.id)!;
    expect(lost[0]!.reason).toBeInstanceOf(FailedPreconditionError);
    expect(lost[0]!.reason.message).toBe(
      `ticket ${t.number} is already taken by ${winner.technicianName} (${winner.technicianId})`,
    );
    expect(f.store.outbox.filter((e) => e.kind === 'assigned')).toHaveLength(1);
    expect(winner.version).toBe(2);
  });

  it('at the repository level, the second save on the same version is a ConflictError', async () => {
    const f = ticketFixture();
    const t = await f.newTicket();
    const ctx = { at: f.clock.now(), eventId: 'e' };
    const a = assignTicket(t, { id: 'tech-budi' }, { id: 'tech-budi', role: 'technician' }, ctx);
    const b = assignTicket(t, { id: 'tech-andi' }, { id: 'tech-andi', role: 'technician' }, ctx);
    await f.store.uow.run((tx) => tx.tickets.save(a.ticket, 1));
    await expect(f.store.uow.run((tx) => tx.tickets.save(b.ticket, 1))).rejects.toThrow(ConflictError);
  });
});

describe('technicians act only on their own tickets', () => {
  it('refuses start / complete / escalate on another technician’s ticket, and cancel for any', async () => {
    const f = ticketFixture();
    const t = await f.newTicket();
    await f.uc.assign.execute(BUDI, { ticketId: t.id });
    await expect(f.uc.start.execute(ANDI, { ticketId: t.id })).rejects.toThrow(
      new PermissionDeniedError(`technician tech-andi may not start ticket ${t.number}: it is not assigned to them`),
    );
    await f.uc.start.execute(BUDI, { ticketId: t.id });
    await expect(f.uc.complete.execute(ANDI, { ticketId: t.id })).rejects.toThrow(PermissionDeniedError);
    await expect(f.uc.escalate.execute(ANDI, { ticketId: t.id, reason: 'x' })).rejects.toThrow(PermissionDeniedError);
    await expect(f.uc.cancel.execute(BUDI, { ticketId: t.id, reason: 'x' })).rejects.toThrow(
      new PermissionDeniedError('role technician may not cancel tickets'),
    );
    expect(f.store.outbox.map((e) => e.kind)).toEqual(['created', 'assigned', 'started']);
  });

  it('a technician cannot escalate an unassigned ticket; a supervisor can, up to level 2', async () => {
    const f = ticketFixture();
    const t = await f.newTicket();
    await expect(f.uc.escalate.execute(BUDI, { ticketId: t.id, reason: 'x' })).rejects.toThrow(PermissionDeniedError);
    expect((await f.uc.escalate.execute(SUPERVISOR, { ticketId: t.id, reason: 'lama' })).escalationLevel).toBe(1);
    expect((await f.uc.escalate.execute(SUPERVISOR, { ticketId: t.id, reason: 'lama sekali' })).escalationLevel).toBe(2);
    await expect(f.uc.escalate.execute(SUPERVISOR, { ticketId: t.id, reason: 'lagi' })).rejects.toThrow(FailedPreconditionError);
    expect(f.store.outbox.filter((e) => e.kind === 'escalated').map((e) => e.ticket.escalationLevel)).toEqual([1, 2]);
  });
});

describe('ListTickets', () => {
  it('filters and pages with an opaque token, newest first', async () => {
    const f = ticketFixture();
    const made = [];
    for (let i = 0; i < 5; i++) {
      made.push(await f.newTicket({ workZone: i % 2 ? 'bekasi' : 'karawang', priority: i === 4 ? 'URGENT' : 'LOW' }));
      f.clock.advanceHours(1);
    }
    await f.uc.assign.execute(ADMIN, { ticketId: made[1]!.id, technicianId: 'tech-citra' });

    const p1 = await f.uc.list.execute(BUDI, { pageSize: 2 });
    expect(p1.tickets.map((t) => t.id)).toEqual([made[4]!.id, made[3]!.id]);
    const p2 = await f.uc.list.execute(BUDI, { pageSize: 2, pageToken: p1.nextPageToken! });
    expect(p2.tickets.map((t) => t.id)).toEqual([made[2]!.id, made[1]!.id]);
    const p3 = await f.uc.list.execute(BUDI, { pageSize: 2, pageToken: p2.nextPageToken! });
    expect(p3.tickets.map((t) => t.id)).toEqual([made[0]!.id]);
    expect(p3.nextPageToken).toBeNull();
    // A token is bound to the filters it was issued for (common.proto): another filter is refused.
    await expect(f.uc.list.execute(BUDI, { pageSize: 2, statuses: ['ASSIGNED'], pageToken: p1.nextPageToken! })).rejects.toThrow(/^page_token: was issued for different filters/);

    expect((await f.uc.list.execute(ADMIN, { workZone: 'Bekasi' })).tickets.map((t) => t.id)).toEqual([made[3]!.id, made[1]!.id]);
    expect((await f.uc.list.execute(ADMIN, { technicianId: 'tech-citra' })).tickets).toHaveLength(1);
    expect((await f.uc.list.execute(ADMIN, { statuses: ['ASSIGNED'] })).tickets.map((t) => t.id)).toEqual([made[1]!.id]);
    // SLA due within the next 10 hours of the last creation: only the URGENT one (+4 h).
    const from = made[4]!.createdAt;
    const to = new Date(from.getTime() + 10 * 3_600_000);
    expect((await f.uc.list.execute(ADMIN, { slaDueFrom: from, slaDueTo: to })).tickets.map((t) => t.id)).toEqual([made[4]!.id]);
  });

  it('rejects bad filters and tokens naming the field', async () => {
    const f = ticketFixture();
    await expect(f.uc.list.execute(ADMIN, { pageToken: 'garbage' })).rejects.toThrow(new ValidationError('page_token', 'is not a valid page token'));
    await expect(f.uc.list.execute(ADMIN, { statuses: ['DONE' as never] })).rejects.toThrow(/^statuses:/);
    await expect(f.uc.list.execute(ADMIN, { pageSize: -1 })).rejects.toThrow(/^page_size:/);
    const d = new Date();
    await expect(f.uc.list.execute(ADMIN, { slaDueFrom: d, slaDueTo: d })).rejects.toThrow(/^sla_due\.to: must be after sla_due\.from/);
    // The request's path (proto TimeRange created.to), as the other errors name theirs (QA: created_to).
    await expect(f.uc.list.execute(ADMIN, { createdFrom: new Date(d.getTime() + 1), createdTo: d })).rejects.toThrow(/^created\.to: must be after created\.from/);
  });
});

describe('GetTicketStats', () => {
  it('computes the day’s figures from stored tickets', async () => {
    const f = ticketFixture('2026-11-22T01:00:00Z'); // 08:00 WIB
    const a = await f.newTicket({ priority: 'URGENT' });
    const b = await f.newTicket({ priority: 'HIGH' });
    await f.newTicket({ type: 'PSB', workZone: 'bekasi' });
    for (const t of [a, b]) {
      await f.uc.assign.execute(BUDI, { ticketId: t.id });
      await f.uc.start.execute(BUDI, { ticketId: t.id });
    }
    f.clock.advanceHours(5); // URGENT missed (4 h), HIGH met (8 h)
    await f.uc.complete.execute(BUDI, { ticketId: a.id });
    await f.uc.complete.execute(BUDI, { ticketId: b.id });

    const s = await f.uc.stats.execute(SUPERVISOR, {
      from: new Date('2026-11-22T00:00:00+07:00'),
      to: new Date('2026-11-23T00:00:00+07:00'),
    });
    expect(s).toMatchObject({ total: 3, completed: 2, slaMet: 1, slaCompliancePct: 50, meanHoursToResolve: 5 });
    expect(s.byType).toEqual({ GANGGUAN: 2, PSB: 1 });
    expect(s.technicians).toEqual([
      { technicianId: 'tech-budi', technicianName: 'Budi', completed: 2, meanHoursToResolve: 5, slaMet: 1, slaCompliancePct: 50 },
    ]);
    const bekasi = await f.uc.stats.execute(ADMIN, { from: new Date('2026-11-21T17:00:00Z'), to: new Date('2026-11-22T17:00:00Z'), workZone: 'bekasi' });
    expect(bekasi).toMatchObject({ total: 1, completed: 0, slaCompliancePct: null });
    // Seeds' role table: Stats ✅ for technicians too (their weekly performance comes from it).
    await expect(
      f.uc.stats.execute(BUDI, { from: new Date('2026-11-22T00:00:00+07:00'), to: new Date('2026-11-23T00:00:00+07:00') }),
    ).resolves.toMatchObject({ total: 3, completed: 2 });
    await expect(f.uc.stats.execute(ADMIN, { from: new Date(1), to: new Date(0) })).rejects.toThrow(/^to: must be after from/);
  });
});

describe('runTicketTransition', () => {
  it('rethrows a ConflictError that persists after the retry', async () => {
    const f = ticketFixture();
    const t = await f.newTicket();
    let calls = 0;
    const bumpBehindTheBack = async () => {
      calls += 1;
      const current = f.store.tickets.get(t.id)!;
      f.store.tickets.set(t.id, { ...current, version: current.version + 1 });
    };
    await expect(
      runTicketTransition({ uow: f.store.uow, clock: f.clock, ids: f.ids }, t.id, (ticket, ctx) => {
        void bumpBehindTheBack();
        return assignTicket(ticket, { id: 'tech-budi' }, { id: 'adm-1', role: 'admin' }, ctx);
      }),
    ).rejects.toThrow(ConflictError);
    expect(calls).toBe(2);
    expect(f.store.outbox.filter((e) => e.kind === 'assigned')).toHaveLength(0);
  });
});

describe('CreateTicket request_id', () => {
  it('returns the first ticket for a retry with the same fields and rejects other fields, storing one ticket and one event', async () => {
    const f = ticketFixture();
    const first = await f.newTicket({ requestId: 'req-1' });
    const retry = await f.newTicket({ requestId: 'req-1' });
    expect(retry).toEqual(first);
    await expect(f.newTicket({ requestId: 'req-1', address: 'Jl. Lain 2' })).rejects.toThrow(AlreadyExistsError);
    await expect(f.newTicket({ requestId: 'x'.repeat(201) })).rejects.toThrow(/^request_id: /);
    expect(f.store.tickets.size).toBe(1);
    expect(f.store.outbox.map((e) => e.kind)).toEqual(['created']);
  });

  it('a replay, a key reused with other fields and a failed create use no number: the next ticket takes the next one (QA: 0009 ×3 → 0012)', async () => {
    const f = ticketFixture();
    const first = await f.newTicket({ requestId: 'qa-req-2' });
    for (let i = 0; i < 3; i++) expect(await f.newTicket({ requestId: 'qa-req-2' })).toEqual(first);
    await Promise.all([f.newTicket({ requestId: 'qa-req-2' }), f.newTicket({ requestId: 'qa-req-2' })]);
    await expect(f.newTicket({ requestId: 'qa-req-2', address: 'Jl. Lain 2' })).rejects.toThrow(AlreadyExistsError);
    f.store.failNextAppend = new Error('disk full');
    await expect(f.newTicket({ requestId: 'qa-req-3' })).rejects.toThrow('disk full');
    f.store.failNextAppend = new Error('disk full');
    await expect(f.newTicket()).rejects.toThrow('disk full');
    expect(first.number).toBe('GGN-20261122-0001');
    expect((await f.newTicket({ requestId: 'qa-req-3' })).number).toBe('GGN-20261122-0002');
    expect((await f.newTicket()).number).toBe('GGN-20261122-0003');
    expect(f.store.outbox.map((e) => e.ticket.number)).toEqual(['GGN-20261122-0001', 'GGN-20261122-0002', 'GGN-20261122-0003']);
  });

  it('a retry of a request recorded before titles were stored (fingerprint without the title) still gets its ticket', async () => {
    const f = ticketFixture();
    const first = await f.newTicket({ requestId: 'req-old', title: 'Internet mati' });
    // As an older release recorded it: the same fields, no title in the fingerprint.
    const recorded = f.store.createRequests.get('req-old')!;
    const legacy = JSON.parse(recorded.fingerprint) as unknown[];
    f.store.createRequests.set('req-old', { ...recorded, fingerprint: JSON.stringify(legacy.slice(0, 7)) });
    await expect(f.newTicket({ requestId: 'req-old', title: 'Internet mati' })).resolves.toEqual(first);
    await expect(f.newTicket({ requestId: 'req-old', title: 'Internet lambat' })).rejects.toThrow(AlreadyExistsError);
  });
});

describe('EscalateTicket level', () => {
  it('escalates once when two callers ask for the same target level, and rejects a level out of range', async () => {
    const f = ticketFixture();
    const t = await f.newTicket();
    const [a, b] = await Promise.allSettled([
      f.uc.escalate.execute(SUPERVISOR, { ticketId: t.id, reason: 'SLA hampir habis', level: 1 }),
      f.uc.escalate.execute(ADMIN, { ticketId: t.id, reason: 'SLA hampir habis', level: 1 }),
    ]);
    expect([a.status, b.status].sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = [a, b].find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect(rejected.reason).toBeInstanceOf(FailedPreconditionError);
    expect(String(rejected.reason.message)).toContain('is already at escalation level 1; it cannot be escalated to level 1');
    expect((await f.uc.get.execute(ADMIN, t.id)).escalationLevel).toBe(1);
    await expect(f.uc.escalate.execute(ADMIN, { ticketId: t.id, reason: 'x', level: 3 })).rejects.toThrow(/^level: /);
    await expect(f.uc.escalate.execute(ADMIN, { ticketId: t.id, reason: 'ke kepala', level: 2 })).resolves.toMatchObject({ escalationLevel: 2 });
  });

  it('escalates a fresh ticket straight to the head (the seed\'s "Eskalasi kadis") and then refuses the lead level', async () => {
    const f = ticketFixture();
    const t = await f.newTicket();
    await expect(f.uc.escalate.execute(ADMIN, { ticketId: t.id, reason: 'Eskalasi kadis', level: 2 })).resolves.toMatchObject({ escalationLevel: 2, escalationReason: 'Eskalasi kadis' });
    expect(f.store.outbox.map((e) => [e.kind, e.ticket.escalationLevel])).toEqual([['created', 0], ['escalated', 2]]);
    await expect(f.uc.escalate.execute(SUPERVISOR, { ticketId: t.id, reason: 'Eskalasi lead', level: 1 })).rejects.toThrow(
      new FailedPreconditionError(`ticket ${t.number} is already at escalation level 2 (manager/head); it cannot be escalated further`),
    );
  });
});
