import { FailedPreconditionError } from '@notify/errors';
import {
  addDays,
  campaignRenderTargets,
  cancelCampaign,
  isoWeekday,
  levelTwoEscalationAt,
  previousWeek,
  rankTechnicians,
  slaActions,
  wibDate,
  wibDayWindow,
  type Campaign,
  type SlaTicket,
  type TechnicianPerformance,
} from '../src/domain';

const wib = (local: string): Date => new Date(`${local}+07:00`);

describe('WIB calendar (UTC+7, no DST)', () => {
  it('dates, midnights and weekdays', () => {
    expect(wibDate(new Date('2026-03-01T16:59:59Z'))).toBe('2026-03-01');
    expect(wibDate(new Date('2026-03-01T17:00:00Z'))).toBe('2026-03-02');
    expect(wibDayWindow('2026-03-02')).toEqual({ from: new Date('2026-03-01T17:00:00Z'), to: new Date('2026-03-02T17:00:00Z') });
    expect(addDays('2026-02-27', 3)).toBe('2026-03-02');
    expect(isoWeekday('2026-03-02')).toBe(1);
    expect(isoWeekday('2026-03-08')).toBe(7);
  });

  it('previousWeek is the Monday–Sunday before the week of the date', () => {
    for (const d of ['2026-03-23', '2026-03-25', '2026-03-29']) {
      expect(previousWeek(d)).toEqual({
        weekStart: '2026-03-16',
        weekEnd: '2026-03-22',
        from: wib('2026-03-16T00:00:00'),
        to: wib('2026-03-23T00:00:00'),
      });
    }
  });
});

describe('SLA policy (seeds: urgent 1 h, high 2 h, normal 4 h, low 8 h before; escalate past due, level 2 after a further half SLA)', () => {
  const created = wib('2026-03-02T08:00:00');
  const ticket = (priority: SlaTicket['priority'], hours: number): SlaTicket => ({
    id: 't',
    priority,
    createdAt: created,
    slaDueAt: new Date(created.getTime() + hours * 3_600_000),
    escalationLevel: 0,
  });

  it.each([
    ['URGENT', 4, 60],
    ['HIGH', 8, 120],
    ['NORMAL', 24, 240],
    ['LOW', 48, 480],
  ] as const)('%s (%i h): warns from %i minutes before the deadline, not a minute earlier', (priority, hours, threshold) => {
    const t = ticket(priority, hours);
    const at = (minutesBefore: number) => new Date(t.slaDueAt.getTime() - minutesBefore * 60_000);
    expect(slaActions(t, at(threshold + 1))).toEqual([]);
    expect(slaActions(t, at(threshold))).toEqual([{ kind: 'warn', thresholdMinutes: threshold, remainingMinutes: threshold }]);
    expect(slaActions(t, at(1))).toEqual([{ kind: 'warn', thresholdMinutes: threshold, remainingMinutes: 1 }]);
  });

  it('past the deadline: level 1; at due + (due − created) / 2: level 2 as well', () => {
    const t = ticket('URGENT', 4); // due 12:00, level 2 at 14:00
    expect(levelTwoEscalationAt(t)).toEqual(wib('2026-03-02T14:00:00'));
    expect(slaActions(t, wib('2026-03-02T12:00:00'))).toEqual([]);
    expect(slaActions(t, wib('2026-03-02T12:00:01'))).toEqual([{ kind: 'escalate', level: 1 }]);
    expect(slaActions(t, wib('2026-03-02T13:59:59'))).toEqual([{ kind: 'escalate', level: 1 }]);
    expect(slaActions(t, wib('2026-03-02T14:00:00'))).toEqual([
      { kind: 'escalate', level: 1 },
      { kind: 'escalate', level: 2 },
    ]);
  });
});

describe('rankTechnicians (most completed, then shortest mean time)', () => {
  const perf = (technicianId: string, completed: number, mean: number): TechnicianPerformance => ({
    technicianId,
    completed,
    meanTimeToResolveHours: mean,
    slaMet: completed,
    slaCompliancePercent: completed ? 100 : 0,
    openAssigned: 0,
  });

  it('ranks every active technician once, ties share a rank, inactive ones are left out', () => {
    const ranked = rankTechnicians(['a', 'b', 'c', 'd', 'e'], [perf('b', 3, 2), perf('a', 3, 1.5), perf('c', 1, 1), perf('d', 1, 1), perf('gone', 9, 1)]);
    expect(ranked.map((r) => [r.performance.technicianId, r.rank, r.rankedCount])).toEqual([
      ['a', 1, 5],
      ['b', 2, 5],
      ['c', 3, 5],
      ['d', 3, 5],
      ['e', 5, 5],
    ]);
    expect(ranked[4]!.performance).toEqual(perf('e', 0, 0));
  });
});

describe('campaigns', () => {
  const campaign = (status: Campaign['status']): Campaign => ({
    id: 'c',
    name: 'n',
    kind: 'PROMOTION',
    notificationType: 'NOTIFICATION_TYPE_PROMOTION',
    templateKey: 'promotion.campaign',
    audience: [],
    variables: {},
    sendAt: new Date(0),
    priority: 'PRIORITY_NORMAL',
    channels: ['CHANNEL_WHATSAPP'],
    status,
    createdBy: null,
    createdAt: new Date(0),
    sentAt: null,
    cancelledAt: null,
    cancelReason: '',
    failedAt: null,
    failureReason: '',
    requestId: '',
  });

  it('only a SCHEDULED campaign can be cancelled', () => {
    expect(cancelCampaign(campaign('SCHEDULED'), new Date(1), 'why')).toMatchObject({ status: 'CANCELLED', cancelReason: 'why', cancelledAt: new Date(1) });
    expect(() => cancelCampaign(campaign('SENT'), new Date(1), '')).toThrow(FailedPreconditionError);
    expect(() => cancelCampaign(campaign('FAILED'), new Date(1), '')).toThrow(FailedPreconditionError);
    expect(() => cancelCampaign(campaign('CANCELLED'), new Date(1), '')).toThrow(FailedPreconditionError);
  });

  it('render targets mirror the gateway: customers get customer_name per recipient, groups are reached on WhatsApp only', () => {
    const audience = (kind: string) => ({ kind, workZone: 'karawang', groupId: 'g', roles: [], customerId: '', staffId: '' });
    const variables = { area: 'Karawang' };
    const channels = ['CHANNEL_SMS', 'CHANNEL_WHATSAPP'];
    expect(campaignRenderTargets({ audience: [audience('AUDIENCE_KIND_AREA_CUSTOMERS'), audience('AUDIENCE_KIND_ALL_CUSTOMERS')], channels, variables })).toEqual([
      { channels, variables: { area: 'Karawang', customer_name: 'Pelanggan' } },
    ]);
    expect(campaignRenderTargets({ audience: [audience('AUDIENCE_KIND_STAFF_ROLES'), audience('AUDIENCE_KIND_GROUP')], channels, variables })).toEqual([
      { channels, variables },
      { channels: ['CHANNEL_WHATSAPP'], variables },
    ]);
  });
});
