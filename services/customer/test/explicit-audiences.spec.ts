import { ValidationError } from '@notify/errors';
import type { ExplicitAudience } from '../src/domain';
import { buildRoutingRule, defaultRoutingRules, explicitAudienceRules, explicitTemplateKey, registerCustomer } from '../src/domain';
import { ADMIN, SERVICE, customerFixture } from './support/customer-fixture';

const DEFAULTS = defaultRoutingRules();
const rulesOf = (type: string) => DEFAULTS.filter((r) => r.notificationType === type);

/** The ValidationError thrown by `fn` (fails the test when none is thrown). */
function validationOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('explicit audiences (domain)', () => {
  const build = (audiences: ExplicitAudience[], channels: string[] = [], type = 'campaign.maintenance', context = {}) =>
    explicitAudienceRules({ notificationType: type, audiences, channels, context, storedRules: rulesOf(type) });

  it('turns each audience into a rule with its own context, most specific audience first', () => {
    const rules = build([
      { audience: 'AREA_CUSTOMERS', workZone: 'Karawang' },
      { audience: 'GROUP', groupId: ' g-1 ' },
      { audience: 'STAFF_ROLES', roles: ['supervisor', 'manager', 'supervisor'] },
    ], ['WHATSAPP', 'SMS']);
    expect(rules.map((r) => [r.rule.audience, r.rule.channels])).toEqual([
      ['STAFF_ROLES', ['WHATSAPP', 'SMS']],
      ['GROUP', ['WHATSAPP']], // groups are WhatsApp only whatever the request's channels
      ['AREA_CUSTOMERS', ['WHATSAPP', 'SMS']],
    ]);
    expect(rules[0]!.context.roles).toEqual(['supervisor', 'manager']);
    expect(rules[1]!.context.groupId).toBe('g-1');
    expect(rules[2]!.context).toMatchObject({ area: 'karawang', workZone: 'karawang' });
    expect(rules[2]!.context.groupId).toBeUndefined();
  });

  it('defaults the channels to [WHATSAPP] and validates them', () => {
    expect(build([{ audience: 'ALL_CUSTOMERS' }])[0]!.rule.channels).toEqual(['WHATSAPP']);
    expect(validationOf(() => build([{ audience: 'ALL_CUSTOMERS' }], ['SMS', 'SMS'])).field).toBe('channels');
    expect(validationOf(() => build([{ audience: 'ALL_CUSTOMERS' }], ['FAX'])).field).toBe('channels');
  });

  it('rejects an audience without its parameter, naming the field', () => {
    expect(validationOf(() => build([{ audience: 'ALL_STAFF' }, { audience: 'AREA_CUSTOMERS' }])).field).toBe('audiences[1].work_zone');
    expect(validationOf(() => build([{ audience: 'GROUP', groupId: '  ' }])).field).toBe('audiences[0].group_id');
    expect(validationOf(() => build([{ audience: 'STAFF_ROLES', roles: [] }])).field).toBe('audiences[0].roles');
    expect(validationOf(() => build([{ audience: 'STAFF_ROLES', roles: ['service'] }])).field).toBe('audiences[0].roles');
    expect(validationOf(() => build([{ audience: 'CUSTOMER' }])).field).toBe('audiences[0].customer_id');
    expect(validationOf(() => build([{ audience: 'ASSIGNED_TECHNICIAN' }])).field).toBe('audiences[0].staff_id');
    expect(validationOf(() => build([{ audience: 'ZONE_TECHNICIANS' }])).field).toBe('audiences[0].work_zone');
    expect(validationOf(() => build([{ audience: 'NOBODY' }])).field).toBe('audiences[0].kind');
    // OFFERED_TECHNICIANS is the gateway's record of who an offer reached: routing rules only.
    expect(validationOf(() => build([{ audience: 'OFFERED_TECHNICIANS', workZone: 'karawang' }])).message).toMatch(/OFFERED_TECHNICIANS is for routing rules only/);
    // PREVIOUS_TECHNICIAN has no parameter of its own: only a reassignment's context names one.
    expect(validationOf(() => build([{ audience: 'PREVIOUS_TECHNICIAN' }])).message).toMatch(/PREVIOUS_TECHNICIAN needs the context's previous technician/);
    expect(build([{ audience: 'PREVIOUS_TECHNICIAN' }], [], 'ticket.assigned', { previousTechnicianId: 's-9' })[0]!.context.previousTechnicianId).toBe('s-9');
    // The context's area / customer does instead.
    expect(build([{ audience: 'AREA_CUSTOMERS' }], [], 'campaign.maintenance', { area: 'bekasi', workZone: 'bekasi' })[0]!.context.area).toBe('bekasi');
    expect(build([{ audience: 'CUSTOMER' }], [], 'upgrade.offer', { customerId: 'c-1' })[0]!.context.customerId).toBe('c-1');
  });

  it('template key: the type\'s rule for the audience, else the type\'s first rule, else the type key', () => {
    expect(explicitTemplateKey('campaign.maintenance', 'AREA_CUSTOMERS', DEFAULTS, {})).toBe('maintenance.notice');
    expect(explicitTemplateKey('campaign.emergency', 'STAFF_ROLES', DEFAULTS, {})).toBe('emergency.alert');
    expect(explicitTemplateKey('ticket.created', 'CUSTOMER', DEFAULTS, { ticketType: 'PSB' })).toBe('ticket.created.installation');
    expect(explicitTemplateKey('ticket.created', 'CUSTOMER', DEFAULTS, { ticketType: 'GANGGUAN' })).toBe('ticket.created.disturbance');
    expect(explicitTemplateKey('no.rules.type', 'GROUP', DEFAULTS, {})).toBe('no.rules.type');
  });

  it('a stored routing rule cannot name GROUP or STAFF_ROLES (they need parameters)', () => {
    for (const audience of ['GROUP', 'STAFF_ROLES'] as const) {
      expect(validationOf(() => buildRoutingRule({
        notificationType: 'campaign.emergency', ticketType: null, escalationLevel: null, audience, channels: ['WHATSAPP'],
        templateKey: 'emergency.alert', enabled: true, source: 't',
      })).field).toBe('audience');
    }
  });
});

describe('ResolveRecipients with explicit audiences (use case, in-memory ports)', () => {
  async function world() {
    const f = await customerFixture();
    const staff = (id: string, name: string, role: string, phone: string | null, active = true) =>
      f.uc.createStaff.execute(ADMIN, { id, name, role: role as never, phone, workZones: [], active });
    await staff('sup-1', 'Sari', 'supervisor', '6281200000001');
    await staff('sup-2', 'Wati', 'supervisor', '6281200000002', false);
    await staff('mgr-1', 'Hendra', 'manager', '6281200000003');
    await staff('tech-1', 'Budi', 'technician', '6281200000004');
    await staff('noc-1', 'Nina', 'noc', '6281200000005');
    const group = (name: string, chatId: string, notificationTypes: string[] = []) =>
      f.uc.createGroup.execute(ADMIN, { name, chatId, category: 'technicians', workZone: null, notificationTypes });
    const g1 = await group('Teknisi Karawang', '120363000000000001@g.us');
    const g2 = await group('Teknisi Bekasi', '120363000000000002@g.us');
    const resolve = (type: string, audiences: ExplicitAudience[], channels: string[] = []) =>
      f.uc.resolve.resolve(SERVICE, { notificationType: type, context: {}, audiences, channels });
    return { f, g1, g2, resolve };
  }

  it('GROUP: exactly that group, on WhatsApp, with the type\'s template; unknown id → NOT_FOUND, inactive → INACTIVE', async () => {
    const { f, g1, g2, resolve } = await world();
    const r = await resolve('campaign.emergency', [{ audience: 'GROUP', groupId: g2.id }]);
    expect(r.recipients.map((x) => [x.kind, x.id, x.address, x.channel, x.templateKey, x.audience]))
      .toEqual([['group', g2.id, '120363000000000002@g.us', 'WHATSAPP', 'emergency.alert', 'GROUP']]);
    expect(r.recipients.some((x) => x.id === g1.id)).toBe(false);
    const unknown = await resolve('campaign.emergency', [{ audience: 'GROUP', groupId: 'no-such-group' }, { audience: 'GROUP', groupId: g1.id }]);
    expect(unknown.recipients.map((x) => x.id)).toEqual([g1.id]);
    expect(unknown.leftOut).toEqual([{ kind: 'group', id: 'no-such-group', name: null, reason: 'NOT_FOUND', audience: 'GROUP' }]);
    await f.uc.updateGroup.execute(ADMIN, { groupId: g1.id, active: false });
    expect((await resolve('campaign.emergency', [{ audience: 'GROUP', groupId: g1.id }])).leftOut.map((l) => l.reason)).toEqual(['INACTIVE']);
  });

  it('STAFF_ROLES: active staff with any of the roles; inactive and opted-out left out; channels from the request', async () => {
    const { f, resolve } = await world();
    await f.uc.optOut.execute(SERVICE, { phone: '6281200000003', channel: 'WHATSAPP' });
    const r = await resolve('campaign.emergency', [{ audience: 'STAFF_ROLES', roles: ['supervisor', 'manager'] }], ['WHATSAPP', 'SMS']);
    expect(r.recipients.map((x) => [x.id, x.channel])).toEqual([['mgr-1', 'SMS'], ['sup-1', 'WHATSAPP']]);
    expect(r.leftOut.map((l) => [l.id, l.reason])).toEqual([['sup-2', 'INACTIVE']]);
    // WhatsApp only (default channels): the manager's WhatsApp opt-out leaves him out.
    const w = await resolve('campaign.emergency', [{ audience: 'STAFF_ROLES', roles: ['supervisor', 'manager'] }]);
    expect(w.recipients.map((x) => x.id)).toEqual(['sup-1']);
    expect(w.leftOut.map((l) => [l.id, l.reason])).toEqual([['mgr-1', 'OPTED_OUT'], ['sup-2', 'INACTIVE']]);
  });

  it('several audiences are merged and de-duplicated; a type without stored rules uses its own key', async () => {
    const { g1, resolve } = await world();
    const r = await resolve('upgrade.offer', [
      { audience: 'ALL_STAFF' },
      { audience: 'STAFF_ROLES', roles: ['supervisor'] },
      { audience: 'GROUP', groupId: g1.id },
    ]);
    // STAFF_ROLES ranks before ALL_STAFF, so Sari is named once, by STAFF_ROLES.
    expect(r.recipients.map((x) => [x.id, x.audience])).toEqual([
      ['sup-1', 'STAFF_ROLES'], ['tech-1', 'ALL_STAFF'], ['mgr-1', 'ALL_STAFF'], ['noc-1', 'ALL_STAFF'], [g1.id, 'GROUP'],
    ]);
    expect(r.leftOut.map((l) => l.id)).toEqual(['sup-2']);
    expect(r.recipients.every((x) => x.templateKey === 'upgrade.offer')).toBe(true);
    const none = await resolve('summary.daily', [{ audience: 'STAFF_ROLES', roles: ['noc'] }]);
    expect(none.recipients.map((x) => [x.id, x.templateKey])).toEqual([['noc-1', 'summary.daily']]);
  });

  it('AREA_CUSTOMERS with its work zone streams active customers of that area only', async () => {
    const { f, resolve } = await world();
    const at = f.clock.now();
    for (let i = 0; i < 12; i++) {
      const { customer } = registerCustomer(
        { id: `c-${String(i).padStart(3, '0')}`, name: `C${i}`, phone: `0813${String(i).padStart(8, '0')}`, address: 'a', workZone: i < 8 ? 'karawang' : 'bekasi', packageName: 'p', wantsInstallation: false },
        { id: 't', role: 'service' },
        { at, eventId: `e${i}` },
      );
      f.store.customerRows.set(customer.id, { ...customer, status: i === 3 ? 'SUSPENDED' : 'ACTIVE' });
    }
    const r = await resolve('campaign.maintenance', [{ audience: 'AREA_CUSTOMERS', workZone: 'Karawang' }]);
    expect(r.recipients.map((x) => x.id)).toEqual(['c-000', 'c-001', 'c-002', 'c-004', 'c-005', 'c-006', 'c-007']);
    expect(r.recipients.every((x) => x.templateKey === 'maintenance.notice' && x.audience === 'AREA_CUSTOMERS')).toBe(true);
    await expect(resolve('campaign.maintenance', [{ audience: 'AREA_CUSTOMERS' }])).rejects.toMatchObject({ field: 'audiences[0].work_zone' });
  });
});
