import { AlreadyExistsError, FailedPreconditionError, NotFoundError, PermissionDeniedError, ValidationError } from '@notify/errors';
import { eventIdFrom } from '@notify/events';
import { callUnary, createClient } from '@notify/grpc-kit';
import { commonv1, schedulerv1 } from '@notify/proto';
import { createTestNats, waitFor, type TestNats } from '@notify/testing';
import { systemClock } from '../src/application';
import { MANAGER_KEY, newStack, observe, startScheduler, startTemplate, type Stack } from './support/downstream-stack';

jest.setTimeout(60_000);

const KIND = schedulerv1.CampaignKind;
const STATUS = schedulerv1.CampaignStatus;
/** maintenance.notice's variables but customer_name (the gateway fills it per customer). */
const MAINTENANCE_VARS = {
  maintenance_type: 'Upgrade perangkat',
  area: 'Karawang',
  start_at: '2026-11-25T01:00:00+07:00',
  duration_minutes: 180,
  impact: 'Internet terputus sementara',
  reason: 'Peningkatan kapasitas',
};
const EMERGENCY_VARS = { alert_type: 'Network Outage', area: 'Karawang', customers_affected: 150, status: 'INVESTIGATING', eta: '2 jam', actions: ['NOC: analisis'] };
const PROMO_VARS = {
  campaign_title: 'Promo Ramadan', offer: 'Diskon upgrade', discount_percent: 50, valid_until: '2026-03-31', terms: [], cta_text: 'Upgrade', cta_link: 'portal.example.id/upgrade',
};
const AREA: commonv1.Audience = {
  kind: commonv1.AudienceKind.AUDIENCE_KIND_AREA_CUSTOMERS,
  workZone: 'karawang',
  groupId: '',
  roles: [],
  customerId: '',
  staffId: '',
};

/**
 * Campaigns end to end: the scheduler (system clock: the due time is pg-boss's) with the REAL
 * template service checking template keys, on fresh schemas and a NATS namespace; the
 * CampaignDueEvents are read back from the real SCHEDULE stream.
 */
describe('campaigns (ScheduleCampaign / CancelCampaign / ListCampaigns)', () => {
  const stack: Stack = newStack();
  let nats: TestNats;
  let scheduler: schedulerv1.SchedulerServiceClient;
  let replica: schedulerv1.SchedulerServiceClient;
  let schedulerAddr: string;
  let schedule: Awaited<ReturnType<typeof observe>>;
  let sched: Awaited<ReturnType<typeof startScheduler>>;
  let template: Awaited<ReturnType<typeof startTemplate>>;

  beforeAll(async () => {
    nats = createTestNats('sched_camp');
    stack.stops.push(() => nats.cleanup());
    template = await startTemplate(stack);
    sched = await startScheduler(stack, nats, { template: template.addr }, systemClock);
    // A second replica on the same database: both run campaign workers; each campaign is still sent once.
    replica = (await startScheduler(stack, nats, { template: template.addr }, systemClock, sched.pg)).admin;
    scheduler = sched.admin;
    schedulerAddr = `127.0.0.1:${sched.service.grpc.port}`;
    schedule = await observe(stack, nats, 'schedule');
  });

  afterAll(() => stack.stop());

  const request = (over: Partial<schedulerv1.ScheduleCampaignRequest> = {}): schedulerv1.ScheduleCampaignRequest => ({
    name: 'Pemeliharaan jaringan Karawang',
    templateKey: 'maintenance.notice',
    audience: [AREA],
    variables: MAINTENANCE_VARS,
    sendAt: undefined,
    kind: KIND.CAMPAIGN_KIND_MAINTENANCE,
    notificationType: commonv1.NotificationType.NOTIFICATION_TYPE_UNSPECIFIED,
    priority: commonv1.Priority.PRIORITY_UNSPECIFIED,
    channels: [],
    requestId: '',
    actor: undefined,
    ...over,
  });
  const dueEvents = (campaignId: string) =>
    schedule.filter((s) => s.event.key === 'schedule.campaign_due' && s.event.payload.campaign?.id === campaignId);
  /** States of the campaigns' pg-boss due jobs (queue campaign_due, job id = campaign id; pg-boss 11's job table). */
  const dueJobStates = async (ids: readonly string[]): Promise<string[]> =>
    (
      (await sched.service.dataSource.query(`SELECT state FROM "${sched.pg.schema}_boss".job WHERE name = 'campaign_due' AND id = ANY($1::uuid[])`, [
        [...ids],
      ])) as Array<{ state: string }>
    ).map((r) => r.state);
  /** Ids of the scheduler's outbox rows among `eventIds` (rows stay after publishing; nothing purges them in tests). */
  const outboxRows = async (eventIds: readonly string[]): Promise<string[]> =>
    ((await sched.service.dataSource.query(`SELECT id FROM "${sched.pg.schema}".outbox WHERE id = ANY($1::uuid[])`, [[...eventIds]])) as Array<{ id: string }>).map((r) => r.id);
  const get = async (id: string) =>
    (await callUnary(scheduler, 'listCampaigns', { statuses: [], page: { pageSize: 500, pageToken: '' } })).campaigns.find((c) => c.id === id);

  it('a due campaign produces exactly one CampaignDueEvent; a campaign cancelled before it is due produces none', async () => {
    const soon = new Date(Date.now() + 2500);
    const due = (await callUnary(scheduler, 'scheduleCampaign', request({ sendAt: soon }))).campaign!;
    const cancelled = (await callUnary(scheduler, 'scheduleCampaign', request({ name: 'Dibatalkan', sendAt: soon }))).campaign!;
    expect(due).toMatchObject({ status: STATUS.CAMPAIGN_STATUS_SCHEDULED, notificationType: commonv1.NotificationType.NOTIFICATION_TYPE_MAINTENANCE });
    const { campaign: afterCancel } = await callUnary(scheduler, 'cancelCampaign', { campaignId: cancelled.id, reason: 'Jadwal diubah' });
    expect(afterCancel).toMatchObject({ status: STATUS.CAMPAIGN_STATUS_CANCELLED, cancelReason: 'Jadwal diubah' });

    const event = await waitFor(() => dueEvents(due.id)[0], { timeoutMs: 20_000 });
    expect(event.msgID).toBe(eventIdFrom('campaign_due', due.id));
    expect(event.event.key === 'schedule.campaign_due' && event.event.payload.campaign).toMatchObject({
      id: due.id,
      status: STATUS.CAMPAIGN_STATUS_SENT,
      templateKey: 'maintenance.notice',
      audience: [AREA],
      variables: MAINTENANCE_VARS,
      channels: [commonv1.Channel.CHANNEL_WHATSAPP],
    });
    expect((await get(due.id))?.status).toBe(STATUS.CAMPAIGN_STATUS_SENT);
    // Both due jobs (same send_at) have been worked: the cancelled campaign's dispatch has run, and
    // it appended nothing to the outbox (markSent writes the event in the status update's transaction).
    await waitFor(async () => {
      const states = await dueJobStates([due.id, cancelled.id]);
      return states.length === 2 && states.every((st) => st === 'completed');
    }, { timeoutMs: 20_000, description: 'both campaign_due jobs completed' });
    expect(await outboxRows([eventIdFrom('campaign_due', due.id), eventIdFrom('campaign_due', cancelled.id)])).toEqual([eventIdFrom('campaign_due', due.id)]);
    await new Promise((r) => setTimeout(r, 2000)); // lets a wrongly published extra event reach the observer before counting
    expect(dueEvents(due.id)).toHaveLength(1);
    expect(dueEvents(cancelled.id)).toHaveLength(0);
    expect((await get(cancelled.id))?.status).toBe(STATUS.CAMPAIGN_STATUS_CANCELLED);

    // Cancelling a sent (or already cancelled) campaign is FAILED_PRECONDITION; an unknown id NOT_FOUND.
    await expect(callUnary(scheduler, 'cancelCampaign', { campaignId: due.id, reason: '' })).rejects.toBeInstanceOf(FailedPreconditionError);
    await expect(callUnary(scheduler, 'cancelCampaign', { campaignId: cancelled.id, reason: '' })).rejects.toBeInstanceOf(FailedPreconditionError);
    await expect(callUnary(scheduler, 'cancelCampaign', { campaignId: '0b6f7f7e-1111-4111-8111-111111111111', reason: '' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('two replicas: campaigns scheduled through either are each sent exactly once', async () => {
    const soon = new Date(Date.now() + 1500);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const client = i % 2 === 0 ? scheduler : replica;
      ids.push((await callUnary(client, 'scheduleCampaign', request({ name: `Replika ${i}`, sendAt: soon }))).campaign!.id);
    }
    await waitFor(() => ids.every((id) => dueEvents(id).length > 0) || undefined, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 2000));
    expect(ids.map((id) => dueEvents(id).length)).toEqual([1, 1, 1, 1]);
    const sent = (await callUnary(replica, 'listCampaigns', { statuses: [STATUS.CAMPAIGN_STATUS_SENT], page: { pageSize: 500, pageToken: '' } })).campaigns;
    expect(ids.every((id) => sent.some((c) => c.id === id))).toBe(true);
  });

  it('a campaign without send_at is sent now (once)', async () => {
    const now = (await callUnary(scheduler, 'scheduleCampaign', request({ name: 'Gangguan massal', kind: KIND.CAMPAIGN_KIND_EMERGENCY_ALERT, templateKey: 'emergency.alert', variables: EMERGENCY_VARS }))).campaign!;
    expect(now.priority).toBe(commonv1.Priority.PRIORITY_URGENT);
    const due = await waitFor(() => dueEvents(now.id)[0], { timeoutMs: 15_000 });
    expect((await get(now.id))?.status).toBe(STATUS.CAMPAIGN_STATUS_SENT);
    // GetCampaign: once SENT, due_event_id is the campaign_due event's id (the gateway's key for it).
    const got = (await callUnary(scheduler, 'getCampaign', { campaignId: now.id })).campaign!;
    expect(got).toMatchObject({ id: now.id, status: STATUS.CAMPAIGN_STATUS_SENT, dueEventId: due.event.payload.eventId });
    expect(due.event.payload.eventId).toMatch(/^[0-9a-f-]{36}$/);
    await expect(callUnary(scheduler, 'getCampaign', { campaignId: 'nope' })).rejects.toThrow('campaign_id: must be a UUID');
    await expect(callUnary(scheduler, 'getCampaign', { campaignId: '0b6f7f7e-1111-4111-8111-111111111111' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('bad input: past send_at, empty audience, a bad work zone, a phone audience, unknown template key, missing name/kind, type REPLY → INVALID_ARGUMENT; nothing is stored', async () => {
    const before = (await callUnary(scheduler, 'listCampaigns', { statuses: [], page: { pageSize: 500, pageToken: '' } })).campaigns.length;
    const bad: Array<[string, Partial<schedulerv1.ScheduleCampaignRequest>]> = [
      ['send_at', { sendAt: new Date(Date.now() - 5 * 60_000) }],
      ['audience', { audience: [] }],
      ['work_zone', { audience: [{ ...AREA, workZone: '' }] }],
      // A zone the customer service would refuse (QA: "a b/c" was SCHEDULED, failing at send_at).
      ['work_zone "a b/c" is not a work zone key', { audience: [{ ...AREA, workZone: 'a b/c' }] }],
      ['AUDIENCE_KIND_PHONE', { audience: [{ ...AREA, kind: commonv1.AudienceKind.AUDIENCE_KIND_PHONE, workZone: '', phone: '081234567890' }] }],
      ['template_key', { templateKey: 'no.such.template' }],
      ['name', { name: '  ' }],
      ['kind', { kind: KIND.CAMPAIGN_KIND_UNSPECIFIED }],
      ['notification_type', { notificationType: commonv1.NotificationType.NOTIFICATION_TYPE_REPLY }],
    ];
    for (const [field, over] of bad) {
      const err = await callUnary(scheduler, 'scheduleCampaign', request(over)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toContain(field);
    }
    expect((await callUnary(scheduler, 'listCampaigns', { statuses: [], page: { pageSize: 500, pageToken: '' } })).campaigns).toHaveLength(before);
  });

  it('roles per notification type, as Notify (seeds\' table): a manager may schedule a promotion and an emergency alert, not a maintenance notice, nor kind OTHER carrying a maintenance or welcome type (PERMISSION_DENIED); request_id is idempotent', async () => {
    const manager = createClient(schedulerv1.SchedulerServiceClient, schedulerAddr, { apiKey: MANAGER_KEY });
    stack.stops.push(async () => (manager as unknown as { close(): void }).close());
    const later = new Date(Date.now() + 3_600_000);
    const NT = commonv1.NotificationType;
    await expect(callUnary(manager, 'scheduleCampaign', request({ sendAt: later }))).rejects.toBeInstanceOf(PermissionDeniedError);
    for (const notificationType of [NT.NOTIFICATION_TYPE_MAINTENANCE, NT.NOTIFICATION_TYPE_WELCOME]) {
      const err = await callUnary(manager, 'scheduleCampaign', request({ sendAt: later, kind: KIND.CAMPAIGN_KIND_OTHER, notificationType })).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(PermissionDeniedError);
      expect((err as Error).message).toContain(`may not send ${commonv1.notificationTypeToJSON(notificationType).replace('NOTIFICATION_TYPE_', '')}`);
    }
    const alert = (await callUnary(manager, 'scheduleCampaign', request({ name: 'Gangguan', kind: KIND.CAMPAIGN_KIND_EMERGENCY_ALERT, templateKey: 'emergency.alert', variables: EMERGENCY_VARS, sendAt: later }))).campaign!;
    expect(alert).toMatchObject({ status: STATUS.CAMPAIGN_STATUS_SCHEDULED, notificationType: NT.NOTIFICATION_TYPE_EMERGENCY_ALERT });
    await callUnary(scheduler, 'cancelCampaign', { campaignId: alert.id, reason: 'test' });
    const promo = request({ name: 'Promo Ramadan', kind: KIND.CAMPAIGN_KIND_PROMOTION, templateKey: 'promotion.campaign', variables: PROMO_VARS, requestId: 'promo-2026-04', sendAt: later });
    const first = (await callUnary(manager, 'scheduleCampaign', promo)).campaign!;
    // A manager's key bound to no staff member: recorded as STAFF with its role as id, as the
    // ticket service records it (it was SYSTEM: notifyctl printed "system (manager)").
    expect(first).toMatchObject({
      notificationType: NT.NOTIFICATION_TYPE_PROMOTION,
      createdBy: { kind: commonv1.ActorKind.ACTOR_KIND_STAFF, id: 'manager', role: commonv1.Role.ROLE_MANAGER },
    });
    expect((await callUnary(manager, 'scheduleCampaign', promo)).campaign!.id).toBe(first.id);
    await expect(callUnary(manager, 'scheduleCampaign', { ...promo, name: 'Another' })).rejects.toBeInstanceOf(AlreadyExistsError);
    await callUnary(scheduler, 'cancelCampaign', { campaignId: first.id, reason: 'test' });
  });

  it('missing template variables → INVALID_ARGUMENT naming every one (customer_name only where the gateway does not fill it); nothing is stored', async () => {
    const before = (await callUnary(scheduler, 'listCampaigns', { statuses: [], page: { pageSize: 500, pageToken: '' } })).campaigns.length;
    const missing = await callUnary(scheduler, 'scheduleCampaign', request({ variables: { maintenance_type: 'Upgrade perangkat', area: 'Karawang' } })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(ValidationError);
    expect((missing as Error).message).toBe(
      'variables: missing variables: start_at, duration_minutes, impact, reason (template maintenance.notice, CHANNEL_WHATSAPP/LOCALE_ID)',
    );
    // Staff recipients get no customer_name from the gateway: the campaign must carry it.
    const staff: commonv1.Audience = { ...AREA, kind: commonv1.AudienceKind.AUDIENCE_KIND_STAFF_ROLES, workZone: '', roles: [commonv1.Role.ROLE_NOC] };
    await expect(callUnary(scheduler, 'scheduleCampaign', request({ audience: [AREA, staff] }))).rejects.toThrow(/missing variable: customer_name/);
    // A value the template cannot format is named once (QA: `variables: variables: a value in …`).
    const badDate = await callUnary(scheduler, 'scheduleCampaign', request({ variables: { ...MAINTENANCE_VARS, start_at: 'besok pagi' } })).then(() => undefined, (e: unknown) => e);
    expect((badDate as Error).message).toMatch(/^variables: a value in \{\{ start_at \| date_long \}\} at line \d+, column \d+: expected a date-time.* \(template maintenance\.notice, CHANNEL_WHATSAPP\/LOCALE_ID\)$/);
    expect((await callUnary(scheduler, 'listCampaigns', { statuses: [], page: { pageSize: 500, pageToken: '' } })).campaigns).toHaveLength(before);
  });

  it('a due campaign whose template no longer renders with its variables (a newer version needs more) ends FAILED with the reason; nothing is published', async () => {
    const upsert = (body: string) =>
      callUnary(template.admin, 'upsertTemplate', {
        key: 'campaign.qa_notice', channel: commonv1.Channel.CHANNEL_WHATSAPP, locale: commonv1.Locale.LOCALE_ID, body, description: 'QA',
        sampleVariables: { customer_name: 'Budi', area: 'Karawang', eta: '2 jam' }, keepActiveVersion: false, allowUnsuppliedVariables: false,
      });
    await upsert('Halo {{ customer_name }}, gangguan di {{ area }}.');
    const c = (
      await callUnary(scheduler, 'scheduleCampaign', request({ name: 'QA notice', templateKey: 'campaign.qa_notice', variables: { area: 'Karawang' }, sendAt: new Date(Date.now() + 3000) }))
    ).campaign!;
    await upsert('Halo {{ customer_name }}, gangguan di {{ area }} sampai {{ eta }}.');
    const failed = await waitFor(async () => {
      const now = await get(c.id);
      return now?.status === STATUS.CAMPAIGN_STATUS_FAILED ? now : undefined;
    }, { timeoutMs: 20_000, description: 'campaign FAILED' });
    expect(failed.failureReason).toBe('variables: missing variable: eta (template campaign.qa_notice, CHANNEL_WHATSAPP/LOCALE_ID)');
    expect(failed.failedAt).toBeInstanceOf(Date);
    expect(failed.sentAt).toBeUndefined();
    expect(await outboxRows([eventIdFrom('campaign_due', c.id)])).toEqual([]);
    expect(dueEvents(c.id)).toHaveLength(0);
    await expect(callUnary(scheduler, 'cancelCampaign', { campaignId: c.id, reason: '' })).rejects.toBeInstanceOf(FailedPreconditionError);
    const failedList = (await callUnary(scheduler, 'listCampaigns', { statuses: [STATUS.CAMPAIGN_STATUS_FAILED], page: undefined })).campaigns;
    expect(failedList.map((x) => x.id)).toEqual([c.id]);
  });

  it('ListCampaigns filters by status and pages newest send_at first', async () => {
    const base = Date.now() + 7_200_000;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await callUnary(scheduler, 'scheduleCampaign', request({ name: `Paged ${i}`, sendAt: new Date(base + i * 60_000) }))).campaign!.id);
    }
    const scheduled: string[] = [];
    let pageToken = '';
    do {
      const page = await callUnary(scheduler, 'listCampaigns', { statuses: [STATUS.CAMPAIGN_STATUS_SCHEDULED], page: { pageSize: 2, pageToken } });
      expect(page.campaigns.length).toBeLessThanOrEqual(2);
      expect(page.campaigns.every((c) => c.status === STATUS.CAMPAIGN_STATUS_SCHEDULED)).toBe(true);
      scheduled.push(...page.campaigns.map((c) => c.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    expect(scheduled).toEqual([ids[2], ids[1], ids[0]]); // the only SCHEDULED ones, newest send_at first
    const sent = await callUnary(scheduler, 'listCampaigns', { statuses: [STATUS.CAMPAIGN_STATUS_SENT], page: undefined });
    expect(sent.campaigns.length).toBeGreaterThanOrEqual(2);
    expect(sent.campaigns.every((c) => c.status === STATUS.CAMPAIGN_STATUS_SENT)).toBe(true);
  });
});
