// DailySummaryJob's "issues" (seeds: daily summary content "Tickets, technicians, SLA, issues"):
// the open tickets past their deadline when the job runs, the longest overdue first, at most
// DAILY_SUMMARY_OVERDUE_LIMIT of them in the event, with the total of all.
import type { JobFact, JobFactStore, OpenTicket, Snapshot, TicketDirectory } from '../src/application';
import { DAILY_SUMMARY_OVERDUE_LIMIT, DailySummaryJob } from '../src/application/jobs/daily-summary.job';

const now = new Date('2026-03-10T11:00:00Z'); // 18:00 WIB
const minutes = (n: number) => new Date(now.getTime() + n * 60_000);

function openTicket(i: number, slaDueAt: Date): OpenTicket {
  return {
    id: `t-${i}`, priority: 'HIGH', createdAt: minutes(-24 * 60), slaDueAt, escalationLevel: 0,
    snapshot: { id: `t-${i}`, number: `GGN-20260310-${String(i).padStart(4, '0')}` } as unknown as Snapshot<'ticket'>,
  };
}

async function run(open: OpenTicket[]): Promise<{ overdue: string[]; total: number; asked: Date[] }> {
  const asked: Date[] = [];
  const recorded: JobFact[] = [];
  const tickets: TicketDirectory = {
    listOpenTicketsDueBefore: async (before) => {
      asked.push(before);
      return open.filter((t) => t.slaDueAt < before);
    },
    escalate: async () => 'ESCALATED',
    stats: async () => ({ technicians: [], snapshot: {} as Snapshot<'ticket_stats'> }),
  };
  const facts: JobFactStore = {
    recordOnce: async (f) => {
      recorded.push(...f);
      return { published: f.length };
    },
    recorded: async () => new Set(),
  };
  const job = new DailySummaryJob({ tickets, facts, clock: { now: () => now } });
  await job.run({ runId: 'run-1', jobName: 'daily_summary', scheduledFor: now, attempt: 1 });
  const event = recorded[0]!.event!;
  if (event.kind !== 'daily_summary') throw new Error(`unexpected event ${event.kind}`);
  return { overdue: event.overdue.map((t) => (t as unknown as { number: string }).number), total: event.overdueTotal, asked };
}

describe('DailySummaryJob: the overdue tickets', () => {
  it('lists the open tickets past their deadline at run time, the longest overdue first', async () => {
    const got = await run([openTicket(1, minutes(-30)), openTicket(2, minutes(-300)), openTicket(3, minutes(90)), openTicket(4, minutes(-5))]);
    expect(got.asked).toEqual([now]);
    expect(got.overdue).toEqual(['GGN-20260310-0002', 'GGN-20260310-0001', 'GGN-20260310-0004']);
    expect(got.total).toBe(3);
  });

  it(`carries at most ${DAILY_SUMMARY_OVERDUE_LIMIT} (the longest overdue) and the total of all`, async () => {
    const open = Array.from({ length: 27 }, (_, i) => openTicket(i + 1, minutes(-(i + 1) * 10))); // ticket 27 is the longest overdue
    const got = await run(open);
    expect(got.total).toBe(27);
    expect(got.overdue).toHaveLength(DAILY_SUMMARY_OVERDUE_LIMIT);
    expect(got.overdue[0]).toBe('GGN-20260310-0027');
    expect(got.overdue.at(-1)).toBe('GGN-20260310-0008');
  });

  it('none overdue: an empty list and 0', async () => {
    await expect(run([openTicket(1, minutes(30))])).resolves.toMatchObject({ overdue: [], total: 0 });
  });
});
