import { NotFoundError, PermissionDeniedError, ValidationError } from '@notify/errors';
import type { ResolutionItem, ResolveRecipientsInput } from '../src/application';
import { createStaff, registerCustomer, type Recipient } from '../src/domain';
import { ADMIN, CS, SERVICE, TECH, customerFixture } from './support/customer-fixture';

const PHONE = {
  budi: '6281200000001',
  andi: '6281200000002',
  dodi: '6281200000003',
  citra: '6281200000005',
  sari: '6281200000006',
  supAll: '6281200000007',
  supBekasi: '6281200000008',
  mgr: '6281200000009',
  cust: '6282291921583',
};
const CHAT = {
  tkKarawang: '120363000000000001@g.us',
  tkBekasi: '120363000000000002@g.us',
  supTeam: '120363000000000003@g.us',
  mgmt: '120363000000000004@g.us',
  noc: '120363000000000005@g.us',
};

/** A directory with technicians, supervisors, a manager, groups and one customer in Karawang. */
async function world() {
  const f = await customerFixture();
  // CreateStaff requires a phone; a phoneless staff member (stored before phones were
  // required) goes straight into the repository.
  const staff = (id: string, name: string, role: string, phone: string | null, workZones: string[], active = true) =>
    phone
      ? f.uc.createStaff.execute(ADMIN, { id, name, role: role as never, phone, workZones, active })
      : f.store.staff.insert(createStaff({ id, name, role: role as never, phone, workZones, active }, f.clock.now()));
  await staff('tech-budi', 'Budi', 'technician', PHONE.budi, ['karawang']);
  await staff('tech-andi', 'Andi', 'technician', PHONE.andi, ['karawang', 'bekasi']);
  await staff('tech-dodi', 'Dodi', 'technician', PHONE.dodi, ['karawang'], false);
  await staff('tech-eko', 'Eko', 'technician', null, ['karawang']);
  await staff('tech-citra', 'Citra', 'technician', PHONE.citra, ['bekasi']);
  await staff('sup-sari', 'Sari', 'supervisor', PHONE.sari, ['karawang']);
  await staff('sup-all', 'Wati', 'supervisor', PHONE.supAll, []);
  await staff('sup-bekasi', 'Yusuf', 'supervisor', PHONE.supBekasi, ['bekasi']);
  await staff('mgr-1', 'Hendra', 'manager', PHONE.mgr, []);
  const group = (name: string, chatId: string, category: string, workZone: string | null, notificationTypes: string[] = []) =>
    f.uc.createGroup.execute(ADMIN, { name, chatId, category: category as never, workZone, notificationTypes });
  const tkKarawang = await group('Teknisi Karawang', CHAT.tkKarawang, 'technicians', 'karawang', ['ticket.created', 'sla.warning']);
  await group('Teknisi Bekasi', CHAT.tkBekasi, 'technicians', 'bekasi');
  const supTeam = await group('Supervisor Team', CHAT.supTeam, 'supervisors', null, ['sla.warning', 'ticket.escalated', 'summary.daily']);
  await group('Management', CHAT.mgmt, 'managers', null, ['summary.daily']);
  await group('NOC Team', CHAT.noc, 'noc', null);
  // Andi switched WhatsApp off: he gets the SMS where the rule allows SMS.
  await f.uc.updatePreferences.execute(ADMIN, { subject: { kind: 'staff', id: 'tech-andi' }, patch: { channels: { WHATSAPP: false } } });
  const customer = await f.register({ name: 'Siti', phone: '082291921583', workZone: 'karawang' });
  const resolve = (notificationType: string, context: ResolveRecipientsInput['context']) =>
    f.uc.resolve.resolve(SERVICE, { notificationType, context });
  return { f, customer, tkKarawang, supTeam, resolve };
}

const brief = (r: Recipient) => [r.id, r.channel, r.address, r.templateKey];

describe('ResolveRecipients', () => {
  it('ticket.created (GANGGUAN, karawang): customer, zone technicians, zone group; inactive and phoneless left out', async () => {
    const { customer, tkKarawang, resolve } = await world();
    const r = await resolve('ticket.created', { ticketType: 'GANGGUAN', customerId: customer.id, workZone: 'Karawang', ticketId: 't1' });
    expect(r.recipients.map(brief)).toEqual([
      [customer.id, 'WHATSAPP', PHONE.cust, 'ticket.created.disturbance'],
      ['tech-andi', 'SMS', PHONE.andi, 'technician.job_offer'],
      ['tech-budi', 'WHATSAPP', PHONE.budi, 'technician.job_offer'],
      [tkKarawang.id, 'WHATSAPP', CHAT.tkKarawang, 'technician.job_offer'],
    ]);
    expect(r.leftOut.map((l) => [l.id, l.reason])).toEqual([
      ['tech-dodi', 'INACTIVE'],
      ['tech-eko', 'NO_PHONE'],
    ]);
    expect(r.skippedRules).toEqual([]);
    expect(r.recipients[0]).toMatchObject({ kind: 'customer', name: 'Siti', locale: 'id', quietHours: null, timeZone: 'Asia/Jakarta', audience: 'CUSTOMER' });
  });

  it('uses the PSB template for installation tickets and the bekasi group for bekasi', async () => {
    const { customer, resolve } = await world();
    const r = await resolve('ticket.created', { ticketType: 'PSB', customerId: customer.id, workZone: 'bekasi' });
    expect(r.recipients.map((x) => [x.name, x.templateKey])).toEqual([
      ['Siti', 'ticket.created.installation'],
      ['Andi', 'technician.job_offer'],
      ['Citra', 'technician.job_offer'],
      ['Teknisi Bekasi', 'technician.job_offer'],
    ]);
  });

  it('honours opt-outs per channel: WhatsApp opt-out falls back to SMS, both → OPTED_OUT', async () => {
    const { f, customer, resolve } = await world();
    const ctx = { ticketType: 'GANGGUAN' as const, customerId: customer.id, technicianId: 'tech-budi' };
    await f.uc.optOut.execute(SERVICE, { phone: '+62 822 9192 1583', channel: 'WHATSAPP' });
    let r = await resolve('ticket.assigned', ctx);
    expect(r.recipients.find((x) => x.kind === 'customer')).toMatchObject({ channel: 'SMS', address: PHONE.cust });
    await f.uc.optOut.execute(SERVICE, { phone: '082291921583', channel: 'SMS' });
    r = await resolve('ticket.assigned', ctx);
    expect(r.recipients.map((x) => x.id)).toEqual(['tech-budi']);
    // Opted out of both of the rule's channels: no one channel to name.
    expect(r.leftOut).toEqual([{ kind: 'customer', id: customer.id, name: 'Siti', reason: 'OPTED_OUT', audience: 'CUSTOMER' }]);
  });

  it('a technician whose phone is the customer\'s gets nothing (one message per phone and channel) and is left out as SHARED_PHONE, naming the channel', async () => {
    const { f, customer, resolve } = await world();
    await f.uc.createStaff.execute(ADMIN, { id: 'tech-siti', name: 'Siti Teknisi', role: 'technician', phone: PHONE.cust, workZones: ['karawang'], active: true });
    const r = await resolve('ticket.created', { ticketType: 'GANGGUAN', customerId: customer.id, workZone: 'Karawang', ticketId: 't1' });
    expect(r.recipients.filter((x) => x.address === PHONE.cust).map((x) => x.id)).toEqual([customer.id]);
    expect(r.leftOut).toContainEqual({ kind: 'staff', id: 'tech-siti', name: 'Siti Teknisi', reason: 'SHARED_PHONE', audience: 'ZONE_TECHNICIANS', channel: 'WHATSAPP' });
    // The same person named by two audiences is one recipient, not left out.
    const s = await resolve('sla.warning', { technicianId: 'tech-budi', workZone: 'karawang', ticketId: 't1' });
    expect(s.recipients.filter((x) => x.id === 'tech-budi')).toHaveLength(1);
    expect(s.leftOut.filter((l) => l.id === 'tech-budi')).toEqual([]);
  });

  it('a WhatsApp recipient whose number opted out of SMS, or who switched SMS off, refuses the SMS fallback; the others do not', async () => {
    const { f, customer, tkKarawang, resolve } = await world();
    const ctx = { ticketType: 'GANGGUAN' as const, customerId: customer.id, workZone: 'Karawang' };
    let r = await resolve('ticket.created', ctx);
    expect(r.recipients.filter((x) => x.smsFallbackRefused).map((x) => x.id)).toEqual([]);
    await f.uc.optOut.execute(SERVICE, { phone: PHONE.cust, channel: 'SMS' });
    await f.uc.updatePreferences.execute(ADMIN, { subject: { kind: 'staff', id: 'tech-budi' }, patch: { channels: { SMS: false } } });
    r = await resolve('ticket.created', ctx);
    expect(r.recipients.map((x) => [x.id, x.channel, x.smsFallbackRefused ?? false])).toEqual([
      [customer.id, 'WHATSAPP', true],
      ['tech-andi', 'SMS', false], // an SMS recipient has no fallback to refuse
      ['tech-budi', 'WHATSAPP', true],
      [tkKarawang.id, 'WHATSAPP', false], // a group gets no SMS fallback anyway
    ]);
  });

  it('a WhatsApp-only rule with WhatsApp opted out leaves the person OPTED_OUT; switched off → CHANNEL_DISABLED', async () => {
    const { f, customer, resolve } = await world();
    await f.uc.optOut.execute(SERVICE, { phone: PHONE.cust, channel: 'WHATSAPP' });
    const r = await resolve('payment.reminder', { customerId: customer.id });
    expect(r.leftOut.map((l) => [l.reason, l.channel])).toEqual([['OPTED_OUT', 'WHATSAPP']]);
    // Andi has WhatsApp switched off, and the SLA warning goes on WhatsApp only.
    const s = await resolve('sla.warning', { technicianId: 'tech-andi', workZone: 'karawang' });
    expect(s.leftOut.find((l) => l.id === 'tech-andi')?.reason).toBe('CHANNEL_DISABLED');
  });

  it('tells the assigned technician when their ticket is started by someone else or cancelled, not when they started it themselves', async () => {
    const { customer, resolve } = await world();
    const ctx = { ticketType: 'GANGGUAN' as const, customerId: customer.id, technicianId: 'tech-budi' };
    const bySupervisor = await resolve('ticket.started', { ...ctx, actorId: 'sup-sari' });
    expect(bySupervisor.recipients.map(brief)).toEqual([
      [customer.id, 'WHATSAPP', PHONE.cust, 'ticket.started.disturbance'],
      ['tech-budi', 'WHATSAPP', PHONE.budi, 'technician.job_started'],
    ]);
    const byHimself = await resolve('ticket.started', { ...ctx, actorId: 'tech-budi' });
    expect(byHimself.recipients.map((r) => r.id)).toEqual([customer.id]);
    const cancelled = await resolve('ticket.cancelled', { ...ctx, ticketType: 'PSB', actorId: 'sup-sari' });
    expect(cancelled.recipients.map(brief)).toEqual([
      [customer.id, 'WHATSAPP', PHONE.cust, 'ticket.cancelled.installation'],
      ['tech-budi', 'WHATSAPP', PHONE.budi, 'technician.ticket_cancelled'],
    ]);
    // Andi switched WhatsApp off: the SMS text of the same key.
    const toAndi = await resolve('ticket.cancelled', { ...ctx, technicianId: 'tech-andi', actorId: 'sup-sari' });
    expect(toAndi.recipients.find((r) => r.id === 'tech-andi')).toMatchObject({ channel: 'SMS', templateKey: 'technician.ticket_cancelled' });
    // An OPEN ticket cancelled has no technician of its own; the zone's technicians, whom its job
    // offer went to, hear it was cancelled (OFFERED_TECHNICIANS; the gateway keeps those it reached).
    const unassigned = await resolve('ticket.cancelled', { ticketType: 'GANGGUAN', customerId: customer.id, workZone: 'karawang', actorId: 'sup-sari' });
    expect(unassigned.recipients.map(brief)).toEqual([
      [customer.id, 'WHATSAPP', PHONE.cust, 'ticket.cancelled.disturbance'],
      ['tech-andi', 'SMS', PHONE.andi, 'technician.offer_cancelled'],
      ['tech-budi', 'WHATSAPP', PHONE.budi, 'technician.offer_cancelled'],
    ]);
    // Teknisi Karawang takes ticket.created and sla.warning only (its own list): not the
    // cancellation, though OFFERED_TECHNICIAN_GROUP names it.
    expect(unassigned.leftOut.map((l) => [l.name, l.reason])).toContainEqual(['Teknisi Karawang', 'NOTIFICATION_TYPE_OPTED_OUT']);
    expect(unassigned.recipients.find((r) => r.id === 'tech-budi')).toMatchObject({ audience: 'OFFERED_TECHNICIANS' });
    // An assigned ticket's offers were answered: only its technician is told, not the zone.
    const assigned = await resolve('ticket.cancelled', { ...ctx, workZone: 'karawang', actorId: 'sup-sari' });
    expect(assigned.recipients.map((r) => [r.id, r.templateKey])).toEqual([
      [customer.id, 'ticket.cancelled.disturbance'],
      ['tech-budi', 'technician.ticket_cancelled'],
    ]);
  });

  it('customer.registered: the customer gets the confirmation, the Customer Service group the new registration', async () => {
    const { f, customer, resolve } = await world();
    const cs = await f.uc.createGroup.execute(ADMIN, { name: 'Customer Service', chatId: '120363000000000006@g.us', category: 'customer_service', workZone: null, notificationTypes: [] });
    const r = await resolve('customer.registered', { customerId: customer.id, workZone: 'karawang' });
    expect(r.recipients.map(brief)).toEqual([
      [customer.id, 'WHATSAPP', PHONE.cust, 'customer.registration_confirmation'],
      [cs.id, 'WHATSAPP', '120363000000000006@g.us', 'customer.new_registration'],
    ]);
  });

  it('honours per-notification-type opt-outs of people and groups', async () => {
    const { f, customer, tkKarawang, resolve } = await world();
    await f.uc.updatePreferences.execute(CS, { subject: { kind: 'customer', id: customer.id }, patch: { optedOutTypes: ['ticket.started'] } });
    const started = await resolve('ticket.started', { ticketType: 'GANGGUAN', customerId: customer.id });
    expect(started.recipients).toEqual([]);
    expect(started.leftOut.map((l) => [l.id, l.reason])).toEqual([[customer.id, 'NOTIFICATION_TYPE_OPTED_OUT']]);
    // Still gets other types.
    expect((await resolve('ticket.completed', { ticketType: 'GANGGUAN', customerId: customer.id })).recipients).toHaveLength(1);
    // The Karawang group takes only ticket.created and sla.warning.
    await f.uc.updateRule.execute(ADMIN, {
      notificationType: 'summary.daily', ticketType: null, escalationLevel: null, audience: 'ZONE_TECHNICIAN_GROUP',
      channels: ['WHATSAPP'], templateKey: 'summary.daily', enabled: true,
    });
    const daily = await resolve('summary.daily', { workZone: 'karawang' });
    expect(daily.leftOut).toContainEqual(expect.objectContaining({ id: tkKarawang.id, reason: 'NOTIFICATION_TYPE_OPTED_OUT' }));
  });

  it('drops inactive groups and reports them', async () => {
    const { f, tkKarawang, resolve } = await world();
    await f.uc.updateGroup.execute(ADMIN, { groupId: tkKarawang.id, active: false });
    const r = await resolve('ticket.created', { ticketType: 'GANGGUAN', workZone: 'karawang', customerId: 'x' });
    expect(r.recipients.some((x) => x.kind === 'group')).toBe(false);
    expect(r.leftOut).toContainEqual({ kind: 'group', id: tkKarawang.id, name: 'Teknisi Karawang', reason: 'INACTIVE', audience: 'ZONE_TECHNICIAN_GROUP' });
  });

  it('passes quiet hours, time zone and locale through to the recipient', async () => {
    const { f, customer, resolve } = await world();
    await f.uc.updatePreferences.execute(CS, {
      subject: { kind: 'customer', id: customer.id },
      patch: { quietHours: { start: '22:00', end: '06:00' }, timeZone: 'Asia/Makassar', locale: 'en' },
    });
    const r = await resolve('payment.reminder', { customerId: customer.id });
    expect(r.recipients).toEqual([
      {
        kind: 'customer', id: customer.id, name: 'Siti', channel: 'WHATSAPP', address: PHONE.cust, locale: 'en',
        quietHours: { start: '22:00', end: '06:00' }, timeZone: 'Asia/Makassar', templateKey: 'payment.reminder', audience: 'CUSTOMER',
      },
    ]);
  });

  it('routes escalation level 1 to the zone’s supervisors and the supervisor group, level 2 to managers', async () => {
    const { supTeam, resolve } = await world();
    const l1 = await resolve('ticket.escalated', { escalationLevel: 1, workZone: 'karawang', ticketType: 'GANGGUAN' });
    expect(l1.recipients.map((r) => [r.id, r.templateKey])).toEqual([
      ['sup-sari', 'case.escalation.lead'],
      ['sup-all', 'case.escalation.lead'],
      [supTeam.id, 'case.escalation.lead'],
    ]);
    const l2 = await resolve('ticket.escalated', { escalationLevel: 2, workZone: 'karawang' });
    expect(l2.recipients.map((r) => [r.id, r.templateKey])).toEqual([['mgr-1', 'case.escalation.head']]);
  });

  it('leaves out the actor of the change (the technician who took the job)', async () => {
    const { customer, resolve } = await world();
    const r = await resolve('ticket.assigned', { ticketType: 'PSB', customerId: customer.id, technicianId: 'tech-budi', actorId: 'tech-budi' });
    expect(r.recipients.map((x) => x.id)).toEqual([customer.id]);
    expect(r.leftOut.map((l) => [l.id, l.reason])).toEqual([['tech-budi', 'IS_ACTOR']]);
    const bySupervisor = await resolve('ticket.assigned', { ticketType: 'PSB', customerId: customer.id, technicianId: 'tech-budi', actorId: 'sup-sari' });
    expect(bySupervisor.recipients.map((x) => [x.id, x.templateKey])).toEqual([
      [customer.id, 'ticket.assigned.installation'],
      ['tech-budi', 'technician.ticket_assigned'],
    ]);
  });

  it('de-duplicates by address and channel: a technician who is also the customer gets one message, and their technician message is reported left out (SHARED_PHONE)', async () => {
    const { f, resolve } = await world();
    const selfCustomer = await f.register({ name: 'Budi (rumah)', phone: PHONE.budi });
    const r = await resolve('ticket.assigned', { ticketType: 'GANGGUAN', customerId: selfCustomer.id, technicianId: 'tech-budi' });
    expect(r.recipients.map(brief)).toEqual([[selfCustomer.id, 'WHATSAPP', PHONE.budi, 'ticket.assigned.disturbance']]);
    expect(r.leftOut).toEqual([{ kind: 'staff', id: 'tech-budi', name: 'Budi', reason: 'SHARED_PHONE', audience: 'ASSIGNED_TECHNICIAN', channel: 'WHATSAPP' }]);
  });

  it('does not list as left out someone who is a recipient through another audience', async () => {
    const { f, resolve } = await world();
    // Sari is named by SUPERVISORS (WhatsApp) and, after this edit, by ALL_STAFF on SMS, which she switched off.
    await f.uc.updateRule.execute(ADMIN, {
      notificationType: 'summary.daily', ticketType: null, escalationLevel: null, audience: 'ALL_STAFF',
      channels: ['SMS'], templateKey: 'summary.daily', enabled: true,
    });
    await f.uc.updatePreferences.execute(ADMIN, { subject: { kind: 'staff', id: 'sup-sari' }, patch: { channels: { SMS: false } } });
    const r = await resolve('summary.daily', {});
    expect(r.recipients.filter((x) => x.id === 'sup-sari').map((x) => x.channel)).toEqual(['WHATSAPP']);
    expect(r.leftOut.find((l) => l.id === 'sup-sari')).toBeUndefined();
    // The same person on two channels counts as two recipients (one per address + channel).
    expect(r.recipients.filter((x) => x.id === 'mgr-1').map((x) => x.channel)).toEqual(['WHATSAPP', 'SMS']);
  });

  it('reports rules it could not resolve for lack of context instead of failing', async () => {
    const { resolve } = await world();
    const r = await resolve('sla.warning', { workZone: 'karawang' }); // unassigned ticket: no technician_id
    expect(r.skippedRules).toEqual([{ ruleId: 'sla.warning/*/*/ASSIGNED_TECHNICIAN', audience: 'ASSIGNED_TECHNICIAN', missing: 'technician_id' }]);
    expect(r.recipients.map((x) => x.name)).toEqual(['Sari', 'Wati', 'Teknisi Karawang', 'Supervisor Team']);
  });

  it('reports an unknown customer as NOT_FOUND and still resolves the rest', async () => {
    const { resolve } = await world();
    const r = await resolve('ticket.assigned', { ticketType: 'GANGGUAN', customerId: 'ghost', technicianId: 'tech-budi' });
    expect(r.recipients.map((x) => x.id)).toEqual(['tech-budi']);
    expect(r.leftOut).toEqual([{ kind: 'customer', id: 'ghost', name: null, reason: 'NOT_FOUND', audience: 'CUSTOMER' }]);
  });

  it('ignores disabled rules, and rejects unknown types, bad context and unauthorized callers', async () => {
    const { f, customer, resolve } = await world();
    await f.uc.updateRule.execute(ADMIN, {
      notificationType: 'payment.reminder', ticketType: null, escalationLevel: null, audience: 'CUSTOMER',
      channels: ['WHATSAPP'], templateKey: 'payment.reminder', enabled: false,
    });
    expect((await resolve('payment.reminder', { customerId: customer.id })).recipients).toEqual([]);
    await expect(resolve('ticket.reopened', {})).rejects.toThrow(NotFoundError);
    await expect(resolve('ticket.created', { ticketType: 'REPAIR' as never })).rejects.toThrow(ValidationError);
    await expect(resolve('ticket.created', { workZone: 'kara/wang' })).rejects.toThrow(/^context\.work_zone: /);
    await expect(f.uc.resolve.resolve(TECH, { notificationType: 'ticket.created', context: {} })).rejects.toThrow(PermissionDeniedError);
  });

  it('streams an area of customers in batches, active ones only, honouring opt-outs', async () => {
    const { f, resolve } = await world();
    const at = f.clock.now();
    const N = 1234;
    for (let i = 0; i < N + 20; i++) {
      const zone = i < N ? 'karawang' : 'bekasi';
      const { customer } = registerCustomer(
        { id: `area-${String(i).padStart(5, '0')}`, name: `C${i}`, phone: `0813${String(i).padStart(8, '0')}`, address: 'a', workZone: zone, packageName: 'p', wantsInstallation: false },
        { id: 't', role: 'service' },
        { at, eventId: `e${i}` },
      );
      f.store.customerRows.set(customer.id, { ...customer, status: i % 100 === 99 ? 'SUSPENDED' : 'ACTIVE' });
    }
    await f.uc.optOut.execute(SERVICE, { phone: '081300000000', channel: 'WHATSAPP' });
    const before = { ...f.store.calls };

    // Lazy: the first item comes after reading one batch, not the whole area.
    const it = f.uc.resolve.stream(SERVICE, { notificationType: 'campaign.maintenance', context: { area: 'Karawang' } })[Symbol.asyncIterator]();
    await it.next();
    expect(f.store.calls.streamedCustomers - before.streamedCustomers).toBeLessThanOrEqual(501);
    await it.return(undefined);

    const r = await resolve('campaign.maintenance', { area: 'Karawang' });
    const suspended = Math.floor(N / 100); // i % 100 === 99 below N
    // Active karawang customers minus the one opted out; Siti (PENDING) and bekasi are not in the area broadcast.
    expect(r.recipients).toHaveLength(N - suspended - 1);
    expect(r.recipients.every((x) => x.templateKey === 'maintenance.notice' && x.kind === 'customer')).toBe(true);
    expect(r.leftOut).toEqual([{ kind: 'customer', id: 'area-00000', name: 'C0', reason: 'OPTED_OUT', audience: 'AREA_CUSTOMERS', channel: 'WHATSAPP' }]);
    expect(f.store.calls.maxPreferenceBatch).toBeLessThanOrEqual(500);
    await expect(resolve('campaign.maintenance', {})).resolves.toMatchObject({
      recipients: [],
      skippedRules: [{ audience: 'AREA_CUSTOMERS', missing: 'area' }],
    });
  });

  it('resumes after any item (page tokens): the same rest of the resolution, de-duplicated across rules; the last rule (area customers) by keyset', async () => {
    const { f } = await world();
    const at = f.clock.now();
    for (let i = 0; i < 30; i++) {
      const { customer } = registerCustomer(
        {
          id: `res-${String(i).padStart(3, '0')}`, name: `R${i}`, phone: i === 7 ? PHONE.budi : `0813${String(500 + i).padStart(8, '0')}`,
          address: 'a', workZone: 'karawang', packageName: 'p', wantsInstallation: false,
        },
        { id: 't', role: 'service' },
        { at, eventId: `r${i}` },
      );
      f.store.customerRows.set(customer.id, { ...customer, status: 'ACTIVE' });
    }
    // Zone technicians first, then the area's customers: res-007 has technician Budi's phone and is de-duplicated away.
    const input: ResolveRecipientsInput = {
      notificationType: 'campaign.maintenance',
      context: {},
      audiences: [{ audience: 'ZONE_TECHNICIANS', workZone: 'karawang' }, { audience: 'AREA_CUSTOMERS', workZone: 'karawang' }],
    };
    const label = (x: ResolutionItem) => ('recipient' in x ? `r:${x.recipient.id}` : 'leftOut' in x ? `l:${x.leftOut.id}` : `s:${x.skippedRule.ruleId}`);
    const all: ResolutionItem[] = [];
    for await (const item of f.uc.resolve.stream(SERVICE, input)) all.push(item);
    expect(all.map(label)).toContain('r:tech-budi');
    expect(all.map(label)).toContain('r:res-006');
    expect(all.map(label)).not.toContain('r:res-007');
    for (const [i, item] of all.entries()) {
      const before = f.store.calls.streamedCustomers;
      const rest: string[] = [];
      for await (const x of f.uc.resolve.stream(SERVICE, input, item.at)) rest.push(label(x));
      expect(rest).toEqual(all.slice(i + 1).map(label));
      if ('recipient' in item && item.recipient.kind === 'customer') {
        // Resumed in the customers' rule: only the customers after this one are read.
        const after = [...f.store.customerRows.values()].filter((c) => c.status === 'ACTIVE' && c.workZone === 'karawang' && c.id > item.at.lastId).length;
        expect(f.store.calls.streamedCustomers - before).toBe(after);
      }
    }
  });
});
