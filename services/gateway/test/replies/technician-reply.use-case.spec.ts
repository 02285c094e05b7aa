import { ConflictError, FailedPreconditionError, NotFoundError, TimeoutError, UnavailableError, ValidationError } from '@notify/errors';
import { createLogger } from '@notify/logger';
import {
  InMemoryInboundDedupe,
  REPLY_TEXTS,
  TechnicianReplyUseCase,
  type InboundReply,
  type CustomerContact,
  type CustomerDirectory,
  type InboundDedupe,
  type Job,
  type JobActor,
  type JobBoard,
  type JobMessageLog,
  type JobMessageRef,
  type ReplyTemplateRenderer,
  type StaffDirectory,
  type StaffMember,
} from '../../src/application/replies';
import type { RenderedText } from '../../src/application/ports';
import { RecordingReplySender } from './support/recording-reply-sender';

/**
 * An in-memory ticket board with the ticket service's rules that matter here: a take needs
 * OPEN (FailedPrecondition otherwise), start needs ASSIGNED, complete needs IN_PROGRESS, a
 * stale expected version is a Conflict; each change bumps the version.
 */
class InMemoryJobBoard implements JobBoard {
  readonly jobs = new Map<string, Job>();
  readonly history: Array<{ ticket: string; step: string; actor: JobActor }> = [];
  down = false;
  private seq = 0;

  add(over: Partial<Job> = {}): Job {
    const n = ++this.seq;
    const j: Job = {
      id: `t-${n}`,
      number: `GGN-20261122-${String(n).padStart(4, '0')}`,
      kind: 'GANGGUAN',
      status: 'OPEN',
      version: 1,
      workZone: 'karawang',
      address: 'Jl. Mawar 1',
      description: 'Internet mati',
      technicianId: '',
      customerId: 'c-1',
      createdAt: new Date(Date.UTC(2026, 10, 22, 0, n)),
      ...over,
    };
    this.jobs.set(j.id, j);
    return j;
  }

  private check(): void {
    if (this.down) throw new UnavailableError('ticket service down (test)');
  }
  async jobsOf(technicianId: string, status: 'ASSIGNED' | 'IN_PROGRESS'): Promise<Job[]> {
    this.check();
    return [...this.jobs.values()].filter((j) => j.technicianId === technicianId && j.status === status);
  }
  async get(ticketId: string): Promise<Job | null> {
    this.check();
    return this.jobs.get(ticketId) ?? null;
  }
  async openJobs(workZone?: string): Promise<Job[]> {
    this.check();
    return [...this.jobs.values()].filter((j) => j.status === 'OPEN' && (!workZone || j.workZone === workZone));
  }
  private move(job: Job, from: Job['status'], to: Job['status'], actor: JobActor, step: string, extra: Partial<Job> = {}): Job {
    this.check();
    const cur = this.jobs.get(job.id)!;
    if (cur.status !== from) throw new FailedPreconditionError(`ticket ${cur.number} is ${cur.status}`);
    if (cur.version !== job.version) throw new ConflictError(`ticket ${cur.number} changed`);
    const next = { ...cur, ...extra, status: to, version: cur.version + 1 };
    this.jobs.set(job.id, next);
    this.history.push({ ticket: job.id, step, actor });
    return next;
  }
  async take(job: Job, actor: JobActor): Promise<Job> {
    return this.move(job, 'OPEN', 'ASSIGNED', actor, 'take', { technicianId: actor.staffId });
  }
  async start(job: Job, actor: JobActor): Promise<Job> {
    return this.move(job, 'ASSIGNED', 'IN_PROGRESS', actor, 'start', { startedAt: new Date('2026-11-22T03:00:00Z') });
  }
  async complete(job: Job, actor: JobActor): Promise<Job> {
    return this.move(job, 'IN_PROGRESS', 'COMPLETED', actor, 'complete');
  }
}

class InMemoryStaffDirectory implements StaffDirectory {
  readonly lookups: string[] = [];
  constructor(private readonly staff: StaffMember[]) {}
  async findByPhone(phone: string): Promise<StaffMember | null> {
    this.lookups.push(phone);
    return this.staff.find((s) => s.phone === phone) ?? null;
  }
}

/**
 * The delivery log as the reply flow reads it: `sent(address, job)` records a job message (an
 * offer, an assignment notice) sent to `address`; `answeredSince` is whether the recording sender
 * answered `phone` after that message (as PgJobMessageLog reads the flow's `reply:` deliveries).
 */
class InMemoryJobMessageLog implements JobMessageLog {
  private readonly messages: Array<{ address: string; ticketId: string; sentAt: Date; repliesBefore: number }> = [];
  private seq = 0;
  constructor(private readonly sender: RecordingReplySender) {}

  sent(address: string, job: Job): void {
    this.messages.push({ address, ticketId: job.id, sentAt: new Date(Date.UTC(2026, 10, 22, 1, ++this.seq)), repliesBefore: this.sender.sent.length });
  }

  async latest(address: string, phone: string): Promise<JobMessageRef | null> {
    const m = this.messages.filter((x) => x.address === address).at(-1);
    if (!m) return null;
    return { ticketId: m.ticketId, sentAt: m.sentAt, answeredSince: this.sender.sent.slice(m.repliesBefore).some((r) => r.to === phone) };
  }
}

class InMemoryCustomers implements CustomerDirectory {
  down = false;
  constructor(private readonly byId: Record<string, CustomerContact>) {}
  async customer(id: string): Promise<CustomerContact | null> {
    if (this.down) throw new UnavailableError('customer service down (test)');
    return this.byId[id] ?? null;
  }
}

const LUFTI: StaffMember = { id: 's-1', name: 'Lufti', phone: '6282291921583', isTechnician: true, active: true, workZones: ['karawang'] };
const ROAMER: StaffMember = { id: 's-2', name: 'Rudi', phone: '6281311112222', isTechnician: true, active: true, workZones: [] };
const IDLE: StaffMember = { id: 's-3', name: 'Iwan', phone: '6281311113333', isTechnician: true, active: false, workZones: ['karawang'] };
/** The answer's recipient as the flow names a staff writer. */
const asRecipient = (s: StaffMember) => ({ kind: 'STAFF', id: s.id, name: s.name });

describe('TechnicianReplyUseCase (in-memory ports)', () => {
  let board: InMemoryJobBoard;
  let staff: InMemoryStaffDirectory;
  let sender: RecordingReplySender;
  let logLines: string[];
  const NOW = new Date('2026-11-22T07:00:00Z');
  const make = (dedupe?: InMemoryInboundDedupe) =>
    new TechnicianReplyUseCase({
      staff,
      jobs: board,
      sender,
      clock: () => NOW,
      logger: createLogger({ service: 'gateway', level: 'info', destination: { write: (l: string) => void logLines.push(l) } }),
      ...(dedupe ? { dedupe } : {}),
    });
  const msg = (from: string, text: string, over: Partial<InboundReply> = {}): InboundReply => ({ provider: 'fonnte', from, text, isGroup: false, ...over });

  beforeEach(() => {
    board = new InMemoryJobBoard();
    staff = new InMemoryStaffDirectory([LUFTI, ROAMER, IDLE]);
    sender = new RecordingReplySender();
    logLines = [];
  });

  it('reads the sender in any common form (local 08… number) and answers to E.164 digits', async () => {
    const t = board.add();
    const r = await make().handle(msg('082291921583', '1'));
    expect(r).toMatchObject({ action: 'assigned', ticketId: t.id });
    expect(sender.sent).toEqual([{ to: '6282291921583', text: r.reply, provider: 'fonnte', priority: 'URGENT', ticketId: t.id, recipient: asRecipient(LUFTI) }]);
    expect(board.history).toEqual([{ ticket: t.id, step: 'take', actor: { staffId: 's-1', name: 'Lufti' } }]);
  });

  it('group chatter (not "1") is not answered and looks nothing up', async () => {
    board.add();
    const r = await make().handle(msg('6282291921583', 'siap pak', { isGroup: true, group: '120363042111111111@g.us' }));
    expect(r).toEqual({ action: 'not_a_command', reply: '' });
    expect(sender.sent).toEqual([]);
    expect(staff.lookups).toEqual([]);
  });

  it('"1" written in a group acts for the member and answers them personally', async () => {
    const t = board.add();
    const r = await make().handle(msg('6282291921583', '1', { isGroup: true, group: '120363042111111111@g.us' }));
    expect(r).toMatchObject({ action: 'assigned', ticketId: t.id });
    expect(sender.sent.map((s) => s.to)).toEqual(['6282291921583']);
  });

  it('a sender that is not a phone number is unknown and nothing is sent', async () => {
    const r = await make().handle(msg('not-a-number', '1'));
    expect(r).toEqual({ action: 'unknown_sender', reply: '' });
    expect(sender.sent).toEqual([]);
    expect(staff.lookups).toEqual([]);
  });

  it('an inactive technician is told so and nothing changes', async () => {
    const t = board.add();
    const r = await make().handle(msg(IDLE.phone, '1'));
    expect(r).toEqual({ action: 'not_a_technician', reply: REPLY_TEXTS.inactiveTechnician('Iwan'), recipient: asRecipient(IDLE) });
    expect(board.jobs.get(t.id)!.status).toBe('OPEN');
  });

  it('only OPEN jobs of the technician\'s zones are offered; a technician without zones covers all', async () => {
    const far = board.add({ workZone: 'bekasi' });
    expect(await make().handle(msg(LUFTI.phone, '1'))).toEqual({ action: 'nothing_in_reach', reply: REPLY_TEXTS.nothingInReach(['karawang']), recipient: asRecipient(LUFTI) });
    expect(await make().handle(msg(ROAMER.phone, '1'))).toMatchObject({ action: 'assigned', ticketId: far.id });
  });

  it('finishes the job in progress before starting an assigned one', async () => {
    const assigned = board.add({ status: 'ASSIGNED', technicianId: 's-1' });
    const busy = board.add({ status: 'IN_PROGRESS', technicianId: 's-1', version: 3 });
    const uc = make();
    const r1 = await uc.handle(msg(LUFTI.phone, '1'));
    expect(r1).toMatchObject({ action: 'completed', ticketId: busy.id });
    expect(r1.reply).toBe(REPLY_TEXTS.completed({ ...busy, status: 'COMPLETED', version: 4 }, NOW));
    expect(r1.reply).toContain('22/11/2026 14:00 WIB'); // no completed_at on the job → the clock
    const r2 = await uc.handle(msg(LUFTI.phone, '1'));
    expect(r2).toMatchObject({ action: 'started', ticketId: assigned.id });
    expect(r2.reply).toContain('22/11/2026 10:00 WIB'); // the ticket's started_at
  });

  it('a start that loses to another change is answered "changed meanwhile", nothing changes', async () => {
    const j = board.add({ status: 'ASSIGNED', technicianId: 's-1' });
    const racing: JobBoard = Object.assign(Object.create(board) as JobBoard, {
      start: async (job: Job, actor: JobActor) => {
        board.jobs.set(j.id, { ...board.jobs.get(j.id)!, version: 7 }); // someone else changed it
        return board.start(job, actor);
      },
    });
    const uc = new TechnicianReplyUseCase({ staff, jobs: racing, sender, clock: () => NOW, logger: createLogger({ service: 'gateway', level: 'silent' }) });
    const r = await uc.handle(msg(LUFTI.phone, '1'));
    expect(r).toEqual({ action: 'already_taken', reply: REPLY_TEXTS.changedMeanwhile(j), ticketId: j.id, recipient: asRecipient(LUFTI) });
    expect(board.jobs.get(j.id)!.status).toBe('ASSIGNED');
  });

  it('a take whose answer is lost (DEADLINE_EXCEEDED) but which did happen is confirmed, not "try again"', async () => {
    const t = board.add();
    const lossy: JobBoard = Object.assign(Object.create(board) as JobBoard, {
      take: async (job: Job, actor: JobActor) => {
        await board.take(job, actor);
        throw new TimeoutError('deadline exceeded (test)');
      },
    });
    const uc = new TechnicianReplyUseCase({ staff, jobs: lossy, sender, clock: () => NOW, logger: createLogger({ service: 'gateway', level: 'silent' }) });
    const r = await uc.handle(msg(LUFTI.phone, '1'));
    expect(r).toEqual({ action: 'assigned', reply: REPLY_TEXTS.assigned({ ...t, status: 'ASSIGNED', technicianId: 's-1', version: 2 }, null), ticketId: t.id, recipient: asRecipient(LUFTI) });
    expect(board.history).toHaveLength(1);
  });

  it('a take that timed out and did not happen is "failed"', async () => {
    const t = board.add();
    const lossy: JobBoard = Object.assign(Object.create(board) as JobBoard, {
      take: async () => {
        throw new TimeoutError('deadline exceeded (test)');
      },
    });
    const uc = new TechnicianReplyUseCase({ staff, jobs: lossy, sender, clock: () => NOW, logger: createLogger({ service: 'gateway', level: 'silent' }) });
    expect(await uc.handle(msg(LUFTI.phone, '1'))).toEqual({ action: 'failed', reply: REPLY_TEXTS.failed() });
    expect(board.jobs.get(t.id)!.status).toBe('OPEN');
  });

  it('the ticket service down → failed, "try again" answer, error logged', async () => {
    board.add();
    board.down = true;
    const r = await make().handle(msg(LUFTI.phone, '1'));
    expect(r).toEqual({ action: 'failed', reply: REPLY_TEXTS.failed() });
    expect(sender.sent.map((s) => s.text)).toEqual([REPLY_TEXTS.failed()]);
    expect(logLines.some((l) => l.includes('technician reply failed') && l.includes('ticket service down'))).toBe(true);
  });

  it('a reply that cannot be sent is logged; the take stands', async () => {
    const t = board.add();
    sender.failNext = 1;
    const r = await make().handle(msg(LUFTI.phone, '1'));
    expect(r).toMatchObject({ action: 'assigned', ticketId: t.id });
    expect(board.jobs.get(t.id)!.status).toBe('ASSIGNED');
    expect(logLines.some((l) => l.includes('could not be sent'))).toBe(true);
    expect(logLines.join('\n')).not.toContain('6282291921583'); // phones are masked in logs
  });

  it('without a dedupe port (the default) a redelivered message acts again; with one it acts once', async () => {
    board.add();
    const again = msg(LUFTI.phone, '1', { messageId: 'inbox-1' });
    const plain = make();
    expect((await plain.handle(again)).action).toBe('assigned');
    expect((await plain.handle(again)).action).toBe('started');

    const guarded = make(new InMemoryInboundDedupe());
    expect((await guarded.handle(again)).action).toBe('completed');
    expect(await guarded.handle(again)).toEqual({ action: 'duplicate', reply: '' });
    expect(sender.sent).toHaveLength(3);
  });

  it('a message without an id is never treated as a duplicate', async () => {
    board.add();
    board.add();
    const uc = make(new InMemoryInboundDedupe());
    expect((await uc.handle(msg(LUFTI.phone, '1'))).action).toBe('assigned');
    expect((await uc.handle(msg(LUFTI.phone, '1'))).action).toBe('started');
  });
});

describe('TechnicianReplyUseCase: "1" answers the latest job message (review fixes)', () => {
  let board: InMemoryJobBoard;
  let sender: RecordingReplySender;
  let log: InMemoryJobMessageLog;
  let customers: InMemoryCustomers;
  const NOW = new Date('2026-11-22T07:00:00Z');
  const make = (over: { dedupe?: InboundDedupe; messages?: JobMessageLog | null } = {}) =>
    new TechnicianReplyUseCase({
      staff: new InMemoryStaffDirectory([LUFTI, ROAMER, IDLE]),
      jobs: board,
      sender,
      clock: () => NOW,
      logger: createLogger({ service: 'gateway', level: 'silent' }),
      customers,
      ...(over.messages === null ? {} : { messages: over.messages ?? log }),
      ...(over.dedupe ? { dedupe: over.dedupe } : {}),
    });
  const one = (from: string, over: Partial<InboundReply> = {}): InboundReply => ({ provider: 'fonnte', from, text: '1', isGroup: false, ...over });

  beforeEach(() => {
    board = new InMemoryJobBoard();
    sender = new RecordingReplySender();
    log = new InMemoryJobMessageLog(sender);
    customers = new InMemoryCustomers({ 'c-1': { name: 'Budi Santoso', phone: '6281234567001' } });
  });

  it('a busy technician answering a new offer takes the NEW job; the job in progress is untouched (and not completed)', async () => {
    const a = board.add({ status: 'IN_PROGRESS', technicianId: 's-1', version: 3 });
    log.sent(LUFTI.phone, a); // A's offer, long ago
    const b = board.add();
    log.sent(LUFTI.phone, b); // the offer of B: "Balas *1* untuk mengambil tiket ini"
    const uc = make();

    const r1 = await uc.handle(one(LUFTI.phone));
    expect(r1).toMatchObject({ action: 'assigned', ticketId: b.id });
    expect(board.jobs.get(b.id)).toMatchObject({ status: 'ASSIGNED', technicianId: 's-1' });
    expect(board.jobs.get(a.id)).toMatchObject({ status: 'IN_PROGRESS', version: 3 });
    expect(board.history).toEqual([{ ticket: b.id, step: 'take', actor: { staffId: 's-1', name: 'Lufti' } }]);

    // The take confirmation says "Balas *1* saat Anda mulai mengerjakan": the next "1" starts B, then completes B.
    expect(await uc.handle(one(LUFTI.phone))).toMatchObject({ action: 'started', ticketId: b.id });
    expect(await uc.handle(one(LUFTI.phone))).toMatchObject({ action: 'completed', ticketId: b.id });
    expect(board.jobs.get(a.id)!.status).toBe('IN_PROGRESS');
    // B is done and they have been answered since its offer: the priority order finds A.
    expect(await uc.handle(one(LUFTI.phone))).toMatchObject({ action: 'completed', ticketId: a.id });
  });

  it('of two offers, "1" takes the one offered last, not the oldest', async () => {
    const older = board.add();
    log.sent(LUFTI.phone, older);
    const newer = board.add();
    log.sent(LUFTI.phone, newer);
    expect(await make().handle(one(LUFTI.phone))).toMatchObject({ action: 'assigned', ticketId: newer.id });
    expect(board.jobs.get(older.id)!.status).toBe('OPEN');
  });

  it('an offer another technician took before the "1": already taken, nothing changes (the job in progress stays); the next "1" goes on with their own job', async () => {
    const a = board.add({ status: 'IN_PROGRESS', technicianId: 's-1', version: 3 });
    const b = board.add();
    log.sent(LUFTI.phone, b);
    await board.take(b, { staffId: 's-9', name: 'Andi' });
    const uc = make();
    const r = await uc.handle(one(LUFTI.phone));
    expect(r).toEqual({ action: 'already_taken', reply: REPLY_TEXTS.alreadyTaken(board.jobs.get(b.id)!), ticketId: b.id, recipient: asRecipient(LUFTI) });
    expect(board.jobs.get(a.id)).toMatchObject({ status: 'IN_PROGRESS', version: 3 });
    expect(sender.sent.map((x) => x.text)).toEqual([r.reply]);
    // Answered since the offer: the next "1" is theirs to direct at their own work.
    expect(await uc.handle(one(LUFTI.phone))).toMatchObject({ action: 'completed', ticketId: a.id });
  });

  it('a cancelled offer: the answer says so and nothing changes', async () => {
    const mine = board.add({ status: 'ASSIGNED', technicianId: 's-1' });
    const gone = board.add({ status: 'CANCELLED' });
    log.sent(LUFTI.phone, gone);
    const r = await make().handle(one(LUFTI.phone));
    expect(r).toEqual({ action: 'already_taken', reply: REPLY_TEXTS.jobUnavailable(gone), ticketId: gone.id, recipient: asRecipient(LUFTI) });
    expect(r.reply).toContain('dibatalkan');
    expect(board.jobs.get(mine.id)!.status).toBe('ASSIGNED');
  });

  it('a "1" in a group answers the latest offer posted in that group', async () => {
    const a = board.add();
    const b = board.add();
    log.sent('120363042111111111@g.us', b);
    log.sent(LUFTI.phone, a); // a personal offer, sent after b was posted in the group: a "1" in the group still answers the group's offer
    const r = await make().handle(one(LUFTI.phone, { isGroup: true, group: '120363042111111111@g.us' }));
    expect(r).toMatchObject({ action: 'assigned', ticketId: b.id });
    expect(sender.sent.map((x) => x.to)).toEqual([LUFTI.phone]);
  });

  it('an offer outside their work zones is not taken: they are told, nothing changes', async () => {
    const far = board.add({ workZone: 'bekasi' });
    log.sent(LUFTI.phone, far);
    expect(await make().handle(one(LUFTI.phone))).toEqual({ action: 'already_taken', reply: REPLY_TEXTS.jobUnavailable(far), ticketId: far.id, recipient: asRecipient(LUFTI) });
    expect(board.jobs.get(far.id)!.status).toBe('OPEN');
  });

  it('without job messages the priority order still applies (the fallback)', async () => {
    const busy = board.add({ status: 'IN_PROGRESS', technicianId: 's-1' });
    board.add();
    expect(await make().handle(one(LUFTI.phone))).toMatchObject({ action: 'completed', ticketId: busy.id });
    expect(await make({ messages: null }).handle(one(LUFTI.phone))).toMatchObject({ action: 'assigned' });
  });

  it('the inbound message cannot be recorded (dedupe claim fails): handle rejects so the webhook answers non-200; nothing is done or sent', async () => {
    const t = board.add();
    log.sent(LUFTI.phone, t);
    const broken: InboundDedupe = { claim: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) };
    await expect(make({ dedupe: broken }).handle(one(LUFTI.phone, { messageId: 'inbox-9' }))).rejects.toBeInstanceOf(UnavailableError);
    expect(board.jobs.get(t.id)!.status).toBe('OPEN');
    expect(board.history).toEqual([]);
    expect(sender.sent).toEqual([]);
    // The provider's redelivery, once the database is back, acts.
    expect(await make({ dedupe: new InMemoryInboundDedupe() }).handle(one(LUFTI.phone, { messageId: 'inbox-9' }))).toMatchObject({ action: 'assigned', ticketId: t.id });
  });

  it('confirmations of a step are URGENT; help, unknown-sender, nothing-in-reach, already-taken and "try again" answers are HIGH (rate limited)', async () => {
    const uc = make({ messages: null });
    await uc.handle(one('6281399998888')); // unknown sender
    await uc.handle(one(LUFTI.phone, { text: 'halo' })); // help
    await uc.handle(one(LUFTI.phone)); // nothing in reach
    await uc.handle(one(IDLE.phone)); // inactive technician
    const t = board.add();
    await uc.handle(one(LUFTI.phone)); // taken
    await uc.handle(one(LUFTI.phone)); // started
    await uc.handle(one(LUFTI.phone)); // completed
    board.down = true;
    await uc.handle(one(LUFTI.phone)); // failed: try again
    expect(sender.sent.map((x) => x.priority)).toEqual(['HIGH', 'HIGH', 'HIGH', 'HIGH', 'URGENT', 'URGENT', 'URGENT', 'HIGH']);
    expect(t.id).toBe('t-1');

    board.down = false;
    const other = board.add();
    log.sent(ROAMER.phone, other);
    await board.take(other, { staffId: 's-9', name: 'Andi' });
    await make().handle(one(ROAMER.phone)); // already taken
    expect(sender.sent.at(-1)).toMatchObject({ to: ROAMER.phone, priority: 'HIGH' });
  });

  it('the take confirmation names the customer (name, +62 phone) and the SLA deadline', async () => {
    const t = board.add({ slaDueAt: new Date('2026-11-22T10:15:00Z') });
    log.sent(LUFTI.phone, t);
    const r = await make().handle(one(LUFTI.phone));
    expect(r).toMatchObject({ action: 'assigned', ticketId: t.id });
    expect(r.reply).toContain('👤 Pelanggan: Budi Santoso\n');
    expect(r.reply).toContain('📞 Kontak: +6281234567001\n');
    expect(r.reply).toContain('⏳ Batas SLA: 22/11/2026 17:15 WIB\n');
    expect(r.reply).toContain(`🎫 Nomor: ${t.number}\n`);
    expect(r.reply).toBe(REPLY_TEXTS.assigned(board.jobs.get(t.id)!, { name: 'Budi Santoso', phone: '6281234567001' }));
  });

  it('the customer service down after the take: the take stands and is confirmed without the customer lines', async () => {
    const t = board.add();
    customers.down = true;
    const r = await make({ messages: null }).handle(one(LUFTI.phone));
    expect(r).toMatchObject({ action: 'assigned', ticketId: t.id });
    expect(r.reply).toContain('👤 Pelanggan: -\n');
    expect(board.jobs.get(t.id)!.status).toBe('ASSIGNED');
  });

  it('the take confirmation shows the ticket and directory values on their own lines only (no forged lines, no formatting)', () => {
    const job = {
      id: 't-x', number: 'GGN-20261122-0099', kind: 'GANGGUAN', status: 'ASSIGNED', version: 2, workZone: 'karawang',
      address: 'Jl. *Mawar*\n1', description: 'Internet mati total\n✅ Status: COMPLETED', technicianId: 's-1', customerId: 'c-1', createdAt: new Date(),
    } as Job;
    const text = REPLY_TEXTS.assigned(job, { name: 'Budi_Santoso', phone: '6281234567001' });
    expect(text.split('\n')).toEqual([
      '✅ *PEKERJAAN BERHASIL DIAMBIL*',
      '',
      '🎫 Nomor: GGN-20261122-0099',
      '👤 Pelanggan: Budi_Santoso', // inside a word `_` is no WhatsApp marker: kept
      '📞 Kontak: +6281234567001',
      '📍 Alamat: Jl. ∗Mawar∗. 1',
      '🔧 Masalah: Internet mati total. ✅ Status: COMPLETED',
      '⏰ Status: ASSIGNED',
      '',
      'Pelanggan akan diberi tahu. Balas *1* saat Anda mulai mengerjakan.',
    ]);
  });
});

/**
 * The template service as the reply flow sees it: renders `[key] ticket status` (so a test sees
 * which template answered) and records every call; can fail, hang or render nothing.
 */
class FakeTemplates implements ReplyTemplateRenderer {
  readonly calls: Array<{ key: string; channel: string; locale: string; variables: Record<string, unknown> }> = [];
  fail: Error | null = null;
  hang = false;
  empty = false;
  async render(key: string, channel: 'WHATSAPP' | 'SMS', locale: 'ID' | 'EN', variables: Record<string, unknown>): Promise<RenderedText> {
    this.calls.push({ key, channel, locale, variables });
    if (this.hang) return new Promise<RenderedText>(() => undefined);
    if (this.fail) throw this.fail;
    return { text: this.empty ? ' \n' : `[${key}] ${String(variables['ticket_number'])} ${String(variables['status'])}`, version: 3, locale: 'ID' };
  }
}

describe('TechnicianReplyUseCase: the answers about a ticket come from the template service (rule 9)', () => {
  let board: InMemoryJobBoard;
  let sender: RecordingReplySender;
  let log: InMemoryJobMessageLog;
  let customers: InMemoryCustomers;
  let templates: FakeTemplates;
  let logLines: string[];
  const NOW = new Date('2026-11-22T07:00:00Z');
  const make = (over: { templateDeadlineMs?: number; jobs?: JobBoard; templates?: ReplyTemplateRenderer | null } = {}) =>
    new TechnicianReplyUseCase({
      staff: new InMemoryStaffDirectory([LUFTI, ROAMER, IDLE]),
      jobs: over.jobs ?? board,
      sender,
      clock: () => NOW,
      logger: createLogger({ service: 'gateway', level: 'info', destination: { write: (l: string) => void logLines.push(l) } }),
      customers,
      messages: log,
      ...(over.templates === null ? {} : { templates: over.templates ?? templates }),
      ...(over.templateDeadlineMs ? { templateDeadlineMs: over.templateDeadlineMs } : {}),
    });
  const one = (from: string): InboundReply => ({ provider: 'fonnte', from, text: '1', isGroup: false });
  const keys = () => templates.calls.map((c) => c.key);

  beforeEach(() => {
    board = new InMemoryJobBoard();
    sender = new RecordingReplySender();
    log = new InMemoryJobMessageLog(sender);
    customers = new InMemoryCustomers({ 'c-1': { name: 'Budi_Santoso', phone: '6281234567001' } });
    templates = new FakeTemplates();
    logLines = [];
  });

  it('take, start, complete: each confirmation is its template rendered (WHATSAPP, id), and that text is what is sent', async () => {
    const t = board.add({ slaDueAt: new Date('2026-11-22T10:15:00Z'), priority: 'high', address: 'Jl. *Mawar*\n1', description: 'Internet mati\nsejak pagi' });
    log.sent(LUFTI.phone, t);
    const uc = make();
    const r1 = await uc.handle(one(LUFTI.phone));
    const r2 = await uc.handle(one(LUFTI.phone));
    const r3 = await uc.handle(one(LUFTI.phone));
    expect([r1, r2, r3].map((r) => [r.action, r.reply])).toEqual([
      ['assigned', `[technician.job_taken] ${t.number} ASSIGNED`],
      ['started', `[technician.job_started] ${t.number} IN_PROGRESS`],
      ['completed', `[technician.job_completed] ${t.number} COMPLETED`],
    ]);
    expect(sender.sent.map((x) => [x.text, x.priority])).toEqual([r1, r2, r3].map((r) => [r.reply, 'URGENT']));
    expect(templates.calls.map((c) => [c.key, c.channel, c.locale])).toEqual([
      ['technician.job_taken', 'WHATSAPP', 'ID'],
      ['technician.job_started', 'WHATSAPP', 'ID'],
      ['technician.job_completed', 'WHATSAPP', 'ID'],
    ]);
    // The variables are raw (the template service escapes every value once): markers kept,
    // multi-line text joined as the built-in texts join it; phone as E.164 digits; times RFC 3339.
    expect(templates.calls[0]!.variables).toEqual({
      ticket_number: t.number, status: 'ASSIGNED', technician_name: 'Lufti', customer_name: 'Budi_Santoso', customer_phone: '6281234567001',
      address: 'Jl. *Mawar*. 1', description: 'Internet mati. sejak pagi', zone: 'Karawang', priority: 'high',
      created_at: t.createdAt.toISOString(), sla_deadline: '2026-11-22T10:15:00.000Z',
    });
    expect(templates.calls[1]!.variables).toMatchObject({ status: 'IN_PROGRESS', started_at: '2026-11-22T03:00:00.000Z', customer_name: 'Budi_Santoso' });
    // No completed_at on the job: the clock's time; the duration from the ticket's start.
    expect(templates.calls[2]!.variables).toMatchObject({
      status: 'COMPLETED', started_at: '2026-11-22T03:00:00.000Z', completed_at: NOW.toISOString(), duration_minutes: 240,
    });
    expect(templates.calls.every((c) => !('taken_by_other' in c.variables))).toBe(true);

    // Answers that are not about a ticket (help, nothing in reach, unknown sender, "try again") stay built-in.
    expect((await uc.handle({ ...one(LUFTI.phone), text: 'halo' })).reply).toBe(REPLY_TEXTS.notACommand());
    expect((await uc.handle(one(LUFTI.phone))).reply).toBe(REPLY_TEXTS.nothingInReach(['karawang']));
    expect((await uc.handle(one('6281399998888'))).reply).toBe(REPLY_TEXTS.unknownSender());
    board.add();
    board.down = true;
    expect((await uc.handle(one(LUFTI.phone))).reply).toBe(REPLY_TEXTS.failed());
    expect(keys()).toHaveLength(3);
  });

  it('"1" that cannot move the ticket renders technician.job_unavailable with its status and why', async () => {
    const held = board.add();
    await board.take(held, { staffId: 's-9', name: 'Andi' });
    log.sent(LUFTI.phone, held);
    const r = await make().handle(one(LUFTI.phone));
    expect(r).toEqual({ action: 'already_taken', reply: `[technician.job_unavailable] ${held.number} ASSIGNED`, ticketId: held.id, recipient: asRecipient(LUFTI) });
    expect(templates.calls[0]!.variables).toMatchObject({ ticket_number: held.number, status: 'ASSIGNED', taken_by_other: true, changed_meanwhile: false });

    const gone = board.add({ status: 'CANCELLED' });
    log.sent(ROAMER.phone, gone);
    expect((await make().handle(one(ROAMER.phone))).reply).toBe(`[technician.job_unavailable] ${gone.number} CANCELLED`);
    expect(templates.calls[1]!.variables).toMatchObject({ status: 'CANCELLED', taken_by_other: false, changed_meanwhile: false });
    expect(sender.sent.map((x) => x.priority)).toEqual(['HIGH', 'HIGH']);
  });

  it('a start that loses to another change renders technician.job_unavailable with changed_meanwhile; a lost take with taken_by_other', async () => {
    const j = board.add({ status: 'ASSIGNED', technicianId: 's-1' });
    const racing: JobBoard = Object.assign(Object.create(board) as JobBoard, {
      start: async (job: Job, actor: JobActor) => {
        board.jobs.set(j.id, { ...board.jobs.get(j.id)!, version: 7 });
        return board.start(job, actor);
      },
      take: async (job: Job) => {
        throw new FailedPreconditionError(`ticket ${job.number} is ASSIGNED`);
      },
    });
    const r = await make({ jobs: racing }).handle(one(LUFTI.phone));
    expect(r).toMatchObject({ action: 'already_taken', ticketId: j.id });
    expect(templates.calls[0]).toMatchObject({ key: 'technician.job_unavailable', variables: { status: 'ASSIGNED', taken_by_other: false, changed_meanwhile: true } });

    const open = board.add();
    expect(await make({ jobs: racing }).handle(one(ROAMER.phone))).toMatchObject({ action: 'already_taken', ticketId: open.id });
    expect(templates.calls[1]).toMatchObject({ key: 'technician.job_unavailable', variables: { status: 'OPEN', taken_by_other: true, changed_meanwhile: false } });
  });

  it.each([
    ['unavailable', () => new UnavailableError('template service down (test)')],
    ['no such template', () => new NotFoundError('template', 'technician.job_taken/WHATSAPP/id')],
    ['cannot render', () => new ValidationError('variables', 'missing variable: shift_name')],
  ])('the template service failing (%s): the step stands and the built-in text is sent, with a warning', async (_name, error) => {
    const t = board.add();
    log.sent(LUFTI.phone, t);
    templates.fail = error();
    const r = await make().handle(one(LUFTI.phone));
    expect(r).toEqual({
      action: 'assigned', reply: REPLY_TEXTS.assigned(board.jobs.get(t.id)!, { name: 'Budi_Santoso', phone: '6281234567001' }), ticketId: t.id, recipient: asRecipient(LUFTI),
    });
    expect(board.jobs.get(t.id)).toMatchObject({ status: 'ASSIGNED', technicianId: 's-1' });
    expect(sender.sent).toEqual([expect.objectContaining({ text: r.reply, priority: 'URGENT' })]);
    expect(logLines.some((l) => l.includes('"level":"warn"') && l.includes('technician.job_taken') && l.includes('answering with the built-in text'))).toBe(true);
  });

  it('the template service slower than the deadline: the built-in text, sent without waiting for it', async () => {
    const t = board.add({ status: 'IN_PROGRESS', technicianId: 's-1' });
    log.sent(LUFTI.phone, t);
    templates.hang = true;
    const started = Date.now();
    const r = await make({ templateDeadlineMs: 50 }).handle(one(LUFTI.phone));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(r).toMatchObject({ action: 'completed', reply: REPLY_TEXTS.completed({ ...t, status: 'COMPLETED', version: 2 }, NOW) });
    expect(sender.sent.map((x) => x.text)).toEqual([r.reply]);
    expect(logLines.some((l) => l.includes('technician.job_completed') && l.includes('no answer within 50 ms'))).toBe(true);
  });

  it('a template that renders nothing: the built-in text (never an empty message)', async () => {
    const held = board.add();
    await board.take(held, { staffId: 's-9', name: 'Andi' });
    log.sent(LUFTI.phone, held);
    templates.empty = true;
    const r = await make().handle(one(LUFTI.phone));
    expect(r.reply).toBe(REPLY_TEXTS.alreadyTaken(board.jobs.get(held.id)!));
    expect(logLines.some((l) => l.includes('rendered an empty text'))).toBe(true);
  });
});
