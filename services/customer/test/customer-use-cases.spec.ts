import {
  AlreadyExistsError,
  FailedPreconditionError,
  NotFoundError,
  PermissionDeniedError,
  ValidationError,
} from '@notify/errors';
import { PRINCIPAL_ROLES, seedDefaultRoutingRules, type Principal } from '../src/application';
import { defaultRoutingRules } from '../src/domain';
import { ADMIN, CS, SERVICE, TECH, customerFixture } from './support/customer-fixture';

describe('permissions follow the proto role lists', () => {
  it('lets the roles the proto lists through the use cases (and no others)', async () => {
    const f = await customerFixture();
    const as = (role: (typeof PRINCIPAL_ROLES)[number]): Principal => ({ role, staffId: `${role}-1` });
    const s = await f.uc.createStaff.execute(SERVICE, { name: 'Budi', role: 'technician', phone: '081200000001' });
    await f.uc.updateStaff.execute(SERVICE, { staffId: s.id, patch: { name: 'Budi S' } });
    await expect(f.uc.createStaff.execute(as('manager'), { name: 'X', role: 'noc', phone: '081200000002' })).rejects.toThrow(PermissionDeniedError);
    const g = await f.uc.createGroup.execute(as('noc'), { name: 'NOC', chatId: '120363000000000009@g.us', category: 'noc' });
    await f.uc.updateGroup.execute(SERVICE, { groupId: g.id, active: false });
    await expect(f.uc.deleteGroup.execute(as('supervisor'), { groupId: g.id })).rejects.toThrow(PermissionDeniedError);
    await f.uc.deleteGroup.execute(SERVICE, { groupId: g.id });
    const c = await f.register();
    await f.uc.createInvoice.execute(CS, { customerId: c.id, amount: 1000, dueDate: '2026-12-01' });
    for (const role of ['manager', 'supervisor', 'noc', 'customer_service'] as const) {
      await f.uc.resolve.resolve(as(role), { notificationType: 'ticket.created', context: { customerId: c.id, workZone: 'karawang' } });
    }
    await f.uc.getPreferences.execute(as('noc'), { kind: 'customer', id: c.id });
    await f.uc.updatePreferences.execute(as('supervisor'), { subject: { kind: 'customer', id: c.id }, patch: { locale: 'en' } });
    await expect(f.uc.updatePreferences.execute(as('manager'), { subject: { kind: 'customer', id: c.id }, patch: {} })).rejects.toThrow(PermissionDeniedError);
    await expect(f.uc.updatePreferences.execute(TECH, { subject: { kind: 'customer', id: c.id }, patch: {} })).rejects.toThrow(
      new PermissionDeniedError('role technician may not change preferences of others'),
    );
    await expect(f.uc.listCustomers.execute(TECH, {})).rejects.toThrow(PermissionDeniedError);
    await expect(f.uc.activate.execute(as('supervisor'), { customerId: c.id })).rejects.toThrow(PermissionDeniedError);
  });
});

describe('RegisterCustomer / ActivateCustomer', () => {
  it('registers a PENDING customer and emits registered (with wants_installation) through the outbox', async () => {
    const f = await customerFixture();
    const c = await f.register({ phone: '+62 822-9192-1583', wantsInstallation: true });
    expect(c).toMatchObject({ phone: '6282291921583', status: 'PENDING', version: 1 });
    expect(f.store.outboxRows).toHaveLength(1);
    expect(f.store.outboxRows[0]).toMatchObject({ kind: 'registered', customer: { id: c.id, wantsInstallation: true }, actor: { id: 'cs-1' } });
  });

  it.each(['082291921583', '82291921583', '+6282291921583'])('refuses the same phone written as %p: AlreadyExists, nothing written', async (again) => {
    const f = await customerFixture();
    const first = await f.register({ phone: '+62 822-9192-1583' });
    await expect(f.register({ phone: again })).rejects.toThrow(
      new AlreadyExistsError(`phone 6282291921583 already belongs to customer ${first.id}`),
    );
    expect(f.store.customerRows.size).toBe(1);
    expect(f.store.outboxRows).toHaveLength(1);
  });

  it('rejects an invalid phone naming the value', async () => {
    const f = await customerFixture();
    await expect(f.register({ phone: '0812-ABC' })).rejects.toThrow(/^phone: "0812-ABC" is not a phone number/);
  });

  it.each([
    ['+254 798 765432', '254798765432'], // the QA report: Kenya, normalized twice and read as Indonesian
    ['+12025550143', '12025550143'],
    ['254798765432', '254798765432'], // E.164 digits without + (no valid Indonesian number)
    ['+81 90-1234-5678', '819012345678'], // its digits are also an Indonesian 0819… number: read once
    ['+62 896 753882', '62896753882'], // a short Indonesian mobile: its digits read nationally are another number
  ])('registers a number outside the default reading, %p, as its E.164 digits %p (normalized once)', async (phone, digits) => {
    const f = await customerFixture();
    const c = await f.register({ phone });
    expect(c.phone).toBe(digits);
    expect(f.store.outboxRows[0]).toMatchObject({ kind: 'registered', customer: { phone: digits } });
    await expect(f.register({ phone })).rejects.toThrow(new AlreadyExistsError(`phone ${digits} already belongs to customer ${c.id}`));
  });

  it('rejects a number that no reading makes valid, naming the value the user gave', async () => {
    const f = await customerFixture();
    await expect(f.register({ phone: '2025550123' })).rejects.toThrow(new ValidationError('phone', '"2025550123" is not a valid phone number (read in region ID or with a country code)'));
    await expect(f.register({ phone: '+999 123' })).rejects.toThrow(new ValidationError('phone', '"+999 123" is not a valid phone number (read with its country code)'));
    // A landline is a valid number no WhatsApp or SMS reaches (QA: one was registered and "sent" messages).
    await expect(f.register({ phone: '0215551234' })).rejects.toThrow(new ValidationError('phone', '"0215551234" is a landline (+62 21 5551234): WhatsApp and SMS need a mobile number'));
  });

  it('writes neither customer nor event when the outbox fails', async () => {
    const f = await customerFixture();
    f.store.failNextAppend = new Error('outbox down');
    await expect(f.register()).rejects.toThrow('outbox down');
    expect(f.store.customerRows.size + f.store.outboxRows.length).toBe(0);
  });

  it('activates once and emits activated; refuses a second time and unknown ids', async () => {
    const f = await customerFixture();
    const c = await f.register();
    const a = await f.uc.activate.execute(CS, { customerId: c.id });
    expect(a).toMatchObject({ status: 'ACTIVE', version: 2 });
    expect(f.store.outboxRows.map((e) => [e.kind, 'previousStatus' in e ? e.previousStatus : undefined])).toEqual([['registered', null], ['activated', 'PENDING']]);
    await expect(f.uc.activate.execute(CS, { customerId: c.id })).rejects.toThrow(FailedPreconditionError);
    await expect(f.uc.activate.execute(CS, { customerId: 'nope' })).rejects.toThrow(new NotFoundError('customer', 'nope'));
    await expect(f.uc.activate.execute(TECH, { customerId: c.id })).rejects.toThrow(PermissionDeniedError);
    expect(f.store.outboxRows).toHaveLength(2);
  });
});

describe('GetCustomer / ListCustomers', () => {
  it('finds by id or by any form of the phone', async () => {
    const f = await customerFixture();
    const c = await f.register({ phone: '082291921583' });
    expect((await f.uc.getCustomer.execute(TECH, { phone: '+62 822 9192 1583' })).id).toBe(c.id);
    expect((await f.uc.getCustomer.execute(TECH, { customerId: c.id })).phone).toBe('6282291921583');
    await expect(f.uc.getCustomer.execute(TECH, { customerId: 'x' })).rejects.toThrow(NotFoundError);
  });

  it('lists by name (then id) with filters and page tokens (proto: "ordered by name")', async () => {
    const f = await customerFixture();
    const made = [];
    for (const [i, name] of ['Dewi', 'Agus', 'Eka', 'Budi', 'Agus'].entries()) {
      made.push(await f.register({ name, workZone: i < 3 ? 'karawang' : 'bekasi' }));
      f.clock.advanceHours(1);
    }
    const agus = [made[1]!.id, made[4]!.id].sort();
    const p1 = await f.uc.listCustomers.execute(ADMIN, { pageSize: 3 });
    expect(p1.customers.map((c) => c.id)).toEqual([...agus, made[3]!.id]);
    const p2 = await f.uc.listCustomers.execute(ADMIN, { pageSize: 3, pageToken: p1.nextPageToken! });
    expect(p2.customers.map((c) => c.id)).toEqual([made[0]!.id, made[2]!.id]);
    expect(p2.nextPageToken).toBeNull();
    // A token is bound to its filters (common.proto): with others it is refused, not obeyed.
    await expect(f.uc.listCustomers.execute(ADMIN, { pageSize: 3, workZone: 'Bekasi', pageToken: p1.nextPageToken! })).rejects.toThrow(/^page_token: was issued for different filters/);
    expect((await f.uc.listCustomers.execute(ADMIN, { workZone: 'Bekasi' })).customers).toHaveLength(2);
    expect((await f.uc.listCustomers.execute(ADMIN, { status: 'ACTIVE' })).customers).toHaveLength(0);
  });

  it.each(['0822', '0822 9192', '822', '+62 822', '+62 822-9192-1583', '082291921583', '62822', 'ewi'])(
    'finds the customer by %p: a phone-like query also matches the stored digits in the local form (name search unchanged)',
    async (query) => {
      const f = await customerFixture();
      const dewi = await f.register({ name: 'Dewi', phone: '082291921583' });
      await f.register({ name: 'Agus', phone: '081211110001' });
      expect((await f.uc.listCustomers.execute(ADMIN, { query })).customers.map((c) => c.id)).toEqual([dewi.id]);
    },
  );

  it('finds foreign numbers by their + prefix, and a query without match finds nothing', async () => {
    const f = await customerFixture();
    const ken = await f.register({ name: 'Kenya', phone: '+254 798 765432' });
    await f.register({ name: 'Dewi', phone: '082291921583' });
    expect((await f.uc.listCustomers.execute(ADMIN, { query: '+254 798' })).customers.map((c) => c.id)).toEqual([ken.id]);
    expect((await f.uc.listCustomers.execute(ADMIN, { query: '0254' })).customers).toEqual([]);
    expect((await f.uc.listCustomers.execute(ADMIN, { query: '0813' })).customers).toEqual([]);
  });
});

describe('staff', () => {
  it('creates, refuses a duplicate phone, gets and lists by zone', async () => {
    const f = await customerFixture();
    const budi = await f.uc.createStaff.execute(ADMIN, { name: 'Budi', role: 'technician', phone: '0812-3456-7890', workZones: ['Karawang'] });
    await f.uc.createStaff.execute(ADMIN, { name: 'Andi', role: 'technician', phone: '081200000011', workZones: [] });
    await f.uc.createStaff.execute(ADMIN, { name: 'Citra', role: 'technician', phone: '081200000012', workZones: ['bekasi'] });
    await expect(f.uc.createStaff.execute(ADMIN, { name: 'Dup', role: 'noc', phone: '+6281234567890' })).rejects.toThrow(AlreadyExistsError);
    await expect(f.uc.createStaff.execute(TECH, { name: 'X', role: 'admin', phone: '081200000013' })).rejects.toThrow(PermissionDeniedError);
    expect((await f.uc.getStaff.execute(TECH, { staffId: budi.id })).phone).toBe('6281234567890');
    const karawang = await f.uc.listStaff.execute(ADMIN, { workZone: 'karawang' });
    expect(karawang.staff.map((s) => s.name)).toEqual(['Andi', 'Budi']); // Andi has no zones = all zones
    const p1 = await f.uc.listStaff.execute(ADMIN, { pageSize: 2 });
    const p2 = await f.uc.listStaff.execute(ADMIN, { pageSize: 2, pageToken: p1.nextPageToken! });
    expect([...p1.staff, ...p2.staff].map((s) => s.name)).toEqual(['Andi', 'Budi', 'Citra']);
    await expect(f.uc.listStaff.execute(ADMIN, { pageSize: 2, workZone: 'bekasi', pageToken: p1.nextPageToken! })).rejects.toThrow(ValidationError);
  });
});

describe('staff phone (proto: CreateStaffRequest.phone is required)', () => {
  it.each([undefined, null, '', '  '])('CreateStaff refuses phone %p: Validation(phone), nothing stored', async (phone) => {
    const f = await customerFixture();
    await expect(f.uc.createStaff.execute(ADMIN, { name: 'Andi', role: 'technician', phone })).rejects.toThrow(
      new ValidationError('phone', 'is required'),
    );
    expect((await f.uc.listStaff.execute(ADMIN)).staff).toEqual([]);
  });

  it('UpdateStaff refuses removing the phone, keeps it when the patch leaves it out', async () => {
    const f = await customerFixture();
    const s = await f.uc.createStaff.execute(ADMIN, { name: 'Andi', role: 'technician', phone: '081200000031' });
    await expect(f.uc.updateStaff.execute(ADMIN, { staffId: s.id, patch: { phone: '' } })).rejects.toThrow(new ValidationError('phone', 'is required'));
    expect((await f.uc.updateStaff.execute(ADMIN, { staffId: s.id, patch: { name: 'Andi P' } })).phone).toBe('6281200000031');
  });

  it.each([
    ['+254 798 765432', '254798765432'], // the QA report: not a valid Indonesian number
    ['+81 90-1234-5678', '819012345678'], // digits that are also an Indonesian 0819… number
  ])('UpdateStaff renames and deactivates a technician with phone %p, the stored %p kept as it is', async (phone, digits) => {
    const f = await customerFixture();
    const s = await f.uc.createStaff.execute(ADMIN, { name: 'Otieno', role: 'technician', phone });
    expect(s.phone).toBe(digits);
    expect(await f.uc.updateStaff.execute(ADMIN, { staffId: s.id, patch: { active: false } })).toMatchObject({ active: false, phone: digits });
    expect(await f.uc.updateStaff.execute(ADMIN, { staffId: s.id, patch: { name: 'Otieno W' } })).toMatchObject({ name: 'Otieno W', phone: digits });
    expect((await f.uc.getStaff.execute(ADMIN, { staffId: s.id })).phone).toBe(digits);
  });

  it('UpdateStaff normalizes a phone given in the patch (+ read in its own country) and names the value when invalid', async () => {
    const f = await customerFixture();
    const s = await f.uc.createStaff.execute(ADMIN, { name: 'Andi', role: 'technician', phone: '081200000031' });
    expect((await f.uc.updateStaff.execute(ADMIN, { staffId: s.id, patch: { phone: '+1 202 555 0143' } })).phone).toBe('12025550143');
    await expect(f.uc.updateStaff.execute(ADMIN, { staffId: s.id, patch: { phone: '0812345' } })).rejects.toThrow(/^phone: "0812345" is not a valid phone number/);
  });
});

describe('groups', () => {
  const teknisi = { name: 'Teknisi Karawang', chatId: '120363025246125888@g.us', category: 'technicians' as const, workZone: 'karawang' };

  it('creates, refuses a duplicate chat id, updates, lists, deletes', async () => {
    const f = await customerFixture();
    const g = await f.uc.createGroup.execute(ADMIN, teknisi);
    await expect(f.uc.createGroup.execute(ADMIN, { ...teknisi, name: 'Copy' })).rejects.toThrow(AlreadyExistsError);
    const sup = await f.uc.createGroup.execute(ADMIN, { name: 'Supervisor Team', chatId: '120363000000000001@g.us', category: 'supervisors' });
    await expect(f.uc.updateGroup.execute(ADMIN, { groupId: sup.id, chatId: teknisi.chatId })).rejects.toThrow(AlreadyExistsError);
    const u = await f.uc.updateGroup.execute(ADMIN, { groupId: g.id, notificationTypes: ['ticket.created'], active: false });
    expect(u).toMatchObject({ name: 'Teknisi Karawang', workZone: 'karawang', notificationTypes: ['ticket.created'], active: false });
    expect((await f.uc.listGroups.execute(SERVICE, { workZone: 'karawang' })).groups.map((x) => x.name)).toEqual(['Supervisor Team', 'Teknisi Karawang']);
    expect((await f.uc.listGroups.execute(SERVICE, { workZone: 'bekasi' })).groups.map((x) => x.name)).toEqual(['Supervisor Team']);
    await f.uc.deleteGroup.execute(ADMIN, { groupId: g.id });
    await expect(f.uc.deleteGroup.execute(ADMIN, { groupId: g.id })).rejects.toThrow(new NotFoundError('group', g.id));
    await expect(f.uc.createGroup.execute(TECH, teknisi)).rejects.toThrow(PermissionDeniedError);
  });
});

describe('ListStaff / ListGroups filters and pages (proto: "Any of these roles / categories")', () => {
  it('ListStaff filters by any of several roles', async () => {
    const f = await customerFixture();
    await f.uc.createStaff.execute(ADMIN, { name: 'Budi', role: 'technician', phone: '081200000041' });
    await f.uc.createStaff.execute(ADMIN, { name: 'Sari', role: 'supervisor', phone: '081200000042' });
    await f.uc.createStaff.execute(ADMIN, { name: 'Nina', role: 'noc', phone: '081200000043' });
    const r = await f.uc.listStaff.execute(ADMIN, { roles: ['technician', 'supervisor'] });
    expect(r.staff.map((s) => s.name)).toEqual(['Budi', 'Sari']);
    await expect(f.uc.listStaff.execute(ADMIN, { roles: ['technician', 'boss' as never] })).rejects.toThrow(/^roles: /);
  });

  it('ListGroups filters by any of several categories and pages by name', async () => {
    const f = await customerFixture();
    const mk = (name: string, n: number, category: 'technicians' | 'supervisors' | 'noc') =>
      f.uc.createGroup.execute(ADMIN, { name, chatId: `12036300000000010${n}@g.us`, category });
    await mk('Teknisi B', 1, 'technicians');
    await mk('NOC', 2, 'noc');
    await mk('Supervisor', 3, 'supervisors');
    await mk('Teknisi A', 4, 'technicians');
    const both = await f.uc.listGroups.execute(SERVICE, { categories: ['technicians', 'supervisors'] });
    expect(both.groups.map((g) => g.name)).toEqual(['Supervisor', 'Teknisi A', 'Teknisi B']);
    const p1 = await f.uc.listGroups.execute(SERVICE, { pageSize: 2 });
    expect(p1.groups.map((g) => g.name)).toEqual(['NOC', 'Supervisor']);
    const p2 = await f.uc.listGroups.execute(SERVICE, { pageSize: 2, pageToken: p1.nextPageToken! });
    expect(p2).toEqual({ groups: [expect.objectContaining({ name: 'Teknisi A' }), expect.objectContaining({ name: 'Teknisi B' })], nextPageToken: null });
    await expect(f.uc.listGroups.execute(SERVICE, { categories: ['vip' as never] })).rejects.toThrow(/^categories: /);
  });
});

describe('preferences', () => {
  it('returns defaults, applies updates, lets staff manage only their own', async () => {
    const f = await customerFixture();
    const c = await f.register();
    const budi = await f.uc.createStaff.execute(ADMIN, { id: 'tech-budi', name: 'Budi', role: 'technician', phone: '081200000021' });
    const andi = await f.uc.createStaff.execute(ADMIN, { name: 'Andi', role: 'technician', phone: '081200000022' });
    expect(await f.uc.getPreferences.execute(CS, { kind: 'customer', id: c.id })).toMatchObject({ locale: 'id', quietHours: null });
    await f.uc.updatePreferences.execute(CS, { subject: { kind: 'customer', id: c.id }, patch: { locale: 'en', optedOutTypes: ['promotion.campaign'] } });
    expect(await f.uc.getPreferences.execute(CS, { kind: 'customer', id: c.id })).toMatchObject({ locale: 'en', optedOutTypes: ['promotion.campaign'] });
    await f.uc.updatePreferences.execute(TECH, { subject: { kind: 'staff', id: budi.id }, patch: { quietHours: { start: '21:00', end: '05:00' } } });
    await expect(f.uc.updatePreferences.execute(TECH, { subject: { kind: 'staff', id: andi.id }, patch: {} })).rejects.toThrow(
      new PermissionDeniedError('role technician may not change preferences of others'),
    );
    // Each committed change is published whole (preferences_updated), by whom; a refused one is not.
    const changes = f.store.outboxRows.filter((e) => e.kind === 'preferences_updated');
    expect(changes.map((e) => [e.preferences.subject, e.preferences.quietHours, e.actor])).toEqual([
      [{ kind: 'customer', id: c.id }, null, { id: 'cs-1', role: 'customer_service' }],
      [{ kind: 'staff', id: 'tech-budi' }, { start: '21:00', end: '05:00' }, { id: 'tech-budi', role: 'technician' }],
    ]);
    expect(changes[0]!.preferences).toMatchObject({ locale: 'en', optedOutTypes: ['promotion.campaign'] });
    expect(new Set(changes.map((e) => e.eventId)).size).toBe(2);
    // The outbox failing rolls the change back: nothing saved, nothing published.
    f.store.failNextAppend = new Error('outbox down');
    await expect(f.uc.updatePreferences.execute(CS, { subject: { kind: 'customer', id: c.id }, patch: { locale: 'id' } })).rejects.toThrow('outbox down');
    expect(await f.uc.getPreferences.execute(CS, { kind: 'customer', id: c.id })).toMatchObject({ locale: 'en' });
    expect(f.store.outboxRows.filter((e) => e.kind === 'preferences_updated')).toHaveLength(2);
    await expect(f.uc.getPreferences.execute(CS, { kind: 'group', id: 'nope' })).rejects.toThrow(new NotFoundError('group', 'nope'));
    await expect(f.uc.getPreferences.execute(CS, { kind: 'robot' as never, id: 'x' })).rejects.toThrow(ValidationError);
  });
});

describe('OptOut', () => {
  it('normalizes the phone and keeps one row per phone and channel', async () => {
    const f = await customerFixture();
    await f.uc.optOut.execute(SERVICE, { phone: '0822-9192-1583', channel: 'WHATSAPP', reason: 'STOP' });
    await f.uc.optOut.execute(SERVICE, { phone: '+6282291921583', channel: 'WHATSAPP' });
    await f.uc.optOut.execute(SERVICE, { phone: '+6282291921583', channel: 'SMS' });
    expect([...f.store.optOutRows.keys()].sort()).toEqual(['6282291921583|SMS', '6282291921583|WHATSAPP']);
    // Every call publishes opted_out with the opt-out as recorded (the repeated one: its first reason).
    const events = f.store.outboxRows.filter((e) => e.kind === 'opted_out');
    expect(events.map((e) => [e.optOut.phone, e.optOut.channel, e.optOut.reason, e.actor.role])).toEqual([
      ['6282291921583', 'WHATSAPP', 'STOP', 'service'],
      ['6282291921583', 'WHATSAPP', 'STOP', 'service'],
      ['6282291921583', 'SMS', null, 'service'],
    ]);
    // The outbox failing rolls the opt-out back: nothing recorded, nothing published.
    f.store.failNextAppend = new Error('outbox down');
    await expect(f.uc.optOut.execute(SERVICE, { phone: '081200000099', channel: 'WHATSAPP' })).rejects.toThrow('outbox down');
    expect(f.store.optOutRows.has('6281200000099|WHATSAPP')).toBe(false);
    expect(f.store.outboxRows.filter((e) => e.kind === 'opted_out')).toHaveLength(3);
    await expect(f.uc.optOut.execute(SERVICE, { phone: '0822', channel: 'SMS' })).rejects.toThrow(/^phone: /);
    await expect(f.uc.optOut.execute(SERVICE, { phone: '082291921583', channel: 'EMAIL' as never })).rejects.toThrow(/^channel: /);
  });
});

describe('OptOut repeated', () => {
  it('returns an existing opt-out for the same phone and channel unchanged (first reason and time)', async () => {
    const f = await customerFixture();
    const first = await f.uc.optOut.execute(SERVICE, { phone: '081299990001', channel: 'WHATSAPP', reason: 'first' });
    f.clock.advanceHours(1);
    const second = await f.uc.optOut.execute(SERVICE, { phone: '+6281299990001', channel: 'WHATSAPP', reason: 'second' });
    expect(second).toEqual({ phone: '6281299990001', channel: 'WHATSAPP', reason: 'first', at: first.at });
    expect(f.store.optOutRows.get('6281299990001|WHATSAPP')).toEqual(first);
  });
});

describe('invoices', () => {
  it('lists UNPAID invoices due in exactly 7, 3 or 1 Jakarta calendar days', async () => {
    const f = await customerFixture('2026-11-22T18:30:00Z'); // 2026-11-23 01:30 WIB, still the 22nd in UTC
    const c = await f.register();
    const due: Record<number, string> = {};
    for (const d of [0, 1, 2, 3, 4, 6, 7, 8]) {
      const inv = await f.uc.createInvoice.execute(ADMIN, { customerId: c.id, amount: 150000 + d, dueDate: addDaysTo('2026-11-23', d) });
      due[d] = inv.id;
    }
    const paid = await f.uc.createInvoice.execute(ADMIN, { customerId: c.id, amount: 99000, dueDate: '2026-11-26' });
    f.store.invoiceRows.set(paid.id, { ...paid, status: 'PAID' });

    const r = await f.uc.listInvoicesDue.execute(SERVICE);
    expect(r.onDate).toBe('2026-11-23');
    expect(r.invoices.map((i) => [i.id, i.dueDate, i.daysUntilDue])).toEqual([
      [due[1], '2026-11-24', 1],
      [due[3], '2026-11-26', 3],
      [due[7], '2026-11-30', 7],
    ]);
    expect(r.invoices[0]!.amount).toBe(150001);

    const today = await f.uc.listInvoicesDue.execute(SERVICE, { onDate: '2026-11-23', withinDays: [0] });
    expect(today.invoices.map((i) => i.id)).toEqual([due[0]]);
    const p1 = await f.uc.listInvoicesDue.execute(SERVICE, { pageSize: 2 });
    const p2 = await f.uc.listInvoicesDue.execute(SERVICE, { pageSize: 2, pageToken: p1.nextPageToken! });
    expect([...p1.invoices, ...p2.invoices].map((i) => i.daysUntilDue)).toEqual([1, 3, 7]);
    expect(p2.nextPageToken).toBeNull();
  });

  it('numbers an invoice created without a number INV-<month of creation in WIB>-NNNN, keeps an explicit one, and keeps the description', async () => {
    const f = await customerFixture('2026-11-30T17:30:00Z'); // 2026-12-01 00:30 WIB, still November in UTC
    const c = await f.register();
    const a = await f.uc.createInvoice.execute(ADMIN, { customerId: c.id, amount: 150000, dueDate: '2026-12-10', description: ' Desember 2026 ' });
    const b = await f.uc.createInvoice.execute(ADMIN, { customerId: c.id, amount: 150000, dueDate: '2027-01-10', number: '  ', description: '' });
    const x = await f.uc.createInvoice.execute(ADMIN, { customerId: c.id, amount: 150000, dueDate: '2026-12-10', number: ' TAG/12/7 ' });
    expect([a.number, b.number, x.number]).toEqual(['INV-202612-0001', 'INV-202612-0002', 'TAG/12/7']);
    expect([a.description, b.description, x.description]).toEqual(['Desember 2026', '', '']);
    expect(f.store.invoiceRows.get(a.id)).toEqual(a);
    const due = await f.uc.listInvoicesDue.execute(SERVICE, { onDate: '2026-12-03', withinDays: [7] });
    expect(due.invoices.map((i) => [i.number, i.description])).toEqual([
      ['INV-202612-0001', 'Desember 2026'],
      ['TAG/12/7', ''],
    ]);
    f.clock.set('2026-12-31T17:00:00Z'); // 2027-01-01 00:00 WIB: a new month, a new sequence
    const jan = await f.uc.createInvoice.execute(ADMIN, { customerId: c.id, amount: 150000, dueDate: '2027-01-10' });
    expect(jan.number).toBe('INV-202701-0001');
    await expect(f.uc.createInvoice.execute(ADMIN, { customerId: c.id, amount: 1, dueDate: '2027-01-10', number: 'TAG/12/7' })).rejects.toThrow(AlreadyExistsError);
  });

  it('validates the customer, amount and dates', async () => {
    const f = await customerFixture();
    await expect(f.uc.createInvoice.execute(ADMIN, { customerId: 'ghost', amount: 1000, dueDate: '2026-12-01' })).rejects.toThrow(NotFoundError);
    const c = await f.register();
    await expect(f.uc.createInvoice.execute(ADMIN, { customerId: c.id, amount: 1000.5, dueDate: '2026-12-01' })).rejects.toThrow(/^amount: /);
    await expect(f.uc.listInvoicesDue.execute(SERVICE, { onDate: '2026-02-30' })).rejects.toThrow(/^on_date: /);
    await expect(f.uc.createInvoice.execute(TECH, { customerId: c.id, amount: 1, dueDate: '2026-12-01' })).rejects.toThrow(PermissionDeniedError);
  });
});

describe('request_id (idempotent CreateInvoice / RegisterCustomer, as CreateTicket)', () => {
  it('CreateInvoice: a replay returns the first invoice without drawing a number; other fields → AlreadyExists; the holder of a taken number is named', async () => {
    const f = await customerFixture();
    const c = await f.register();
    const req = { customerId: c.id, amount: 150000, dueDate: '2026-12-10', description: 'Desember 2026', requestId: 'bill-7' };
    const first = await f.uc.createInvoice.execute(ADMIN, req);
    expect(await f.uc.createInvoice.execute(ADMIN, { ...req, requestId: ' bill-7 ', description: ' Desember 2026' })).toEqual(first);
    expect(f.store.invoiceRows.size).toBe(1);
    expect(f.store.invoiceCounters.get('202611')).toBe(1);
    await expect(f.uc.createInvoice.execute(ADMIN, { ...req, amount: 160000 })).rejects.toThrow(
      new AlreadyExistsError('request_id bill-7 was already used for an invoice with different fields'),
    );
    // Another caller's identity is part of the request, as CreateTicket's.
    await expect(f.uc.createInvoice.execute(CS, req)).rejects.toThrow(AlreadyExistsError);
    expect((await f.uc.createInvoice.execute(ADMIN, { ...req, requestId: '' })).number).toBe('INV-202611-0002');
    await expect(f.uc.createInvoice.execute(ADMIN, { ...req, requestId: 'x'.repeat(201) })).rejects.toThrow(new ValidationError('request_id', 'is longer than 200 characters'));
    const taken = await f.uc.createInvoice.execute(ADMIN, { ...req, number: first.number!, requestId: 'bill-8' }).catch((e: unknown) => e);
    expect(taken).toMatchObject({ kind: 'ALREADY_EXISTS', entity: 'invoice', id: first.id, message: `invoice number ${first.number} already exists` });
  });

  it('RegisterCustomer: a replay returns the first customer and emits no second registered event; other fields → AlreadyExists; a taken phone names its customer', async () => {
    const f = await customerFixture();
    const first = await f.register({ phone: '0812-3456-7890', requestId: 'crm-1' });
    expect(await f.register({ phone: '+62 812 3456 7890', requestId: 'crm-1' })).toEqual(first);
    expect(f.store.customerRows.size).toBe(1);
    expect(f.store.outboxRows).toHaveLength(1);
    await expect(f.register({ phone: '0812-3456-7890', requestId: 'crm-1', wantsInstallation: false })).rejects.toThrow(
      new AlreadyExistsError('request_id crm-1 was already used for a customer with different fields'),
    );
    const taken = await f.register({ phone: '081234567890' }).catch((e: unknown) => e);
    expect(taken).toMatchObject({ kind: 'ALREADY_EXISTS', entity: 'customer', id: first.id });
    expect(f.store.outboxRows).toHaveLength(1);
  });
});

describe('SetInvoiceStatus / ListInvoices (paid and cancelled invoices are reminded no more)', () => {
  it('marks an UNPAID invoice PAID once: stamped with time, reason and actor, out of ListInvoicesDue; a repeat changes nothing', async () => {
    const f = await customerFixture();
    const c = await f.register();
    const inv = await f.uc.createInvoice.execute(CS, { customerId: c.id, amount: 150000, dueDate: '2026-11-25' });
    expect((await f.uc.listInvoicesDue.execute(SERVICE)).invoices.map((i) => i.id)).toEqual([inv.id]); // due in 3 days

    const paid = await f.uc.setInvoiceStatus.execute(CS, { invoiceId: inv.id, status: 'PAID', reason: '  transfer BCA 22/11 ' });
    expect(paid.changed).toBe(true);
    expect(paid.invoice).toEqual({ ...inv, status: 'PAID', statusChangedAt: f.clock.now(), statusReason: 'transfer BCA 22/11', statusChangedBy: 'cs-1' });
    expect(f.store.invoiceRows.get(inv.id)).toEqual(paid.invoice);
    expect((await f.uc.listInvoicesDue.execute(SERVICE)).invoices).toEqual([]);
    // The change publishes invoice_status_changed (the gateway withdraws the reminders still waiting).
    const changes = () => f.store.outboxRows.filter((e) => e.kind === 'invoice_status_changed');
    expect(changes()).toEqual([
      {
        eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        kind: 'invoice_status_changed',
        occurredAt: f.clock.now(),
        actor: { id: 'cs-1', role: 'customer_service' },
        invoice: { ...paid.invoice, status: 'PAID', statusReason: 'transfer BCA 22/11' },
        previousStatus: 'UNPAID',
      },
    ]);

    // Again (a retry), later and with another reason: no change, the first record answered, nothing published.
    f.clock.advanceHours(2);
    const again = await f.uc.setInvoiceStatus.execute(ADMIN, { number: inv.number!, status: 'PAID', reason: 'lagi' });
    expect(again).toEqual({ invoice: paid.invoice, changed: false });
    expect(f.store.calls.invoiceStatusUpdates).toBe(1);
    expect(changes()).toHaveLength(1);
  });

  it('stores the change and its event together: the outbox failing leaves the invoice UNPAID and publishes nothing', async () => {
    const f = await customerFixture();
    const c = await f.register();
    const inv = await f.uc.createInvoice.execute(CS, { customerId: c.id, amount: 150000, dueDate: '2026-11-25' });
    const changes = () => f.store.outboxRows.filter((e) => e.kind === 'invoice_status_changed');
    f.store.failNextAppend = new Error('outbox down');
    await expect(f.uc.setInvoiceStatus.execute(CS, { invoiceId: inv.id, status: 'PAID' })).rejects.toThrow('outbox down');
    expect(f.store.invoiceRows.get(inv.id)).toEqual(inv);
    expect(changes()).toEqual([]);
    // A retry stores it, with its event.
    expect((await f.uc.setInvoiceStatus.execute(CS, { invoiceId: inv.id, status: 'PAID' })).changed).toBe(true);
    expect(changes().map((e) => [e.invoice.id, e.invoice.status, e.previousStatus])).toEqual([[inv.id, 'PAID', 'UNPAID']]);
  });

  it('refuses PAID ↔ CANCELLED and back to UNPAID with FailedPrecondition naming the current status; nothing is written', async () => {
    const f = await customerFixture();
    const c = await f.register();
    const a = await f.uc.createInvoice.execute(CS, { customerId: c.id, amount: 1000, dueDate: '2026-12-01', number: 'TAG-A' });
    const b = await f.uc.createInvoice.execute(CS, { customerId: c.id, amount: 2000, dueDate: '2026-12-01', number: 'TAG-B' });
    await f.uc.setInvoiceStatus.execute(CS, { invoiceId: a.id, status: 'PAID' });
    await f.uc.setInvoiceStatus.execute(CS, { invoiceId: b.id, status: 'CANCELLED', reason: 'salah input' });
    const before = new Map(f.store.invoiceRows);
    await expect(f.uc.setInvoiceStatus.execute(CS, { invoiceId: a.id, status: 'CANCELLED' })).rejects.toThrow(
      new FailedPreconditionError('invoice TAG-A is PAID; it cannot become VOID (only an UNPAID invoice changes, to PAID or VOID)'),
    );
    await expect(f.uc.setInvoiceStatus.execute(CS, { number: 'TAG-B', status: 'PAID' })).rejects.toThrow(/^invoice TAG-B is VOID; it cannot become PAID/);
    await expect(f.uc.setInvoiceStatus.execute(CS, { number: 'TAG-A', status: 'UNPAID' })).rejects.toThrow(/^invoice TAG-A is PAID; it cannot become UNPAID/);
    expect(f.store.invoiceRows).toEqual(before);
    // UNPAID asked of an UNPAID invoice: its own status, no change.
    const c2 = await f.uc.createInvoice.execute(CS, { customerId: c.id, amount: 3000, dueDate: '2026-12-01' });
    expect(await f.uc.setInvoiceStatus.execute(CS, { invoiceId: c2.id, status: 'UNPAID' })).toEqual({ invoice: c2, changed: false });
    // Only the two changes made were published: PAID for A, CANCELLED for B.
    expect(f.store.outboxRows.filter((e) => e.kind === 'invoice_status_changed').map((e) => [e.invoice.number, e.invoice.status, e.previousStatus])).toEqual([
      ['TAG-A', 'PAID', 'UNPAID'],
      ['TAG-B', 'CANCELLED', 'UNPAID'],
    ]);
  });

  it('finds the invoice by id or by number (trimmed); NotFound for either unknown; Validation before any look-up', async () => {
    const f = await customerFixture();
    const c = await f.register();
    const inv = await f.uc.createInvoice.execute(CS, { customerId: c.id, amount: 1000, dueDate: '2026-12-01' });
    expect((await f.uc.setInvoiceStatus.execute(CS, { number: `  ${inv.number!} `, status: 'CANCELLED' })).invoice.status).toBe('CANCELLED');
    await expect(f.uc.setInvoiceStatus.execute(CS, { invoiceId: '00000000-0000-4000-8000-00000000ffff', status: 'PAID' })).rejects.toThrow(
      new NotFoundError('invoice', '00000000-0000-4000-8000-00000000ffff'),
    );
    await expect(f.uc.setInvoiceStatus.execute(CS, { number: 'INV-190001-0001', status: 'PAID' })).rejects.toThrow(new NotFoundError('invoice with number', 'INV-190001-0001'));
    await expect(f.uc.setInvoiceStatus.execute(CS, { status: 'PAID' })).rejects.toThrow(/^invoice_id: give exactly one of invoice_id and number/);
    await expect(f.uc.setInvoiceStatus.execute(CS, { invoiceId: inv.id, number: inv.number!, status: 'PAID' })).rejects.toThrow(/^invoice_id: /);
    await expect(f.uc.setInvoiceStatus.execute(CS, { number: 'N'.repeat(101), status: 'PAID' })).rejects.toThrow(/^number: is longer than 100 characters/);
    await expect(f.uc.setInvoiceStatus.execute(CS, { number: 'nobody', status: 'LUNAS' as never })).rejects.toThrow(/^status: /);
    await expect(f.uc.setInvoiceStatus.execute(CS, { number: 'nobody', status: 'PAID', reason: 'x'.repeat(501) })).rejects.toThrow(
      new ValidationError('reason', 'is longer than 500 characters'),
    );
  });

  it('records who: the staff id, the role of a key without one, or a service\'s actor id; other roles are refused', async () => {
    const f = await customerFixture();
    const c = await f.register();
    const mk = () => f.uc.createInvoice.execute(CS, { customerId: c.id, amount: 1000, dueDate: '2026-12-01' });
    const [a, b, d] = [await mk(), await mk(), await mk()];
    expect((await f.uc.setInvoiceStatus.execute(SERVICE, { invoiceId: a.id, status: 'PAID', actorId: 'billing-sync' })).invoice.statusChangedBy).toBe('billing-sync');
    expect((await f.uc.setInvoiceStatus.execute(SERVICE, { invoiceId: b.id, status: 'PAID' })).invoice.statusChangedBy).toBe('service');
    // Only role service speaks for someone else.
    expect((await f.uc.setInvoiceStatus.execute(ADMIN, { invoiceId: d.id, status: 'PAID', actorId: 'someone' })).invoice.statusChangedBy).toBe('adm-1');
    // The event names the same actor (with the caller's role).
    expect(f.store.outboxRows.filter((e) => e.kind === 'invoice_status_changed').map((e) => e.actor)).toEqual([
      { id: 'billing-sync', role: 'service' },
      { id: 'service', role: 'service' },
      { id: 'adm-1', role: 'admin' },
    ]);
    for (const role of ['manager', 'supervisor', 'noc', 'technician'] as const) {
      await expect(f.uc.setInvoiceStatus.execute({ role, staffId: `${role}-1` }, { invoiceId: a.id, status: 'PAID' })).rejects.toThrow(PermissionDeniedError);
    }
    await expect(f.uc.listInvoices.execute(TECH)).rejects.toThrow(PermissionDeniedError);
    expect((await f.uc.listInvoices.execute({ role: 'manager', staffId: 'm-1' })).invoices).toHaveLength(3);
  });

  it('a change raced by another one is judged against what that one stored, and publishes nothing', async () => {
    const f = await customerFixture();
    const c = await f.register();
    const inv = await f.uc.createInvoice.execute(CS, { customerId: c.id, amount: 1000, dueDate: '2026-12-01' });
    // The use case reads the invoice UNPAID; the winner's change is stored right after the read,
    // so the conditional update (in the transaction) finds another status.
    const race = (winner: 'PAID' | 'CANCELLED') =>
      jest.spyOn(f.store.invoices, 'findById').mockImplementationOnce(async (id) => {
        const read = f.store.invoiceRows.get(id)!;
        f.store.invoiceRows.set(id, { ...read, status: winner, statusChangedAt: new Date('2026-11-22T02:59:00Z'), statusChangedBy: 'cs-2' });
        return read;
      });
    race('PAID');
    expect(await f.uc.setInvoiceStatus.execute(CS, { invoiceId: inv.id, status: 'PAID' })).toMatchObject({ changed: false, invoice: { status: 'PAID', statusChangedBy: 'cs-2' } });
    const other = await f.uc.createInvoice.execute(CS, { customerId: c.id, amount: 1000, dueDate: '2026-12-01' });
    race('CANCELLED');
    await expect(f.uc.setInvoiceStatus.execute(CS, { invoiceId: other.id, status: 'PAID' })).rejects.toThrow(/is VOID; it cannot become PAID/);
    expect(f.store.calls.invoiceStatusUpdates).toBe(2);
    expect(f.store.outboxRows.filter((e) => e.kind === 'invoice_status_changed')).toEqual([]);
  });

  it('ListInvoices: newest due date first (then id), by customer and any of the statuses, in pages bound to the filters', async () => {
    const f = await customerFixture();
    const budi = await f.register({ name: 'Budi' });
    const siti = await f.register({ name: 'Siti' });
    const mk = (customerId: string, dueDate: string) => f.uc.createInvoice.execute(CS, { customerId, amount: 1000, dueDate });
    const b1 = await mk(budi.id, '2026-12-01');
    const b2 = await mk(budi.id, '2027-01-01');
    const b3 = await mk(budi.id, '2026-12-01');
    const s1 = await mk(siti.id, '2026-12-15');
    await f.uc.setInvoiceStatus.execute(CS, { invoiceId: b1.id, status: 'PAID' });
    await f.uc.setInvoiceStatus.execute(CS, { invoiceId: s1.id, status: 'CANCELLED' });

    expect((await f.uc.listInvoices.execute(ADMIN)).invoices.map((i) => i.id)).toEqual([b2.id, s1.id, b3.id, b1.id]);
    expect((await f.uc.listInvoices.execute(ADMIN, { customerId: budi.id })).invoices.map((i) => i.id)).toEqual([b2.id, b3.id, b1.id]);
    expect((await f.uc.listInvoices.execute(ADMIN, { statuses: ['PAID', 'CANCELLED'] })).invoices.map((i) => [i.id, i.status])).toEqual([
      [s1.id, 'CANCELLED'],
      [b1.id, 'PAID'],
    ]);
    expect((await f.uc.listInvoices.execute(ADMIN, { customerId: siti.id, statuses: ['UNPAID'] })).invoices).toEqual([]);

    const p1 = await f.uc.listInvoices.execute(ADMIN, { customerId: budi.id, pageSize: 2 });
    const p2 = await f.uc.listInvoices.execute(ADMIN, { customerId: budi.id, pageSize: 2, pageToken: p1.nextPageToken! });
    expect([...p1.invoices, ...p2.invoices].map((i) => i.id)).toEqual([b2.id, b3.id, b1.id]);
    expect(p2.nextPageToken).toBeNull();
    await expect(f.uc.listInvoices.execute(ADMIN, { pageSize: 2, pageToken: p1.nextPageToken! })).rejects.toThrow(/^page_token: was issued for different filters/);
    await expect(f.uc.listInvoices.execute(ADMIN, { statuses: ['OPEN' as never] })).rejects.toThrow(/^statuses: unknown status "OPEN"/);
  });
});

describe('routing rules', () => {
  it('lists, edits (admin only), and re-seeding never overwrites an edit', async () => {
    const f = await customerFixture();
    const created = await f.uc.listRules.execute(SERVICE, { notificationType: 'ticket.created' });
    expect(created.map((r) => r.audience).sort()).toEqual(['CUSTOMER', 'CUSTOMER', 'ZONE_TECHNICIANS', 'ZONE_TECHNICIAN_GROUP']);
    const edited = await f.uc.updateRule.execute(ADMIN, {
      notificationType: 'ticket.created', ticketType: null, escalationLevel: null, audience: 'ZONE_TECHNICIAN_GROUP',
      channels: ['WHATSAPP'], templateKey: 'technician.job_offer', enabled: false,
    });
    // An edited seeded rule keeps its seed citation beside the editor; an added rule names the editor only.
    const seededSource = defaultRoutingRules().find((r) => r.id === edited.id)!.source;
    expect(seededSource).toMatch(/\S/);
    expect(edited.source).toBe(`edited by adm-1; seeded from ${seededSource}`);
    const added = await f.uc.updateRule.execute(ADMIN, {
      notificationType: 'ticket.created', ticketType: 'PSB', escalationLevel: null, audience: 'SUPERVISORS',
      channels: ['WHATSAPP'], templateKey: 'technician.job_offer', enabled: true,
    });
    expect(added.source).toBe('edited by adm-1');
    f.store.ruleRows.delete(added.id);
    expect(await seedDefaultRoutingRules(f.store.rules)).toBe(0);
    expect(f.store.ruleRows.get(edited.id)!.enabled).toBe(false);
    expect(f.store.ruleRows.size).toBe(defaultRoutingRules().length);
    await expect(f.uc.updateRule.execute({ role: 'manager' }, edited)).rejects.toThrow(PermissionDeniedError);
  });
});

function addDaysTo(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
