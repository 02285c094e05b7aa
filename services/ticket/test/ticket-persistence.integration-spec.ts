import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from '@notify/db';
import { ConflictError } from '@notify/errors';
import { decodeEvent } from '@notify/events';
import { createTestSchema, type TestSchema } from '@notify/testing';
import { assignTicket, openTicket, startTicket, type Actor, type Ticket, type TicketTransition } from '../src/domain';
import { ticketMigrations } from '../src/infrastructure/persistence/migrations';
import { ticketEntities } from '../src/infrastructure/persistence/ticket.entities';
import { PgTicketNumberSequence, PgTicketRepository } from '../src/infrastructure/persistence/ticket.repository';
import { PgTicketUnitOfWork } from '../src/infrastructure/persistence/ticket.unit-of-work';

const ADMIN: Actor = { id: 'adm-1', role: 'admin', name: 'Admin' };

/** The Postgres adapters of the ticket service against a fresh schema. */
describe('ticket persistence (Postgres)', () => {
  let pg: TestSchema;
  let ds: DataSource;
  let repo: PgTicketRepository;
  let uow: PgTicketUnitOfWork;
  let n = 0;

  const open = (): TicketTransition =>
    openTicket(
      {
        id: randomUUID(),
        number: `GGN-20261122-${String(++n).padStart(4, '0')}`,
        type: 'GANGGUAN',
        priority: 'URGENT',
        customerId: 'cust-1',
        workZone: 'Karawang',
        address: 'Jl. Tuparev No. 1',
        description: 'Internet mati',
      },
      ADMIN,
      { at: new Date('2026-11-22T03:00:00.123Z'), eventId: randomUUID() },
    );
  const store = (t: TicketTransition, expected: number) =>
    uow.run(async (tx) => {
      await tx.tickets.save(t.ticket, expected);
      await tx.outbox.append(t.event);
    });

  beforeAll(async () => {
    pg = await createTestSchema('ticket_persist');
    ds = createDataSource({ url: pg.url, schema: pg.schema, entities: ticketEntities, migrations: ticketMigrations, poolSize: 5 });
    await runMigrations(ds);
    repo = new PgTicketRepository(ds.manager, pg.schema);
    uow = new PgTicketUnitOfWork(ds, { schema: pg.schema, namespace: 'tns' });
  });
  afterAll(async () => {
    await ds?.destroy();
    await pg?.dropSchema();
  });

  it('stores a ticket with its history and reads it back unchanged (by id and by number), with its outbox event', async () => {
    const created = open();
    await store(created, 0);
    const assigned = assignTicket(created.ticket, { id: 'tech-1', name: 'Lufti' }, ADMIN, { at: new Date('2026-11-22T03:05:00Z'), eventId: randomUUID() });
    await store(assigned, 1);
    const expected: Ticket = assigned.ticket;
    expect(await repo.findById(expected.id)).toEqual(expected);
    expect(await repo.findByNumber(expected.number)).toEqual(expected);

    const rows: { id: string; subject: string; payload: Buffer }[] = await ds.query(
      `SELECT id, subject, payload FROM "${pg.schema}".outbox WHERE id = ANY($1::uuid[]) ORDER BY created_at, id`,
      [[created.event.eventId, assigned.event.eventId]],
    );
    expect(rows.map((r) => r.subject).sort()).toEqual(['tns.notify.ticket.v1.assigned', 'tns.notify.ticket.v1.created']);
    const decoded = decodeEvent('tns.notify.ticket.v1.assigned', new Uint8Array(rows.find((r) => r.id === assigned.event.eventId)!.payload));
    expect(decoded.key).toBe('ticket.assigned');
    if (decoded.key === 'ticket.assigned') expect(decoded.payload.ticket).toMatchObject({ id: expected.id, technicianId: 'tech-1', version: 2 });
  });

  it('rejects a stale version and a second insert with ConflictError, changing nothing', async () => {
    const created = open();
    await store(created, 0);
    await expect(store(created, 0)).rejects.toBeInstanceOf(ConflictError);
    const a = assignTicket(created.ticket, { id: 'tech-1', name: 'Lufti' }, ADMIN, { at: new Date(), eventId: randomUUID() });
    const b = assignTicket(created.ticket, { id: 'tech-2', name: 'Budi' }, ADMIN, { at: new Date(), eventId: randomUUID() });
    await store(a, 1);
    await expect(store(b, 1)).rejects.toBeInstanceOf(ConflictError);
    expect((await repo.findById(created.ticket.id))?.technicianId).toBe('tech-1');
    expect((await repo.findById(created.ticket.id))?.history).toEqual(a.ticket.history);
    expect(await ds.query(`SELECT 1 FROM "${pg.schema}".outbox WHERE id = $1`, [b.event.eventId])).toHaveLength(0);
    // A stale save carrying a history line the stored ticket lacks (seq 3) writes none of it.
    const bStarted = startTicket(b.ticket, ADMIN, { at: new Date(), eventId: randomUUID() });
    await expect(store(bStarted, 1)).rejects.toBeInstanceOf(ConflictError);
    expect((await repo.findById(created.ticket.id))?.history).toEqual(a.ticket.history);
  });

  it('rolls back the ticket, its history and its event together when the work throws', async () => {
    const t = open();
    await expect(
      uow.run(async (tx) => {
        await tx.tickets.save(t.ticket, 0);
        await tx.outbox.append(t.event);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await repo.findById(t.ticket.id)).toBeNull();
    expect(await ds.query(`SELECT 1 FROM "${pg.schema}".ticket_history WHERE ticket_id = $1`, [t.ticket.id])).toHaveLength(0);
    expect(await ds.query(`SELECT 1 FROM "${pg.schema}".outbox WHERE id = $1`, [t.event.eventId])).toHaveLength(0);
  });

  it('claims a processed-message key once per committed transaction', async () => {
    const key = `customer.registered:${randomUUID()}`;
    await expect(uow.run(async (tx) => { await tx.processed.claim(key, randomUUID(), new Date()); throw new Error('rolled back'); })).rejects.toThrow();
    expect(await uow.run((tx) => tx.processed.claim(key, randomUUID(), new Date()))).toBe(true);
    expect(await uow.run((tx) => tx.processed.claim(key, randomUUID(), new Date()))).toBe(false);
  });

  it('draws unique consecutive numbers per (type, day) under concurrency', async () => {
    const seq = new PgTicketNumberSequence(ds.manager, pg.schema);
    const drawn = await Promise.all(Array.from({ length: 12 }, () => seq.next('PSB', '20261122')));
    expect([...drawn].sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(await seq.next('PSB', '20261123')).toBe(1);
    expect(await seq.next('GANGGUAN', '20261122')).toBe(1);
  });

  it('a number drawn in a unit of work rolls back with it; concurrent units of work draw distinct numbers', async () => {
    await expect(uow.run(async (tx) => { await tx.numbers.next('PSB', '20261130'); throw new Error('rolled back'); })).rejects.toThrow('rolled back');
    expect(await uow.run((tx) => tx.numbers.next('PSB', '20261130'))).toBe(1);
    const drawn = await Promise.all(Array.from({ length: 8 }, () => uow.run((tx) => tx.numbers.next('PSB', '20261130'))));
    expect([...drawn].sort((x, y) => x - y)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('gives a number back only while it is still the last one drawn (a gap, never a duplicate)', async () => {
    const seq = new PgTicketNumberSequence(ds.manager, pg.schema);
    expect(await seq.next('GANGGUAN', '20261130')).toBe(1);
    expect(await seq.next('GANGGUAN', '20261130')).toBe(2);
    expect(await seq.release('GANGGUAN', '20261130', 1)).toBe(false);
    expect(await seq.release('GANGGUAN', '20261130', 2)).toBe(true);
    expect(await seq.next('GANGGUAN', '20261130')).toBe(2);
    expect(await seq.release('GANGGUAN', '20261201', 1)).toBe(false);
    // Never a number a ticket holds after all (its write committed though its answer was lost):
    // the counter would sit below a stored number and later draws would clash with it.
    const drawn = await seq.next('GANGGUAN', '20261130');
    const t = open();
    await store({ ...t, ticket: { ...t.ticket, number: `GGN-20261130-${String(drawn).padStart(4, '0')}` } }, 0);
    expect(await seq.release('GANGGUAN', '20261130', drawn)).toBe(false);
    expect(await seq.next('GANGGUAN', '20261130')).toBe(drawn + 1);
  });

  it('hands out unique numbers when two replicas draw mixed keys at once (batched upserts)', async () => {
    const a = new PgTicketNumberSequence(ds.manager, pg.schema);
    const b = new PgTicketNumberSequence(ds.manager, pg.schema);
    const asks = Array.from({ length: 30 }, (_, i) => ({ seq: i % 2 ? a : b, type: (i % 3 ? 'GANGGUAN' : 'PSB') as 'GANGGUAN' | 'PSB' }));
    const drawn = await Promise.all(asks.map((x) => x.seq.next(x.type, '20261201').then((n) => ({ type: x.type, n }))));
    const numbers = (type: string) => drawn.filter((d) => d.type === type).map((d) => d.n).sort((x, y) => x - y);
    expect(numbers('GANGGUAN')).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(numbers('PSB')).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });
});
