import { ConflictError, FailedPreconditionError, TimeoutError, UnavailableError } from '@notify/errors';
import { createLogger } from '@notify/logger';
import {
  InMemoryInboundDedupe,
  REPLY_TEXTS,
  TechnicianReplyUseCase,
  type InboundReply,
  type Job,
  type JobActor,
  type JobBoard,
  type StaffDirectory,
  type StaffMember,
} from '../../src/application/replies';
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

const LUFTI: StaffMember = { id: 's-1', name: 'Lufti', phone: '6282291921583', isTechnician: true, active: true, workZones: ['karawang'] };
const ROAMER: StaffMember = { id: 's-2', name: 'Rudi', phone: '6281311112222', isTechnician: true, active: true, workZones: [] };
const IDLE: StaffMember = { id: 's-3', name: 'Iwan', phone: '6281311113333', isTechnician: true, active: false, workZones: ['karawang'] };

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
    expect(sender.sent).toEqual([{ to: '6282291921583', text: r.reply, provider: 'fonnte' }]);
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
    expect(r).toEqual({ action: 'not_a_technician', reply: REPLY_TEXTS.inactiveTechnician('Iwan') });
    expect(board.jobs.get(t.id)!.status).toBe('OPEN');
  });

  it('only OPEN jobs of the technician\'s zones are offered; a technician without zones covers all', async () => {
    const far = board.add({ workZone: 'bekasi' });
    expect(await make().handle(msg(LUFTI.phone, '1'))).toEqual({ action: 'nothing_in_reach', reply: REPLY_TEXTS.nothingInReach(['karawang']) });
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
    expect(r).toEqual({ action: 'already_taken', reply: REPLY_TEXTS.changedMeanwhile(j), ticketId: j.id });
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
    expect(r).toEqual({ action: 'assigned', reply: REPLY_TEXTS.assigned({ ...t, status: 'ASSIGNED', technicianId: 's-1', version: 2 }), ticketId: t.id });
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
