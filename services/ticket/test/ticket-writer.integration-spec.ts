// PgTicketWriter against real Postgres: concurrent changes share one read and one write
// statement, each change is still all or nothing and only its own (a stale one or a duplicate
// number gets ConflictError while the rest of its batch is stored with history and events).
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from '@notify/db';
import { ConflictError } from '@notify/errors';
import { decodeEvent } from '@notify/events';
import { createTestSchema, type TestSchema } from '@notify/testing';
import { assignTicket, openTicket, startTicket, type Actor, type TicketEvent, type TicketTransition } from '../src/domain';
import { ticketMigrations } from '../src/infrastructure/persistence/migrations';
import { ticketEntities } from '../src/infrastructure/persistence/ticket.entities';
import { PgTicketRepository } from '../src/infrastructure/persistence/ticket.repository';
import { PgTicketWriter } from '../src/infrastructure/persistence/ticket.writer';

const ADMIN: Actor = { id: 'adm-1', role: 'admin', name: 'Admin' };
const at = (iso: string) => ({ at: new Date(iso), eventId: randomUUID() });

describe('PgTicketWriter (Postgres)', () => {
  let pg: TestSchema;
  let ds: DataSource;
  let repo: PgTicketRepository;
  let writer: PgTicketWriter;
  const committed: TicketEvent[] = [];
  let n = 0;

  const open = (number = `GGN-20261201-${String(++n).padStart(4, '0')}`): TicketTransition =>
    openTicket(
      { id: randomUUID(), number, type: 'GANGGUAN', priority: 'NORMAL', customerId: 'cust-1', workZone: 'karawang', address: 'Jl. A', description: 'Putus' },
      ADMIN,
      at('2026-12-01T02:00:00.250Z'),
    );
  const outbox = async (): Promise<Array<{ id: string; subject: string; payload: Buffer }>> =>
    ds.query(`SELECT id, subject, payload FROM "${pg.schema}".outbox ORDER BY created_at, position`);
  const historyOf = async (id: string): Promise<string[]> =>
    (await ds.query(`SELECT action FROM "${pg.schema}".ticket_history WHERE ticket_id = $1 ORDER BY seq`, [id])).map((r: { action: string }) => r.action);

  beforeAll(async () => {
    pg = await createTestSchema('ticket_writer');
    ds = createDataSource({ url: pg.url, schema: pg.schema, entities: ticketEntities, migrations: ticketMigrations, poolSize: 4 });
    await runMigrations(ds);
    repo = new PgTicketRepository(ds.manager, pg.schema);
    writer = new PgTicketWriter(ds, { schema: pg.schema, namespace: 'twns', onCommitted: (events) => committed.push(...events) });
  });
  afterAll(async () => {
    await ds?.destroy();
    await pg?.dropSchema();
  });
  beforeEach(async () => {
    committed.length = 0;
    await ds.query(`DELETE FROM "${pg.schema}".outbox`);
  });

  it('writes concurrent new tickets in one statement, with history, events in order and the commit hook', async () => {
    const before = writer.stats().commits;
    const created = Array.from({ length: 6 }, () => open());
    await Promise.all(created.map((c) => writer.commit({ ticket: c.ticket, expectedVersion: 0, event: c.event })));
    const after = writer.stats().commits;
    expect(after.batches - before.batches).toBe(1);
    expect(after.largest).toBeGreaterThanOrEqual(6);
    for (const c of created) {
      expect(await repo.findById(c.ticket.id)).toEqual(c.ticket);
      expect(await historyOf(c.ticket.id)).toEqual(['created']);
    }
    const rows = await outbox();
    expect(rows.map((r) => r.id)).toEqual(created.map((c) => c.event.eventId));
    expect(rows.map((r) => decodeEvent(r.subject, new Uint8Array(r.payload)).key)).toEqual(created.map(() => 'ticket.created'));
    expect(committed.map((e) => e.eventId)).toEqual(created.map((c) => c.event.eventId));
  });

  it('finds a batch of refs (ids and numbers) in one read; unknown and malformed refs are null', async () => {
    const a = open();
    const b = open();
    await Promise.all([a, b].map((c) => writer.commit({ ticket: c.ticket, expectedVersion: 0, event: c.event })));
    const before = writer.stats().finds.batches;
    const found = await Promise.all([writer.find(a.ticket.id), writer.find(b.ticket.number), writer.find(randomUUID()), writer.find('GGN-20991231-9999'), writer.find('not a ref')]);
    expect(writer.stats().finds.batches - before).toBe(1);
    expect(found).toEqual([a.ticket, b.ticket, null, null, null]);
    expect(await writer.find(` ${a.ticket.id.toUpperCase()} `)).toEqual(a.ticket);
  });

  it('rejects a stale change alone: the rest of its batch is stored, the stale one leaves no history or event', async () => {
    const a = open();
    const b = open();
    await Promise.all([a, b].map((c) => writer.commit({ ticket: c.ticket, expectedVersion: 0, event: c.event })));
    const moved = assignTicket(a.ticket, { id: 'tech-1', name: 'Lufti' }, ADMIN, at('2026-12-01T02:05:00Z'));
    await writer.commit({ ticket: moved.ticket, expectedVersion: 1, event: moved.event });
    await ds.query(`DELETE FROM "${pg.schema}".outbox`);
    committed.length = 0;
    // Both made from version 1 of a (stale now) and of b (current), in one batch.
    const stale = startTicket(assignTicket(a.ticket, { id: 'tech-2', name: 'Budi' }, ADMIN, at('2026-12-01T02:06:00Z')).ticket, ADMIN, at('2026-12-01T02:07:00Z'));
    const fresh = assignTicket(b.ticket, { id: 'tech-2', name: 'Budi' }, ADMIN, at('2026-12-01T02:06:00Z'));
    const results = await Promise.allSettled([
      writer.commit({ ticket: stale.ticket, expectedVersion: 1, event: stale.event }),
      writer.commit({ ticket: fresh.ticket, expectedVersion: 1, event: fresh.event }),
    ]);
    expect(results[0].status).toBe('rejected');
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect(results[1].status).toBe('fulfilled');
    expect(await repo.findById(a.ticket.id)).toEqual(moved.ticket);
    expect(await historyOf(a.ticket.id)).toEqual(['created', 'assigned']);
    expect(await repo.findById(b.ticket.id)).toEqual(fresh.ticket);
    expect((await outbox()).map((r) => r.id)).toEqual([fresh.event.eventId]);
    expect(committed.map((e) => e.eventId)).toEqual([fresh.event.eventId]);
  });

  it('lets one of two changes of the same ticket in a batch win; the other gets ConflictError', async () => {
    const a = open();
    await writer.commit({ ticket: a.ticket, expectedVersion: 0, event: a.event });
    const one = assignTicket(a.ticket, { id: 'tech-1', name: 'Lufti' }, ADMIN, at('2026-12-01T03:00:00Z'));
    const two = assignTicket(a.ticket, { id: 'tech-2', name: 'Budi' }, ADMIN, at('2026-12-01T03:00:01Z'));
    const results = await Promise.allSettled([one, two].map((c) => writer.commit({ ticket: c.ticket, expectedVersion: 1, event: c.event })));
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const loser = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect(loser.reason).toBeInstanceOf(ConflictError);
    const stored = await repo.findById(a.ticket.id);
    expect([one.ticket, two.ticket]).toContainEqual(stored);
    expect(await historyOf(a.ticket.id)).toEqual(['created', 'assigned']);
  });

  it('does not insert a ticket whose number exists: ConflictError for it, the other new ticket is stored', async () => {
    const first = open();
    await writer.commit({ ticket: first.ticket, expectedVersion: 0, event: first.event });
    const twin = open(first.ticket.number);
    const other = open();
    const results = await Promise.allSettled([twin, other].map((c) => writer.commit({ ticket: c.ticket, expectedVersion: 0, event: c.event })));
    expect(results[0].status).toBe('rejected');
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/already exists/);
    expect(results[1].status).toBe('fulfilled');
    expect(await repo.findById(twin.ticket.id)).toBeNull();
    expect(await repo.findById(other.ticket.id)).toEqual(other.ticket);
  });
});
