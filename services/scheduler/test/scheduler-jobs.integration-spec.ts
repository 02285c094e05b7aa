import { FailedPreconditionError } from '@notify/errors';
import { eventIdFrom } from '@notify/events';
import { callUnary } from '@notify/grpc-kit';
import { commonv1, customerv1, schedulerv1, ticketv1 } from '@notify/proto';
import { createTestNats, waitFor, type TestNats } from '@notify/testing';
import {
  MovableClock,
  newStack,
  observe,
  startCustomer,
  startScheduler,
  startTicket,
  type Stack,
} from './support/downstream-stack';

jest.setTimeout(90_000);

const OUTCOME = schedulerv1.JobRunOutcome;
const P = commonv1.Priority;
const DISTURBANCE = ticketv1.TicketType.TICKET_TYPE_DISTURBANCE;
const wib = (local: string): Date => new Date(`${local}+07:00`);

/**
 * The four jobs end to end: the REAL ticket and customer services (each on a fresh schema)
 * behind the scheduler's gRPC ports, the scheduler on its own schema with a clock the test
 * moves, one NATS namespace; the published schedule events are read back from the real
 * SCHEDULE stream (decodeEvent), escalations from the TICKET stream. Runs are started with
 * TriggerJob and awaited through ListJobRuns.
 */
describe('scheduler jobs against the real ticket and customer services', () => {
  const stack: Stack = newStack();
  let nats: TestNats;
  const ticketClock = new MovableClock(wib('2026-03-02T08:00:00'));
  const schedClock = new MovableClock(wib('2026-03-02T08:00:00'));
  let tickets: ticketv1.TicketServiceClient;
  let customers: customerv1.CustomerServiceClient;
  let scheduler: schedulerv1.SchedulerServiceClient;
  let schedulerService: Awaited<ReturnType<typeof startScheduler>>['service'];
  let schedule: Awaited<ReturnType<typeof observe>>;
  let ticketEvents: Awaited<ReturnType<typeof observe>>;
  const techs: string[] = [];
  /** The customer the tickets are for (CreateTicket refuses an unknown customer). */
  let customerId: string;

  beforeAll(async () => {
    nats = createTestNats('sched_jobs');
    stack.stops.push(() => nats.cleanup());
    const customer = await startCustomer(stack, nats);
    customers = customer.admin;
    const ticket = await startTicket(stack, nats, customer.addr, ticketClock);
    tickets = ticket.admin;
    const sched = await startScheduler(stack, nats, { ticket: ticket.addr, customer: customer.addr }, schedClock);
    scheduler = sched.admin;
    schedulerService = sched.service;
    schedule = await observe(stack, nats, 'schedule');
    ticketEvents = await observe(stack, nats, 'ticket');
    for (const [i, name] of ['Lufti', 'Budi', 'Sari', 'Dedi'].entries()) {
      const { staff } = await callUnary(customers, 'createStaff', {
        name,
        phone: `08129000${String(1000 + i)}`,
        role: commonv1.Role.ROLE_TECHNICIAN,
        workZones: ['karawang'],
      });
      techs.push(staff!.id);
    }
    const registered = await callUnary(customers, 'registerCustomer', customerv1.RegisterCustomerRequest.fromPartial({
      name: 'Budi Santoso', phone: '082291921583', address: 'Jl. Tuparev No. 1, Karawang', workZone: 'karawang', packageName: 'Home 30 Mbps', wantsInstallation: false,
    }));
    customerId = registered.customer!.id;
    // Dedi leaves: an inactive technician gets no weekly report and is not ranked.
    await callUnary(customers, 'updateStaff', { staff: { ...(await staffById(techs[3]!)), active: false }, updateMask: ['active'] });
  });

  afterAll(() => stack.stop());

  async function staffById(id: string): Promise<customerv1.Staff> {
    return (await callUnary(customers, 'getStaff', { id, phone: '', includeOptOuts: false })).staff!;
  }

  /** TriggerJob(name) and wait until that run has SUCCEEDED; resolves with the run. */
  async function runJob(name: string): Promise<schedulerv1.JobRun> {
    // The previous run is recorded done a moment before its queue job completes: a trigger in
    // between is refused as "already running" (FAILED_PRECONDITION); it is tried again then.
    const { run } = await waitFor(
      () => callUnary(scheduler, 'triggerJob', { name, actor: undefined }).catch((err: unknown) => {
        if (err instanceof FailedPreconditionError && /already running/.test(err.message)) return undefined;
        throw err;
      }),
      { timeoutMs: 10_000, intervalMs: 50, description: `a trigger of ${name}` },
    );
    return waitFor(
      async () => {
        const { runs } = await callUnary(scheduler, 'listJobRuns', { jobName: name, started: undefined, page: { pageSize: 20, pageToken: '' } });
        const done = runs.find((r) => r.id === run!.id && r.outcome !== OUTCOME.JOB_RUN_OUTCOME_RUNNING);
        if (done && done.outcome !== OUTCOME.JOB_RUN_OUTCOME_SUCCEEDED) throw new Error(`run ${done.id} of ${name}: ${done.error}`);
        return done;
      },
      { timeoutMs: 20_000 },
    );
  }

  /** The cron tick `at` of `name` (as pg-boss enqueues it) and wait until its run has SUCCEEDED. */
  async function runTick(name: 'daily_summary' | 'weekly_performance', at: Date): Promise<schedulerv1.JobRun> {
    const id = await schedulerService.engine.sendTick(name, at);
    expect(id).not.toBeNull();
    return waitFor(
      async () => {
        const { runs } = await callUnary(scheduler, 'listJobRuns', { jobName: name, started: undefined, page: { pageSize: 50, pageToken: '' } });
        const done = runs.find((r) => r.id === id && r.outcome !== OUTCOME.JOB_RUN_OUTCOME_RUNNING);
        if (done && done.outcome !== OUTCOME.JOB_RUN_OUTCOME_SUCCEEDED) throw new Error(`run ${done.id} of ${name}: ${done.error}`);
        return done;
      },
      { timeoutMs: 20_000 },
    );
  }

  async function createTicket(priority: commonv1.Priority, at: Date, title: string): Promise<ticketv1.Ticket> {
    ticketClock.set(at);
    const { ticket } = await callUnary(tickets, 'createTicket', {
      type: DISTURBANCE,
      customerId,
      title,
      description: 'Internet mati sejak pagi',
      address: 'Jl. Tuparev No. 1, Karawang',
      priority,
      workZone: 'karawang',
      requestId: '',
      actor: undefined,
    });
    return ticket!;
  }

  /** Assign at `assignedAt`, start and complete at `completedAt` (ticket clock). */
  async function resolveTicket(ticketId: string, technicianId: string, assignedAt: Date, completedAt: Date): Promise<void> {
    ticketClock.set(assignedAt);
    await callUnary(tickets, 'assignTicket', { ticketId, technicianId, reassign: false, expectedVersion: 0, actor: undefined });
    await callUnary(tickets, 'startTicket', { ticketId, expectedVersion: 0, actor: undefined });
    ticketClock.set(completedAt);
    await callUnary(tickets, 'completeTicket', { ticketId, notes: 'Kabel diganti', expectedVersion: 0, actor: undefined });
  }

  const events = <K extends string>(key: K) => schedule.filter((s) => s.event.key === key);
  const settle = () => new Promise((r) => setTimeout(r, 1500)); // lets a wrongly published extra event arrive before counting

  it('SLA monitor: run twice per window → one warning per ticket and threshold, escalation once per level', async () => {
    const t0 = wib('2026-03-02T08:00:00');
    const urgent = await createTicket(P.PRIORITY_URGENT, t0, 'SLA urgent'); // due 12:00 WIB; level 2 at 14:00
    const high = await createTicket(P.PRIORITY_HIGH, t0, 'SLA high'); // due 16:00 WIB
    const low = await createTicket(P.PRIORITY_LOW, t0, 'SLA low'); // due in 48 h
    const manual = await createTicket(P.PRIORITY_URGENT, t0, 'SLA urgent, escalated by hand'); // due 12:00 WIB
    ticketClock.set(wib('2026-03-02T09:00:00'));
    await callUnary(tickets, 'escalateTicket', { ticketId: manual.id, reason: 'Pelanggan VIP', level: 1, expectedVersion: 0, actor: undefined });
    ticketClock.set(wib('2026-03-02T09:30:00'));
    const mine = new Set([urgent.id, high.id, low.id, manual.id]);
    const warnings = () => events('schedule.sla_warning').filter((s) => s.event.key === 'schedule.sla_warning' && mine.has(s.event.payload.ticket!.id));

    schedClock.set(wib('2026-03-02T11:10:00')); // both urgent: 50 min left (≤ 60); high: 4 h 50 left (> 120 min)
    const first = await runJob('sla_monitor');
    const again = await runJob('sla_monitor');
    expect([first.itemsProduced, again.itemsProduced]).toEqual([2, 0]);
    await waitFor(() => warnings().length >= 2 || undefined, { timeoutMs: 10_000 });
    await settle();
    expect(warnings()).toHaveLength(2);
    const w = warnings().find((s) => s.event.key === 'schedule.sla_warning' && s.event.payload.ticket!.id === urgent.id)!;
    expect(w.msgID).toBe(eventIdFrom('sla_warning', urgent.id, '60'));
    expect(w.event.key === 'schedule.sla_warning' && w.event.payload).toMatchObject({
      thresholdMinutes: 60,
      remainingMinutes: 50,
      jobRunId: first.id,
      ticket: { id: urgent.id, priority: P.PRIORITY_URGENT },
    });

    schedClock.set(wib('2026-03-02T12:05:00')); // urgent past due → level 1 (manual: already at 1, no call); high 3 h 55 left
    expect((await runJob('sla_monitor')).itemsProduced).toBe(1);
    expect((await runJob('sla_monitor')).itemsProduced).toBe(0);
    expect((await callUnary(tickets, 'getTicket', { id: urgent.id })).ticket?.escalationLevel).toBe(1);

    schedClock.set(wib('2026-03-02T14:01:00')); // both urgent ≥ due + 2 h → level 2; high 1 h 59 left → warning at 120
    expect((await runJob('sla_monitor')).itemsProduced).toBe(3);
    expect((await runJob('sla_monitor')).itemsProduced).toBe(0);
    expect((await callUnary(tickets, 'getTicket', { id: urgent.id })).ticket?.escalationLevel).toBe(2);
    await waitFor(() => warnings().length >= 3 || undefined, { timeoutMs: 10_000 });
    await waitFor(
      () =>
        ticketEvents.filter((s) => s.event.key === 'ticket.escalated' && s.event.payload.ticket?.id === urgent.id).length >= 2 || undefined,
      { timeoutMs: 10_000 },
    );
    await settle();
    expect(warnings().map((s) => s.msgID).sort()).toEqual(
      [eventIdFrom('sla_warning', urgent.id, '60'), eventIdFrom('sla_warning', manual.id, '60'), eventIdFrom('sla_warning', high.id, '120')].sort(),
    );
    const levels = (id: string) =>
      ticketEvents.filter((s) => s.event.key === 'ticket.escalated' && s.event.payload.ticket?.id === id).map((s) => s.event.key === 'ticket.escalated' && s.event.payload.ticket?.escalationLevel);
    await waitFor(() => levels(manual.id).length >= 2 || undefined, { timeoutMs: 10_000 });
    expect(levels(urgent.id)).toEqual([1, 2]);
    expect(levels(manual.id)).toEqual([1, 2]); // 1 by hand, 2 by the monitor
    expect(ticketEvents.filter((s) => s.event.key === 'ticket.escalated' && ![urgent.id, manual.id].includes(s.event.payload.ticket!.id))).toHaveLength(0);
  });

  it('payment reminders: exactly the invoices due in 7, 3 and 1 days, once per invoice per day', async () => {
    const { customer } = await callUnary(customers, 'registerCustomer', {
      name: 'Ibu Rina',
      phone: '081298765432',
      address: 'Jl. Kertabumi 5, Karawang',
      workZone: 'karawang',
      packageName: 'Home 20 Mbps',
      wantsInstallation: false,
      locale: commonv1.Locale.LOCALE_ID,
      actor: undefined,
    });
    const dueIn: Record<string, string> = {};
    for (const [days, date] of [[0, '2026-04-01'], [1, '2026-04-02'], [2, '2026-04-03'], [3, '2026-04-04'], [4, '2026-04-05'], [7, '2026-04-08'], [8, '2026-04-09']] as const) {
      const { invoice } = await callUnary(customers, 'createInvoice', {
        customerId: customer!.id,
        number: `INV-202604-${days}`,
        amountRupiah: '350000',
        dueDate: date,
        description: 'Tagihan April',
      });
      dueIn[invoice!.id] = String(days);
    }
    schedClock.set(wib('2026-04-01T09:00:00'));
    const run = await runJob('payment_reminder');
    expect(run.itemsProduced).toBe(3);
    expect((await runJob('payment_reminder')).itemsProduced).toBe(0); // same day: nothing new
    const reminders = () => events('schedule.payment_reminder');
    await waitFor(() => reminders().length >= 3 || undefined, { timeoutMs: 10_000 });
    await settle();
    const got = reminders().map((s) => (s.event.key === 'schedule.payment_reminder' ? s.event.payload : undefined)!);
    expect(got.map((p) => [dueIn[p.invoice!.id], p.daysUntilDue]).sort()).toEqual([
      ['1', 1],
      ['3', 3],
      ['7', 7],
    ]);
    expect(got.every((p) => p.customer?.id === customer!.id && p.jobRunId === run.id)).toBe(true);
    expect(reminders().map((s) => s.msgID).sort()).toEqual(got.map((p) => eventIdFrom('payment_reminder', p.invoice!.id, '2026-04-01')).sort());

    // The next day other invoices are 1, 3 and 7 days away: 04-03, 04-05, 04-09.
    schedClock.set(wib('2026-04-02T09:00:00'));
    expect((await runJob('payment_reminder')).itemsProduced).toBe(3);
    await waitFor(() => reminders().length >= 6 || undefined, { timeoutMs: 10_000 });
    await settle();
    const nextDay = reminders()
      .slice(3)
      .map((s) => (s.event.key === 'schedule.payment_reminder' ? [dueIn[s.event.payload.invoice!.id], s.event.payload.daysUntilDue] : []));
    expect(nextDay.sort()).toEqual([
      ['2', 1],
      ['4', 3],
      ['8', 7],
    ]);
  });

  it('daily summary carries the numbers GetTicketStats returns for the WIB day', async () => {
    const a = await createTicket(P.PRIORITY_HIGH, wib('2026-03-10T09:00:00'), 'Summary A');
    await resolveTicket(a.id, techs[0]!, wib('2026-03-10T09:10:00'), wib('2026-03-10T11:00:00')); // within 8 h
    const b = await createTicket(P.PRIORITY_URGENT, wib('2026-03-10T10:00:00'), 'Summary B');
    await resolveTicket(b.id, techs[1]!, wib('2026-03-10T10:30:00'), wib('2026-03-10T16:00:00')); // 6 h > 4 h: SLA missed
    const c = await createTicket(P.PRIORITY_URGENT, wib('2026-03-10T12:00:00'), 'Summary C'); // stays open: 4 h SLA, overdue since 16:00
    await callUnary(tickets, 'assignTicket', { ticketId: c.id, technicianId: techs[2]!, reassign: false, expectedVersion: 0, actor: undefined });
    ticketClock.set(wib('2026-03-10T18:00:00'));

    schedClock.set(wib('2026-03-10T18:00:00'));
    const run = await runTick('daily_summary', wib('2026-03-10T18:00:00'));
    expect(run.itemsProduced).toBe(1);
    // Another tick the same WIB day (a replica's late tick): the day's report is already out.
    expect((await runTick('daily_summary', wib('2026-03-10T18:01:00'))).itemsProduced).toBe(0);
    // By hand (TriggerJob): a report of its own each time; it does not use up the scheduled one.
    const manual = await runJob('daily_summary');
    expect(manual.itemsProduced).toBe(1);
    const { stats } = await callUnary(tickets, 'getTicketStats', { from: wib('2026-03-10T00:00:00'), to: wib('2026-03-11T00:00:00'), workZone: '' });
    expect(stats).toMatchObject({ total: 3, completed: 2, slaMet: 1, slaCompliancePercent: 50 });
    await waitFor(() => events('schedule.daily_summary').length >= 2 || undefined, { timeoutMs: 10_000 });
    const byMsgId = new Map(events('schedule.daily_summary').map((e) => [e.msgID, e]));
    expect(byMsgId.size).toBe(2);
    const summary = byMsgId.get(eventIdFrom('daily_summary', '2026-03-10'))!;
    expect(summary.event.key === 'schedule.daily_summary' && summary.event.payload).toMatchObject({ date: '2026-03-10', jobRunId: run.id, stats });
    // The report's "issues": open tickets past their deadline at 18:00, longest overdue first (C among them, assigned to techs[2]).
    const payload = summary.event.key === 'schedule.daily_summary' ? summary.event.payload : null;
    const overdue = payload!.overdue;
    expect(overdue.find((t) => t.id === c.id)).toMatchObject({ number: c.number, technicianId: techs[2], status: ticketv1.TicketStatus.TICKET_STATUS_ASSIGNED });
    expect(overdue.every((t) => t.slaDueAt!.getTime() < wib('2026-03-10T18:00:00').getTime())).toBe(true);
    expect(overdue.map((t) => t.slaDueAt!.getTime())).toEqual([...overdue.map((t) => t.slaDueAt!.getTime())].sort((x, y) => x - y));
    expect(overdue.map((t) => t.id)).not.toContain(a.id); // completed in time
    expect(payload!.overdueTotal).toBe(overdue.length);
    const byHand = byMsgId.get(eventIdFrom('daily_summary', '2026-03-10', `manual:${manual.id}`))!;
    expect(byHand.event.key === 'schedule.daily_summary' && byHand.event.payload).toMatchObject({ date: '2026-03-10', jobRunId: manual.id, stats });
  });

  it('weekly performance: one event per active technician with the GetTicketStats numbers and the rank', async () => {
    // Week Mon 2026-03-16 .. Sun 2026-03-22 WIB. Lufti 2 completed (1 h each), Budi 2 (3 h each), Sari 2 (1 h and 2 h:
    // mean 1.5 h); Dedi inactive. Sari's first ticket is done Monday 03:30 WIB = Sunday 20:30 UTC: inside the WIB
    // week only, so a window in UTC would give Sari 1 completed and rank 3.
    const plan: Array<[number, string, string, string]> = [
      [2, '2026-03-16T02:30:00', '2026-03-16T02:35:00', '2026-03-16T03:30:00'],
      [0, '2026-03-16T09:00:00', '2026-03-16T09:05:00', '2026-03-16T10:00:00'],
      [0, '2026-03-17T09:00:00', '2026-03-17T09:05:00', '2026-03-17T10:00:00'],
      [1, '2026-03-18T09:00:00', '2026-03-18T09:05:00', '2026-03-18T12:00:00'],
      [1, '2026-03-19T09:00:00', '2026-03-19T09:05:00', '2026-03-19T12:00:00'],
      [2, '2026-03-20T09:00:00', '2026-03-20T09:05:00', '2026-03-20T11:00:00'],
    ];
    for (const [tech, created, assigned, completed] of plan) {
      const t = await createTicket(P.PRIORITY_NORMAL, wib(created), `Weekly ${tech}`);
      await resolveTicket(t.id, techs[tech]!, wib(assigned), wib(completed));
    }
    ticketClock.set(wib('2026-03-23T08:00:00'));
    schedClock.set(wib('2026-03-23T08:00:00')); // Monday 08:00 WIB
    const run = await runTick('weekly_performance', wib('2026-03-23T08:00:00'));
    expect(run.itemsProduced).toBe(3);
    expect((await runTick('weekly_performance', wib('2026-03-23T08:15:00'))).itemsProduced).toBe(0);

    const { stats } = await callUnary(tickets, 'getTicketStats', { from: wib('2026-03-16T00:00:00'), to: wib('2026-03-23T00:00:00'), workZone: '' });
    const perf = () => events('schedule.weekly_performance').map((s) => (s.event.key === 'schedule.weekly_performance' ? s.event.payload : undefined)!);
    await waitFor(() => perf().length >= 3 || undefined, { timeoutMs: 10_000 });
    await settle();
    const byTech = new Map(perf().map((p) => [p.technicianId, p]));
    expect(perf()).toHaveLength(3);
    expect([...byTech.keys()].sort()).toEqual([techs[0], techs[1], techs[2]].sort());
    for (const [i, rank] of [[0, 1], [2, 2], [1, 3]] as const) {
      const p = byTech.get(techs[i]!)!;
      expect(p).toMatchObject({ rank, rankedCount: 3, weekStart: '2026-03-16', weekEnd: '2026-03-22', jobRunId: run.id });
      expect(p.stats).toEqual(stats!.technicians.find((t) => t.technicianId === techs[i]));
    }
    expect(byTech.get(techs[0]!)!.stats).toMatchObject({ completed: 2, meanTimeToResolveHours: 1 });
    expect(byTech.get(techs[1]!)!.stats).toMatchObject({ completed: 2, meanTimeToResolveHours: 3 });
    expect(byTech.get(techs[2]!)!.stats).toMatchObject({ completed: 2, meanTimeToResolveHours: 1.5, slaMet: 2 });
  });
});
