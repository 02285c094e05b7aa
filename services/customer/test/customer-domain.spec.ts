import { FailedPreconditionError, ValidationError } from '@notify/errors';
import { customerv1 } from '@notify/proto';
import { customerEventToProto } from '../src/infrastructure/messaging/customer-event.mapper';
import {
  activateCustomer,
  addDays,
  applyCustomerChanges,
  customerChangesOf,
  applyPreferencesPatch,
  buildGroup,
  createInvoice,
  createStaff,
  daysBetween,
  defaultPreferences,
  dueDatesFor,
  formatInvoiceNumber,
  invoiceNumberMonth,
  parseCalendarDate,
  registerCustomer,
  suspendCustomer,
  validateChatId,
} from '../src/domain';

const at = new Date('2026-11-22T03:00:00Z');
const actor = { id: 'cs-1', role: 'customer_service' };

describe('customers', () => {
  const input = { id: 'c1', name: ' Siti ', phone: '+62 822-9192-1583', address: 'Jl. A', workZone: 'Karawang', packageName: 'Home 20', wantsInstallation: true };

  it('registers PENDING with a normalized phone and zone, and a registered event carrying wantsInstallation', () => {
    const { customer, event } = registerCustomer(input, actor, { at, eventId: 'e1' });
    expect(customer).toMatchObject({ name: 'Siti', phone: '6282291921583', workZone: 'karawang', status: 'PENDING', version: 1, wantsInstallation: true });
    expect(event).toMatchObject({ eventId: 'e1', kind: 'registered', previousStatus: null, customer: { id: 'c1', wantsInstallation: true } });
  });

  it('activates PENDING once; a second activation names the state', () => {
    const { customer } = registerCustomer(input, actor, { at, eventId: 'e1' });
    const a = activateCustomer(customer, actor, { at, eventId: 'e2' });
    expect(a.customer).toMatchObject({ status: 'ACTIVE', version: 2, activatedAt: at });
    expect(a.event).toMatchObject({ kind: 'activated', previousStatus: 'PENDING' });
    expect(() => activateCustomer(a.customer, actor, { at, eventId: 'e3' })).toThrow(
      new FailedPreconditionError('customer c1 is ACTIVE; activate needs PENDING or SUSPENDED'),
    );
  });

  it('activates a SUSPENDED customer (proto: PENDING or SUSPENDED → ACTIVE)', () => {
    const { customer } = registerCustomer(input, actor, { at, eventId: 'e1' });
    const suspended = { ...customer, status: 'SUSPENDED' as const, version: 3 };
    const a = activateCustomer(suspended, actor, { at, eventId: 'e2' });
    expect(a.customer).toMatchObject({ status: 'ACTIVE', version: 4 });
    expect(a.event).toMatchObject({ kind: 'activated', previousStatus: 'SUSPENDED' });
    // The event on the wire says so (the gateway sends no welcome on a reactivation).
    expect(customerEventToProto(a.event).previousStatus).toBe(customerv1.CustomerStatus.CUSTOMER_STATUS_SUSPENDED);
    const first = activateCustomer(customer, actor, { at, eventId: 'e3' });
    expect(customerEventToProto(first.event).previousStatus).toBe(customerv1.CustomerStatus.CUSTOMER_STATUS_PENDING);
    expect(customerEventToProto(registerCustomer(input, actor, { at, eventId: 'e4' }).event).previousStatus).toBe(customerv1.CustomerStatus.CUSTOMER_STATUS_UNSPECIFIED);
  });

  it('changes the given fields validated as at registration; equal values change nothing; a stored phone is not read again', () => {
    const { customer } = registerCustomer(input, actor, { at, eventId: 'e1' });
    const later = new Date(at.getTime() + 60_000);
    const moved = applyCustomerChanges(customer, customerChangesOf({ phone: '0813 1111 2222', workZone: 'Karawang Barat', packageName: ' ' }), later);
    expect(moved).toEqual({
      changed: true,
      customer: { ...customer, phone: '6281311112222', workZone: 'karawang-barat', packageName: '', updatedAt: later, version: 2 },
    });
    expect(applyCustomerChanges(customer, customerChangesOf({ name: ' Siti ', workZone: 'karawang' }), later)).toEqual({ changed: false, customer });
    // A Japanese number stored as digits is kept as stored when the phone is not changed.
    const foreign = { ...customer, phone: '819012345678' };
    expect(applyCustomerChanges(foreign, customerChangesOf({ name: 'Siti A' }), later).customer.phone).toBe('819012345678');
    expect(() => customerChangesOf({ name: ' ' })).toThrow(new ValidationError('name', 'is required'));
    expect(() => customerChangesOf({ address: 'x'.repeat(501) })).toThrow(new ValidationError('address', 'is longer than 500 characters'));
    expect(() => customerChangesOf({ phone: '12345' })).toThrow(ValidationError);
  });

  it('suspends ACTIVE with when, why and who; SUSPENDED again changes nothing; PENDING names the state; activation clears the suspension', () => {
    const { customer } = registerCustomer(input, actor, { at, eventId: 'e1' });
    expect(() => suspendCustomer(customer, { at, reason: 'tunggakan', by: 'cs-1' })).toThrow(
      new FailedPreconditionError('customer c1 is PENDING; suspend needs ACTIVE (a PENDING customer is not active yet)'),
    );
    const active = activateCustomer(customer, actor, { at, eventId: 'e2' }).customer;
    const s1 = suspendCustomer(active, { at, reason: ' tunggakan Nov ', by: 'cs-1' });
    expect(s1).toEqual({ changed: true, customer: { ...active, status: 'SUSPENDED', suspendedAt: at, suspensionReason: 'tunggakan Nov', suspendedBy: 'cs-1', version: 3 } });
    expect(suspendCustomer(s1.customer, { at: new Date(), reason: 'lagi', by: 'admin' })).toEqual({ changed: false, customer: s1.customer });
    expect(() => suspendCustomer(active, { at, reason: '', by: 'cs-1' })).toThrow(new ValidationError('reason', 'is required'));
    expect(() => suspendCustomer(active, { at, reason: 'x'.repeat(501), by: 'cs-1' })).toThrow(new ValidationError('reason', 'is longer than 500 characters'));
    const back = activateCustomer(s1.customer, actor, { at, eventId: 'e3' }).customer;
    expect(back).toMatchObject({ status: 'ACTIVE', suspendedAt: null, suspensionReason: '', suspendedBy: null, version: 4 });
  });

  it('registers without a package (package_name is optional, trimmed)', () => {
    expect(registerCustomer({ ...input, packageName: '  ' }, actor, { at, eventId: 'e1' }).customer.packageName).toBe('');
  });

  it.each([
    ['name', { name: '' }],
    ['phone', { phone: '123' }],
    ['address', { address: ' ' }],
    ['work_zone', { workZone: '' }],
    ['package_name', { packageName: 'x'.repeat(101) }],
  ])('rejects a bad %s', (field, patch) => {
    expect(() => registerCustomer({ ...input, ...patch }, actor, { at, eventId: 'e' })).toThrow(
      expect.objectContaining({ field }) as unknown as Error,
    );
  });
});

describe('staff', () => {
  it('normalizes phone and zones; defaults active; rejects unknown roles', () => {
    const s = createStaff({ id: 's1', name: 'Budi', role: 'technician', phone: '0812-3456-7890', workZones: ['Karawang', 'karawang ', 'Bekasi'] }, at);
    expect(s).toMatchObject({ phone: '6281234567890', workZones: ['karawang', 'bekasi'], active: true });
    expect(createStaff({ id: 's2', name: 'Ani', role: 'manager' }, at).phone).toBeNull();
    expect(() => createStaff({ id: 's3', name: 'X', role: 'boss' as never }, at)).toThrow(/^role: /);
  });
});

describe('WhatsApp groups', () => {
  it.each(['120363025246125888@g.us', '6281234567890-1612345678@g.us'])('accepts chat id %p', (id) => {
    expect(validateChatId(` ${id} `)).toBe(id);
  });
  it.each(['6281234567890', '120363025246125888@s.whatsapp.net', 'abc@g.us', '12345@g.us', ''])('rejects chat id %p', (id) => {
    expect(() => validateChatId(id)).toThrow(ValidationError);
    expect(() => validateChatId(id)).toThrow(/^chat_id: /);
  });
  it('validates category and notification types, normalizes the zone', () => {
    const g = buildGroup('g1', { name: 'Teknisi Karawang', chatId: '120363025246125888@g.us', category: 'technicians', workZone: 'Karawang', notificationTypes: ['ticket.created', 'sla.warning'] }, at, at);
    expect(g).toMatchObject({ workZone: 'karawang', active: true, notificationTypes: ['ticket.created', 'sla.warning'] });
    expect(() => buildGroup('g', { name: 'x', chatId: '120363025246125888@g.us', category: 'vip' as never }, at, at)).toThrow(/^category: /);
    expect(() => buildGroup('g', { name: 'x', chatId: '120363025246125888@g.us', category: 'noc', notificationTypes: ['Bad Type'] }, at, at)).toThrow(/^notification_types: /);
  });
});

describe('preferences', () => {
  const base = defaultPreferences({ kind: 'customer', id: 'c1' });

  it('defaults to every channel on, no opt-outs, no quiet hours, id, Asia/Jakarta', () => {
    expect(base).toMatchObject({ channels: { WHATSAPP: true, SMS: true }, optedOutTypes: [], quietHours: null, locale: 'id', timeZone: 'Asia/Jakarta' });
  });

  it('applies a partial patch and keeps the rest', () => {
    const p = applyPreferencesPatch(base, { channels: { SMS: false }, quietHours: { start: '22:00', end: '06:00' }, locale: 'en', timeZone: 'Asia/Makassar' }, at);
    expect(p).toMatchObject({ channels: { WHATSAPP: true, SMS: false }, quietHours: { start: '22:00', end: '06:00' }, locale: 'en', timeZone: 'Asia/Makassar', updatedAt: at });
    expect(applyPreferencesPatch(p, { quietHours: null }, at).quietHours).toBeNull();
  });

  it.each([
    ['quiet_hours.start', { quietHours: { start: '24:00', end: '06:00' } }],
    ['quiet_hours.end', { quietHours: { start: '22:00', end: '6' } }],
    ['quiet_hours.end', { quietHours: { start: '22:00', end: '22:00' } }],
    ['time_zone', { timeZone: 'Mars/Olympus' }],
    ['time_zone', { timeZone: 'WIB' }],
    ['locale', { locale: 'fr' }],
    ['channels', { channels: { EMAIL: true } }],
    ['opted_out_types', { optedOutTypes: ['not a type'] }],
  ])('rejects a bad %s', (field, patch) => {
    expect(() => applyPreferencesPatch(base, patch as never, at)).toThrow(new RegExp(`^${field.replace('.', '\\.')}: `));
  });
});

describe('invoices and calendar dates', () => {
  it('wants a positive whole rupiah amount and a real calendar date', () => {
    expect(createInvoice({ id: 'i', customerId: 'c', amount: 350000, dueDate: '2026-11-29' }, at)).toMatchObject({ status: 'UNPAID', amount: 350000 });
    for (const amount of [0, -5, 1.5, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => createInvoice({ id: 'i', customerId: 'c', amount, dueDate: '2026-11-29' }, at)).toThrow(/^amount: /);
    }
    for (const d of ['2026-02-30', '2026-13-01', '29-11-2026', '2026-11-29T00:00:00Z']) {
      expect(() => parseCalendarDate(d, 'due_date')).toThrow(/^due_date: /);
    }
  });

  it('numbers invoices INV-YYYYMM-NNNN by the month of creation in Asia/Jakarta, and keeps number and description trimmed', () => {
    expect(invoiceNumberMonth(new Date('2026-11-30T16:59:59Z'))).toBe('202611');
    expect(invoiceNumberMonth(new Date('2026-11-30T17:00:00Z'))).toBe('202612'); // 00:00 WIB on 1 December
    expect(invoiceNumberMonth(new Date('2026-12-31T17:00:00Z'))).toBe('202701');
    expect(formatInvoiceNumber('202612', 1)).toBe('INV-202612-0001');
    expect(formatInvoiceNumber('202612', 42)).toBe('INV-202612-0042');
    expect(formatInvoiceNumber('202612', 12345)).toBe('INV-202612-12345'); // more than 9999 in a month: wider, never cut
    const inv = createInvoice({ id: 'i', customerId: 'c', amount: 1, dueDate: '2026-12-10', number: ' TAG/1 ', description: ' Desember 2026 ' }, at);
    expect([inv.number, inv.description]).toEqual(['TAG/1', 'Desember 2026']);
    expect(createInvoice({ id: 'i', customerId: 'c', amount: 1, dueDate: '2026-12-10', number: '   ' }, at)).toMatchObject({ number: null, description: '' });
    expect(() => createInvoice({ id: 'i', customerId: 'c', amount: 1, dueDate: '2026-12-10', description: 'x'.repeat(201) }, at)).toThrow(/^description: /);
  });

  it('computes due dates exactly N calendar days ahead, across month and year ends', () => {
    expect([...dueDatesFor('2026-11-22', [7, 3, 1])]).toEqual([['2026-11-29', 7], ['2026-11-25', 3], ['2026-11-23', 1]]);
    expect(addDays('2026-12-29', 3)).toBe('2027-01-01');
    expect(addDays('2028-02-27', 2)).toBe('2028-02-29');
    expect(daysBetween('2026-12-29', '2027-01-05')).toBe(7);
    expect(() => dueDatesFor('2026-11-22', [1.5])).toThrow(/^within_days: /);
  });
});
