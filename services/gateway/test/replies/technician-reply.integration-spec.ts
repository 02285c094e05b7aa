import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { callUnary, createClient } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { commonv1, customerv1, templatev1, ticketv1 } from '@notify/proto';
import {
  createTechnicianReplyHandler, InMemoryInboundDedupe, jobFromProto, REPLY_TEXTS, replyTemplateVariables,
  type InboundReply, type Job, type ReplyTemplateRenderer, type TechnicianReplyHandler,
} from '../../src/application/replies';
import { GrpcRecipientDirectory } from '../../src/infrastructure/clients/grpc-recipient.directory';
import { GrpcTemplateRenderer } from '../../src/infrastructure/clients/grpc-template.renderer';
import { KEYS, RecordingReplySender, startReplyStack, type ReplyStack } from './support/reply-stack';

const S = ticketv1.TicketStatus;
const E = ticketv1.TicketEventType;

/**
 * The technician "press 1" flow (customer-notification-system.md, "Technician Takes / Starts /
 * Completes Job (Button "1")") against the REAL customer and ticket services: both started in
 * this process on 127.0.0.1:0, each with a fresh Postgres schema, on a fresh JetStream
 * namespace; the handler talks to them over gRPC with a `service` API key, as the gateway does.
 * Only the outbound WhatsApp send is replaced, by a sender that records what it is asked to send.
 */
describe('technician reply flow (customer + ticket services over gRPC)', () => {
  let stack: ReplyStack;
  let sender: RecordingReplySender;
  let dedupe: InMemoryInboundDedupe;
  let handler: TechnicianReplyHandler;
  let customerId: string;

  beforeAll(async () => {
    stack = await startReplyStack('replies');
    sender = new RecordingReplySender();
    dedupe = new InMemoryInboundDedupe(100);
    handler = createTechnicianReplyHandler({ customers: new GrpcRecipientDirectory(stack.customer),
      customer: stack.customer,
      ticket: stack.ticket,
      sender,
      logger: createLogger({ service: 'gateway', level: 'silent' }),
      dedupe,
      deadlineMs: 5_000,
    });
    const cust = await callUnary(
      stack.adminCustomer,
      'registerCustomer',
      customerv1.RegisterCustomerRequest.fromPartial({ name: 'Budi Santoso', phone: '081234567001', address: 'Jl. Mawar 1, Karawang', workZone: 'karawang', packageName: 'Home 50 Mbps' }),
    );
    customerId = cust.customer!.id;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  let phoneSeq = 100;
  /** A fresh Indonesian mobile number: local form (as staff are registered) and E.164 digits (as Fonnte sends it). */
  const freshPhone = (): { local: string; e164: string } => {
    const rest = `8129${String(++phoneSeq).padStart(7, '0')}`;
    return { local: `0${rest}`, e164: `62${rest}` };
  };
  const createStaff = async (name: string, workZones: string[], role = commonv1.Role.ROLE_TECHNICIAN) => {
    const phone = freshPhone();
    const res = await callUnary(stack.adminCustomer, 'createStaff', customerv1.CreateStaffRequest.fromPartial({ name, phone: phone.local, role, workZones }));
    return { ...res.staff!, e164: phone.e164 };
  };
  const createTicket = async (workZone: string): Promise<ticketv1.Ticket> => {
    const res = await callUnary(
      stack.adminTicket,
      'createTicket',
      ticketv1.CreateTicketRequest.fromPartial({
        type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
        customerId,
        title: 'Internet mati',
        description: 'Internet mati sejak pagi',
        address: 'Jl. Mawar 1, Karawang',
        workZone,
        priority: commonv1.Priority.PRIORITY_HIGH,
      }),
    );
    return res.ticket!;
  };
  const getTicket = (id: string) => callUnary(stack.adminTicket, 'getTicket', { id });
  const reply = (from: string, text: string, extra: Partial<InboundReply> = {}) =>
    handler.handle({ provider: 'fonnte', from, text, isGroup: false, messageId: randomUUID(), ...extra });

  it('"1" takes the offered GANGGUAN ticket in karawang, "1" starts it, "1" completes it; history shows the technician', async () => {
    const tech = await createStaff('Lufti', ['karawang']);
    const t = await createTicket('karawang');
    expect(t.status).toBe(S.TICKET_STATUS_OPEN);

    const r1 = await reply(tech.e164, '1');
    expect(r1).toMatchObject({ action: 'assigned', ticketId: t.id });
    let got = await getTicket(t.id);
    expect(got.ticket).toMatchObject({ status: S.TICKET_STATUS_ASSIGNED, technicianId: tech.id });

    const r2 = await reply(tech.e164, ' 1 ');
    expect(r2).toMatchObject({ action: 'started', ticketId: t.id });
    got = await getTicket(t.id);
    expect(got.ticket!.status).toBe(S.TICKET_STATUS_IN_PROGRESS);

    const r3 = await reply(tech.e164, '1\n');
    expect(r3).toMatchObject({ action: 'completed', ticketId: t.id });
    got = await getTicket(t.id);
    expect(got.ticket).toMatchObject({ status: S.TICKET_STATUS_COMPLETED, technicianId: tech.id, version: 4 });

    expect(got.history.map((h) => h.type)).toEqual([E.TICKET_EVENT_TYPE_CREATED, E.TICKET_EVENT_TYPE_ASSIGNED, E.TICKET_EVENT_TYPE_STARTED, E.TICKET_EVENT_TYPE_COMPLETED]);
    for (const h of got.history.slice(1)) {
      expect(h.actor).toMatchObject({ kind: commonv1.ActorKind.ACTOR_KIND_STAFF, id: tech.id, role: commonv1.Role.ROLE_TECHNICIAN });
    }
    expect(got.history[1]!.actor!.name).toBe('Lufti');

    // Each step was confirmed to the technician's number, through the provider it came in on.
    const sent = sender.to(tech.e164);
    expect(sent.map((s) => s.provider)).toEqual(['fonnte', 'fonnte', 'fonnte']);
    expect(sent.map((s) => s.text)).toEqual([r1.reply, r2.reply, r3.reply]);
    expect(sent[0]!.text).toContain(t.number);
    expect(sent[0]!.text).toContain('DIAMBIL');
    // The take confirmation names the ticket's customer (GetCustomer): name and +62 phone.
    expect(sent[0]!.text).toContain('👤 Pelanggan: Budi Santoso\n');
    expect(sent[0]!.text).toContain('📞 Kontak: +6281234567001\n');
    expect(sent.map((s) => s.priority)).toEqual(['URGENT', 'URGENT', 'URGENT']);
    expect(sent[1]!.text).toContain('DIMULAI');
    expect(sent[2]!.text).toContain('SELESAI');

    // Nothing left in reach: no job of theirs, no OPEN ticket in karawang.
    const r4 = await reply(tech.e164, '1');
    expect(r4).toEqual({ action: 'nothing_in_reach', reply: REPLY_TEXTS.nothingInReach(['karawang']), recipient: { kind: 'STAFF', id: tech.id, name: tech.name } });
    expect(sender.to(tech.e164).at(-1)!.text).toBe(r4.reply);
    expect((await getTicket(t.id)).ticket!.version).toBe(4);
  });

  it('a reply from an unknown number gets a helpful answer and changes nothing', async () => {
    const t = await createTicket('purwakarta');
    const stranger = freshPhone();
    const r = await reply(stranger.e164, '1');
    expect(r).toEqual({ action: 'unknown_sender', reply: REPLY_TEXTS.unknownSender() });
    expect(sender.to(stranger.e164)).toEqual([{ to: stranger.e164, text: REPLY_TEXTS.unknownSender(), provider: 'fonnte', priority: 'HIGH' }]);
    const got = await getTicket(t.id);
    expect(got.ticket).toMatchObject({ status: S.TICKET_STATUS_OPEN, version: 1, technicianId: '' });
  });

  it('"halo" is not a command: the answer lists what "1" does and nothing changes', async () => {
    const tech = await createStaff('Rina', ['subang']);
    const t = await createTicket('subang');
    const r = await reply(tech.e164, 'halo');
    expect(r).toEqual({ action: 'not_a_command', reply: REPLY_TEXTS.notACommand(), recipient: { kind: 'STAFF', id: tech.id, name: 'Rina' } });
    expect(sender.to(tech.e164).map((s) => s.text)).toEqual([REPLY_TEXTS.notACommand()]);
    expect((await getTicket(t.id)).ticket!.status).toBe(S.TICKET_STATUS_OPEN);
  });

  it('a technician with a number outside Indonesia (+254 …) takes the job with "1" from Fonnte\'s sender digits 254…', async () => {
    const res = await callUnary(stack.adminCustomer, 'createStaff', customerv1.CreateStaffRequest.fromPartial({ name: 'Otieno', phone: '+254 798 765432', role: commonv1.Role.ROLE_TECHNICIAN, workZones: ['sumedang'] }));
    expect(res.staff!.phone).toBe('254798765432');
    const t = await createTicket('sumedang');
    const r = await reply('254798765432', '1');
    expect(r).toMatchObject({ action: 'assigned', ticketId: t.id });
    expect((await getTicket(t.id)).ticket).toMatchObject({ status: S.TICKET_STATUS_ASSIGNED, technicianId: res.staff!.id });
    expect(sender.to('254798765432').map((s) => s.text)).toEqual([r.reply]);
  });

  it('a staff member who is not a technician cannot take a job', async () => {
    const sup = await createStaff('Sari', ['bogor'], commonv1.Role.ROLE_SUPERVISOR);
    const t = await createTicket('bogor');
    const r = await reply(sup.e164, '1');
    expect(r).toEqual({ action: 'not_a_technician', reply: REPLY_TEXTS.notATechnician('Sari'), recipient: { kind: 'STAFF', id: sup.id, name: 'Sari' } });
    expect((await getTicket(t.id)).ticket!.status).toBe(S.TICKET_STATUS_OPEN);
    // Any other text is not answered with the "1" rule she never used (QA).
    expect(await reply(sup.e164, 'halo')).toEqual({ action: 'not_a_command', reply: REPLY_TEXTS.staffMessage('Sari'), recipient: { kind: 'STAFF', id: sup.id, name: 'Sari' } });
  });

  it('the same inbound message delivered twice (webhook retry) acts once and is answered once', async () => {
    const tech = await createStaff('Dedi', ['bekasi']);
    const t1 = await createTicket('bekasi');
    const t2 = await createTicket('bekasi');
    const msg: InboundReply = { provider: 'wablas', from: tech.e164, text: '1', isGroup: false, messageId: `wablas-${randomUUID()}` };
    const [a, b] = await Promise.all([handler.handle(msg), handler.handle(msg)]);
    expect([a.action, b.action].sort()).toEqual(['assigned', 'duplicate']);
    const again = await handler.handle(msg);
    expect(again).toEqual({ action: 'duplicate', reply: '' });

    // Taken once: the older ticket is ASSIGNED (version 2, one ASSIGNED entry), the other untouched.
    const got1 = await getTicket(t1.id);
    expect(got1.ticket).toMatchObject({ status: S.TICKET_STATUS_ASSIGNED, technicianId: tech.id, version: 2 });
    expect(got1.history.filter((h) => h.type === E.TICKET_EVENT_TYPE_ASSIGNED)).toHaveLength(1);
    expect((await getTicket(t2.id)).ticket).toMatchObject({ status: S.TICKET_STATUS_OPEN, version: 1 });
    expect(sender.to(tech.e164)).toHaveLength(1);
    expect(sender.to(tech.e164)[0]!.provider).toBe('wablas');
  });

  it('two technicians racing for the same ticket: one takes it, the other hears it was already taken', async () => {
    const a = await createStaff('Agus', ['cikampek']);
    const b = await createStaff('Bayu', ['cikampek']);
    const t = await createTicket('cikampek');
    const [ra, rb] = await Promise.all([reply(a.e164, '1'), reply(b.e164, '1')]);
    const results = [ra, rb];
    const winner = results.find((r) => r.action === 'assigned');
    const loser = results.find((r) => r.action !== 'assigned');
    expect(winner).toBeDefined();
    // The loser either lost the write (already_taken) or read the ticket after the winner's
    // commit (nothing OPEN left in cikampek): both change nothing.
    expect(['already_taken', 'nothing_in_reach']).toContain(loser!.action);
    const winnerTech = winner === ra ? a : b;
    const loserTech = winner === ra ? b : a;
    const got = await getTicket(t.id);
    expect(got.ticket).toMatchObject({ status: S.TICKET_STATUS_ASSIGNED, technicianId: winnerTech.id, version: 2 });
    expect(got.history.filter((h) => h.type === E.TICKET_EVENT_TYPE_ASSIGNED)).toHaveLength(1);
    expect(sender.to(loserTech.e164).map((s) => s.text)).toEqual([loser!.reply]);
  });

  it('the loser of a take gets the already-taken answer (the ticket was taken between reading and writing)', async () => {
    const a = await createStaff('Eko', ['cianjur']);
    const b = await createStaff('Fajar', ['cianjur']);
    const t = await createTicket('cianjur');
    // b reads the OPEN ticket; a takes it before b's AssignTicket arrives.
    const slowBoardHandler = createTechnicianReplyHandler({ customers: new GrpcRecipientDirectory(stack.customer),
      customer: stack.customer,
      ticket: withListHook(stack.ticket, () => reply(a.e164, '1')),
      sender,
      logger: createLogger({ service: 'gateway', level: 'silent' }),
    });
    const r = await slowBoardHandler.handle({ provider: 'fonnte', from: b.e164, text: '1', isGroup: false });
    expect(r).toMatchObject({ action: 'already_taken', ticketId: t.id });
    expect(r.reply).toContain(t.number);
    expect(r.reply).toContain('sudah diambil teknisi lain');
    expect(sender.to(b.e164).map((s) => s.text)).toEqual([r.reply]);
    const got = await getTicket(t.id);
    expect(got.ticket).toMatchObject({ status: S.TICKET_STATUS_ASSIGNED, technicianId: a.id, version: 2 });
  });

  it('the ticket service unreachable → failed with a "try again" answer, nothing changes', async () => {
    const tech = await createStaff('Gilang', ['depok']);
    const t = await createTicket('depok');
    const dead = createClient(ticketv1.TicketServiceClient, '127.0.0.1:1', { apiKey: KEYS.service });
    try {
      const h = createTechnicianReplyHandler({ customers: new GrpcRecipientDirectory(stack.customer), customer: stack.customer, ticket: dead, sender, logger: createLogger({ service: 'gateway', level: 'silent' }), deadlineMs: 1_000 });
      const started = Date.now();
      const r = await h.handle({ provider: 'fonnte', from: tech.e164, text: '1', isGroup: false });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(r).toEqual({ action: 'failed', reply: REPLY_TEXTS.failed() });
      expect(sender.to(tech.e164).map((s) => s.text)).toEqual([REPLY_TEXTS.failed()]);
    } finally {
      dead.close();
    }
    expect((await getTicket(t.id)).ticket).toMatchObject({ status: S.TICKET_STATUS_OPEN, version: 1 });
  });

  it('an AssignTicket whose answer is lost (DEADLINE_EXCEEDED after the ticket service committed) is confirmed from a re-read', async () => {
    const tech = await createStaff('Indra', ['garut']);
    const t = await createTicket('garut');
    const h = createTechnicianReplyHandler({ customers: new GrpcRecipientDirectory(stack.customer), customer: stack.customer, ticket: withLostAnswer(stack.ticket, 'assignTicket'), sender, logger: createLogger({ service: 'gateway', level: 'silent' }) });
    const r = await h.handle({ provider: 'fonnte', from: tech.e164, text: '1', isGroup: false });
    expect(r).toMatchObject({ action: 'assigned', ticketId: t.id });
    expect(r.reply).toContain('DIAMBIL');
    const got = await getTicket(t.id);
    expect(got.ticket).toMatchObject({ status: S.TICKET_STATUS_ASSIGNED, technicianId: tech.id, version: 2 });
  });

  it('"1" written in the zone\'s WhatsApp group takes the job for the member who wrote it', async () => {
    const tech = await createStaff('Hadi', ['bandung']);
    const t = await createTicket('bandung');
    const r = await handler.handle({ provider: 'fonnte', from: tech.e164, text: '1', isGroup: true, group: '120363042111111111@g.us', messageId: randomUUID() });
    expect(r).toMatchObject({ action: 'assigned', ticketId: t.id });
    expect((await getTicket(t.id)).ticket).toMatchObject({ status: S.TICKET_STATUS_ASSIGNED, technicianId: tech.id });
    expect(sender.to(tech.e164)).toHaveLength(1);
  });
});

/**
 * The step confirmations from the REAL template service (rule 9 of TechnicianReplyUseCase): the
 * customer, ticket and template services in this process (the template service seeds its
 * defaults on start), the handler rendering through the gateway's GrpcTemplateRenderer with a
 * `service` key, as server.ts wires it.
 */
describe('technician reply flow with the template service (customer + ticket + template services over gRPC)', () => {
  let stack: ReplyStack;
  let sender: RecordingReplySender;
  let renderer: GrpcTemplateRenderer;
  /** What the handler rendered: template key and the text the template service answered. */
  let rendered: Array<{ key: string; text: string }>;
  let handler: TechnicianReplyHandler;
  let customerId: string;
  const BUDI = { name: 'Budi Santoso', phone: '6281234567002' };

  beforeAll(async () => {
    stack = await startReplyStack('replies_tpl', { template: true });
    sender = new RecordingReplySender();
    renderer = new GrpcTemplateRenderer(stack.template!);
    rendered = [];
    const recording: ReplyTemplateRenderer = {
      render: async (key, channel, locale, variables) => {
        const out = await renderer.render(key, channel, locale, variables);
        rendered.push({ key, text: out.text });
        return out;
      },
    };
    handler = createTechnicianReplyHandler({
      customers: new GrpcRecipientDirectory(stack.customer), customer: stack.customer, ticket: stack.ticket, sender,
      logger: createLogger({ service: 'gateway', level: 'silent' }), templates: recording,
    });
    const cust = await callUnary(stack.adminCustomer, 'registerCustomer', customerv1.RegisterCustomerRequest.fromPartial({
      name: BUDI.name, phone: '081234567002', address: 'Jl. Mawar 2, Karawang', workZone: 'karawang', packageName: 'Home 50 Mbps',
    }));
    customerId = cust.customer!.id;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  let phoneSeq = 500;
  const createTechnician = async (name: string, zone: string) => {
    const rest = `8129${String(++phoneSeq).padStart(7, '0')}`;
    const res = await callUnary(stack.adminCustomer, 'createStaff', customerv1.CreateStaffRequest.fromPartial({ name, phone: `0${rest}`, role: commonv1.Role.ROLE_TECHNICIAN, workZones: [zone] }));
    return { ...res.staff!, e164: `62${rest}` };
  };
  const createTicket = async (workZone: string, over: Partial<ticketv1.CreateTicketRequest> = {}): Promise<ticketv1.Ticket> =>
    (await callUnary(stack.adminTicket, 'createTicket', ticketv1.CreateTicketRequest.fromPartial({
      type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE, customerId, title: 'Internet mati', description: 'Internet mati sejak pagi',
      address: 'Jl. Mawar 2, Karawang', workZone, priority: commonv1.Priority.PRIORITY_HIGH, ...over,
    }))).ticket!;
  const jobOf = async (id: string): Promise<Job> => jobFromProto((await callUnary(stack.adminTicket, 'getTicket', { id })).ticket!);
  const one = (from: string) => handler.handle({ provider: 'fonnte', from, text: '1', isGroup: false, messageId: randomUUID() });

  it('"1", "1", "1": each confirmation is the seeded template rendered, and the defaults give exactly the built-in texts (values escaped once)', async () => {
    const tech = await createTechnician('Lufti', 'karawang');
    // Ticket values with WhatsApp markers and a line break: escaped by the template service, once.
    const t = await createTicket('karawang', { address: 'Jl. _Mawar_ 2', description: 'Kabel *putus*\nsejak pagi' });

    const r1 = await one(tech.e164);
    expect(r1).toMatchObject({ action: 'assigned', ticketId: t.id });
    const taken = await jobOf(t.id);
    expect(r1.reply).toBe(REPLY_TEXTS.assigned(taken, BUDI));
    expect(r1.reply).toContain('📍 Alamat: Jl. ˍMawarˍ 2\n');
    expect(r1.reply).toContain('🔧 Masalah: Internet mati. Kabel ∗putus∗. sejak pagi\n'); // the ticket's title and description

    const r2 = await one(tech.e164);
    const started = await jobOf(t.id);
    expect(r2).toMatchObject({ action: 'started', reply: REPLY_TEXTS.started(started, started.startedAt!) });
    const r3 = await one(tech.e164);
    const completed = await jobOf(t.id);
    expect(r3).toMatchObject({ action: 'completed', reply: REPLY_TEXTS.completed(completed, completed.completedAt!) });

    // The texts came from the template service, not from the built-in fallback.
    expect(rendered).toEqual([
      { key: 'technician.job_taken', text: r1.reply },
      { key: 'technician.job_started', text: r2.reply },
      { key: 'technician.job_completed', text: r3.reply },
    ]);
    expect(sender.to(tech.e164).map((x) => x.text)).toEqual([r1.reply, r2.reply, r3.reply]);
  });

  it('the default technician.job_unavailable and technician.job_taken give the built-in text of every case', async () => {
    const base: Job = {
      id: randomUUID(), number: 'GGN-20261122-0042', kind: 'GANGGUAN', status: 'OPEN', version: 1, workZone: 'karawang', address: '', description: '',
      technicianId: '', customerId: '', createdAt: new Date('2026-11-22T01:00:00Z'),
    };
    const heldByOther: Job = { ...base, status: 'ASSIGNED', technicianId: randomUUID() };
    const mine: Job = { ...base, status: 'IN_PROGRESS', technicianId: randomUUID() };
    const cases: Array<[Job, { takenByOther: boolean; changedMeanwhile: boolean }, string]> = [
      [heldByOther, { takenByOther: true, changedMeanwhile: false }, REPLY_TEXTS.alreadyTaken(heldByOther)],
      [base, { takenByOther: true, changedMeanwhile: false }, REPLY_TEXTS.alreadyTaken(base)], // a take lost to another technician
      [{ ...base, status: 'CANCELLED' }, { takenByOther: false, changedMeanwhile: false }, REPLY_TEXTS.jobUnavailable({ ...base, status: 'CANCELLED' })],
      [{ ...base, status: 'COMPLETED' }, { takenByOther: false, changedMeanwhile: false }, REPLY_TEXTS.jobUnavailable({ ...base, status: 'COMPLETED' })],
      [base, { takenByOther: false, changedMeanwhile: false }, REPLY_TEXTS.jobUnavailable(base)], // OPEN outside their zones
      [mine, { takenByOther: false, changedMeanwhile: true }, REPLY_TEXTS.changedMeanwhile(mine)],
    ];
    for (const [job, why, builtIn] of cases) {
      const out = await renderer.render('technician.job_unavailable', 'WHATSAPP', 'ID', replyTemplateVariables(job, { technicianName: 'Lufti', customer: null, ...why }));
      expect(out.text).toBe(builtIn);
    }
    // The take confirmation without a customer, address, problem or SLA deadline: `-` lines, no SLA line.
    const bare: Job = { ...base, status: 'ASSIGNED' };
    const out = await renderer.render('technician.job_taken', 'WHATSAPP', 'ID', replyTemplateVariables(bare, { technicianName: 'Lufti', customer: null }));
    expect(out.text).toBe(REPLY_TEXTS.assigned(bare, null));
  });

  it('an operator\'s edit of technician.job_taken (UpsertTemplate) is what the technician gets after "1"', async () => {
    const edited = await callUnary(stack.adminTemplate!, 'upsertTemplate', templatev1.UpsertTemplateRequest.fromPartial({
      key: 'technician.job_taken', channel: commonv1.Channel.CHANNEL_WHATSAPP, locale: commonv1.Locale.LOCALE_ID,
      body: '🛠️ *{{ ticket_number }} SEKARANG TUGAS ANDA*\nHalo {{ technician_name }}: {{ customer_name }} ({{ customer_phone | phone }}), prioritas {{ priority | capitalize }}.\n👉 Balas *1* saat mulai.',
      description: 'Edited by an operator (test)',
    }));
    expect(edited.template!.version).toBeGreaterThan(1);
    const tech = await createTechnician('Rina', 'subang');
    const t = await createTicket('subang');
    const r = await one(tech.e164);
    expect(r).toMatchObject({ action: 'assigned', ticketId: t.id });
    expect(r.reply).toBe(`🛠️ *${t.number} SEKARANG TUGAS ANDA*\nHalo Rina: Budi Santoso (+6281234567002), prioritas High.\n👉 Balas *1* saat mulai.`);
    expect(sender.to(tech.e164)).toEqual([expect.objectContaining({ text: r.reply, priority: 'URGENT', ticketId: t.id })]);
  });

  it('the template service unreachable: the take is done and confirmed with the built-in text, with a warning', async () => {
    const tech = await createTechnician('Gilang', 'depok');
    const t = await createTicket('depok');
    const dead = createClient(templatev1.TemplateServiceClient, '127.0.0.1:1', { apiKey: KEYS.service });
    const lines: string[] = [];
    try {
      const h = createTechnicianReplyHandler({
        customers: new GrpcRecipientDirectory(stack.customer), customer: stack.customer, ticket: stack.ticket, sender, deadlineMs: 1_000,
        logger: createLogger({ service: 'gateway', level: 'warn', destination: { write: (l: string) => void lines.push(l) } }),
        templates: new GrpcTemplateRenderer(dead),
      });
      const r = await h.handle({ provider: 'fonnte', from: tech.e164, text: '1', isGroup: false });
      expect(r).toMatchObject({ action: 'assigned', ticketId: t.id, reply: REPLY_TEXTS.assigned(await jobOf(t.id), BUDI) });
      expect(sender.to(tech.e164).map((x) => x.text)).toEqual([r.reply]);
      expect(lines.some((l) => l.includes('technician.job_taken') && l.includes('answering with the built-in text'))).toBe(true);
    } finally {
      dead.close();
    }
  });
});

/**
 * The real ticket client, except that after the first ListTickets of OPEN tickets answers, `hook`
 * runs to completion before the answer is handed on: it makes "someone else took it between my
 * read and my write" happen deterministically, against the real service.
 */
function withListHook(client: ticketv1.TicketServiceClient, hook: () => Promise<unknown>): ticketv1.TicketServiceClient {
  let fired = false;
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'listTickets' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return (req: ticketv1.ListTicketsRequest, md: unknown, opts: unknown, cb: (err: unknown, res: ticketv1.ListTicketsResponse) => void) =>
        (value as (...a: unknown[]) => unknown).call(target, req, md, opts, (err: unknown, res: ticketv1.ListTicketsResponse) => {
          const isOpenQuery = req.statuses.includes(S.TICKET_STATUS_OPEN);
          if (err || fired || !isOpenQuery) return cb(err, res);
          fired = true;
          hook().then(() => cb(err, res), (e: unknown) => cb(e, res));
        });
    },
  });
}

/**
 * The real ticket client, except that `method`'s call reaches the real service (which commits)
 * and then the caller is told DEADLINE_EXCEEDED, as when an answer is lost after the request
 * was sent.
 */
function withLostAnswer(client: ticketv1.TicketServiceClient, method: 'assignTicket' | 'startTicket' | 'completeTicket'): ticketv1.TicketServiceClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== method || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return (req: unknown, md: unknown, opts: unknown, cb: (err: unknown, res: unknown) => void) =>
        (value as (...a: unknown[]) => unknown).call(target, req, md, opts, (err: unknown, res: unknown) => {
          if (err) return cb(err, res);
          cb(Object.assign(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded'), { code: grpc.status.DEADLINE_EXCEEDED, details: 'Deadline exceeded', metadata: new grpc.Metadata() }), undefined);
        });
    },
  });
}
