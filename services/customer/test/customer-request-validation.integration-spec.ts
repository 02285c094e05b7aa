import { randomUUID } from 'node:crypto';
import { NotFoundError } from '@notify/errors';
import { callUnary, createClient } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { commonv1, customerv1 } from '@notify/proto';
import { createTestNats, createTestSchema, expectInvalidArgument, type TestNats, type TestSchema } from '@notify/testing';
import { loadCustomerConfig } from '../src/config';
import { startCustomerService, type RunningCustomerService } from '../src/server';

const ADMIN_KEY = 'it-custval-admin-key-001';
const CH = commonv1.Channel;
const NT = commonv1.NotificationType;

/**
 * Bad input of the CustomerService RPCs, as an integrator sends it (QA run): enum values outside
 * their enums, empty and malformed ids, over-long free text. Each is INVALID_ARGUMENT naming the
 * request field (the path from the request root) and writes nothing. Real gRPC server, real
 * Postgres (fresh schema), real NATS.
 */
describe('customer service: request validation (gRPC + Postgres)', () => {
  let pg: TestSchema;
  let nats: TestNats;
  let service: RunningCustomerService;
  let admin: customerv1.CustomerServiceClient;

  beforeAll(async () => {
    pg = await createTestSchema('customer_val');
    nats = createTestNats('customer_val');
    const config = loadCustomerConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      NOTIFY_API_KEYS: `${ADMIN_KEY}:admin`,
      DATABASE_URL: pg.url,
      DATABASE_SCHEMA: pg.schema,
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
    });
    service = await startCustomerService(config, createLogger({ service: 'customer', level: 'silent' }));
    admin = createClient(customerv1.CustomerServiceClient, `127.0.0.1:${service.grpc.port}`, { apiKey: ADMIN_KEY });
  });

  afterAll(async () => {
    (admin as unknown as { close(): void } | undefined)?.close();
    await service?.stop();
    await nats?.cleanup();
    await pg?.dropSchema();
  });

  let phoneSeq = 5000;
  const freshPhone = () => `08137${String(++phoneSeq).padStart(6, '0')}`;

  /** The call's error, which must be INVALID_ARGUMENT naming `field`, with `text` in its message (@notify/testing). */
  const invalid = expectInvalidArgument;

  const registerReq = (over: Partial<customerv1.RegisterCustomerRequest> = {}) =>
    customerv1.RegisterCustomerRequest.fromPartial({ name: 'Budi', phone: freshPhone(), address: 'Jl. Mawar 1', workZone: 'karawang', ...over });
  const register = async () => (await callUnary(admin, 'registerCustomer', registerReq())).customer!;
  const staff = async () => (await callUnary(admin, 'createStaff', { name: 'Lufti', phone: freshPhone(), role: commonv1.Role.ROLE_TECHNICIAN, workZones: [] })).staff!;
  let chatSeq = 0;
  const group = async () =>
    (
      await callUnary(admin, 'createGroup', {
        name: `Teknisi ${randomUUID().slice(0, 8)}`,
        chatId: `1203630${String(Date.now()).slice(-9)}${String(++chatSeq).padStart(3, '0')}@g.us`,
        category: customerv1.GroupCategory.GROUP_CATEGORY_TECHNICIANS,
        workZone: '',
        notificationTypes: [],
      })
    ).group!;

  describe('enum values outside their enums are INVALID_ARGUMENT naming the field (never taken as UNSPECIFIED)', () => {
    it('OptOut channel 99 records nothing (it used to opt the phone out of every channel)', async () => {
      const phone = freshPhone();
      await invalid(callUnary(admin, 'optOut', { phone, channel: 99 as commonv1.Channel, reason: 'bad' }), 'channel', /unknown value 99/);
      await invalid(callUnary(admin, 'optOut', { phone, channel: -1 as commonv1.Channel, reason: 'bad' }), 'channel');
      // Nothing was written: the phone's first WhatsApp opt-out is the next one, with its reason.
      const { optOut } = await callUnary(admin, 'optOut', { phone, channel: CH.CHANNEL_WHATSAPP, reason: 'STOP reply' });
      expect(optOut).toMatchObject({ channel: CH.CHANNEL_WHATSAPP, reason: 'STOP reply' });
      const res = await callUnary(admin, 'resolveRecipients', {
        notificationType: NT.NOTIFICATION_TYPE_PROMOTION,
        context: undefined,
        audiences: [{ kind: commonv1.AudienceKind.AUDIENCE_KIND_PHONE, workZone: '', groupId: '', roles: [], customerId: '', staffId: '', phone }],
        channels: [CH.CHANNEL_SMS],
        page: undefined,
      });
      // SMS is still open for the phone: channel 99 did not opt it out of all channels.
      expect(res.recipients.map((r) => r.channel)).toEqual([CH.CHANNEL_SMS]);
    });

    it('OptIn lifts an opt-out (the phone resolves on that channel again), is idempotent, and refuses channel 99', async () => {
      const phone = freshPhone();
      /** Whether the phone resolves as a recipient on `channel`. */
      const reachable = async (channel: commonv1.Channel) =>
        (await callUnary(admin, 'resolveRecipients', {
          notificationType: NT.NOTIFICATION_TYPE_PROMOTION,
          context: undefined,
          audiences: [{ kind: commonv1.AudienceKind.AUDIENCE_KIND_PHONE, workZone: '', groupId: '', roles: [], customerId: '', staffId: '', phone }],
          channels: [channel],
          page: undefined,
        })).recipients.length > 0;
      await callUnary(admin, 'optOut', { phone, channel: CH.CHANNEL_UNSPECIFIED, reason: 'STOP reply' });
      expect([await reachable(CH.CHANNEL_WHATSAPP), await reachable(CH.CHANNEL_SMS)]).toEqual([false, false]);
      await invalid(callUnary(admin, 'optIn', { phone, channel: 99 as commonv1.Channel }), 'channel', /unknown value 99/);
      expect(await callUnary(admin, 'optIn', { phone, channel: CH.CHANNEL_WHATSAPP })).toEqual({ lifted: 1, phone: `62${phone.slice(1)}` });
      expect([await reachable(CH.CHANNEL_WHATSAPP), await reachable(CH.CHANNEL_SMS)]).toEqual([true, false]);
      expect((await callUnary(admin, 'optIn', { phone, channel: CH.CHANNEL_WHATSAPP })).lifted).toBe(0);
      expect((await callUnary(admin, 'optIn', { phone, channel: CH.CHANNEL_UNSPECIFIED })).lifted).toBe(1);
      expect([await reachable(CH.CHANNEL_WHATSAPP), await reachable(CH.CHANNEL_SMS)]).toEqual([true, true]);
    });

    it('RegisterCustomer locale 99 and actor enums are refused, and registers nobody', async () => {
      const phone = freshPhone();
      await invalid(callUnary(admin, 'registerCustomer', registerReq({ phone, locale: 99 as commonv1.Locale })), 'locale', /unknown value 99/);
      await invalid(
        callUnary(admin, 'registerCustomer', registerReq({ phone, actor: { kind: 42 as commonv1.ActorKind, id: '', name: '', role: commonv1.Role.ROLE_ADMIN } })),
        'actor.kind',
      );
      await expect(callUnary(admin, 'getCustomer', { id: '', phone, includeOptOuts: false })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('RegisterCustomer keeps locale EN as the customer\'s preferred language (it was dropped)', async () => {
      const { customer } = await callUnary(admin, 'registerCustomer', registerReq({ locale: commonv1.Locale.LOCALE_EN }));
      const { preferences } = await callUnary(admin, 'getPreferences', { recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER, recipientId: customer!.id });
      expect(preferences?.locale).toBe(commonv1.Locale.LOCALE_EN);
    });

    it('UpdatePreferences locale 99 is refused and changes nothing', async () => {
      const c = await register();
      const prefs = (channels: commonv1.Channel[], locale: commonv1.Locale) => ({
        preferences: customerv1.Preferences.fromPartial({ recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER, recipientId: c.id, channels, locale }),
        updateMask: [] as string[],
      });
      await invalid(callUnary(admin, 'updatePreferences', prefs([CH.CHANNEL_SMS], 99 as commonv1.Locale)), 'preferences.locale', /unknown value 99/);
      const { preferences } = await callUnary(admin, 'getPreferences', { recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER, recipientId: c.id });
      expect(preferences?.channels).toEqual([CH.CHANNEL_WHATSAPP, CH.CHANNEL_SMS]);
      expect(preferences?.updatedAt).toBeUndefined();
      await invalid(
        callUnary(admin, 'updatePreferences', { ...prefs([], commonv1.Locale.LOCALE_EN), preferences: { ...prefs([], commonv1.Locale.LOCALE_EN).preferences, recipientKind: 9 as commonv1.RecipientKind } }),
        'preferences.recipient_kind',
      );
    });

    it('UpsertRoutingRule min_priority 99 and ResolveRecipients context enums are refused', async () => {
      await invalid(
        callUnary(admin, 'upsertRoutingRule', {
          rule: customerv1.RoutingRule.fromPartial({
            notificationType: NT.NOTIFICATION_TYPE_PROMOTION,
            audience: commonv1.AudienceKind.AUDIENCE_KIND_ALL_CUSTOMERS,
            channels: [CH.CHANNEL_WHATSAPP],
            minPriority: 99 as commonv1.Priority,
            enabled: true,
          }),
        }),
        'rule.min_priority',
      );
      const resolve = (context: Partial<customerv1.RecipientContext>) =>
        callUnary(admin, 'resolveRecipients', {
          notificationType: NT.NOTIFICATION_TYPE_TICKET_CREATED,
          context: customerv1.RecipientContext.fromPartial({ workZone: 'karawang', ...context }),
          audiences: [],
          channels: [],
          page: undefined,
        });
      await invalid(resolve({ priority: 99 as commonv1.Priority }), 'context.priority');
      await invalid(resolve({ ticketType: 7 as never }), 'context.ticket_type');
    });
  });

  describe('ids: empty → "<field>: is required", not a UUID → "<field>: must be a UUID" (not NOT_FOUND)', () => {
    it.each([
      ['activateCustomer', (id: string) => callUnary(admin, 'activateCustomer', { customerId: id, actor: undefined }), 'customer_id'],
      ['deleteGroup', (id: string) => callUnary(admin, 'deleteGroup', { groupId: id }), 'group_id'],
      [
        'getPreferences',
        (id: string) => callUnary(admin, 'getPreferences', { recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER, recipientId: id }),
        'recipient_id',
      ],
      [
        'createInvoice',
        (id: string) => callUnary(admin, 'createInvoice', { customerId: id, number: '', amountRupiah: '1000', dueDate: '2027-01-01', description: '' }),
        'customer_id',
      ],
    ] as const)('%s', async (_rpc, call, field) => {
      const empty = await invalid(call(''), field, `${field}: is required`);
      expect(empty.message).not.toMatch(/ {2}/);
      await invalid(call('not-a-uuid'), field, `${field}: must be a UUID`);
      await invalid(call('  '), field, `${field}: is required`);
    });

    it('GetCustomer / GetStaff id, UpdateStaff staff.id, UpdateGroup group.id, UpdatePreferences preferences.recipient_id', async () => {
      await invalid(callUnary(admin, 'getCustomer', { id: 'nope', phone: '', includeOptOuts: false }), 'id', 'must be a UUID');
      await invalid(callUnary(admin, 'getStaff', { id: 'nope', phone: '', includeOptOuts: false }), 'id', 'must be a UUID');
      await invalid(callUnary(admin, 'updateStaff', { staff: customerv1.Staff.fromPartial({ id: 'nope', name: 'X' }), updateMask: ['name'] }), 'staff.id', 'must be a UUID');
      await invalid(callUnary(admin, 'updateGroup', { group: customerv1.Group.fromPartial({ id: 'nope', name: 'X' }), updateMask: ['name'] }), 'group.id', 'must be a UUID');
      await invalid(
        callUnary(admin, 'updatePreferences', {
          preferences: customerv1.Preferences.fromPartial({ recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_STAFF, recipientId: 'nope' }),
          updateMask: ['locale'],
        }),
        'preferences.recipient_id',
        'must be a UUID',
      );
      // A well-formed unknown id is still NOT_FOUND.
      await expect(callUnary(admin, 'getStaff', { id: randomUUID(), phone: '', includeOptOuts: false })).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('free text has a documented limit, enforced with INVALID_ARGUMENT naming the field', () => {
    it('CreateStaff / UpdateStaff name at most 200 characters, like RegisterCustomer', async () => {
      await invalid(callUnary(admin, 'createStaff', { name: 'x'.repeat(201), phone: freshPhone(), role: commonv1.Role.ROLE_TECHNICIAN, workZones: [] }), 'name', 'longer than 200');
      const s = await staff();
      await invalid(callUnary(admin, 'updateStaff', { staff: { ...s, name: 'y'.repeat(201) }, updateMask: ['name'] }), 'staff.name', 'longer than 200');
      expect((await callUnary(admin, 'getStaff', { id: s.id, phone: '', includeOptOuts: false })).staff?.name).toBe('Lufti');
      expect((await callUnary(admin, 'createStaff', { name: 'z'.repeat(200), phone: freshPhone(), role: commonv1.Role.ROLE_TECHNICIAN, workZones: [] })).staff?.name).toHaveLength(200);
    });

    it('UpdateStaff names its fields by their path in the request (staff.phone, staff.name)', async () => {
      const s = await staff();
      await invalid(callUnary(admin, 'updateStaff', { staff: { ...s, phone: 'abc' }, updateMask: ['phone'] }), 'staff.phone', /staff\.phone: .*abc/);
      await invalid(callUnary(admin, 'updateStaff', { staff: { ...s, name: ' ' }, updateMask: ['name'] }), 'staff.name', 'staff.name: is required');
    });

    it('Group name at most 200 characters (CreateGroup name, UpdateGroup group.name)', async () => {
      await invalid(
        callUnary(admin, 'createGroup', {
          name: 'g'.repeat(1000),
          chatId: '120363000000000999@g.us',
          category: customerv1.GroupCategory.GROUP_CATEGORY_NOC,
          workZone: '',
          notificationTypes: [],
        }),
        'name',
        'longer than 200',
      );
      const g = await group();
      await invalid(callUnary(admin, 'updateGroup', { group: { ...g, name: 'g'.repeat(201) }, updateMask: ['name'] }), 'group.name', 'longer than 200');
      await invalid(callUnary(admin, 'updateGroup', { group: { ...g, chatId: 'nope' }, updateMask: ['chat_id'] }), 'group.chat_id');
    });

    it('CreateInvoice number at most 100 characters; amount_rupiah names its maximum', async () => {
      const c = await register();
      await invalid(
        callUnary(admin, 'createInvoice', { customerId: c.id, number: 'N'.repeat(1000), amountRupiah: '1000', dueDate: '2027-01-01', description: '' }),
        'number',
        'longer than 100',
      );
      const huge = await invalid(
        callUnary(admin, 'createInvoice', { customerId: c.id, number: '', amountRupiah: '9223372036854775807', dueDate: '2027-01-01', description: '' }),
        'amount_rupiah',
      );
      expect(huge.message).toContain('9007199254740991');
    });

    it('OptOut reason at most 500 characters; RegisterCustomer package_name at most 100; ListCustomers query at most 200', async () => {
      await invalid(callUnary(admin, 'optOut', { phone: freshPhone(), channel: CH.CHANNEL_SMS, reason: 'r'.repeat(10_000) }), 'reason', 'longer than 500');
      await invalid(callUnary(admin, 'registerCustomer', registerReq({ packageName: 'p'.repeat(101) })), 'package_name', 'longer than 100');
      await invalid(callUnary(admin, 'listCustomers', { workZone: '', statuses: [], query: 'q'.repeat(201), page: undefined }), 'query', 'longer than 200');
    });
  });
});
