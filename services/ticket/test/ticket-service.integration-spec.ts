import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { AlreadyExistsError, ConflictError, FailedPreconditionError, NotFoundError, PermissionDeniedError, ValidationError } from '@notify/errors';
import { decodeEventAs, encodeEvent, eventConsumer, type EventPayload } from '@notify/events';
import { listDeadLetters } from '@notify/db';
import { callUnary, createClient } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { connectJetStreamBus, type ConsumerHandle, type EventBus } from '@notify/messaging';
import { commonv1, customerv1, ticketv1 } from '@notify/proto';
import { createTestNats, createTestSchema, waitFor, type TestNats, type TestSchema } from '@notify/testing';
import { loadTicketConfig } from '../src/config';
import { StaticStaffDirectory } from '../src/infrastructure/staff/grpc-staff.directory';
import { startTicketService, type RunningTicketService } from '../src/server';

type TicketEventPayload = EventPayload<'ticket.created'>;
interface Seen {
  subject: string;
  msgID?: string;
  payload: TicketEventPayload;
}

const ADMIN_KEY = 'it-admin-key-0000000001';
const TECH1_KEY = 'it-tech1-key-0000000001';
const TECH2_KEY = 'it-tech2-key-0000000001';
const SERVICE_KEY = 'it-service-key-00000001';
/** Staff ids are UUIDs (the customer service's); ticket ids, customer ids and staff ids in requests are checked to be. */
const T1 = '0b3c1f4e-1111-4a4a-8a8a-000000000001';
const T2 = '0b3c1f4e-2222-4a4a-8a8a-000000000002';
/** The one customer the stub customer service does not know. */
const UNKNOWN_CUSTOMER = '0b3c1f4e-0000-4a4a-8a8a-00000000dead';
const TECH1 = { id: T1, name: 'Lufti', role: 'technician', workZones: ['karawang'], active: true };
const TECH2 = { id: T2, name: 'Budi', role: 'technician', workZones: ['karawang'], active: true };

const S = ticketv1.TicketStatus;

/**
 * The ticket service end to end: real Postgres (fresh schema), real NATS JetStream (fresh
 * namespace), the real gRPC server on 127.0.0.1:0 and real clients with API keys. The
 * published lifecycle events are read back from the namespaced TICKET stream by a durable
 * consumer of the test.
 */
describe('ticket service (gRPC + Postgres + JetStream)', () => {
  let pg: TestSchema;
  let nats: TestNats;
  let service: RunningTicketService;
  let observerBus: EventBus;
  let observer: ConsumerHandle;
  const seen: Seen[] = [];
  let admin: ticketv1.TicketServiceClient;
  let tech1: ticketv1.TicketServiceClient;
  let tech2: ticketv1.TicketServiceClient;

  beforeAll(async () => {
    pg = await createTestSchema('ticket_svc');
    nats = createTestNats('ticket_svc');
    const config = loadTicketConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      NOTIFY_API_KEYS: `${ADMIN_KEY}:admin,${TECH1_KEY}:technician:${T1},${TECH2_KEY}:technician:${T2},${SERVICE_KEY}:service`,
      DATABASE_URL: pg.url,
      DATABASE_SCHEMA: pg.schema,
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
    });
    const logger = createLogger({ service: 'ticket', level: 'silent' });
    // The customers of this spec are every id but UNKNOWN_CUSTOMER (the customer service's GetCustomer
    // is covered by grpc-directories.integration-spec and the gateway's stacks).
    service = await startTicketService(config, logger, {
      staff: new StaticStaffDirectory([TECH1, TECH2]),
      customers: { exists: async (id) => id !== UNKNOWN_CUSTOMER },
    });
    observerBus = await connectJetStreamBus({ url: nats.url, name: 'ticket-it-observer' });
    observer = await observerBus.consume(eventConsumer('ticket_it', 'ticket', { ns: nats.namespace }), async (evt) => {
      const key = evt.subject.split('.').slice(-2).join('.').replace('v1.', 'ticket.') as 'ticket.created';
      seen.push({ subject: evt.subject, ...(evt.msgID ? { msgID: evt.msgID } : {}), payload: decodeEventAs(key, evt.subject, evt.data) });
    });
    const addr = `127.0.0.1:${service.grpc.port}`;
    admin = createClient(ticketv1.TicketServiceClient, addr, { apiKey: ADMIN_KEY });
    tech1 = createClient(ticketv1.TicketServiceClient, addr, { apiKey: TECH1_KEY });
    tech2 = createClient(ticketv1.TicketServiceClient, addr, { apiKey: TECH2_KEY });
  });

  afterAll(async () => {
    for (const c of [admin, tech1, tech2]) (c as unknown as { close(): void } | undefined)?.close();
    await observer?.stop();
    await observerBus?.close();
    await service?.stop();
    await nats?.cleanup();
    await pg?.dropSchema();
  });

  const eventsOf = (ticketId: string): Seen[] => seen.filter((e) => e.payload.ticket?.id === ticketId);
  /** Waits until exactly `n` events of the ticket have arrived, then returns them in order. */
  const waitEvents = async (ticketId: string, n: number): Promise<Seen[]> => {
    await waitFor(() => eventsOf(ticketId).length >= n, { timeoutMs: 10_000 });
    return eventsOf(ticketId);
  };
  const create = async (workZone = 'Karawang'): Promise<ticketv1.Ticket> => {
    const res = await callUnary(admin, 'createTicket', ticketv1.CreateTicketRequest.fromPartial({
      type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
      customerId: randomUUID(),
      description: 'Internet mati sejak pagi',
      address: 'Jl. Mawar 1, Karawang',
      workZone,
      priority: commonv1.Priority.PRIORITY_HIGH,
    }));
    return res.ticket!;
  };

  it('runs the lifecycle: each transition emits exactly one event with the right subject and payload', async () => {
    const t = await create();
    expect(t.number).toMatch(/^GGN-\d{8}-\d{4}$/);
    expect(t.status).toBe(S.TICKET_STATUS_OPEN);
    expect(t.workZone).toBe('karawang');
    expect(t.slaDueAt!.getTime() - t.createdAt!.getTime()).toBe(8 * 3_600_000);

    const assigned = (await callUnary(admin, 'assignTicket', ticketv1.AssignTicketRequest.fromPartial({ ticketId: t.id, technicianId: T1 }))).ticket!;
    expect(assigned.status).toBe(S.TICKET_STATUS_ASSIGNED);
    expect(assigned.technicianId).toBe(T1);
    const started = (await callUnary(tech1, 'startTicket', ticketv1.StartTicketRequest.fromPartial({ ticketId: t.number }))).ticket!;
    expect(started.status).toBe(S.TICKET_STATUS_IN_PROGRESS);
    const escalated = (await callUnary(tech1, 'escalateTicket', ticketv1.EscalateTicketRequest.fromPartial({ ticketId: t.id, reason: 'Kabel putus, butuh tangga' }))).ticket!;
    expect(escalated.escalationLevel).toBe(1);
    const completed = (await callUnary(tech1, 'completeTicket', ticketv1.CompleteTicketRequest.fromPartial({ ticketId: t.id, notes: 'Kabel diganti' }))).ticket!;
    expect(completed.status).toBe(S.TICKET_STATUS_COMPLETED);
    expect(completed.version).toBe(5);

    const events = await waitEvents(t.id, 5);
    const ns = nats.namespace;
    expect(events.map((e) => e.subject)).toEqual(
      ['created', 'assigned', 'started', 'escalated', 'completed'].map((k) => `${ns}.notify.ticket.v1.${k}`),
    );
    expect(events.map((e) => e.payload.previousStatus)).toEqual([
      S.TICKET_STATUS_UNSPECIFIED, S.TICKET_STATUS_OPEN, S.TICKET_STATUS_ASSIGNED, S.TICKET_STATUS_IN_PROGRESS, S.TICKET_STATUS_IN_PROGRESS,
    ]);
    expect(events.map((e) => e.payload.ticket!.version)).toEqual([1, 2, 3, 4, 5]);
    for (const e of events) expect(e.msgID).toBe(e.payload.eventId);
    expect(new Set(events.map((e) => e.payload.eventId)).size).toBe(5);
    expect(events[0]!.payload.actor).toMatchObject({ role: commonv1.Role.ROLE_ADMIN, id: 'admin' });
    expect(events[2]!.payload.actor).toMatchObject({ kind: commonv1.ActorKind.ACTOR_KIND_STAFF, id: T1, role: commonv1.Role.ROLE_TECHNICIAN });
    expect(events[3]!.payload).toMatchObject({ reason: 'Kabel putus, butuh tangga', previousEscalationLevel: 0 });
    expect(events[4]!.payload.ticket).toMatchObject({ status: S.TICKET_STATUS_COMPLETED, technicianId: T1, completionNotes: 'Kabel diganti' });

    const got = await callUnary(admin, 'getTicket', { id: t.number });
    expect(got.ticket!.version).toBe(5);
    expect(got.history.map((h) => h.type)).toEqual([1, 2, 3, 6, 4].map((n) => n as ticketv1.TicketEventType));
  });

  it('a transition from the wrong state fails with FAILED_PRECONDITION naming the state and emits nothing', async () => {
    const t = await create();
    await expect(callUnary(tech1, 'completeTicket', { ticketId: t.id, notes: '', expectedVersion: 0, actor: undefined })).rejects.toThrow(
      FailedPreconditionError,
    );
    const err = await callUnary(admin, 'startTicket', { ticketId: t.id, expectedVersion: 0, actor: undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FailedPreconditionError);
    expect((err as Error).message).toContain('OPEN');
    // A later successful transition's event arrives; nothing was emitted in between.
    await callUnary(admin, 'cancelTicket', { ticketId: t.id, reason: 'Pelanggan membatalkan', expectedVersion: 0, actor: undefined });
    const events = await waitEvents(t.id, 2);
    expect(events.map((e) => e.subject.split('.').pop())).toEqual(['created', 'cancelled']);
    const got = await callUnary(admin, 'getTicket', { id: t.id });
    expect(got.ticket!.version).toBe(2);
    expect(got.ticket!.cancelReason).toBe('Pelanggan membatalkan');
  });

  it('two technicians take the same job at once: one wins, one event, the loser is told who has it', async () => {
    const t = await create();
    const results = await Promise.allSettled([
      callUnary(tech1, 'assignTicket', { ticketId: t.id, technicianId: '', reassign: false, expectedVersion: 0, actor: undefined }),
      callUnary(tech2, 'assignTicket', { ticketId: t.id, technicianId: '', reassign: false, expectedVersion: 0, actor: undefined }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = (won[0] as PromiseFulfilledResult<ticketv1.AssignTicketResponse>).value.ticket!.technicianId;
    const winnerName = winner === T1 ? 'Lufti' : 'Budi';
    expect(lost[0]!.reason).toBeInstanceOf(FailedPreconditionError);
    expect((lost[0]!.reason as Error).message).toContain(`already taken by ${winnerName}`);

    await callUnary(admin, 'cancelTicket', { ticketId: t.id, reason: 'selesai tes', expectedVersion: 0, actor: undefined });
    const events = await waitEvents(t.id, 3);
    expect(events.map((e) => e.subject.split('.').pop())).toEqual(['created', 'assigned', 'cancelled']);
    expect(events[1]!.payload.ticket!.technicianId).toBe(winner);
  });

  it('a registration delivered twice yields exactly one PSB ticket and one created event', async () => {
    const customerId = randomUUID();
    const registration = (eventId: string): EventPayload<'customer.registered'> =>
      customerv1.CustomerEvent.fromPartial({
        eventId,
        occurredAt: new Date(),
        type: customerv1.CustomerEventType.CUSTOMER_EVENT_TYPE_REGISTERED,
        customer: {
          id: customerId,
          name: 'Siti',
          phone: '6282291921583',
          address: 'Jl. Melati 2, Karawang',
          workZone: 'karawang',
          packageName: 'Home 30 Mbps',
          wantsInstallation: true,
        },
      });
    const first = registration(randomUUID());
    // The same event twice (JetStream drops the second by msgID), then a redelivery under a new id.
    await observerBus.publish(encodeEvent('customer.registered', first, nats.namespace));
    await observerBus.publish(encodeEvent('customer.registered', first, nats.namespace));
    await observerBus.publish(encodeEvent('customer.registered', registration(randomUUID()), nats.namespace));

    await waitFor(() => seen.some((e) => e.payload.ticket?.customerId === customerId), { timeoutMs: 10_000 });
    // Give the redelivery time to be handled, then check the database and the stream.
    await waitFor(async () => {
      const rows: unknown[] = await service.dataSource.query(
        `SELECT 1 FROM "${pg.schema}".processed_events WHERE consumer = 'ticket' AND event_id = $1`,
        [`customer.registered:${customerId}`],
      );
      return rows.length === 1;
    });
    // Both stored registrations have been delivered to ticket-customer and acknowledged.
    const consumer = eventConsumer('ticket', 'customer', { events: ['registered'], ns: nats.namespace });
    await waitFor(async () => {
      const nc = await connect({ servers: nats.url });
      try {
        const info = await (await jetstreamManager(nc)).consumers.info(consumer.stream, consumer.durable);
        return info.delivered.stream_seq >= 2 && info.num_pending === 0 && info.num_ack_pending === 0;
      } finally {
        await nc.close();
      }
    }, { timeoutMs: 10_000 });
    const list = await callUnary(admin, 'listTickets', ticketv1.ListTicketsRequest.fromPartial({ customerId }));
    expect(list.tickets).toHaveLength(1);
    expect(list.tickets[0]).toMatchObject({ type: ticketv1.TicketType.TICKET_TYPE_INSTALLATION, status: S.TICKET_STATUS_OPEN, workZone: 'karawang' });
    expect(list.tickets[0]!.number).toMatch(/^PSB-\d{8}-\d{4}$/);
    const events = seen.filter((e) => e.payload.ticket?.customerId === customerId);
    expect(events).toHaveLength(1);
    expect(events[0]!.payload.actor).toMatchObject({ kind: commonv1.ActorKind.ACTOR_KIND_SYSTEM });
  });

  it('dead-letters and terminates a registration it cannot use, without a ticket', async () => {
    const customerId = randomUUID();
    const bad = customerv1.CustomerEvent.fromPartial({
      eventId: randomUUID(),
      occurredAt: new Date(),
      type: customerv1.CustomerEventType.CUSTOMER_EVENT_TYPE_REGISTERED,
      customer: { id: customerId, name: 'Tanpa Zona', address: 'Jl. Kenanga 3', workZone: '', packageName: 'Home 30 Mbps', wantsInstallation: true },
    });
    const sent = encodeEvent('customer.registered', bad, nats.namespace);
    await observerBus.publish(sent);
    const letter = await waitFor(async () => (await listDeadLetters(service.dataSource, { schema: pg.schema })).find((d) => d.msgId === sent.msgID), { timeoutMs: 10_000 });
    expect(letter).toMatchObject({ cause: 'handler_term', durable: `${nats.namespace}-ticket-customer`, deliveryCount: 1 });
    expect(letter.reason).toContain('work_zone');
    const list = await callUnary(admin, 'listTickets', ticketv1.ListTicketsRequest.fromPartial({ customerId }));
    expect(list.tickets).toHaveLength(0);
  });

  it('honours expected_version (ABORTED on a stale view) and reassign (an ASSIGNED ticket moves only when asked)', async () => {
    const t = await create();
    const stale = await callUnary(admin, 'assignTicket', { ticketId: t.id, technicianId: T1, reassign: false, expectedVersion: 7, actor: undefined }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ConflictError);
    expect((stale as Error).message).toContain('version 1, expected 7');
    await callUnary(admin, 'assignTicket', { ticketId: t.id, technicianId: T1, reassign: false, expectedVersion: 1, actor: undefined });
    const refused = await callUnary(admin, 'assignTicket', { ticketId: t.id, technicianId: T2, reassign: false, expectedVersion: 0, actor: undefined }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FailedPreconditionError);
    expect((refused as Error).message).toContain('ASSIGNED to Lufti');
    const moved = await callUnary(admin, 'assignTicket', { ticketId: t.id, technicianId: T2, reassign: true, expectedVersion: 2, actor: undefined });
    expect(moved.ticket).toMatchObject({ technicianId: T2, version: 3 });
    const events = await waitEvents(t.id, 3);
    expect(events.map((e) => e.subject.split('.').pop())).toEqual(['created', 'assigned', 'assigned']);
    expect(events[2]!.payload.previousTechnicianId).toBe(T1);
  });

  it('lets a service caller act for a technician through the request actor (the gateway\'s "press 1")', async () => {
    const t = await create();
    const gateway = createClient(ticketv1.TicketServiceClient, `127.0.0.1:${service.grpc.port}`, { apiKey: SERVICE_KEY });
    try {
      const actor = commonv1.Actor.fromPartial({ kind: commonv1.ActorKind.ACTOR_KIND_STAFF, id: T2, role: commonv1.Role.ROLE_TECHNICIAN });
      const taken = await callUnary(gateway, 'assignTicket', { ticketId: t.id, technicianId: '', reassign: false, expectedVersion: 0, actor });
      expect(taken.ticket!.technicianId).toBe(T2);
      // Acting as tech-2, it may not start a ticket of tech-1.
      const other = await create();
      await callUnary(admin, 'assignTicket', { ticketId: other.id, technicianId: T1, reassign: false, expectedVersion: 0, actor: undefined });
      const denied = await callUnary(gateway, 'startTicket', { ticketId: other.id, expectedVersion: 0, actor }).catch((e: unknown) => e);
      expect(denied).toBeInstanceOf(PermissionDeniedError);
      expect((denied as Error).message).toContain(`technician ${T2} may not start`);
    } finally {
      gateway.close();
    }
    const events = await waitEvents(t.id, 2);
    expect(events[1]!.payload.actor).toMatchObject({ kind: commonv1.ActorKind.ACTOR_KIND_STAFF, id: T2, name: 'Budi', role: commonv1.Role.ROLE_TECHNICIAN });
  });

  it('CreateTicket with a request_id is idempotent: same fields → the first ticket, other fields → ALREADY_EXISTS', async () => {
    const requestId = `req-${randomUUID()}`;
    const req = ticketv1.CreateTicketRequest.fromPartial({
      type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
      customerId: randomUUID(),
      description: 'Lampu LOS merah',
      address: 'Jl. Anggrek 4',
      workZone: 'karawang',
      requestId,
    });
    const [a, b] = await Promise.all([callUnary(admin, 'createTicket', req), callUnary(admin, 'createTicket', req)]);
    expect(b.ticket!.id).toBe(a.ticket!.id);
    // One of the two made it; the other is told it was a replay (QA: a caller could not tell).
    expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
    const again = await callUnary(admin, 'createTicket', req);
    expect(again.ticket).toMatchObject({ id: a.ticket!.id, number: a.ticket!.number, version: 1 });
    expect(again.replayed).toBe(true);
    await expect(callUnary(admin, 'createTicket', { ...req, address: 'Jl. Lain 9' })).rejects.toBeInstanceOf(AlreadyExistsError);
    const list = await callUnary(admin, 'listTickets', ticketv1.ListTicketsRequest.fromPartial({ customerId: req.customerId }));
    expect(list.tickets).toHaveLength(1);
    await callUnary(admin, 'cancelTicket', { ticketId: a.ticket!.id, reason: 'tes', expectedVersion: 0, actor: undefined });
    const events = await waitEvents(a.ticket!.id, 2);
    expect(events.map((e) => e.subject.split('.').pop())).toEqual(['created', 'cancelled']);
  });

  it('a request_id replayed (sequentially or racing) or reused with other fields uses no ticket number (QA: 0009 ×3, then 0012)', async () => {
    const seqOf = (t: ticketv1.Ticket) => Number(t.number.split('-')[2]);
    const req = ticketv1.CreateTicketRequest.fromPartial({
      type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE, customerId: randomUUID(), description: 'LOS merah', address: 'Jl. Anggrek 5', workZone: 'karawang',
      requestId: `qa-req-${randomUUID()}`,
    });
    const before = await create();
    const first = (await callUnary(admin, 'createTicket', req)).ticket!;
    for (let i = 0; i < 3; i++) expect((await callUnary(admin, 'createTicket', req)).ticket).toMatchObject({ id: first.id, number: first.number });
    await expect(callUnary(admin, 'createTicket', { ...req, address: 'Jl. Lain 9' })).rejects.toBeInstanceOf(AlreadyExistsError);
    // A new key sent three times at once: one ticket, one number.
    const racing = { ...req, requestId: `qa-req-${randomUUID()}` };
    const raced = await Promise.all([1, 2, 3].map(() => callUnary(admin, 'createTicket', racing)));
    expect(new Set(raced.map((r) => r.ticket!.id)).size).toBe(1);
    const after = await create();
    expect(first.number.slice(0, 12)).toBe(before.number.slice(0, 12)); // same Jakarta day
    expect([seqOf(first), seqOf(raced[0]!.ticket!), seqOf(after)]).toEqual([seqOf(before) + 1, seqOf(before) + 2, seqOf(before) + 3]);
  });

  it('concurrent creates, with and without request_id, get distinct consecutive numbers', async () => {
    const seqOf = (t: ticketv1.Ticket) => Number(t.number.split('-')[2]);
    const before = await create();
    const withKey = (i: number) => callUnary(admin, 'createTicket', ticketv1.CreateTicketRequest.fromPartial({
      type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE, customerId: randomUUID(), description: `Gangguan ${i}`, address: 'Jl. Anggrek 6', workZone: 'karawang',
      requestId: `par-${i}-${randomUUID()}`,
    })).then((r) => r.ticket!);
    const made = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? withKey(i) : create())));
    expect(made.map(seqOf).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => seqOf(before) + 1 + i));
  });

  it('answers NOT_FOUND for an unknown id or number', async () => {
    await expect(callUnary(admin, 'getTicket', { id: randomUUID() })).rejects.toBeInstanceOf(NotFoundError);
    await expect(callUnary(admin, 'getTicket', { id: 'GGN-20000101-9999' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(callUnary(admin, 'startTicket', { ticketId: randomUUID(), expectedVersion: 0, actor: undefined })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers NOT_FOUND naming the customer for a ticket of an unknown customer, and creates nothing', async () => {
    const zone = `nocust${Date.now()}`;
    const req = ticketv1.CreateTicketRequest.fromPartial({
      type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE, customerId: UNKNOWN_CUSTOMER, description: 'x', address: 'Jl. 1', workZone: zone,
    });
    const err = await callUnary(admin, 'createTicket', req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ entity: 'customer', id: UNKNOWN_CUSTOMER, message: `customer ${UNKNOWN_CUSTOMER} not found` });
    expect((await callUnary(admin, 'listTickets', ticketv1.ListTicketsRequest.fromPartial({ workZone: zone }))).tickets).toEqual([]);
  });

  it('lists by status and work zone with pages, and computes stats over the window', async () => {
    const zone = `zone${Date.now()}`;
    const a = await create(zone);
    await create(zone);
    await create(zone);
    const page1 = await callUnary(admin, 'listTickets', ticketv1.ListTicketsRequest.fromPartial({ workZone: zone, page: { pageSize: 2 } }));
    expect(page1.tickets).toHaveLength(2);
    expect(page1.nextPageToken).not.toBe('');
    const page2 = await callUnary(admin, 'listTickets', ticketv1.ListTicketsRequest.fromPartial({ workZone: zone, page: { pageSize: 2, pageToken: page1.nextPageToken } }));
    expect(page2.tickets).toHaveLength(1);
    expect(new Set([...page1.tickets, ...page2.tickets].map((t) => t.id)).size).toBe(3);

    await callUnary(admin, 'cancelTicket', { ticketId: a.id, reason: 'duplikat', expectedVersion: 0, actor: undefined });
    const open = await callUnary(admin, 'listTickets', ticketv1.ListTicketsRequest.fromPartial({ workZone: zone, statuses: [S.TICKET_STATUS_OPEN] }));
    expect(open.tickets.map((t) => t.id)).not.toContain(a.id);
    expect(open.tickets).toHaveLength(2);

    const psb = (
      await callUnary(admin, 'createTicket', ticketv1.CreateTicketRequest.fromPartial({
        type: ticketv1.TicketType.TICKET_TYPE_INSTALLATION, customerId: randomUUID(), description: 'Pasang baru', address: 'Jl. Baru 1', workZone: `${zone}b`, priority: commonv1.Priority.PRIORITY_LOW,
      }))
    ).ticket!;
    const byType = await callUnary(admin, 'listTickets', ticketv1.ListTicketsRequest.fromPartial({ types: [ticketv1.TicketType.TICKET_TYPE_INSTALLATION], priorities: [commonv1.Priority.PRIORITY_LOW], created: { from: psb.createdAt, to: new Date(psb.createdAt!.getTime() + 1) } }));
    expect(byType.tickets.map((t) => t.id)).toEqual([psb.id]);
    const none = await callUnary(admin, 'listTickets', ticketv1.ListTicketsRequest.fromPartial({ workZone: zone, priorities: [commonv1.Priority.PRIORITY_LOW] }));
    expect(none.tickets).toHaveLength(0);

    await callUnary(admin, 'assignTicket', { ticketId: open.tickets[0]!.id, technicianId: T2, reassign: false, expectedVersion: 0, actor: undefined });
    const stats = (await callUnary(admin, 'getTicketStats', { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000), workZone: zone })).stats!;
    expect(stats.total).toBe(3);
    expect(stats).toMatchObject({ open: 2, overdue: 0, completed: 0 });
    expect(stats.technicians).toEqual([
      { technicianId: T2, completed: 0, meanTimeToResolveHours: 0, slaMet: 0, slaCompliancePercent: 0, openAssigned: 1 },
    ]);
    const D = ticketv1.TicketType.TICKET_TYPE_DISTURBANCE;
    expect(stats.counts).toEqual([
      { type: D, status: S.TICKET_STATUS_OPEN, count: 1 },
      { type: D, status: S.TICKET_STATUS_ASSIGNED, count: 1 },
      { type: D, status: S.TICKET_STATUS_CANCELLED, count: 1 },
    ]);
  });

  it('lists soonest SLA deadline first when asked, paging in that order', async () => {
    const zone = `sla${Date.now()}`;
    const make = async (priority: commonv1.Priority) =>
      (await callUnary(admin, 'createTicket', ticketv1.CreateTicketRequest.fromPartial({
        type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE, customerId: randomUUID(), description: 'Lambat', address: 'Jl. Cepat 1', workZone: zone, priority,
      }))).ticket!;
    const low = await make(commonv1.Priority.PRIORITY_LOW);
    const urgent = await make(commonv1.Priority.PRIORITY_URGENT);
    const high = await make(commonv1.Priority.PRIORITY_HIGH);
    const bySla = { workZone: zone, orderBy: ticketv1.TicketOrder.TICKET_ORDER_SLA_DUE_AT_ASC };
    const p1 = await callUnary(admin, 'listTickets', ticketv1.ListTicketsRequest.fromPartial({ ...bySla, page: { pageSize: 2 } }));
    expect(p1.tickets.map((t) => t.id)).toEqual([urgent.id, high.id]);
    const p2 = await callUnary(admin, 'listTickets', ticketv1.ListTicketsRequest.fromPartial({ ...bySla, page: { pageSize: 2, pageToken: p1.nextPageToken } }));
    expect(p2.tickets.map((t) => t.id)).toEqual([low.id]);
    expect(p2.nextPageToken).toBe('');
    const newest = await callUnary(admin, 'listTickets', ticketv1.ListTicketsRequest.fromPartial({ workZone: zone }));
    expect(new Set(newest.tickets.map((t) => t.id))).toEqual(new Set([high.id, urgent.id, low.id]));
    const created = newest.tickets.map((t) => t.createdAt!.getTime());
    expect(created).toEqual([...created].sort((a, b) => b - a));
    await expect(
      callUnary(admin, 'listTickets', ticketv1.ListTicketsRequest.fromPartial({ workZone: zone, page: { pageSize: 2, pageToken: p1.nextPageToken } })),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('WatchTickets streams the committed events matching its filters', async () => {
    const zone = `watch${Date.now()}`;
    const received: ticketv1.TicketEvent[] = [];
    const stream = admin.watchTickets(
      ticketv1.WatchTicketsRequest.fromPartial({ workZone: zone, types: [ticketv1.TicketEventType.TICKET_EVENT_TYPE_CREATED, ticketv1.TicketEventType.TICKET_EVENT_TYPE_CANCELLED] }),
    );
    const ended = new Promise<unknown>((resolve) => {
      stream.on('error', resolve);
      stream.on('end', () => resolve(undefined));
    });
    stream.on('data', (msg: ticketv1.WatchTicketsResponse) => received.push(msg.event!));
    try {
      // The subscription starts when the call reaches the server: create until the first event shows.
      const created: string[] = [];
      await waitFor(async () => {
        created.push((await create(zone)).id);
        return received.length > 0;
      }, { timeoutMs: 5_000, intervalMs: 100 });
      const other = await create('elsewhere');
      const watched = created[created.length - 1]!;
      await callUnary(admin, 'assignTicket', { ticketId: watched, technicianId: T1, reassign: false, expectedVersion: 0, actor: undefined });
      await callUnary(admin, 'cancelTicket', { ticketId: watched, reason: 'tes watch', expectedVersion: 0, actor: undefined });
      await waitFor(() => received.some((e) => e.type === ticketv1.TicketEventType.TICKET_EVENT_TYPE_CANCELLED));
      expect(received.every((e) => e.ticket!.workZone === zone)).toBe(true);
      expect(received.some((e) => e.ticket!.id === other.id)).toBe(false);
      expect(received.filter((e) => e.ticket!.id === watched).map((e) => e.type)).toEqual([
        ticketv1.TicketEventType.TICKET_EVENT_TYPE_CREATED,
        ticketv1.TicketEventType.TICKET_EVENT_TYPE_CANCELLED,
      ]);
    } finally {
      stream.cancel();
      await ended;
    }
  });
});
