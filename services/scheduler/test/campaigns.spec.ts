// ManageCampaignsUseCase with in-memory fakes: who may schedule which notification type (the
// seeds' role table, as Notify enforces it), the template check (missing variables, per-recipient
// customer_name) at ScheduleCampaign and again at send_at (FAILED instead of SENT).
import { PermissionDeniedError, UnavailableError, ValidationError } from '@notify/errors';
import type { CampaignStore, ScheduleEvent, TemplateCatalog, TemplateVariant, TrialRender, TrialRenderOutcome } from '../src/application';
import { ManageCampaignsUseCase, type ScheduleCampaignInput } from '../src/application/use-cases/manage-campaigns.use-case';
import type { Campaign, CampaignAudience, CampaignKind } from '../src/domain';

/** Templates by key: per (channel, locale) the variables the active version needs. */
class FakeTemplates implements TemplateCatalog {
  down = false;
  readonly rendered: TrialRender[] = [];
  constructor(readonly versions: Record<string, Array<TemplateVariant & { readonly needs: readonly string[] }>>) {}
  async variants(key: string): Promise<TemplateVariant[]> {
    if (this.down) throw new UnavailableError('template service down');
    return (this.versions[key] ?? []).map(({ channel, locale }) => ({ channel, locale }));
  }
  async tryRender(items: readonly TrialRender[]): Promise<TrialRenderOutcome[]> {
    if (this.down) throw new UnavailableError('template service down');
    this.rendered.push(...items);
    return items.map((i): TrialRenderOutcome => {
      const v = (this.versions[i.key] ?? []).find((t) => t.channel === i.channel && t.locale === i.locale);
      if (!v) return { ok: false, reason: 'not_found', message: `template ${i.key} not found` };
      const missing = v.needs.filter((n) => !(n in i.variables));
      return missing.length === 0 ? { ok: true } : { ok: false, reason: 'invalid', message: `variables: missing variables: ${missing.join(', ')}`, missing };
    });
  }
}

class FakeStore implements CampaignStore {
  readonly rows = new Map<string, Campaign>();
  readonly published: ScheduleEvent[] = [];
  async create(c: Campaign) {
    this.rows.set(c.id, c);
    return { campaign: c, created: true };
  }
  async get(id: string) {
    return this.rows.get(id) ?? null;
  }
  async findByRequestId(requestId: string) {
    return [...this.rows.values()].find((c) => c.requestId === requestId) ?? null;
  }
  private move(id: string, change: Partial<Campaign>): Campaign | null {
    const c = this.rows.get(id);
    if (!c || c.status !== 'SCHEDULED') return null;
    const next = { ...c, ...change };
    this.rows.set(id, next);
    return next;
  }
  async cancel(id: string, at: Date, reason: string) {
    return this.move(id, { status: 'CANCELLED', cancelledAt: at, cancelReason: reason });
  }
  async markSent(id: string, at: Date, event: (sent: Campaign) => ScheduleEvent) {
    const sent = this.move(id, { status: 'SENT', sentAt: at });
    if (sent) this.published.push(event(sent));
    return sent;
  }
  async markFailed(id: string, at: Date, reason: string) {
    return this.move(id, { status: 'FAILED', failedAt: at, failureReason: reason });
  }
  async list() {
    return [...this.rows.values()];
  }
}

const NOW = new Date('2026-11-20T03:00:00Z');
const MAINTENANCE_NEEDS = ['customer_name', 'maintenance_type', 'area', 'start_at', 'duration_minutes', 'impact', 'reason'];
const MAINTENANCE_VARS = { maintenance_type: 'Upgrade OLT', area: 'Karawang', start_at: '2026-11-25T01:00:00+07:00', duration_minutes: 180, impact: 'Internet putus', reason: 'Kapasitas' };
const WA_ID = { channel: 'CHANNEL_WHATSAPP', locale: 'LOCALE_ID' };
const audience = (kind: string, over: Partial<CampaignAudience> = {}): CampaignAudience => ({
  kind, workZone: 'karawang', groupId: '0b9f7c1e-5b1a-4d4e-9f57-1d2c3b4a5f60', roles: ['ROLE_TECHNICIAN'], customerId: '', staffId: '', ...over,
});

function setup(versions?: ConstructorParameters<typeof FakeTemplates>[0]) {
  const templates = new FakeTemplates(
    versions ?? {
      'maintenance.notice': [{ ...WA_ID, needs: MAINTENANCE_NEEDS }],
      // A type-neutral template for the role table: renders with anything.
      'campaign.any': [{ ...WA_ID, needs: [] }],
    },
  );
  const store = new FakeStore();
  let n = 0;
  const useCase = new ManageCampaignsUseCase({
    store,
    templates,
    clock: { now: () => NOW },
    ids: { next: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` },
  });
  const input = (over: Partial<ScheduleCampaignInput> = {}): ScheduleCampaignInput => ({
    name: 'Pemeliharaan Karawang',
    kind: 'MAINTENANCE',
    notificationType: null,
    templateKey: 'maintenance.notice',
    audience: [audience('AUDIENCE_KIND_AREA_CUSTOMERS')],
    variables: MAINTENANCE_VARS,
    sendAt: new Date(NOW.getTime() + 3_600_000),
    priority: null,
    channels: [],
    requestId: '',
    createdBy: null,
    ...over,
  });
  return { templates, store, useCase, input };
}

const rejection = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

describe('ScheduleCampaign: who may schedule is who may send the notification type (seeds "Role-Based Access")', () => {
  /**
   * The seeds' table (whatsapp-notification-system-complete.md, "Role-Based Access"), rows as
   * written there, columns Admin, Manager, Supervisor, NOC, CS, Technician. Campaigns are open to
   * admin, manager, supervisor, noc and service (RPC roles); for those, the notification type
   * decides exactly as this table says (service: every type).
   */
  const SEED_TABLE: ReadonlyArray<[string, string, string]> = [
    ['Emergency Alert', 'NOTIFICATION_TYPE_EMERGENCY_ALERT', '✅ ✅ ✅ ✅ ❌ ❌'],
    ['Maintenance', 'NOTIFICATION_TYPE_MAINTENANCE', '✅ ❌ ✅ ✅ ❌ ❌'],
    ['Daily Summary', 'NOTIFICATION_TYPE_DAILY_SUMMARY', '✅ ✅ ❌ ❌ ❌ ❌'],
    ['Welcome', 'NOTIFICATION_TYPE_WELCOME', '✅ ❌ ❌ ❌ ✅ ❌'],
    ['Upgrade Offer', 'NOTIFICATION_TYPE_UPGRADE_OFFER', '✅ ✅ ❌ ❌ ❌ ❌'],
    ['Survey', 'NOTIFICATION_TYPE_SATISFACTION_SURVEY', '✅ ✅ ✅ ✅ ✅ ✅'],
    ['Promotion', 'NOTIFICATION_TYPE_PROMOTION', '✅ ✅ ❌ ❌ ❌ ❌'],
    ['Tech Performance', 'NOTIFICATION_TYPE_WEEKLY_PERFORMANCE', '✅ ✅ ✅ ❌ ❌ ❌'],
  ];
  const COLUMNS = ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'technician'];
  const CAMPAIGN_ROLES = ['admin', 'manager', 'supervisor', 'noc'];

  const cases = SEED_TABLE.flatMap(([row, type, marks]) =>
    CAMPAIGN_ROLES.map((role) => [row, role, type, marks.split(' ')[COLUMNS.indexOf(role)] === '✅'] as const),
  );
  it.each(cases)('%s, role %s: kind OTHER with %s allowed = %s', async (_row, role, type, allowed) => {
    const { useCase, input } = setup();
    const outcome = await rejection(useCase.schedule(role, input({ kind: 'OTHER', notificationType: type, templateKey: 'campaign.any' })));
    if (allowed) expect(outcome).toBeUndefined();
    else expect(outcome).toBeInstanceOf(PermissionDeniedError);
  });

  it('a type the seeds do not list (e.g. PAYMENT_REMINDER): admin and service only', async () => {
    const { useCase, input } = setup();
    const req = input({ kind: 'OTHER', notificationType: 'NOTIFICATION_TYPE_PAYMENT_REMINDER', templateKey: 'campaign.any' });
    for (const role of ['manager', 'supervisor', 'noc']) await expect(useCase.schedule(role, req)).rejects.toBeInstanceOf(PermissionDeniedError);
    for (const role of ['admin', 'service']) await expect(useCase.schedule(role, req)).resolves.toMatchObject({ status: 'SCHEDULED' });
  });

  it('the type a kind implies is checked the same way: a manager may schedule an emergency alert, not a maintenance notice', async () => {
    const { useCase, input } = setup();
    const kind = (k: CampaignKind) => input({ kind: k, templateKey: 'campaign.any' });
    await expect(useCase.schedule('manager', kind('EMERGENCY_ALERT'))).resolves.toMatchObject({ notificationType: 'NOTIFICATION_TYPE_EMERGENCY_ALERT', priority: 'PRIORITY_URGENT' });
    await expect(useCase.schedule('manager', kind('MAINTENANCE'))).rejects.toThrow('role manager may not send MAINTENANCE notifications');
    await expect(useCase.schedule('supervisor', kind('PROMOTION'))).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(useCase.schedule('noc', kind('MAINTENANCE'))).resolves.toMatchObject({ status: 'SCHEDULED' });
    // The QA bypass: kind OTHER carrying a maintenance or welcome type.
    for (const type of ['NOTIFICATION_TYPE_MAINTENANCE', 'NOTIFICATION_TYPE_WELCOME']) {
      await expect(useCase.schedule('manager', input({ kind: 'OTHER', notificationType: type, templateKey: 'campaign.any' }))).rejects.toBeInstanceOf(PermissionDeniedError);
    }
  });
});

describe('ScheduleCampaign: priority', () => {
  it("unset: the notification type's default as for Notify — an emergency alert is URGENT whatever the kind; a given one is kept", async () => {
    const { useCase, input } = setup();
    const other = (type: string, priority?: string) => input({ kind: 'OTHER', notificationType: type, templateKey: 'campaign.any', ...(priority ? { priority } : {}) });
    await expect(useCase.schedule('admin', other('NOTIFICATION_TYPE_EMERGENCY_ALERT'))).resolves.toMatchObject({ priority: 'PRIORITY_URGENT' });
    await expect(useCase.schedule('admin', other('NOTIFICATION_TYPE_PROMOTION'))).resolves.toMatchObject({ priority: 'PRIORITY_NORMAL' });
    await expect(useCase.schedule('admin', input({ kind: 'MAINTENANCE', templateKey: 'campaign.any' }))).resolves.toMatchObject({ priority: 'PRIORITY_NORMAL' });
    await expect(useCase.schedule('admin', other('NOTIFICATION_TYPE_EMERGENCY_ALERT', 'PRIORITY_HIGH'))).resolves.toMatchObject({ priority: 'PRIORITY_HIGH' });
  });
});

describe('ScheduleCampaign: audience ids', () => {
  it('a group, customer or staff id that is not a UUID is refused at once, nothing stored (QA: it reached nobody at send time)', async () => {
    const { useCase, input, store } = setup();
    for (const [over, message] of [
      [{ groupId: 'x' }, 'audience: group_id must be a UUID, got "x"'],
      [{ customerId: 'c-1' }, 'audience: customer_id must be a UUID, got "c-1"'],
      [{ staffId: 'tech 1' }, 'audience: staff_id must be a UUID, got "tech 1"'],
    ] as const) {
      await expect(useCase.schedule('admin', input({ audience: [audience('AUDIENCE_KIND_GROUP', over)] }))).rejects.toThrow(message);
    }
    expect(store.rows.size).toBe(0);
  });

  it('a work_zone the customer service would refuse is refused at once, nothing stored (QA: "a b/c" was SCHEDULED and failed at send time)', async () => {
    const { useCase, input, store } = setup();
    for (const zone of ['a b/c', 'at lan/tis', '-karawang', 'k'.repeat(65)]) {
      const err = await useCase.schedule('admin', input({ audience: [audience('AUDIENCE_KIND_AREA_CUSTOMERS', { workZone: zone })] })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect(err).toMatchObject({ field: 'audience' });
      expect((err as Error).message).toContain('is not a work zone key');
    }
    expect(store.rows.size).toBe(0);
    // As the customer service reads it: trimmed, any case, inner spaces as `-`.
    await expect(useCase.schedule('admin', input({ audience: [audience('AUDIENCE_KIND_AREA_CUSTOMERS', { workZone: ' Karawang Timur ' })] }))).resolves.toMatchObject({ status: 'SCHEDULED' });
  });
});

describe('ScheduleCampaign: send_at', () => {
  it('a past send_at is refused, both times shown in WIB as operators give them (QA: UTC came back)', async () => {
    const { useCase, input, store } = setup();
    const err = await rejection(useCase.schedule('admin', input({ sendAt: new Date('2019-12-31T17:00:00Z') })));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toBe(`send_at: 2020-01-01 00:00:00 WIB is in the past (now ${wibOf(NOW)})`);
    expect(store.rows.size).toBe(0);
  });
});

/** NOW in WIB (UTC+7), computed independently of the code under test. */
function wibOf(d: Date): string {
  return `${new Date(d.getTime() + 7 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ')} WIB`;
}

describe('ScheduleCampaign: the template must render with the campaign variables, as the gateway renders it', () => {
  it('missing variables → INVALID_ARGUMENT naming every one; nothing is stored', async () => {
    const { useCase, input, store } = setup();
    const err = await rejection(useCase.schedule('admin', input({ variables: { maintenance_type: 'Upgrade', area: 'Karawang' } })));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('variables');
    expect((err as Error).message).toBe(
      'variables: missing variables: start_at, duration_minutes, impact, reason (template maintenance.notice, CHANNEL_WHATSAPP/LOCALE_ID)',
    );
    expect(store.rows.size).toBe(0);
  });

  it('customer_name is filled per recipient for customer audiences, so it is not required there; a staff or group audience needs it', async () => {
    const { useCase, input } = setup();
    for (const kind of ['AUDIENCE_KIND_AREA_CUSTOMERS', 'AUDIENCE_KIND_ALL_CUSTOMERS', 'AUDIENCE_KIND_CUSTOMER']) {
      await expect(useCase.schedule('admin', input({ audience: [audience(kind, { customerId: '7d0c8e51-3f2a-4b6e-9a1d-2c4e6f8a0b1c' })] }))).resolves.toMatchObject({ status: 'SCHEDULED' });
    }
    for (const kind of ['AUDIENCE_KIND_STAFF_ROLES', 'AUDIENCE_KIND_GROUP', 'AUDIENCE_KIND_ALL_STAFF']) {
      const mixed = [audience('AUDIENCE_KIND_AREA_CUSTOMERS'), audience(kind)];
      await expect(useCase.schedule('admin', input({ audience: mixed }))).rejects.toThrow(
        'variables: missing variable: customer_name (template maintenance.notice, CHANNEL_WHATSAPP/LOCALE_ID); customer_name is filled per recipient only for customer audiences',
      );
      await expect(useCase.schedule('admin', input({ audience: mixed, variables: { ...MAINTENANCE_VARS, customer_name: 'Tim' } }))).resolves.toMatchObject({ status: 'SCHEDULED' });
    }
  });

  it('every channel and locale the template has on the audience channels is checked; a template on none of them is refused', async () => {
    const { useCase, input, templates } = setup({
      'maintenance.notice': [
        { ...WA_ID, needs: ['area'] },
        { channel: 'CHANNEL_WHATSAPP', locale: 'LOCALE_EN', needs: ['area', 'impact'] },
        { channel: 'CHANNEL_SMS', locale: 'LOCALE_ID', needs: ['area', 'sms_only'] },
      ],
    });
    await expect(useCase.schedule('admin', input({ variables: { area: 'K' } }))).rejects.toThrow(
      'variables: missing variable: impact (template maintenance.notice, CHANNEL_WHATSAPP/LOCALE_EN)',
    );
    await expect(useCase.schedule('admin', input({ variables: { area: 'K', impact: 'x' } }))).resolves.toMatchObject({ status: 'SCHEDULED' });
    // SMS only when the campaign asks for it (not the gateway's SMS fallback: a fallback text that does not render is only left out).
    expect(templates.rendered.some((r) => r.channel === 'CHANNEL_SMS')).toBe(false);
    await expect(useCase.schedule('admin', input({ variables: { area: 'K', impact: 'x' }, channels: ['CHANNEL_WHATSAPP', 'CHANNEL_SMS'] }))).rejects.toThrow(
      'missing variable: sms_only (template maintenance.notice, CHANNEL_SMS/LOCALE_ID)',
    );
    const smsOnly = setup({ 'x.wa': [{ ...WA_ID, needs: [] }] });
    await expect(smsOnly.useCase.schedule('admin', smsOnly.input({ templateKey: 'x.wa', channels: ['CHANNEL_SMS'] }))).rejects.toThrow(
      'channels: template x.wa has no version for CHANNEL_SMS (only CHANNEL_WHATSAPP); nobody could be sent it',
    );
    // SMS beside WhatsApp for a WhatsApp-only template: refused too (the gateway would fail the
    // SMS recipients' rendering and with it the whole notification: SENT, reaching nobody).
    await expect(smsOnly.useCase.schedule('admin', smsOnly.input({ templateKey: 'x.wa', channels: ['CHANNEL_SMS', 'CHANNEL_WHATSAPP'] }))).rejects.toThrow(
      'channels: template x.wa has no version for CHANNEL_SMS (only CHANNEL_WHATSAPP); leave CHANNEL_SMS out of the channels',
    );
    // A group is reached on WhatsApp whatever the channels.
    await expect(
      smsOnly.useCase.schedule('admin', smsOnly.input({ templateKey: 'x.wa', channels: ['CHANNEL_SMS'], audience: [audience('AUDIENCE_KIND_GROUP')] })),
    ).resolves.toMatchObject({ status: 'SCHEDULED' });
    await expect(useCase.schedule('admin', input({ templateKey: 'no.such' }))).rejects.toThrow('template_key: unknown template key "no.such"');
  });
});

describe('dispatchDue: the template is checked again at send_at', () => {
  it('still renders → SENT with one campaign_due event', async () => {
    const { useCase, input, store } = setup();
    const c = await useCase.schedule('admin', input());
    await expect(useCase.dispatchDue(c.id)).resolves.toMatchObject({ templateCheck: 'passed', campaign: { status: 'SENT', sentAt: NOW } });
    expect(store.published).toHaveLength(1);
    await expect(useCase.dispatchDue(c.id)).resolves.toBeNull();
    expect(store.published).toHaveLength(1);
  });

  it('a template version activated since needs a variable the campaign lacks → FAILED with the reason, nothing published', async () => {
    const { useCase, input, store, templates } = setup();
    const c = await useCase.schedule('admin', input());
    templates.versions['maintenance.notice'] = [{ ...WA_ID, needs: [...MAINTENANCE_NEEDS, 'hotline'] }];
    await expect(useCase.dispatchDue(c.id)).resolves.toMatchObject({ templateCheck: 'failed' });
    expect(store.rows.get(c.id)).toMatchObject({
      status: 'FAILED',
      failedAt: NOW,
      sentAt: null,
      failureReason: 'variables: missing variable: hotline (template maintenance.notice, CHANNEL_WHATSAPP/LOCALE_ID)',
    });
    expect(store.published).toHaveLength(0);
    await expect(useCase.cancel(c.id, 'late')).rejects.toThrow('is FAILED');
  });

  it('the template service unreachable at send_at → sent anyway (the gateway renders and retries), check reported skipped', async () => {
    const { useCase, input, store, templates } = setup();
    const c = await useCase.schedule('admin', input());
    templates.down = true;
    const done = await useCase.dispatchDue(c.id);
    expect(done).toMatchObject({ templateCheck: 'skipped', campaign: { status: 'SENT' } });
    expect(done?.checkError).toBeInstanceOf(UnavailableError);
    expect(store.published).toHaveLength(1);
  });
});
