import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, FailedPreconditionError, NotFoundError, ValidationError } from '@notify/errors';
import { decodeEvent, decodeEventAs, eventConsumer, type EventPayload } from '@notify/events';
import { callUnary, createClient } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { connectJetStreamBus, type ConsumerHandle, type EventBus } from '@notify/messaging';
import { commonv1, customerv1, ticketv1 } from '@notify/proto';
import { createTestNats, createTestSchema, waitFor, type TestNats, type TestSchema } from '@notify/testing';
import { loadCustomerConfig } from '../src/config';
import { calendarDateIn } from '../src/domain';
import { startCustomerService, type RunningCustomerService } from '../src/server';

const ADMIN_KEY = 'it-cust-admin-key-000001';
const SERVICE_KEY = 'it-cust-service-key-0001';
const NT = commonv1.NotificationType;
const CH = commonv1.Channel;
const AK = commonv1.AudienceKind;
const R = customerv1.LeftOutReason;

interface Seen {
  subject: string;
  msgID?: string;
  payload: EventPayload<'customer.registered'>;
}

/**
 * The customer service end to end: real Postgres (fresh schema), real NATS JetStream (fresh
 * namespace), the real gRPC server on 127.0.0.1:0 and real clients with API keys. Published
 * customer events are read back from the namespaced CUSTOMER stream by a durable consumer.
 */
describe('customer service (gRPC + Postgres + JetStream)', () => {
  let pg: TestSchema;
  let nats: TestNats;
  let service: RunningCustomerService;
  let observerBus: EventBus;
  let observer: ConsumerHandle;
  const seen: Seen[] = [];
  let admin: customerv1.CustomerServiceClient;
  let svc: customerv1.CustomerServiceClient;

  beforeAll(async () => {
    pg = await createTestSchema('customer_svc');
    nats = createTestNats('customer_svc');
    const config = loadCustomerConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      NOTIFY_API_KEYS: `${ADMIN_KEY}:admin,${SERVICE_KEY}:service`,
      DATABASE_URL: pg.url,
      DATABASE_SCHEMA: pg.schema,
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
    });
    service = await startCustomerService(config, createLogger({ service: 'customer', level: 'silent' }));
    observerBus = await connectJetStreamBus({ url: nats.url, name: 'customer-it-observer' });
    observer = await observerBus.consume(eventConsumer('customer_it', 'customer', { ns: nats.namespace }), async (evt) => {
      // Only the lifecycle events (opt-outs, preferences and invoices have payloads of their own).
      if (!evt.subject.endsWith('.registered') && !evt.subject.endsWith('.activated')) return;
      const key = evt.subject.endsWith('.registered') ? 'customer.registered' : 'customer.activated';
      seen.push({ subject: evt.subject, ...(evt.msgID ? { msgID: evt.msgID } : {}), payload: decodeEventAs(key, evt.subject, evt.data) });
    });
    const addr = `127.0.0.1:${service.grpc.port}`;
    admin = createClient(customerv1.CustomerServiceClient, addr, { apiKey: ADMIN_KEY });
    svc = createClient(customerv1.CustomerServiceClient, addr, { apiKey: SERVICE_KEY });
  });

  afterAll(async () => {
    for (const c of [admin, svc]) (c as unknown as { close(): void } | undefined)?.close();
    await observer?.stop();
    await observerBus?.close();
    await service?.stop();
    await nats?.cleanup();
    await pg?.dropSchema();
  });

  let phoneSeq = 1000;
  const freshPhone = () => `08129${String(++phoneSeq).padStart(6, '0')}`;
  const register = (phone: string, workZone = 'karawang', name = 'Budi Santoso') =>
    callUnary(
      admin,
      'registerCustomer',
      customerv1.RegisterCustomerRequest.fromPartial({ name, phone, address: 'Jl. Mawar 1', workZone, packageName: 'Home 50 Mbps', wantsInstallation: true }),
    );

  it.each(['082291921583', '82291921583', '+6282291921583', '+62 822-9192-1583'])(
    'normalizes %s to 6282291921583 through RegisterCustomer (and the next form of the same number is ALREADY_EXISTS)',
    async (input) => {
      const existing = await callUnary(admin, 'getCustomer', { id: '', phone: '6282291921583', includeOptOuts: false }).catch(() => null);
      if (existing) {
        // The first form registered it; every other form is the same number.
        const err = await register(input).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AlreadyExistsError);
        expect((err as Error).message).toContain('6282291921583');
        return;
      }
      const res = await register(input);
      expect(res.customer?.phone).toBe('6282291921583');
      expect(res.customer?.status).toBe(customerv1.CustomerStatus.CUSTOMER_STATUS_PENDING);
    },
  );

  it.each(['12345', '0812', 'not-a-phone', '+1 202 555 01'])('rejects %s with INVALID_ARGUMENT naming the value', async (input) => {
    const err = await register(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toContain(input);
  });

  it.each([
    ['+254 798 765432', '254798765432'],
    ['+12025550143', '12025550143'],
  ])('registers %s (outside Indonesia) as %s: the + number is read in its own country, once', async (input, digits) => {
    const res = await register(input, 'karawang', `Foreign ${digits}`);
    expect(res.customer?.phone).toBe(digits);
    expect((await callUnary(admin, 'getCustomer', { id: '', phone: digits, includeOptOuts: false })).customer?.id).toBe(res.customer!.id);
  });

  it('UpdateStaff deactivates and renames a technician with a Kenyan number (the stored phone is not read again)', async () => {
    const { staff } = await callUnary(admin, 'createStaff', { name: 'Otieno', phone: '+254 798 765433', role: commonv1.Role.ROLE_TECHNICIAN, workZones: [] });
    expect(staff!.phone).toBe('254798765433');
    const off = await callUnary(admin, 'updateStaff', { staff: customerv1.Staff.fromPartial({ id: staff!.id, active: false }), updateMask: ['active'] });
    expect(off.staff).toMatchObject({ active: false, phone: '254798765433', name: 'Otieno' });
    const renamed = await callUnary(admin, 'updateStaff', { staff: customerv1.Staff.fromPartial({ id: staff!.id, name: 'Otieno W' }), updateMask: ['name'] });
    expect(renamed.staff).toMatchObject({ name: 'Otieno W', phone: '254798765433' });
  });

  describe('Update RPCs with an empty update_mask change only the fields given a value (AIP-134), never every field', () => {
    const RK = commonv1.RecipientKind;
    const invalidOf = async (call: Promise<unknown>): Promise<ValidationError> => {
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      return err as ValidationError;
    };

    it('UpdateStaff without a mask renames a technician and keeps active and work_zones (QA: deactivated, all zones); naming active sets it false', async () => {
      const phone = freshPhone();
      const { staff } = await callUnary(admin, 'createStaff', { name: 'Lufti', phone, role: commonv1.Role.ROLE_TECHNICIAN, workZones: ['karawang', 'bekasi'] });
      const renamed = await callUnary(admin, 'updateStaff', {
        staff: customerv1.Staff.fromPartial({ id: staff!.id, name: 'Lufti H', role: commonv1.Role.ROLE_TECHNICIAN, phone }),
        updateMask: [],
      });
      expect(renamed.staff).toMatchObject({ name: 'Lufti H', active: true, workZones: ['karawang', 'bekasi'], role: commonv1.Role.ROLE_TECHNICIAN });
      expect((await callUnary(admin, 'getStaff', { id: staff!.id, phone: '', includeOptOuts: false })).staff).toMatchObject({ active: true, workZones: ['karawang', 'bekasi'] });

      // active false alone, no mask: nothing to change, said (not silently ignored, not applied).
      const nothing = await invalidOf(callUnary(admin, 'updateStaff', { staff: customerv1.Staff.fromPartial({ id: staff!.id, active: false }), updateMask: [] }));
      expect(nothing.field).toBe('update_mask');
      expect(nothing.message).toMatch(/^update_mask: nothing to change: .*name it in update_mask/);
      expect((await callUnary(admin, 'getStaff', { id: staff!.id, phone: '', includeOptOuts: false })).staff?.active).toBe(true);

      // Named, defaults are set: active false, work_zones empty (= all zones); the rest is kept.
      const off = await callUnary(admin, 'updateStaff', { staff: customerv1.Staff.fromPartial({ id: staff!.id }), updateMask: ['active', 'work_zones'] });
      expect(off.staff).toMatchObject({ name: 'Lufti H', active: false, workZones: [], phone: staff!.phone });
      // active true without a mask is a value: it reactivates.
      expect((await callUnary(admin, 'updateStaff', { staff: customerv1.Staff.fromPartial({ id: staff!.id, active: true }), updateMask: [] })).staff?.active).toBe(true);
    });

    it('UpdateGroup without a mask renames a group and keeps active, work_zone and notification_types; naming active sets it false', async () => {
      const { group } = await callUnary(admin, 'createGroup', {
        name: `Teknisi Mask ${randomUUID().slice(0, 6)}`, chatId: `120363${String(Date.now()).slice(-10)}33@g.us`,
        category: customerv1.GroupCategory.GROUP_CATEGORY_TECHNICIANS, workZone: 'karawang', notificationTypes: [NT.NOTIFICATION_TYPE_TICKET_CREATED],
      });
      const renamed = await callUnary(admin, 'updateGroup', { group: customerv1.Group.fromPartial({ id: group!.id, name: `${group!.name} B` }), updateMask: [] });
      expect(renamed.group).toMatchObject({
        name: `${group!.name} B`, active: true, workZone: 'karawang', notificationTypes: [NT.NOTIFICATION_TYPE_TICKET_CREATED], chatId: group!.chatId,
        category: customerv1.GroupCategory.GROUP_CATEGORY_TECHNICIANS,
      });
      const off = await callUnary(admin, 'updateGroup', { group: customerv1.Group.fromPartial({ id: group!.id }), updateMask: ['active'] });
      expect(off.group).toMatchObject({ active: false, workZone: 'karawang', name: `${group!.name} B` });
    });

    it('UpdatePreferences without a mask changing only the locale keeps channels, quiet hours and opted-out types (QA: stored no channels); named fields are cleared; no channels is refused', async () => {
      const { customer } = await register(freshPhone());
      const who = { recipientKind: RK.RECIPIENT_KIND_CUSTOMER, recipientId: customer!.id };
      const quietHours = { startMinute: 22 * 60, endMinute: 6 * 60, timeZone: 'Asia/Makassar' };
      await callUnary(admin, 'updatePreferences', {
        preferences: customerv1.Preferences.fromPartial({ ...who, channels: [CH.CHANNEL_WHATSAPP], quietHours, optedOutTypes: [NT.NOTIFICATION_TYPE_PROMOTION] }),
        updateMask: ['channels', 'quiet_hours', 'opted_out_types'],
      });
      const english = await callUnary(admin, 'updatePreferences', {
        preferences: customerv1.Preferences.fromPartial({ ...who, locale: commonv1.Locale.LOCALE_EN }),
        updateMask: [],
      });
      const kept = { channels: [CH.CHANNEL_WHATSAPP], quietHours, optedOutTypes: [NT.NOTIFICATION_TYPE_PROMOTION] };
      expect(english.preferences).toMatchObject({ ...kept, locale: commonv1.Locale.LOCALE_EN });
      expect((await callUnary(admin, 'getPreferences', who)).preferences).toMatchObject({ ...kept, locale: commonv1.Locale.LOCALE_EN });

      // Channels named but empty: INVALID_ARGUMENT, nothing stored.
      const none = await invalidOf(callUnary(admin, 'updatePreferences', { preferences: customerv1.Preferences.fromPartial({ ...who, channels: [] }), updateMask: ['channels'] }));
      expect(none.field).toBe('preferences.channels');
      expect(none.message).toBe('preferences.channels: give at least one channel (to stop messages, opt out: OptOut, or list the types in opted_out_types)');
      // Nothing given, no mask: nothing to change.
      expect((await invalidOf(callUnary(admin, 'updatePreferences', { preferences: customerv1.Preferences.fromPartial(who), updateMask: [] }))).field).toBe('update_mask');
      expect((await callUnary(admin, 'getPreferences', who)).preferences).toMatchObject({ ...kept, locale: commonv1.Locale.LOCALE_EN });

      // Named with no value: cleared.
      const cleared = await callUnary(admin, 'updatePreferences', { preferences: customerv1.Preferences.fromPartial(who), updateMask: ['quiet_hours', 'opted_out_types'] });
      expect(cleared.preferences).toMatchObject({ channels: [CH.CHANNEL_WHATSAPP], optedOutTypes: [], locale: commonv1.Locale.LOCALE_EN });
      expect(cleared.preferences?.quietHours).toBeUndefined();
    });
  });

  it('ListCustomers finds a customer by the local form of its phone (0822…, 822…, +62 822…) as by 62822…', async () => {
    const { customer } = await register('0822 7331 0042', 'subang', 'Phone Query');
    const found = async (query: string) => (await callUnary(admin, 'listCustomers', customerv1.ListCustomersRequest.fromPartial({ query }))).customers.map((c) => c.id);
    for (const query of ['62822733', '0822733', '822733', '+62 822 733', '0822-7331-0042']) expect(await found(query)).toEqual([customer!.id]);
    expect(await found('Phone Qu')).toEqual([customer!.id]);
  });

  it('publishes exactly one notify.customer.v1.registered per registration, and none for a failed one', async () => {
    const phone = freshPhone();
    const { customer } = await register(phone);
    await waitFor(() => seen.some((e) => e.payload.customer?.id === customer!.id), { timeoutMs: 10_000 });
    const failed = await register(phone).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(AlreadyExistsError);
    // Give a wrongly published duplicate time to arrive, then count.
    const marker = await register(freshPhone());
    await waitFor(() => seen.some((e) => e.payload.customer?.id === marker.customer!.id), { timeoutMs: 10_000 });
    const mine = seen.filter((e) => e.payload.customer?.phone === customer!.phone);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.subject).toBe(`${nats.namespace}.notify.customer.v1.registered`);
    expect(mine[0]!.msgID).toBe(mine[0]!.payload.eventId);
    expect(mine[0]!.payload.type).toBe(customerv1.CustomerEventType.CUSTOMER_EVENT_TYPE_REGISTERED);
    expect(mine[0]!.payload.customer).toMatchObject({ id: customer!.id, wantsInstallation: true, workZone: 'karawang' });
  });

  it('OptOut of every channel records WhatsApp and SMS and answers each channel\'s record: one opted out before keeps its reason and time', async () => {
    const { customer } = await register(freshPhone());
    const phone = customer!.phone;
    const first = await callUnary(admin, 'optOut', { phone, channel: CH.CHANNEL_WHATSAPP, reason: 'Minta berhenti via telepon' });
    expect(first.optOuts.map((o) => [o.id, o.channel, o.reason])).toEqual([[`${phone}:WHATSAPP`, CH.CHANNEL_WHATSAPP, 'Minta berhenti via telepon']]);
    const every = await callUnary(admin, 'optOut', { phone, channel: CH.CHANNEL_UNSPECIFIED, reason: '' });
    expect(every.optOuts.map((o) => [o.id, o.channel, o.reason])).toEqual([
      [`${phone}:WHATSAPP`, CH.CHANNEL_WHATSAPP, 'Minta berhenti via telepon'],
      [`${phone}:SMS`, CH.CHANNEL_SMS, ''],
    ]);
    expect(every.optOuts[0]!.createdAt).toEqual(first.optOut!.createdAt);
    expect(every.optOuts[1]!.createdAt!.getTime()).toBeGreaterThanOrEqual(first.optOut!.createdAt!.getTime());
    expect(every.optOut).toEqual(every.optOuts[0]);
  });

  it('GetCustomer / GetStaff answer the phone\'s opt-outs, oldest first, only when asked', async () => {
    const { customer } = await register(freshPhone());
    const phone = customer!.phone;
    const get = async (includeOptOuts: boolean) => callUnary(admin, 'getCustomer', { id: customer!.id, phone: '', includeOptOuts });
    expect((await get(true)).optOuts).toEqual([]);
    await callUnary(admin, 'optOut', { phone, channel: commonv1.Channel.CHANNEL_SMS, reason: 'STOP reply' });
    await callUnary(admin, 'optOut', { phone, channel: commonv1.Channel.CHANNEL_WHATSAPP, reason: '' });
    const asked = await get(true);
    expect(asked.optOuts.map((o) => [o.phone, o.channel, o.reason])).toEqual([
      [phone, commonv1.Channel.CHANNEL_SMS, 'STOP reply'],
      [phone, commonv1.Channel.CHANNEL_WHATSAPP, ''],
    ]);
    expect(asked.optOuts[0]!.createdAt!.getTime()).toBeLessThanOrEqual(asked.optOuts[1]!.createdAt!.getTime());
    // Not asked (the gateway's name look-ups): none, and the customer all the same.
    const plain = await get(false);
    expect(plain.optOuts).toEqual([]);
    expect(plain.customer).toEqual(asked.customer);
    await callUnary(admin, 'optIn', { phone, channel: commonv1.Channel.CHANNEL_SMS });
    expect((await get(true)).optOuts.map((o) => o.channel)).toEqual([commonv1.Channel.CHANNEL_WHATSAPP]);

    // A staff member's phone, looked up by id and by phone.
    const { staff } = await callUnary(admin, 'createStaff', { name: 'Rudi', phone: freshPhone(), role: commonv1.Role.ROLE_TECHNICIAN, workZones: [] });
    await callUnary(admin, 'optOut', { phone: staff!.phone, channel: commonv1.Channel.CHANNEL_UNSPECIFIED, reason: 'STOP' });
    for (const key of [{ id: staff!.id, phone: '' }, { id: '', phone: staff!.phone }]) {
      const res = await callUnary(admin, 'getStaff', { ...key, includeOptOuts: true });
      expect(res.optOuts.map((o) => o.channel).sort()).toEqual([commonv1.Channel.CHANNEL_WHATSAPP, commonv1.Channel.CHANNEL_SMS].sort());
      expect((await callUnary(admin, 'getStaff', { ...key, includeOptOuts: false })).optOuts).toEqual([]);
    }
  });

  it('answers NOT_FOUND for unknown ids', async () => {
    await expect(callUnary(admin, 'getCustomer', { id: randomUUID(), phone: '', includeOptOuts: false })).rejects.toBeInstanceOf(NotFoundError);
    await expect(callUnary(admin, 'activateCustomer', { customerId: randomUUID(), actor: undefined })).rejects.toBeInstanceOf(NotFoundError);
    await expect(callUnary(admin, 'getStaff', { id: randomUUID(), phone: '', includeOptOuts: false })).rejects.toBeInstanceOf(NotFoundError);
    await expect(callUnary(admin, 'deleteGroup', { groupId: randomUUID() })).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      callUnary(admin, 'createInvoice', { customerId: randomUUID(), number: '', amountRupiah: '150000', dueDate: '2026-12-01', description: '' }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('ListInvoicesDue picks invoices due in exactly 7, 3 and 1 days', async () => {
    const { customer } = await register(freshPhone());
    const onDate = '2026-11-22';
    const offsets = [0, 1, 2, 3, 4, 6, 7, 8];
    const byOffset = new Map<number, string>();
    for (const d of offsets) {
      const dueDate = new Date(Date.UTC(2026, 10, 22 + d)).toISOString().slice(0, 10);
      const { invoice } = await callUnary(admin, 'createInvoice', {
        customerId: customer!.id,
        number: `INV-IT-${d}`,
        amountRupiah: String(150_000 + d),
        dueDate,
        description: '',
      });
      byOffset.set(d, invoice!.id);
    }
    const res = await callUnary(svc, 'listInvoicesDue', { onDate, withinDays: [], page: undefined });
    expect(res.invoices.map((i) => i.daysUntilDue)).toEqual([1, 3, 7]);
    expect(res.invoices.map((i) => i.invoice!.id)).toEqual([byOffset.get(1), byOffset.get(3), byOffset.get(7)]);
    expect(res.invoices.map((i) => i.invoice!.amountRupiah)).toEqual(['150001', '150003', '150007']);
    expect(res.invoices.every((i) => i.customer?.id === customer!.id)).toBe(true);
    await expect(callUnary(svc, 'listInvoicesDue', { onDate: '2026-13-01', withinDays: [], page: undefined })).rejects.toBeInstanceOf(ValidationError);
  });

  /** The month of `at` in Asia/Jakarta as `YYYYMM` (the period of a generated invoice number). */
  const wibMonth = (at: Date) => calendarDateIn(at, 'Asia/Jakarta').slice(0, 7).replace('-', '');

  it('CreateInvoice numbers an invoice without a number INV-<month of creation, WIB>-NNNN, and keeps its description; ListInvoicesDue returns both', async () => {
    const { customer } = await register(freshPhone());
    const create = (number: string, description: string) =>
      callUnary(admin, 'createInvoice', { customerId: customer!.id, number, amountRupiah: '250000', dueDate: '2027-03-08', description });
    const before = wibMonth(new Date());
    const first = (await create('', 'Desember 2026')).invoice!;
    const second = (await create('', '  Januari 2027 ')).invoice!;
    const month = wibMonth(new Date());
    // Both in the month of creation (a run that straddles a month boundary may see either).
    expect([before, month]).toContain(first.number.slice(4, 10));
    expect(second.number.slice(4, 10)).toBe(first.number.slice(4, 10));
    if (before === month) expect([first.number, second.number]).toEqual([`INV-${month}-0001`, `INV-${month}-0002`]);
    expect([first.description, second.description]).toEqual(['Desember 2026', 'Januari 2027']);
    // An explicit number is kept as given; its duplicate is ALREADY_EXISTS naming it.
    const explicit = (await create('TAG/2026/12/0042', '')).invoice!;
    expect(explicit.number).toBe('TAG/2026/12/0042');
    expect(explicit.description).toBe('');
    const dup = await create('TAG/2026/12/0042', 'again').catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(AlreadyExistsError);
    expect((dup as Error).message).toContain('invoice number TAG/2026/12/0042 already exists');

    // The payment-reminder job reads invoices through ListInvoicesDue: number and description come back.
    const res = await callUnary(svc, 'listInvoicesDue', { onDate: '2027-03-01', withinDays: [7], page: undefined });
    const byId = new Map(res.invoices.map((d) => [d.invoice!.id, d.invoice!]));
    expect([first.id, second.id, explicit.id].map((id) => [byId.get(id)?.number, byId.get(id)?.description])).toEqual([
      [first.number, 'Desember 2026'],
      [second.number, 'Januari 2027'],
      ['TAG/2026/12/0042', ''],
    ]);
  });

  it('CreateInvoice gives concurrent creates without a number distinct numbers of one sequence', async () => {
    const { customer } = await register(freshPhone());
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        callUnary(admin, 'createInvoice', { customerId: customer!.id, number: '', amountRupiah: String(100_000 + i), dueDate: '2027-04-01', description: `Paralel ${i}` }),
      ),
    );
    const numbers = created.map((r) => r.invoice!.number);
    expect(new Set(numbers).size).toBe(12);
    for (const n of numbers) expect(n).toMatch(/^INV-\d{6}-\d{4}$/);
    // One month's sequence, without gaps (the earlier test took 0001 and 0002 of it unless the month changed in between).
    const seqs = numbers.map((n) => Number(n.slice(-4))).sort((a, b) => a - b);
    expect(seqs.at(-1)! - seqs[0]!).toBe(11);
    expect(created.map((r) => r.invoice!.description).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `Paralel ${i}`).sort());
  });

  describe('request_id: idempotent CreateInvoice / RegisterCustomer (as CreateTicket), and ALREADY_EXISTS naming the holder', () => {
    const IV = (customerId: string, over: Partial<customerv1.CreateInvoiceRequest> = {}) =>
      customerv1.CreateInvoiceRequest.fromPartial({ customerId, number: '', amountRupiah: '320000', dueDate: '2027-05-10', description: 'Mei 2027', ...over });
    /** This customer's invoices as stored. */
    const invoicesOf = async (customerId: string) => (await callUnary(admin, 'listInvoices', customerv1.ListInvoicesRequest.fromPartial({ customerId }))).invoices;
    /** The `registered` outbox rows about `customerId`, decoded (published rows are kept for a day). */
    const registeredRows = async (customerId: string) => {
      const rows: { subject: string; payload: Buffer }[] = await service.dataSource.query(`SELECT subject, payload FROM "${pg.schema}".outbox WHERE subject LIKE '%.registered'`);
      return rows
        .map((r) => decodeEvent(r.subject, new Uint8Array(r.payload)))
        .filter((d) => d.key === 'customer.registered' && d.payload.customer?.id === customerId);
    };
    /** The trailing metadata `entity` / `entity-id` of a failed call (the ServiceError behind the mapped error). */
    const entityOf = (err: unknown) => {
      const md = ((err as Error).cause as { metadata: { get(k: string): unknown[] } }).metadata;
      return { entity: String(md.get('entity')[0] ?? ''), entityId: String(md.get('entity-id')[0] ?? '') };
    };

    it('CreateInvoice with a request_id twice creates one invoice: the retry answers it (same number) and draws no number', async () => {
      const { customer } = await register(freshPhone());
      const key = `billing-retry-${randomUUID()}`;
      const created = await callUnary(admin, 'createInvoice', IV(customer!.id, { requestId: key }));
      const replay = await callUnary(admin, 'createInvoice', IV(customer!.id, { requestId: key }));
      const [first, again] = [created.invoice!, replay.invoice!];
      expect(again).toEqual(first);
      // The answer tells a replay from a new invoice (QA: a caller could not).
      expect([created.replayed, replay.replayed]).toEqual([false, true]);
      expect((await invoicesOf(customer!.id)).map((i) => i.id)).toEqual([first.id]);
      // The retry used up no number: the next invoice of the month gets the one after the first's.
      const next = (await callUnary(admin, 'createInvoice', IV(customer!.id, { description: 'Juni 2027' }))).invoice!;
      if (next.number.slice(4, 10) === first.number.slice(4, 10)) expect(Number(next.number.slice(-4))).toBe(Number(first.number.slice(-4)) + 1);
      // An explicit number with a request_id: the retry answers the invoice, not ALREADY_EXISTS for its number.
      const tagged = `TAG/RID/${randomUUID().slice(0, 8)}`;
      const explicit = (await callUnary(admin, 'createInvoice', IV(customer!.id, { number: tagged, requestId: `${key}-x` }))).invoice!;
      expect((await callUnary(admin, 'createInvoice', IV(customer!.id, { number: tagged, requestId: ` ${key}-x ` }))).invoice).toEqual(explicit);
    });

    it('CreateInvoice: the same request_id with a different amount is ALREADY_EXISTS (nothing stored); the key space is not RegisterCustomer\'s', async () => {
      const { customer } = await register(freshPhone());
      const key = `billing-${randomUUID()}`;
      const first = (await callUnary(admin, 'createInvoice', IV(customer!.id, { requestId: key }))).invoice!;
      const err = await callUnary(admin, 'createInvoice', IV(customer!.id, { requestId: key, amountRupiah: '330000' })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AlreadyExistsError);
      expect((err as Error).message).toBe(`request_id ${key} was already used for an invoice with different fields`);
      expect((await invoicesOf(customer!.id)).map((i) => i.id)).toEqual([first.id]);
      // The same key on RegisterCustomer is another key space: it registers.
      const other = await callUnary(admin, 'registerCustomer', customerv1.RegisterCustomerRequest.fromPartial({ name: 'Key Space', phone: freshPhone(), address: 'Jl. Kunci 1', workZone: 'karawang', requestId: key }));
      expect(other.customer?.name).toBe('Key Space');
      const long = await callUnary(admin, 'createInvoice', IV(customer!.id, { requestId: 'k'.repeat(201) })).catch((e: unknown) => e);
      expect(long).toBeInstanceOf(ValidationError);
      expect((long as ValidationError).field).toBe('request_id');
      expect((long as Error).message).toContain('request_id: is longer than 200 characters');
    });

    it('CreateInvoice: concurrent identical requests with one request_id create one invoice, all answered with it, and draw one number', async () => {
      const { customer } = await register(freshPhone());
      const key = `billing-race-${randomUUID()}`;
      const answers = await Promise.all(Array.from({ length: 6 }, () => callUnary(admin, 'createInvoice', IV(customer!.id, { requestId: key }))));
      const ids = new Set(answers.map((a) => a.invoice!.id));
      expect(ids.size).toBe(1);
      expect(new Set(answers.map((a) => a.invoice!.number)).size).toBe(1);
      expect((await invoicesOf(customer!.id)).map((i) => i.id)).toEqual([...ids]);
      const first = answers[0]!.invoice!;
      const next = (await callUnary(admin, 'createInvoice', IV(customer!.id, { description: 'Juni 2027' }))).invoice!;
      if (next.number.slice(4, 10) === first.number.slice(4, 10)) expect(Number(next.number.slice(-4))).toBe(Number(first.number.slice(-4)) + 1);
    });

    it('RegisterCustomer with a request_id twice (and racing) registers one customer with one registered event; other fields are ALREADY_EXISTS', async () => {
      const phone = freshPhone();
      const key = `crm-signup-${randomUUID()}`;
      const req = customerv1.RegisterCustomerRequest.fromPartial({ name: 'Rina Retry', phone, address: 'Jl. Ulang 2', workZone: 'Karawang', packageName: 'Home 30 Mbps', wantsInstallation: true, requestId: key });
      const registered = await callUnary(admin, 'registerCustomer', req);
      expect(registered.replayed).toBe(false);
      const first = registered.customer!;
      const retries = await Promise.all([
        callUnary(admin, 'registerCustomer', req),
        // The same fields in another form (the phone, the zone as typed) are the same request.
        callUnary(admin, 'registerCustomer', { ...req, phone: `+62 ${phone.slice(1)}`, workZone: 'karawang' }),
        callUnary(admin, 'registerCustomer', req),
      ]);
      for (const r of retries) expect(r).toEqual({ customer: first, replayed: true });
      const differs = await callUnary(admin, 'registerCustomer', { ...req, packageName: 'Home 50 Mbps' }).catch((e: unknown) => e);
      expect(differs).toBeInstanceOf(AlreadyExistsError);
      expect((differs as Error).message).toBe(`request_id ${key} was already used for a customer with different fields`);
      expect(await registeredRows(first.id)).toHaveLength(1);
      // And on the stream: one registered event for this customer (a marker after it bounds the wait).
      const marker = await register(freshPhone());
      await waitFor(() => seen.some((e) => e.payload.customer?.id === marker.customer!.id), { timeoutMs: 10_000 });
      expect(seen.filter((e) => e.payload.customer?.id === first.id)).toHaveLength(1);
      const long = await callUnary(admin, 'registerCustomer', { ...req, requestId: 'r'.repeat(201) }).catch((e: unknown) => e);
      expect(long).toBeInstanceOf(ValidationError);
      expect((long as ValidationError).field).toBe('request_id');
    });

    it('ALREADY_EXISTS for a taken invoice number or phone carries the holder in trailing metadata entity / entity-id', async () => {
      const { customer } = await register(freshPhone());
      const number = `TAG/DUP/${randomUUID().slice(0, 8)}`;
      const held = (await callUnary(admin, 'createInvoice', IV(customer!.id, { number }))).invoice!;
      const dup = await callUnary(admin, 'createInvoice', IV(customer!.id, { number, amountRupiah: '1000' })).catch((e: unknown) => e);
      expect(dup).toBeInstanceOf(AlreadyExistsError);
      expect((dup as Error).message).toBe(`invoice number ${number} already exists`);
      expect(entityOf(dup)).toEqual({ entity: 'invoice', entityId: held.id });
      expect(dup).toMatchObject({ entity: 'invoice', id: held.id });
      // A new request_id does not make a taken number free.
      const dupWithKey = await callUnary(admin, 'createInvoice', IV(customer!.id, { number, requestId: randomUUID() })).catch((e: unknown) => e);
      expect(entityOf(dupWithKey)).toEqual({ entity: 'invoice', entityId: held.id });

      const taken = await register(customer!.phone).catch((e: unknown) => e);
      expect(taken).toBeInstanceOf(AlreadyExistsError);
      expect((taken as Error).message).toBe(`phone ${customer!.phone} already belongs to customer ${customer!.id}`);
      expect(entityOf(taken)).toEqual({ entity: 'customer', entityId: customer!.id });
    });
  });

  it('SetInvoiceStatus marks invoices paid or cancelled (VOID) by id or number: ListInvoicesDue leaves them out; a repeat changes nothing; PAID ↔ VOID is FAILED_PRECONDITION; ListInvoices pages them', async () => {
    const IS = customerv1.InvoiceStatus;
    const { customer } = await register(freshPhone());
    const tag = randomUUID().slice(0, 8);
    const create = async (suffix: string, dueDate: string) =>
      (await callUnary(admin, 'createInvoice', { customerId: customer!.id, number: `PAY-${tag}-${suffix}`, amountRupiah: '175000', dueDate, description: 'April 2027' })).invoice!;
    const paidOne = await create('1', '2027-04-13'); // 3 days after on_date
    const wrongOne = await create('2', '2027-04-11'); // 1 day after
    const openOne = await create('3', '2027-04-17'); // 7 days after
    const dueIds = async () => (await callUnary(svc, 'listInvoicesDue', { onDate: '2027-04-10', withinDays: [], page: undefined })).invoices.map((i) => i.invoice!.id);
    expect(await dueIds()).toEqual(expect.arrayContaining([paidOne.id, wrongOne.id, openOne.id]));
    const set = (client: customerv1.CustomerServiceClient, req: Partial<customerv1.SetInvoiceStatusRequest>) =>
      callUnary(client, 'setInvoiceStatus', customerv1.SetInvoiceStatusRequest.fromPartial(req));

    // Paid, by id: stored (read back from Postgres by the next calls) with when, why and who.
    const paid = await set(admin, { invoiceId: paidOne.id, status: IS.INVOICE_STATUS_PAID, reason: ' transfer BCA ' });
    expect(paid.changed).toBe(true);
    expect(paid.invoice).toMatchObject({ id: paidOne.id, status: IS.INVOICE_STATUS_PAID, statusReason: 'transfer BCA', statusChangedBy: 'admin', amountRupiah: '175000' });
    expect(paid.invoice!.paidAt).toBeInstanceOf(Date);
    expect(paid.invoice!.statusChangedAt).toEqual(paid.invoice!.paidAt);
    const due = await dueIds();
    expect(due).not.toContain(paidOne.id);
    expect(due).toEqual(expect.arrayContaining([wrongOne.id, openOne.id]));

    // Again, by number: no change, the stored record answered (its time and reason kept).
    const again = await set(admin, { number: paidOne.number, status: IS.INVOICE_STATUS_PAID, reason: 'dua kali' });
    expect(again).toEqual({ invoice: paid.invoice, changed: false });

    // PAID → VOID and back to UNPAID: FAILED_PRECONDITION naming the status; nothing changes.
    const refused = await set(admin, { invoiceId: paidOne.id, status: IS.INVOICE_STATUS_VOID }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FailedPreconditionError);
    // The proto's word, VOID (the domain's CANCELLED is not an API status).
    expect((refused as Error).message).toBe(`invoice PAY-${tag}-1 is PAID; it cannot become VOID (only an UNPAID invoice changes, to PAID or VOID)`);
    await expect(set(admin, { number: paidOne.number, status: IS.INVOICE_STATUS_UNPAID })).rejects.toBeInstanceOf(FailedPreconditionError);

    // Cancelled by number, by a service acting for someone: its actor id is recorded.
    const voided = await set(svc, {
      number: ` ${wrongOne.number} `,
      status: IS.INVOICE_STATUS_VOID,
      reason: 'salah input',
      actor: { kind: commonv1.ActorKind.ACTOR_KIND_SERVICE, id: 'billing-sync', name: '', role: commonv1.Role.ROLE_SERVICE },
    });
    expect(voided).toMatchObject({ changed: true, invoice: { id: wrongOne.id, status: IS.INVOICE_STATUS_VOID, statusReason: 'salah input', statusChangedBy: 'billing-sync', paidAt: undefined } });
    expect(await dueIds()).not.toContain(wrongOne.id);
    await expect(set(admin, { invoiceId: wrongOne.id, status: IS.INVOICE_STATUS_PAID })).rejects.toThrow(/is VOID; it cannot become PAID/);

    // Unknown invoices: NOT_FOUND; bad requests: INVALID_ARGUMENT naming the field.
    await expect(set(admin, { invoiceId: randomUUID(), status: IS.INVOICE_STATUS_PAID })).rejects.toBeInstanceOf(NotFoundError);
    await expect(set(admin, { number: `PAY-${tag}-404`, status: IS.INVOICE_STATUS_PAID })).rejects.toMatchObject({ kind: 'NOT_FOUND', entity: 'invoice with number', id: `PAY-${tag}-404` });
    for (const [req, field] of [
      [{ status: IS.INVOICE_STATUS_PAID }, 'invoice_id'],
      [{ invoiceId: paidOne.id, number: paidOne.number, status: IS.INVOICE_STATUS_PAID }, 'invoice_id'],
      [{ invoiceId: 'INV-1', status: IS.INVOICE_STATUS_PAID }, 'invoice_id'],
      [{ invoiceId: openOne.id, status: IS.INVOICE_STATUS_UNSPECIFIED }, 'status'],
      [{ invoiceId: openOne.id, status: 9 as customerv1.InvoiceStatus }, 'status'],
      [{ invoiceId: openOne.id, status: IS.INVOICE_STATUS_PAID, reason: 'x'.repeat(501) }, 'reason'],
    ] as const) {
      const err = await set(admin, req).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe(field);
    }

    // ListInvoices: the customer's, newest due date first; by status; in pages.
    const list = (req: Partial<customerv1.ListInvoicesRequest>) => callUnary(admin, 'listInvoices', customerv1.ListInvoicesRequest.fromPartial(req));
    const mine = await list({ customerId: customer!.id });
    expect(mine.invoices.map((i) => [i.number, i.status])).toEqual([
      [openOne.number, IS.INVOICE_STATUS_UNPAID],
      [paidOne.number, IS.INVOICE_STATUS_PAID],
      [wrongOne.number, IS.INVOICE_STATUS_VOID],
    ]);
    expect(mine.nextPageToken).toBe('');
    expect((await list({ customerId: customer!.id, statuses: [IS.INVOICE_STATUS_VOID, IS.INVOICE_STATUS_PAID] })).invoices.map((i) => i.id)).toEqual([paidOne.id, wrongOne.id]);
    const p1 = await list({ customerId: customer!.id, page: { pageSize: 2, pageToken: '' } });
    const p2 = await list({ customerId: customer!.id, page: { pageSize: 2, pageToken: p1.nextPageToken } });
    expect([...p1.invoices, ...p2.invoices].map((i) => i.id)).toEqual([openOne.id, paidOne.id, wrongOne.id]);
    expect(p2.nextPageToken).toBe('');
    expect((await list({ statuses: [IS.INVOICE_STATUS_PAID] })).invoices.map((i) => i.id)).toContain(paidOne.id);
    await expect(list({ customerId: 'nope' })).rejects.toBeInstanceOf(ValidationError);
    await expect(list({ statuses: [IS.INVOICE_STATUS_UNSPECIFIED] })).rejects.toThrow(/statuses\[0\]/);

    // PAID and VOID at once: one is stored, the other is FAILED_PRECONDITION naming it.
    const raced = await Promise.allSettled([
      set(admin, { invoiceId: openOne.id, status: IS.INVOICE_STATUS_PAID }),
      set(admin, { invoiceId: openOne.id, status: IS.INVOICE_STATUS_VOID }),
    ]);
    const won = raced.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const lost = raced.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeInstanceOf(FailedPreconditionError);
    expect(lost[0]!.message).toContain(won[0]!.invoice!.status === IS.INVOICE_STATUS_PAID ? 'is PAID' : 'is VOID');
    expect(lost[0]!.message).not.toContain('CANCELLED');
  });

  it('ResolveRecipients honours opt-outs, inactive staff, work zones and groups', async () => {
    const zone = `zone-${randomUUID().slice(0, 8)}`;
    const staff = async (name: string, phone: string, workZones: string[]) =>
      (await callUnary(admin, 'createStaff', { name, phone, role: commonv1.Role.ROLE_TECHNICIAN, workZones })).staff!;
    const inZone = await staff('Lufti', freshPhone(), [zone]);
    const optedOut = await staff('Andi', freshPhone(), [zone]);
    const inactive = await staff('Dedi', freshPhone(), [zone]);
    const otherZone = await staff('Eko', freshPhone(), ['zona-lain']);
    await callUnary(admin, 'updateStaff', { staff: { ...inactive, active: false }, updateMask: ['active'] });
    await callUnary(svc, 'optOut', { phone: optedOut.phone, channel: CH.CHANNEL_UNSPECIFIED, reason: 'STOP reply' });
    const group = (
      await callUnary(admin, 'createGroup', {
        name: `Teknisi ${zone}`,
        chatId: `120363${String(Date.now()).slice(-10)}11@g.us`,
        category: customerv1.GroupCategory.GROUP_CATEGORY_TECHNICIANS,
        workZone: zone,
        notificationTypes: [],
      })
    ).group!;
    const otherGroup = (
      await callUnary(admin, 'createGroup', {
        name: `Teknisi lain ${zone}`,
        chatId: `120363${String(Date.now()).slice(-10)}22@g.us`,
        category: customerv1.GroupCategory.GROUP_CATEGORY_TECHNICIANS,
        workZone: 'zona-lain',
        notificationTypes: [],
      })
    ).group!;

    const res = await callUnary(svc, 'resolveRecipients', {
      notificationType: NT.NOTIFICATION_TYPE_TICKET_CREATED,
      context: customerv1.RecipientContext.fromPartial({ ticketId: randomUUID(), customerId: '', technicianId: '', workZone: zone, invoiceId: '', priority: commonv1.Priority.PRIORITY_HIGH }),
      audiences: [],
      channels: [],
      page: undefined,
    });
    const ids = res.recipients.map((r) => r.id);
    expect(ids).toContain(inZone.id);
    expect(ids).toContain(group.id);
    expect(ids).not.toContain(optedOut.id);
    expect(ids).not.toContain(inactive.id);
    expect(ids).not.toContain(otherZone.id);
    expect(ids).not.toContain(otherGroup.id);
    expect(res.recipients.find((r) => r.id === inZone.id)).toMatchObject({ channel: CH.CHANNEL_WHATSAPP, address: inZone.phone, role: commonv1.Role.ROLE_TECHNICIAN });
    expect(res.recipients.find((r) => r.id === group.id)).toMatchObject({ channel: CH.CHANNEL_WHATSAPP, address: group.chatId });
    const reasons = new Map(res.leftOut.map((l) => [l.id, l.reason]));
    expect(reasons.get(optedOut.id)).toBe(R.LEFT_OUT_REASON_OPTED_OUT);
    expect(reasons.get(inactive.id)).toBe(R.LEFT_OUT_REASON_INACTIVE);
    expect(reasons.has(otherZone.id)).toBe(false);

    // Paging: one item per page walks the same result.
    const walked: string[] = [];
    let token = '';
    for (let i = 0; i < 50; i += 1) {
      const page = await callUnary(svc, 'resolveRecipients', {
        notificationType: NT.NOTIFICATION_TYPE_TICKET_CREATED,
        context: customerv1.RecipientContext.fromPartial({ ticketId: '', customerId: '', technicianId: '', workZone: zone, invoiceId: '', priority: 0 }),
        audiences: [],
        channels: [],
        page: { pageSize: 1, pageToken: token },
      });
      walked.push(...page.recipients.map((r) => r.id), ...page.leftOut.map((l) => l.id));
      expect(page.recipients.length + page.leftOut.length).toBeLessThanOrEqual(1);
      token = page.nextPageToken;
      if (!token) break;
    }
    // Same items, each once (pages follow the stream order, which interleaves recipients and left-outs).
    expect([...walked].sort()).toEqual([...res.recipients.map((r) => r.id), ...res.leftOut.map((l) => l.id)].sort());
  });
  it('ResolveRecipients routes ticket notifications by ticket type, escalation level and actor, naming the template per recipient', async () => {
    const zone = `zone-${randomUUID().slice(0, 8)}`;
    const { customer } = await register(freshPhone(), zone);
    const tech = (await callUnary(admin, 'createStaff', { name: 'Rudi', phone: freshPhone(), role: commonv1.Role.ROLE_TECHNICIAN, workZones: [zone] })).staff!;
    const actor = (await callUnary(admin, 'createStaff', { name: 'Joko', phone: freshPhone(), role: commonv1.Role.ROLE_TECHNICIAN, workZones: [zone] })).staff!;
    const supervisor = (await callUnary(admin, 'createStaff', { name: 'Sari', phone: freshPhone(), role: commonv1.Role.ROLE_SUPERVISOR, workZones: [zone] })).staff!;
    const resolve = async (type: commonv1.NotificationType, context: Partial<customerv1.RecipientContext>) =>
      (
        await callUnary(svc, 'resolveRecipients', {
          notificationType: type,
          context: customerv1.RecipientContext.fromPartial({ workZone: zone, ...context }),
          audiences: [],
          channels: [],
          page: undefined,
        })
      ).recipients;

    const created = await resolve(NT.NOTIFICATION_TYPE_TICKET_CREATED, {
      customerId: customer!.id,
      ticketType: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
      actorId: actor.id,
    });
    expect(created.find((r) => r.id === customer!.id)).toMatchObject({ channel: CH.CHANNEL_WHATSAPP, templateKey: 'ticket.created.disturbance' });
    expect(created.find((r) => r.id === tech.id)?.templateKey).toBe('technician.job_offer');
    expect(created.map((r) => r.id)).not.toContain(actor.id);

    const psb = await resolve(NT.NOTIFICATION_TYPE_TICKET_CREATED, { customerId: customer!.id, ticketType: ticketv1.TicketType.TICKET_TYPE_INSTALLATION });
    expect(psb.find((r) => r.id === customer!.id)?.templateKey).toBe('ticket.created.installation');

    const lead = await resolve(NT.NOTIFICATION_TYPE_TICKET_ESCALATED, { customerId: customer!.id, ticketType: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE, escalationLevel: 1 });
    expect(lead.find((r) => r.id === supervisor.id)?.templateKey).toBe('case.escalation.lead');
    const head = await resolve(NT.NOTIFICATION_TYPE_TICKET_ESCALATED, { customerId: customer!.id, ticketType: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE, escalationLevel: 2 });
    expect(head.map((r) => r.id)).not.toContain(supervisor.id);
  });

  it('BatchResolveRecipients answers each request as ResolveRecipients would, in order; a bad request gets its own error result', async () => {
    const zone = `zone-${randomUUID().slice(0, 8)}`;
    const { customer } = await register(freshPhone(), zone);
    const tech = (await callUnary(admin, 'createStaff', { name: 'Wawan', phone: freshPhone(), role: commonv1.Role.ROLE_TECHNICIAN, workZones: [zone] })).staff!;
    const request = (type: commonv1.NotificationType, context: Partial<customerv1.RecipientContext>, audiences: commonv1.Audience[] = []) =>
      customerv1.ResolveRecipientsRequest.fromPartial({ notificationType: type, context: { workZone: zone, ...context }, audiences });
    const requests = [
      request(NT.NOTIFICATION_TYPE_TICKET_CREATED, { customerId: customer!.id, ticketType: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE }),
      // AREA_CUSTOMERS without a work zone: INVALID_ARGUMENT for this request only.
      request(NT.NOTIFICATION_TYPE_MAINTENANCE, { workZone: '' }, [commonv1.Audience.fromPartial({ kind: commonv1.AudienceKind.AUDIENCE_KIND_AREA_CUSTOMERS })]),
      request(NT.NOTIFICATION_TYPE_TICKET_ASSIGNED, { customerId: customer!.id, technicianId: tech.id, ticketType: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE }),
    ];
    const res = await callUnary(svc, 'batchResolveRecipients', { requests });
    expect(res.results.map((r) => r.outcome?.$case)).toEqual(['resolved', 'error', 'resolved']);
    for (const i of [0, 2]) {
      const single = await callUnary(svc, 'resolveRecipients', requests[i]!);
      const batched = res.results[i]!.outcome;
      expect(batched?.$case === 'resolved' ? batched.value : null).toEqual(single);
    }
    const error = res.results[1]!.outcome;
    expect(error?.$case === 'error' ? error.value : null).toMatchObject({ code: 3, field: expect.stringContaining('work_zone') });
    const tooMany = await callUnary(svc, 'batchResolveRecipients', { requests: Array.from({ length: 101 }, () => requests[0]!) }).catch((e: unknown) => e);
    expect(tooMany).toBeInstanceOf(ValidationError);
    expect((await callUnary(svc, 'batchResolveRecipients', { requests: [] })).results).toEqual([]);
  });

  it('ActivateCustomer publishes one notify.customer.v1.activated; a second activation is FAILED_PRECONDITION naming the status and publishes none', async () => {
    const { customer } = await register(freshPhone());
    const activated = (await callUnary(admin, 'activateCustomer', { customerId: customer!.id, actor: undefined })).customer!;
    expect(activated.status).toBe(customerv1.CustomerStatus.CUSTOMER_STATUS_ACTIVE);
    expect(activated.activatedAt).toBeInstanceOf(Date);
    const again = await callUnary(admin, 'activateCustomer', { customerId: customer!.id, actor: undefined }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(FailedPreconditionError);
    expect((again as Error).message).toContain('ACTIVE');
    const marker = await register(freshPhone());
    await waitFor(() => seen.some((e) => e.payload.customer?.id === marker.customer!.id), { timeoutMs: 10_000 });
    const events = seen.filter((e) => e.payload.customer?.id === customer!.id);
    expect(events.map((e) => e.subject.split('.').at(-1))).toEqual(['registered', 'activated']);
    expect(events[1]!.payload.type).toBe(customerv1.CustomerEventType.CUSTOMER_EVENT_TYPE_ACTIVATED);
  });

  it('ResolveRecipients for an area maintenance reaches the ACTIVE customers of that area only, minus opt-outs and disabled channels', async () => {
    const area = `area-${randomUUID().slice(0, 8)}`;
    const ids: Record<string, string> = {};
    for (const name of ['active', 'optedOut', 'noWhatsapp', 'pending']) {
      const { customer } = await register(freshPhone(), area, name);
      ids[name] = customer!.id;
      if (name !== 'pending') await callUnary(admin, 'activateCustomer', { customerId: customer!.id, actor: undefined });
      if (name === 'optedOut') await callUnary(svc, 'optOut', { phone: customer!.phone, channel: CH.CHANNEL_WHATSAPP, reason: 'STOP' });
      if (name === 'noWhatsapp') {
        await callUnary(admin, 'updatePreferences', {
          preferences: customerv1.Preferences.fromPartial({
            recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER,
            recipientId: customer!.id,
            channels: [CH.CHANNEL_SMS],
          }),
          updateMask: ['channels'],
        });
      }
    }
    const elsewhere = await register(freshPhone(), 'zona-lain');
    await callUnary(admin, 'activateCustomer', { customerId: elsewhere.customer!.id, actor: undefined });

    const res = await callUnary(svc, 'resolveRecipients', {
      notificationType: NT.NOTIFICATION_TYPE_MAINTENANCE,
      context: customerv1.RecipientContext.fromPartial({ ticketId: '', customerId: '', technicianId: '', workZone: area, invoiceId: '', priority: 0 }),
      audiences: [],
      channels: [],
      page: undefined,
    });
    const customers = res.recipients.filter((r) => r.kind === commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER);
    expect(customers.map((r) => r.id)).toEqual([ids.active]);
    const reasons = new Map(res.leftOut.map((l) => [l.id, l.reason]));
    expect(reasons.get(ids.optedOut!)).toBe(R.LEFT_OUT_REASON_OPTED_OUT);
    expect(reasons.get(ids.noWhatsapp!)).toBe(R.LEFT_OUT_REASON_CHANNEL_DISABLED);
    expect(reasons.has(ids.pending!)).toBe(false);
    expect(reasons.has(elsewhere.customer!.id)).toBe(false);
  });
  it('UpsertRoutingRule edits a stored rule (ListRoutingRules shows it) and ResolveRecipients follows the edit', async () => {
    const zone = `zone-${randomUUID().slice(0, 8)}`;
    const tech = (await callUnary(admin, 'createStaff', { name: 'Fajar', phone: freshPhone(), role: commonv1.Role.ROLE_TECHNICIAN, workZones: [zone] })).staff!;
    const resolveIds = async () =>
      (
        await callUnary(svc, 'resolveRecipients', {
          notificationType: NT.NOTIFICATION_TYPE_TICKET_CREATED,
          context: customerv1.RecipientContext.fromPartial({ ticketId: '', customerId: '', technicianId: '', workZone: zone, invoiceId: '', priority: 0 }),
          audiences: [],
          channels: [],
          page: undefined,
        })
      ).recipients.map((r) => r.id);
    expect(await resolveIds()).toContain(tech.id);

    const { rule } = await callUnary(admin, 'upsertRoutingRule', {
      rule: customerv1.RoutingRule.fromPartial({
        notificationType: NT.NOTIFICATION_TYPE_TICKET_CREATED,
        audience: commonv1.AudienceKind.AUDIENCE_KIND_ZONE_TECHNICIANS,
        channels: [CH.CHANNEL_WHATSAPP],
        enabled: false,
      }),
    });
    expect(rule).toMatchObject({
      id: 'ticket.created/*/*/ZONE_TECHNICIANS', enabled: false, channels: [CH.CHANNEL_WHATSAPP],
      // The template is kept from the stored rule; the source says who edited it, and keeps the seed's citation.
      templateKey: 'technician.job_offer', ticketType: ticketv1.TicketType.TICKET_TYPE_UNSPECIFIED, escalationLevel: 0, source: expect.stringMatching(/^edited by admin; seeded from CNS "Job Creation/),
    });
    expect(rule!.updatedAt).toBeInstanceOf(Date);
    const listed = (await callUnary(admin, 'listRoutingRules', { notificationType: NT.NOTIFICATION_TYPE_TICKET_CREATED })).rules;
    expect(listed.find((r) => r.id === rule!.id)).toMatchObject({ enabled: false });
    expect(listed.every((r) => r.notificationType === NT.NOTIFICATION_TYPE_TICKET_CREATED)).toBe(true);
    expect(await resolveIds()).not.toContain(tech.id);
    await expect(
      callUnary(admin, 'upsertRoutingRule', { rule: customerv1.RoutingRule.fromPartial({ notificationType: NT.NOTIFICATION_TYPE_TICKET_CREATED, channels: [CH.CHANNEL_WHATSAPP] }) }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('UpsertRoutingRule keys a rule by ticket type and escalation level too: a PSB rule is edited alone, lists with its template and source; a more specific rule wins over an any-type one', async () => {
    const TT = ticketv1.TicketType;
    const { customer } = await register(freshPhone());
    const resolveTemplates = async (ticketType: ticketv1.TicketType) =>
      (
        await callUnary(svc, 'resolveRecipients', {
          notificationType: NT.NOTIFICATION_TYPE_TICKET_COMPLETED,
          context: customerv1.RecipientContext.fromPartial({ customerId: customer!.id, ticketType }),
          audiences: [],
          channels: [],
          page: undefined,
        })
      ).recipients.filter((r) => r.id === customer!.id).map((r) => `${r.channel}:${r.templateKey}`);
    expect(await resolveTemplates(TT.TICKET_TYPE_INSTALLATION)).toEqual([`${CH.CHANNEL_WHATSAPP}:ticket.completed.installation`]);

    const listed = (await callUnary(admin, 'listRoutingRules', { notificationType: NT.NOTIFICATION_TYPE_TICKET_COMPLETED })).rules;
    expect(listed.find((r) => r.id === 'ticket.completed/PSB/*/CUSTOMER')).toMatchObject({
      ticketType: TT.TICKET_TYPE_INSTALLATION, escalationLevel: 0, templateKey: 'ticket.completed.installation', enabled: true,
      source: expect.stringContaining('Message Templates'),
    });

    // Only the PSB rule changes: SMS first, another template, a source of the editor's.
    const { rule } = await callUnary(admin, 'upsertRoutingRule', {
      rule: customerv1.RoutingRule.fromPartial({
        notificationType: NT.NOTIFICATION_TYPE_TICKET_COMPLETED, ticketType: TT.TICKET_TYPE_INSTALLATION, audience: AK.AUDIENCE_KIND_CUSTOMER,
        channels: [CH.CHANNEL_SMS, CH.CHANNEL_WHATSAPP], templateKey: 'ticket.completed.disturbance', enabled: true, source: 'one text for both (ops ticket 42)',
      }),
    });
    expect(rule).toMatchObject({ id: 'ticket.completed/PSB/*/CUSTOMER', templateKey: 'ticket.completed.disturbance', source: 'one text for both (ops ticket 42)' });
    expect(await resolveTemplates(TT.TICKET_TYPE_INSTALLATION)).toEqual([`${CH.CHANNEL_SMS}:ticket.completed.disturbance`]);
    expect(await resolveTemplates(TT.TICKET_TYPE_DISTURBANCE)).toEqual([`${CH.CHANNEL_WHATSAPP}:ticket.completed.disturbance`]);
    const after = (await callUnary(admin, 'listRoutingRules', { notificationType: NT.NOTIFICATION_TYPE_TICKET_COMPLETED })).rules;
    expect(after.find((r) => r.id === 'ticket.completed/GANGGUAN/*/CUSTOMER')).toMatchObject({ channels: [CH.CHANNEL_WHATSAPP, CH.CHANNEL_SMS] });

    // An any-type rule of the same audience (on SMS): the ticket-type rules still decide their
    // tickets alone — no second message on the other channel (QA).
    await callUnary(admin, 'upsertRoutingRule', {
      rule: customerv1.RoutingRule.fromPartial({
        notificationType: NT.NOTIFICATION_TYPE_TICKET_COMPLETED, audience: AK.AUDIENCE_KIND_CUSTOMER, channels: [CH.CHANNEL_SMS], templateKey: 'ticket.completed.generic', enabled: true,
      }),
    });
    expect(await resolveTemplates(TT.TICKET_TYPE_DISTURBANCE)).toEqual([`${CH.CHANNEL_WHATSAPP}:ticket.completed.disturbance`]);
    expect(await resolveTemplates(TT.TICKET_TYPE_INSTALLATION)).toEqual([`${CH.CHANNEL_SMS}:ticket.completed.disturbance`]);
    // Disabling the GANGGUAN rule (template kept) silences the customer for GANGGUAN tickets: the
    // any-type rule does not take over (QA: `routing set --disable` promised "hears nothing").
    const disabled = await callUnary(admin, 'upsertRoutingRule', {
      rule: customerv1.RoutingRule.fromPartial({ notificationType: NT.NOTIFICATION_TYPE_TICKET_COMPLETED, ticketType: TT.TICKET_TYPE_DISTURBANCE, audience: AK.AUDIENCE_KIND_CUSTOMER, channels: [CH.CHANNEL_WHATSAPP], enabled: false }),
    });
    expect(disabled.rule).toMatchObject({ templateKey: 'ticket.completed.disturbance', enabled: false });
    expect(await resolveTemplates(TT.TICKET_TYPE_DISTURBANCE)).toEqual([]);
    expect(await resolveTemplates(TT.TICKET_TYPE_INSTALLATION)).toEqual([`${CH.CHANNEL_SMS}:ticket.completed.disturbance`]);

    // Refused: a new rule without a template, a level other than 1 or 2, an unknown ticket type.
    const errorOf = (r: Partial<customerv1.RoutingRule>) =>
      callUnary(admin, 'upsertRoutingRule', { rule: customerv1.RoutingRule.fromPartial({ notificationType: NT.NOTIFICATION_TYPE_TICKET_ESCALATED, audience: AK.AUDIENCE_KIND_SUPERVISORS, channels: [CH.CHANNEL_WHATSAPP], enabled: true, ...r }) })
        .then(() => undefined, (e: unknown) => e as Error);
    const noTemplate = await errorOf({ ticketType: TT.TICKET_TYPE_INSTALLATION });
    expect(noTemplate).toBeInstanceOf(ValidationError);
    expect(noTemplate!.message).toMatch(/template_key.*is required: no rule ticket\.escalated\/PSB\/\*\/SUPERVISORS is stored yet/);
    expect((await errorOf({ escalationLevel: 3, templateKey: 'x.y' }))!.message).toMatch(/rule\.escalation_level.*must be 1, 2 or 0/);
    expect((await errorOf({ ticketType: 7 as ticketv1.TicketType, templateKey: 'x.y' }))!.message).toMatch(/rule\.ticket_type/);
    // The rule's own faults are named before the missing template.
    expect((await errorOf({ ticketType: TT.TICKET_TYPE_INSTALLATION, channels: [] }))!.message).toMatch(/channels/);
    // A condition the notification never carries (QA: a level-2 rule for ticket.completed was stored).
    const levelElsewhere = await errorOf({ notificationType: NT.NOTIFICATION_TYPE_TICKET_COMPLETED, escalationLevel: 2, templateKey: 'x.y' });
    expect(levelElsewhere!.message).toMatch(/escalation_level.*only ticket\.escalated carries an escalation level, not ticket\.completed/);
    const typeElsewhere = await errorOf({ notificationType: NT.NOTIFICATION_TYPE_PAYMENT_REMINDER, ticketType: TT.TICKET_TYPE_INSTALLATION, templateKey: 'x.y' });
    expect(typeElsewhere!.message).toMatch(/ticket_type.*only a ticket's notifications carry a ticket type/);
    // Every customer for a message about one (QA: ticket.created → ALL_CUSTOMERS sent one customer's
    // ticket to all); a ticket's audiences for what has no ticket.
    const mass = await errorOf({ notificationType: NT.NOTIFICATION_TYPE_TICKET_CREATED, audience: AK.AUDIENCE_KIND_ALL_CUSTOMERS, templateKey: 'ticket.created.disturbance' });
    expect(mass!.message).toMatch(/audience.*ALL_CUSTOMERS would send every customer a ticket\.created message meant for one person/);
    const area = await errorOf({ notificationType: NT.NOTIFICATION_TYPE_PAYMENT_REMINDER, audience: AK.AUDIENCE_KIND_AREA_CUSTOMERS, templateKey: 'payment.reminder' });
    expect(area!.message).toMatch(/AREA_CUSTOMERS would send every customer a payment\.reminder message/);
    const tech = await errorOf({ notificationType: NT.NOTIFICATION_TYPE_PAYMENT_REMINDER, audience: AK.AUDIENCE_KIND_ASSIGNED_TECHNICIAN, templateKey: 'payment.reminder' });
    expect(tech!.message).toMatch(/ASSIGNED_TECHNICIAN is found from a ticket/);
    // REPLY is no routed type: said in words, not "got 21" (QA).
    expect((await errorOf({ notificationType: NT.NOTIFICATION_TYPE_REPLY, templateKey: 'x.y' }))!.message).toMatch(/NOTIFICATION_TYPE_REPLY is not routed/);

    // ResetRoutingRule: the seeded PSB rule gets its seeded values back; the any-type rule added
    // above is deleted; a key neither stored nor seeded is NOT_FOUND.
    const key = { notificationType: NT.NOTIFICATION_TYPE_TICKET_COMPLETED, ticketType: TT.TICKET_TYPE_INSTALLATION, escalationLevel: 0, audience: AK.AUDIENCE_KIND_CUSTOMER };
    const reset = await callUnary(admin, 'resetRoutingRule', key);
    expect(reset).toMatchObject({ deleted: false, changed: true, rule: { id: 'ticket.completed/PSB/*/CUSTOMER', channels: [CH.CHANNEL_WHATSAPP, CH.CHANNEL_SMS], templateKey: 'ticket.completed.installation', enabled: true } });
    expect(reset.rule!.source).toMatch(/Message Templates/);
    // Reset again: the seeded values are stored already; nothing is written (updated_at kept).
    const again = await callUnary(admin, 'resetRoutingRule', key);
    expect(again).toMatchObject({ deleted: false, changed: false, rule: { id: 'ticket.completed/PSB/*/CUSTOMER', templateKey: 'ticket.completed.installation' } });
    expect(again.rule!.updatedAt).toEqual(reset.rule!.updatedAt);
    expect(await resolveTemplates(TT.TICKET_TYPE_INSTALLATION)).toEqual([`${CH.CHANNEL_WHATSAPP}:ticket.completed.installation`]);
    const removed = await callUnary(admin, 'resetRoutingRule', { ...key, ticketType: TT.TICKET_TYPE_UNSPECIFIED });
    expect(removed).toEqual({ rule: undefined, deleted: true, changed: true });
    expect((await callUnary(admin, 'listRoutingRules', { notificationType: NT.NOTIFICATION_TYPE_TICKET_COMPLETED })).rules.map((r) => r.id)).not.toContain('ticket.completed/*/*/CUSTOMER');
    await expect(callUnary(admin, 'resetRoutingRule', { ...key, ticketType: TT.TICKET_TYPE_UNSPECIFIED })).rejects.toBeInstanceOf(NotFoundError);
    await callUnary(admin, 'resetRoutingRule', { ...key, ticketType: TT.TICKET_TYPE_DISTURBANCE });
    expect(await resolveTemplates(TT.TICKET_TYPE_DISTURBANCE)).toEqual([`${CH.CHANNEL_WHATSAPP}:ticket.completed.disturbance`]);

    // An escalation: a level rule outranks a ticket-type rule of the same audience (QA: they tied).
    const { staff: supervisor } = await callUnary(admin, 'createStaff', { name: 'Sari Supervisor', phone: freshPhone(), role: commonv1.Role.ROLE_SUPERVISOR, workZones: [] });
    const escalated = async (ticketType: ticketv1.TicketType, escalationLevel: number) =>
      (await callUnary(svc, 'resolveRecipients', {
        notificationType: NT.NOTIFICATION_TYPE_TICKET_ESCALATED,
        context: customerv1.RecipientContext.fromPartial({ ticketType, escalationLevel, workZone: 'karawang' }),
        audiences: [], channels: [], page: undefined,
      })).recipients.filter((r) => r.id === supervisor!.id).map((r) => r.templateKey);
    const psbSupervisors = { notificationType: NT.NOTIFICATION_TYPE_TICKET_ESCALATED, ticketType: TT.TICKET_TYPE_INSTALLATION, escalationLevel: 0, audience: AK.AUDIENCE_KIND_SUPERVISORS };
    await callUnary(admin, 'upsertRoutingRule', { rule: customerv1.RoutingRule.fromPartial({ ...psbSupervisors, channels: [CH.CHANNEL_WHATSAPP], templateKey: 'case.escalation.head', enabled: true }) });
    expect(await escalated(TT.TICKET_TYPE_INSTALLATION, 1)).toEqual(['case.escalation.lead']);
    // Level 2 has no SUPERVISORS rule of its own: the PSB rule applies to PSB tickets.
    expect(await escalated(TT.TICKET_TYPE_INSTALLATION, 2)).toEqual(['case.escalation.head']);
    await callUnary(admin, 'resetRoutingRule', psbSupervisors);
    await expect(callUnary(svc, 'resetRoutingRule', key)).rejects.toThrow(/PERMISSION_DENIED|may not|not allowed/i);
  });

  describe('UpdateCustomer and SuspendCustomer (a billing system changes a customer, suspends one for non-payment: isolir)', () => {
    const CS = customerv1.CustomerStatus;
    const get = async (id: string) => (await callUnary(admin, 'getCustomer', { id, phone: '', includeOptOuts: false })).customer!;
    const update = (customer: Partial<customerv1.Customer>, updateMask: string[] = []) =>
      callUnary(admin, 'updateCustomer', { customer: customerv1.Customer.fromPartial(customer), updateMask });
    const failure = async <E extends Error>(call: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> => {
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(type);
      return err as E;
    };
    /** The trailing metadata `entity` / `entity-id` of a failed call. */
    const entityOf = (err: unknown) => {
      const md = ((err as Error).cause as { metadata: { get(k: string): unknown[] } }).metadata;
      return { entity: String(md.get('entity')[0] ?? ''), entityId: String(md.get('entity-id')[0] ?? '') };
    };
    const activeCustomer = async (workZone = 'karawang', name = 'Budi Santoso') => {
      const { customer } = await register(freshPhone(), workZone, name);
      return (await callUnary(admin, 'activateCustomer', { customerId: customer!.id, actor: undefined })).customer!;
    };

    it('UpdateCustomer without a mask changes only the fields given a value (phone normalized, zone as slug); naming package_name clears it; nothing to change or an unknown path is INVALID_ARGUMENT', async () => {
      const { customer: before } = await register(freshPhone(), 'karawang', 'Rina Update');
      const phone = freshPhone();
      const moved = (await update({ id: before!.id, phone: `+62 ${phone.slice(1)}`, address: 'Jl. Baru 9', workZone: 'Karawang Barat' })).customer!;
      expect(moved).toMatchObject({
        id: before!.id, name: 'Rina Update', phone: `62${phone.slice(1)}`, address: 'Jl. Baru 9', workZone: 'karawang-barat',
        packageName: 'Home 50 Mbps', status: CS.CUSTOMER_STATUS_PENDING, wantsInstallation: true,
      });
      expect(moved.updatedAt!.getTime()).toBeGreaterThanOrEqual(before!.updatedAt!.getTime());
      expect(await get(before!.id)).toEqual(moved);
      expect((await callUnary(admin, 'getCustomer', { id: '', phone, includeOptOuts: false })).customer?.id).toBe(before!.id);

      // Named with no value: cleared (package_name may be empty); the rest kept.
      const cleared = (await update({ id: before!.id }, ['package_name'])).customer!;
      expect(cleared).toMatchObject({ packageName: '', name: 'Rina Update', address: 'Jl. Baru 9', phone: moved.phone });
      // The package alone, no mask.
      expect((await update({ id: before!.id, packageName: 'Home 100 Mbps' })).customer).toMatchObject({ packageName: 'Home 100 Mbps', address: 'Jl. Baru 9' });

      // Nothing given, no mask: nothing to change, said; an unknown path or a required field named empty: refused; nothing written.
      const nothing = await failure(update({ id: before!.id }), ValidationError);
      expect(nothing.field).toBe('update_mask');
      expect(nothing.message).toMatch(/^update_mask: nothing to change: /);
      expect((await failure(update({ id: before!.id, status: CS.CUSTOMER_STATUS_SUSPENDED }, ['status']), ValidationError)).message).toMatch(/^update_mask: unknown path "status"/);
      const noName = await failure(update({ id: before!.id }, ['name']), ValidationError);
      expect([noName.field, noName.message]).toEqual(['customer.name', 'customer.name: is required']);
      const badPhone = await failure(update({ id: before!.id, phone: '12345' }), ValidationError);
      expect(badPhone.field).toBe('customer.phone');
      expect(badPhone.message).toContain('12345');
      expect((await failure(update({ id: 'not-a-uuid', name: 'X' }), ValidationError)).field).toBe('customer.id');
      expect(await get(before!.id)).toMatchObject({ name: 'Rina Update', packageName: 'Home 100 Mbps', phone: moved.phone });
    });

    it('UpdateCustomer: a phone another customer holds is ALREADY_EXISTS naming the holder (entity / entity-id); an unknown id is NOT_FOUND', async () => {
      const { customer: holder } = await register(freshPhone(), 'karawang', 'Pemegang Nomor');
      const { customer: mover } = await register(freshPhone(), 'karawang', 'Pindah Nomor');
      const taken = await failure(update({ id: mover!.id, phone: holder!.phone }), AlreadyExistsError);
      expect(taken.message).toBe(`phone ${holder!.phone} already belongs to customer ${holder!.id}`);
      expect(entityOf(taken)).toEqual({ entity: 'customer', entityId: holder!.id });
      expect((await get(mover!.id)).phone).toBe(mover!.phone);
      // Its own phone again: no conflict, nothing changes.
      expect((await update({ id: mover!.id, phone: mover!.phone })).customer).toEqual(await get(mover!.id));
      const unknown = randomUUID();
      expect((await failure(update({ id: unknown, name: 'Siapa' }), NotFoundError)).message).toContain(unknown);
    });

    it('SuspendCustomer: ACTIVE → SUSPENDED with reason, time and actor; again changes nothing; PENDING is FAILED_PRECONDITION; ActivateCustomer brings it back (no suspension left) with an activated event from SUSPENDED', async () => {
      const active = await activeCustomer();
      const actor = { kind: commonv1.ActorKind.ACTOR_KIND_SERVICE, id: 'billing-isolir', name: '', role: commonv1.Role.ROLE_SERVICE };
      const first = await callUnary(svc, 'suspendCustomer', { customerId: active.id, reason: '  tunggakan November 2026 ', actor });
      expect(first.changed).toBe(true);
      expect(first.customer).toMatchObject({ status: CS.CUSTOMER_STATUS_SUSPENDED, suspensionReason: 'tunggakan November 2026', suspendedBy: 'billing-isolir' });
      expect(first.customer!.suspendedAt).toBeInstanceOf(Date);
      expect(await get(active.id)).toEqual(first.customer);

      // Again (another reason, another caller): the first suspension is kept.
      const again = await callUnary(admin, 'suspendCustomer', { customerId: active.id, reason: 'lagi', actor: undefined });
      expect(again).toEqual({ customer: first.customer, changed: false });

      const { customer: pending } = await register(freshPhone());
      const notYet = await failure(callUnary(admin, 'suspendCustomer', { customerId: pending!.id, reason: 'tunggakan', actor: undefined }), FailedPreconditionError);
      expect(notYet.message).toContain('PENDING');
      expect((await get(pending!.id)).status).toBe(CS.CUSTOMER_STATUS_PENDING);
      const noReason = await failure(callUnary(admin, 'suspendCustomer', { customerId: pending!.id, reason: ' ', actor: undefined }), ValidationError);
      expect([noReason.field, noReason.message]).toEqual(['reason', 'reason: is required']);
      expect((await failure(callUnary(admin, 'suspendCustomer', { customerId: active.id, reason: 'x'.repeat(501), actor: undefined }), ValidationError)).message)
        .toBe('reason: is longer than 500 characters');
      await failure(callUnary(admin, 'suspendCustomer', { customerId: randomUUID(), reason: 'tunggakan', actor: undefined }), NotFoundError);

      const back = (await callUnary(admin, 'activateCustomer', { customerId: active.id, actor: undefined })).customer!;
      expect(back).toMatchObject({ status: CS.CUSTOMER_STATUS_ACTIVE, suspensionReason: '', suspendedBy: '' });
      expect(back.suspendedAt).toBeUndefined();
      await waitFor(() => seen.some((e) => e.payload.customer?.id === active.id && e.payload.previousStatus === CS.CUSTOMER_STATUS_SUSPENDED), { timeoutMs: 10_000 });
    });

    it('ResolveRecipients: a suspended customer is left out of an area audience (not listed as left out), and still gets their own ticket\'s and invoice\'s messages (CUSTOMER audience, any status)', async () => {
      const area = `isolir-${randomUUID().slice(0, 8)}`;
      const paying = await activeCustomer(area, 'Bayar Lancar');
      const late = await activeCustomer(area, 'Telat Bayar');
      await callUnary(admin, 'suspendCustomer', { customerId: late.id, reason: 'tunggakan', actor: undefined });
      const resolve = async (notificationType: commonv1.NotificationType, context: Partial<customerv1.RecipientContext>) =>
        callUnary(svc, 'resolveRecipients', { notificationType, context: customerv1.RecipientContext.fromPartial(context), audiences: [], channels: [], page: undefined });
      const customersOf = (res: customerv1.ResolveRecipientsResponse) => res.recipients.filter((r) => r.kind === commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER).map((r) => r.id);

      const maintenance = await resolve(NT.NOTIFICATION_TYPE_MAINTENANCE, { workZone: area });
      expect(customersOf(maintenance)).toEqual([paying.id]);
      expect(maintenance.leftOut.map((l) => l.id)).not.toContain(late.id);
      const broadcast = await callUnary(svc, 'resolveRecipients', {
        notificationType: NT.NOTIFICATION_TYPE_EMERGENCY_ALERT, context: undefined, channels: [], page: undefined,
        audiences: [commonv1.Audience.fromPartial({ kind: AK.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: area })],
      });
      expect(customersOf(broadcast)).toEqual([paying.id]);

      // Their own: a ticket's messages, the payment reminder.
      const ticket = await resolve(NT.NOTIFICATION_TYPE_TICKET_CREATED, { customerId: late.id, workZone: area, ticketType: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE });
      expect(customersOf(ticket)).toEqual([late.id]);
      expect(customersOf(await resolve(NT.NOTIFICATION_TYPE_PAYMENT_REMINDER, { customerId: late.id }))).toEqual([late.id]);

      // Reactivated: in the area audience again.
      await callUnary(admin, 'activateCustomer', { customerId: late.id, actor: undefined });
      expect(customersOf(await resolve(NT.NOTIFICATION_TYPE_MAINTENANCE, { workZone: area })).sort()).toEqual([paying.id, late.id].sort());
    });
  });
});
