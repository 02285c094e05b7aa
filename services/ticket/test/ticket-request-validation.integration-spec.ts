import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '@notify/errors';
import { callUnary, createClient, fromGrpcError } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { commonv1, ticketv1 } from '@notify/proto';
import { callUnaryRaw, createTestNats, createTestSchema, expectInvalidArgument, messageField, timestampBytes, type TestNats, type TestSchema } from '@notify/testing';
import { loadTicketConfig } from '../src/config';
import { StaticStaffDirectory } from '../src/infrastructure/staff/grpc-staff.directory';
import { startTicketService, type RunningTicketService } from '../src/server';

const ADMIN_KEY = 'it-tval-admin-key-000001';
const TECH = { id: randomUUID(), name: 'Lufti', role: 'technician', workZones: ['karawang'], active: true };
/** A well-formed customer id the (stub) customer service does not know. */
const UNKNOWN_CUSTOMER = randomUUID();
const P = commonv1.Priority;

/**
 * Bad input of the TicketService RPCs, as an integrator sends it (QA run): enum values outside
 * their enums, malformed ids, text over its documented limits. Each is INVALID_ARGUMENT naming
 * the field, writes nothing, and draws no ticket number. Real gRPC server, real Postgres (fresh
 * schema), real NATS; the customer service is a stub that knows every id but UNKNOWN_CUSTOMER.
 */
describe('ticket service: request validation (gRPC + Postgres)', () => {
  let pg: TestSchema;
  let nats: TestNats;
  let service: RunningTicketService;
  let admin: ticketv1.TicketServiceClient;

  beforeAll(async () => {
    pg = await createTestSchema('ticket_val');
    nats = createTestNats('ticket_val');
    const config = loadTicketConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      NOTIFY_API_KEYS: `${ADMIN_KEY}:admin`,
      DATABASE_URL: pg.url,
      DATABASE_SCHEMA: pg.schema,
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
    });
    service = await startTicketService(config, createLogger({ service: 'ticket', level: 'silent' }), {
      staff: new StaticStaffDirectory([TECH]),
      customers: { exists: async (id) => id !== UNKNOWN_CUSTOMER },
    });
    admin = createClient(ticketv1.TicketServiceClient, `127.0.0.1:${service.grpc.port}`, { apiKey: ADMIN_KEY });
  });

  afterAll(async () => {
    (admin as unknown as { close(): void } | undefined)?.close();
    await service?.stop();
    await nats?.cleanup();
    await pg?.dropSchema();
  });

  /** The call's error, which must be INVALID_ARGUMENT naming `field`, with `text` in its message (@notify/testing). */
  const invalid = expectInvalidArgument;

  const createReq = (over: Partial<ticketv1.CreateTicketRequest> = {}) =>
    ticketv1.CreateTicketRequest.fromPartial({
      type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
      customerId: randomUUID(),
      title: 'Internet mati',
      description: 'Lampu LOS merah sejak pagi',
      address: 'Jl. Mawar 1, Karawang',
      workZone: 'karawang',
      priority: P.PRIORITY_HIGH,
      ...over,
    });
  const create = async (over: Partial<ticketv1.CreateTicketRequest> = {}) => (await callUnary(admin, 'createTicket', createReq(over))).ticket!;
  const seqOf = (t: ticketv1.Ticket) => Number(t.number.split('-')[2]);

  describe('google.protobuf.Timestamp outside its spec is INVALID_ARGUMENT naming the field (QA: INTERNAL, or "from: is required")', () => {
    const RANGE = 'must be a timestamp between 0001-01-01 and 9999-12-31';
    const rpc = (name: string) => `/notify.ticket.v1.TicketService/${name}`;
    const list = (...parts: Uint8Array[]) => callUnaryRaw(admin, rpc('ListTickets'), Buffer.concat(parts), ticketv1.ListTicketsResponse.decode);
    const stats = (...parts: Uint8Array[]) => callUnaryRaw(admin, rpc('GetTicketStats'), Buffer.concat(parts), ticketv1.GetTicketStatsResponse.decode);

    it('ListTickets created.from / sla_due.to with seconds ±99999999999999 or nanos out of range (ListTickets sla_due = 6, created = 8)', async () => {
      await invalid(list(messageField(8, messageField(1, timestampBytes('99999999999999')))), 'created.from', `${RANGE}, got seconds 99999999999999`);
      await invalid(list(messageField(6, messageField(2, timestampBytes('99999999999999')))), 'sla_due.to', `${RANGE}, got seconds 99999999999999`);
      await invalid(list(messageField(8, messageField(2, timestampBytes('1777618800', 2_000_000_000)))), 'created.to', 'nanos must be 0 to 999999999, got 2000000000');
      await invalid(list(messageField(6, messageField(1, timestampBytes('1777618800', -5)))), 'sla_due.from', 'nanos must be 0 to 999999999, got -5');
      await expect(list(messageField(8, messageField(1, timestampBytes('1777618800'))))).resolves.toBeDefined();
    });

    it('GetTicketStats from −99999999999999 s (with a valid to) names from and the range, not "is required"; one second before 0001-01-01 too', async () => {
      const to = ticketv1.GetTicketStatsRequest.encode(ticketv1.GetTicketStatsRequest.fromPartial({ to: new Date() })).finish();
      await invalid(stats(to, messageField(1, timestampBytes('-99999999999999'))), 'from', `${RANGE}, got seconds -99999999999999`);
      await invalid(callUnary(admin, 'getTicketStats', { from: new Date(-62_135_596_801_000), to: new Date(), workZone: '' }), 'from', `${RANGE}, got seconds -62135596801`);
      await invalid(callUnary(admin, 'getTicketStats', { from: undefined, to: new Date(), workZone: '' }), 'from', 'is required');
    });
  });

  describe('enum values outside their enums are INVALID_ARGUMENT naming the field', () => {
    it('CreateTicket priority 99 or -1 (it became NORMAL); UNSPECIFIED is still NORMAL', async () => {
      await invalid(callUnary(admin, 'createTicket', createReq({ priority: 99 as commonv1.Priority })), 'priority', /unknown value 99/);
      await invalid(callUnary(admin, 'createTicket', createReq({ priority: -1 as commonv1.Priority })), 'priority');
      await invalid(callUnary(admin, 'createTicket', createReq({ type: 9 as ticketv1.TicketType })), 'type');
      await invalid(
        callUnary(admin, 'createTicket', createReq({ actor: { kind: commonv1.ActorKind.ACTOR_KIND_STAFF, id: TECH.id, name: '', role: 77 as commonv1.Role } })),
        'actor.role',
      );
      expect((await create({ priority: P.PRIORITY_UNSPECIFIED })).priority).toBe(P.PRIORITY_NORMAL);
    });

    it('ListTickets order_by 99 (it was accepted as the default order)', async () => {
      const list = (over: Partial<ticketv1.ListTicketsRequest>) => callUnary(admin, 'listTickets', ticketv1.ListTicketsRequest.fromPartial(over));
      await invalid(list({ orderBy: 99 as ticketv1.TicketOrder }), 'order_by', /unknown value 99/);
      await invalid(list({ statuses: [42 as ticketv1.TicketStatus] }), 'statuses');
      await invalid(list({ technicianId: 'tech-?' }), 'technician_id', 'must be a UUID');
      await invalid(list({ customerId: 'cust-?' }), 'customer_id', 'must be a UUID');
      await expect(list({ orderBy: ticketv1.TicketOrder.TICKET_ORDER_SLA_DUE_AT_ASC })).resolves.toBeDefined();
    });

    it.each<[string, Partial<ticketv1.WatchTicketsRequest>, string]>([
      ['types [99]', { types: [99 as ticketv1.TicketEventType] }, 'types'],
      ['types [UNSPECIFIED]', { types: [ticketv1.TicketEventType.TICKET_EVENT_TYPE_UNSPECIFIED] }, 'types'],
      ['a malformed ticket_id', { ticketId: 'not-a-ticket' }, 'ticket_id'],
      ['a malformed technician_id', { technicianId: 'tech 1' }, 'technician_id'],
    ])('WatchTickets with %s ends at once with INVALID_ARGUMENT (it opened a stream that never sent anything)', async (_what, req, field) => {
      const stream = admin.watchTickets(ticketv1.WatchTicketsRequest.fromPartial(req));
      const outcome = await new Promise<unknown>((resolve) => {
        stream.on('error', (e) => resolve(fromGrpcError(e)));
        stream.on('end', () => resolve('ended'));
        stream.on('data', () => undefined);
        setTimeout(() => resolve('still open'), 3000);
      });
      stream.cancel();
      expect(outcome).toBeInstanceOf(ValidationError);
      expect((outcome as ValidationError).field).toBe(field);
    });
  });

  describe('ids: malformed → INVALID_ARGUMENT "<field>: must be …", not NOT_FOUND', () => {
    it('CreateTicket customer_id', async () => {
      await invalid(callUnary(admin, 'createTicket', createReq({ customerId: 'cust-1' })), 'customer_id', 'customer_id: must be a UUID');
      await invalid(callUnary(admin, 'createTicket', createReq({ customerId: '' })), 'customer_id', 'customer_id: is required');
      await expect(callUnary(admin, 'createTicket', createReq({ customerId: UNKNOWN_CUSTOMER }))).rejects.toBeInstanceOf(NotFoundError);
    });

    it('AssignTicket, GetTicket, Start/Complete/Cancel/Escalate: a ticket id is a UUID or a ticket number; technician_id a UUID', async () => {
      const t = await create();
      const assign = (ticketId: string, technicianId: string) => callUnary(admin, 'assignTicket', ticketv1.AssignTicketRequest.fromPartial({ ticketId, technicianId }));
      await invalid(assign('abc', TECH.id), 'ticket_id', /ticket_id: must be a ticket id \(UUID\) or number/);
      await invalid(assign(t.id, 'tech-1'), 'technician_id', 'technician_id: must be a UUID');
      await invalid(assign(t.id, ''), 'technician_id', 'technician_id: is required');
      await invalid(callUnary(admin, 'getTicket', { id: 'GGN-2026' }), 'id', /id: must be a ticket id/);
      await invalid(callUnary(admin, 'startTicket', ticketv1.StartTicketRequest.fromPartial({ ticketId: 'x' })), 'ticket_id');
      await invalid(callUnary(admin, 'completeTicket', ticketv1.CompleteTicketRequest.fromPartial({ ticketId: 'x' })), 'ticket_id');
      await invalid(callUnary(admin, 'cancelTicket', ticketv1.CancelTicketRequest.fromPartial({ ticketId: 'x', reason: 'r' })), 'ticket_id');
      await invalid(callUnary(admin, 'escalateTicket', ticketv1.EscalateTicketRequest.fromPartial({ ticketId: 'x', reason: 'r' })), 'ticket_id');
      // Well-formed ids and numbers that name no ticket are still NOT_FOUND.
      await expect(callUnary(admin, 'getTicket', { id: randomUUID() })).rejects.toBeInstanceOf(NotFoundError);
      await expect(callUnary(admin, 'getTicket', { id: 'GGN-20200101-9999' })).rejects.toBeInstanceOf(NotFoundError);
      expect((await assign(t.number, TECH.id)).ticket?.technicianId).toBe(TECH.id);
    });
  });

  it('takes a ticket number in any case wherever it takes a number (`ggn-20261207-0001` was INVALID_ARGUMENT)', async () => {
    const t = await create();
    const lower = t.number.toLowerCase();
    const mixed = `${t.number.slice(0, 1)}${t.number.slice(1, 3).toLowerCase()}${t.number.slice(3)}`;
    expect((await callUnary(admin, 'getTicket', { id: lower })).ticket).toMatchObject({ id: t.id, number: t.number });
    expect((await callUnary(admin, 'getTicket', { id: ` ${mixed} ` })).ticket?.id).toBe(t.id);
    expect((await callUnary(admin, 'getTicket', { id: t.id.toUpperCase() })).ticket?.id).toBe(t.id);
    // WatchTickets filtered by the lower-case number sees the ticket's next event.
    const stream = admin.watchTickets(ticketv1.WatchTicketsRequest.fromPartial({ ticketId: lower }));
    const got = new Promise<ticketv1.WatchTicketsResponse | Error>((resolve) => {
      stream.on('data', (r: ticketv1.WatchTicketsResponse) => resolve(r));
      stream.on('error', (e: Error) => resolve(e));
    });
    await new Promise((r) => setTimeout(r, 300)); // the stream is open before the change
    const assigned = await callUnary(admin, 'assignTicket', ticketv1.AssignTicketRequest.fromPartial({ ticketId: lower, technicianId: TECH.id }));
    expect(assigned.ticket).toMatchObject({ id: t.id, technicianId: TECH.id });
    const first = await got;
    stream.cancel();
    expect(first).toMatchObject({ event: { ticket: { id: t.id, number: t.number } } });
    await callUnary(admin, 'startTicket', ticketv1.StartTicketRequest.fromPartial({ ticketId: lower }));
    await callUnary(admin, 'completeTicket', ticketv1.CompleteTicketRequest.fromPartial({ ticketId: mixed, notes: 'ok' }));
    expect((await callUnary(admin, 'getTicket', { id: lower })).ticket?.status).toBe(ticketv1.TicketStatus.TICKET_STATUS_COMPLETED);
    const other = await create();
    await callUnary(admin, 'escalateTicket', ticketv1.EscalateTicketRequest.fromPartial({ ticketId: other.number.toLowerCase(), reason: 'lama' }));
    await callUnary(admin, 'cancelTicket', ticketv1.CancelTicketRequest.fromPartial({ ticketId: other.number.toLowerCase(), reason: 'batal' }));
    expect((await callUnary(admin, 'getTicket', { id: other.number.toLowerCase() })).ticket?.status).toBe(ticketv1.TicketStatus.TICKET_STATUS_CANCELLED);
    await invalid(callUnary(admin, 'getTicket', { id: 'ggn-2026-0001' }), 'id', /id: must be a ticket id/);
  });

  describe('CreateTicket text limits agree with the contract, and nothing is cut silently', () => {
    it('an empty title and description name `title`', async () => {
      await invalid(callUnary(admin, 'createTicket', createReq({ title: '', description: '' })), 'title', 'title: is required');
      await invalid(callUnary(admin, 'createTicket', createReq({ title: '  ', description: ' ' })), 'title');
    });

    it('title: 1..200 characters, one line, returned exactly as given (it was cut to 120, and 201..250 were accepted)', async () => {
      const title = `Internet mati ${'x'.repeat(186)}`;
      expect(title).toHaveLength(200);
      const t = await create({ title });
      expect(t.title).toBe(title);
      expect((await callUnary(admin, 'getTicket', { id: t.id })).ticket?.title).toBe(title);
      await invalid(callUnary(admin, 'createTicket', createReq({ title: 'x'.repeat(201) })), 'title', 'longer than 200');
      await invalid(callUnary(admin, 'createTicket', createReq({ title: 'x'.repeat(250) })), 'title', 'longer than 200');
      await invalid(callUnary(admin, 'createTicket', createReq({ title: 'two\nlines' })), 'title', 'one line');
    });

    it('description: 0..4000 characters on its own (it was 2000, counted with the title)', async () => {
      const description = 'd'.repeat(4000);
      const t = await create({ title: 't'.repeat(200), description });
      expect(t.title).toBe('t'.repeat(200));
      expect(t.description).toBe(`${'t'.repeat(200)}\n${description}`);
      await invalid(callUnary(admin, 'createTicket', createReq({ description: 'd'.repeat(4001) })), 'description', 'longer than 4000');
      // A title alone is enough; the description is then empty.
      const titled = await create({ title: 'Internet lambat', description: '' });
      expect([titled.title, titled.description]).toEqual(['Internet lambat', 'Internet lambat']);
    });

    it('the title comes back as given even when the description starts with it', async () => {
      const t = await create({ title: 'Internet mati', description: 'Internet mati sejak pagi' });
      expect(t.title).toBe('Internet mati');
      expect(t.description).toBe('Internet mati sejak pagi');
    });

    it('CancelTicket / EscalateTicket reason: 1..2000 characters (it was 500)', async () => {
      const a = await create();
      const escalated = (await callUnary(admin, 'escalateTicket', ticketv1.EscalateTicketRequest.fromPartial({ ticketId: a.id, reason: 'e'.repeat(2000) }))).ticket!;
      expect(escalated.escalationReason).toHaveLength(2000);
      await invalid(callUnary(admin, 'escalateTicket', ticketv1.EscalateTicketRequest.fromPartial({ ticketId: a.id, reason: 'e'.repeat(2001) })), 'reason', 'longer than 2000');
      await invalid(callUnary(admin, 'cancelTicket', ticketv1.CancelTicketRequest.fromPartial({ ticketId: a.id, reason: 'c'.repeat(2001) })), 'reason', 'longer than 2000');
      const cancelled = (await callUnary(admin, 'cancelTicket', ticketv1.CancelTicketRequest.fromPartial({ ticketId: a.id, reason: 'c'.repeat(2000) }))).ticket!;
      expect(cancelled.cancelReason).toHaveLength(2000);
    });
  });

  it('failed CreateTicket calls draw no ticket number (the next ticket takes the next number)', async () => {
    const before = await create();
    const failures = [
      createReq({ title: 'x'.repeat(201) }),
      createReq({ title: '', description: '' }),
      createReq({ description: 'd'.repeat(4001) }),
      createReq({ address: '' }),
      createReq({ address: 'a'.repeat(501) }),
      createReq({ workZone: 'no such zone!' }),
      createReq({ priority: 99 as commonv1.Priority }),
      createReq({ customerId: 'nope' }),
      createReq({ customerId: UNKNOWN_CUSTOMER }),
      createReq({ requestId: 'r'.repeat(201) }),
    ];
    for (const req of failures) await expect(callUnary(admin, 'createTicket', req)).rejects.toThrow();
    const after = await create();
    expect(after.number.slice(0, 12)).toBe(before.number.slice(0, 12));
    expect(seqOf(after)).toBe(seqOf(before) + 1);
  });

  it('a request_id over 200 characters says so', async () => {
    await invalid(callUnary(admin, 'createTicket', createReq({ requestId: 'k'.repeat(201) })), 'request_id', 'request_id: is longer than 200 characters');
  });
});
