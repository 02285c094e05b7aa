import { ValidationError } from '@notify/errors';
import { callUnary, createClient } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { commonv1, customerv1 } from '@notify/proto';
import { createTestNats, createTestSchema, type TestNats, type TestSchema } from '@notify/testing';
import { loadCustomerConfig } from '../src/config';
import { startCustomerService, type RunningCustomerService } from '../src/server';

const ADMIN_KEY = 'it-aud-admin-key-0000001';
const SERVICE_KEY = 'it-aud-service-key-00001';
const NT = commonv1.NotificationType;
const CH = commonv1.Channel;
const AK = commonv1.AudienceKind;
const ROLE = commonv1.Role;
const R = customerv1.LeftOutReason;

/**
 * ResolveRecipients with explicit audiences (Broadcast, campaigns, Notify to a group) through
 * the real gRPC server over a fresh Postgres schema: GROUP, STAFF_ROLES, AREA_CUSTOMERS with
 * their parameters, opt-outs / preferences / inactive left out, paging, INVALID_ARGUMENT for
 * missing parameters.
 */
describe('customer service: ResolveRecipients with explicit audiences (gRPC + Postgres)', () => {
  let pg: TestSchema;
  let nats: TestNats;
  let service: RunningCustomerService;
  let admin: customerv1.CustomerServiceClient;
  let svc: customerv1.CustomerServiceClient;
  let phoneSeq = 2000;
  const freshPhone = () => `08137${String(++phoneSeq).padStart(6, '0')}`;

  beforeAll(async () => {
    pg = await createTestSchema('customer_aud');
    nats = createTestNats('customer_aud');
    const config = loadCustomerConfig({
      NODE_ENV: 'test', LOG_LEVEL: 'silent', GRPC_HOST: '127.0.0.1', GRPC_PORT: '0',
      NOTIFY_API_KEYS: `${ADMIN_KEY}:admin,${SERVICE_KEY}:service`,
      DATABASE_URL: pg.url, DATABASE_SCHEMA: pg.schema, NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace,
    });
    service = await startCustomerService(config, createLogger({ service: 'customer', level: 'silent' }));
    const addr = `127.0.0.1:${service.grpc.port}`;
    admin = createClient(customerv1.CustomerServiceClient, addr, { apiKey: ADMIN_KEY });
    svc = createClient(customerv1.CustomerServiceClient, addr, { apiKey: SERVICE_KEY });
  });

  afterAll(async () => {
    for (const c of [admin, svc]) (c as unknown as { close(): void } | undefined)?.close();
    await service?.stop();
    await nats?.cleanup();
    await pg?.dropSchema();
  });

  const resolve = (notificationType: commonv1.NotificationType, audiences: Partial<commonv1.Audience>[], channels: commonv1.Channel[] = [], page?: commonv1.PageRequest) =>
    callUnary(svc, 'resolveRecipients', customerv1.ResolveRecipientsRequest.fromPartial({
      notificationType, audiences: audiences.map((a) => commonv1.Audience.fromPartial(a)), channels, ...(page ? { page } : {}),
    }));
  const staff = async (name: string, role: commonv1.Role, active = true) => {
    const s = (await callUnary(admin, 'createStaff', { name, phone: freshPhone(), role, workZones: [] })).staff!;
    if (!active) await callUnary(admin, 'updateStaff', { staff: { ...s, active: false }, updateMask: ['active'] });
    return s;
  };
  let chatSeq = 0;
  const group = async (name: string) =>
    (await callUnary(admin, 'createGroup', {
      name, chatId: `1203630000000${String(++chatSeq).padStart(5, '0')}@g.us`, category: customerv1.GroupCategory.GROUP_CATEGORY_TECHNICIANS, workZone: '', notificationTypes: [],
    })).group!;

  it('GROUP reaches exactly that group\'s chat id on WhatsApp; an unknown id is left out as NOT_FOUND', async () => {
    const a = await group('Teknisi Karawang');
    const b = await group('Teknisi Bekasi');
    const res = await resolve(NT.NOTIFICATION_TYPE_EMERGENCY_ALERT, [{ kind: AK.AUDIENCE_KIND_GROUP, groupId: b.id }], [CH.CHANNEL_SMS, CH.CHANNEL_WHATSAPP]);
    expect(res.recipients).toEqual([expect.objectContaining({
      kind: commonv1.RecipientKind.RECIPIENT_KIND_GROUP, id: b.id, address: b.chatId, channel: CH.CHANNEL_WHATSAPP,
      audience: AK.AUDIENCE_KIND_GROUP, templateKey: 'emergency.alert',
    })]);
    expect(res.recipients.some((r) => r.id === a.id)).toBe(false);
    const noSuchGroup = '00000000-0000-4000-8000-00000000dead';
    const unknown = await resolve(NT.NOTIFICATION_TYPE_EMERGENCY_ALERT, [{ kind: AK.AUDIENCE_KIND_GROUP, groupId: noSuchGroup }]);
    expect(unknown.recipients).toEqual([]);
    expect(unknown.leftOut).toEqual([expect.objectContaining({ id: noSuchGroup, reason: R.LEFT_OUT_REASON_NOT_FOUND, audience: AK.AUDIENCE_KIND_GROUP })]);
  });

  it('a group asked for on SMS only is left out as CHANNEL_UNSUPPORTED naming SMS, never sent on WhatsApp (QA); with WhatsApp among the channels it gets WhatsApp', async () => {
    const g = await group('Teknisi SMS');
    const tech = await staff('Dedi Teknisi', ROLE.ROLE_TECHNICIAN);
    for (const kind of [AK.AUDIENCE_KIND_GROUP, AK.AUDIENCE_KIND_ALL_GROUPS]) {
      const res = await resolve(NT.NOTIFICATION_TYPE_EMERGENCY_ALERT, [
        { kind, groupId: kind === AK.AUDIENCE_KIND_GROUP ? g.id : '' },
        { kind: AK.AUDIENCE_KIND_STAFF_ROLES, roles: [ROLE.ROLE_TECHNICIAN] },
      ], [CH.CHANNEL_SMS]);
      expect(res.recipients.some((r) => r.kind === commonv1.RecipientKind.RECIPIENT_KIND_GROUP)).toBe(false);
      expect(res.recipients.some((r) => r.channel === CH.CHANNEL_WHATSAPP)).toBe(false);
      expect(res.leftOut.find((l) => l.id === g.id)).toMatchObject({
        kind: commonv1.RecipientKind.RECIPIENT_KIND_GROUP, reason: R.LEFT_OUT_REASON_CHANNEL_UNSUPPORTED, channel: CH.CHANNEL_SMS, audience: kind,
      });
      // The people of the same request still get their SMS.
      expect(res.recipients.find((r) => r.id === tech.id)).toMatchObject({ channel: CH.CHANNEL_SMS, address: tech.phone });
    }
    const both = await resolve(NT.NOTIFICATION_TYPE_EMERGENCY_ALERT, [{ kind: AK.AUDIENCE_KIND_GROUP, groupId: g.id }], [CH.CHANNEL_SMS, CH.CHANNEL_WHATSAPP]);
    expect(both.recipients.map((r) => [r.id, r.channel])).toEqual([[g.id, CH.CHANNEL_WHATSAPP]]);
    expect(both.leftOut).toEqual([]);
  });

  it('STAFF_ROLES [SUPERVISOR, MANAGER] reaches exactly the active supervisors and managers, with their role; opt-outs and inactive left out', async () => {
    const sup = await staff('Sari Supervisor', ROLE.ROLE_SUPERVISOR);
    const mgr = await staff('Hendra Manager', ROLE.ROLE_MANAGER);
    const optedOut = await staff('Oki Supervisor', ROLE.ROLE_SUPERVISOR);
    const inactive = await staff('Wati Manager', ROLE.ROLE_MANAGER, false);
    const tech = await staff('Budi Teknisi', ROLE.ROLE_TECHNICIAN);
    const noc = await staff('Nina NOC', ROLE.ROLE_NOC);
    await callUnary(svc, 'optOut', { phone: optedOut.phone, channel: CH.CHANNEL_WHATSAPP, reason: 'STOP' });
    const res = await resolve(NT.NOTIFICATION_TYPE_EMERGENCY_ALERT, [{ kind: AK.AUDIENCE_KIND_STAFF_ROLES, roles: [ROLE.ROLE_SUPERVISOR, ROLE.ROLE_MANAGER] }]);
    expect(res.recipients.map((r) => [r.id, r.role, r.address]).sort()).toEqual([[sup.id, ROLE.ROLE_SUPERVISOR, sup.phone], [mgr.id, ROLE.ROLE_MANAGER, mgr.phone]].sort());
    const reasons = new Map(res.leftOut.map((l) => [l.id, l.reason]));
    expect(reasons.get(optedOut.id)).toBe(R.LEFT_OUT_REASON_OPTED_OUT);
    expect(reasons.get(inactive.id)).toBe(R.LEFT_OUT_REASON_INACTIVE);
    for (const other of [tech, noc]) {
      expect(res.recipients.some((r) => r.id === other.id)).toBe(false);
      expect(reasons.has(other.id)).toBe(false);
    }
  });

  it('AREA_CUSTOMERS with work_zone: the area\'s ACTIVE customers, preferences applied, paged with the same token scheme', async () => {
    const area = `area-${Date.now().toString(36)}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { customer } = await callUnary(admin, 'registerCustomer', customerv1.RegisterCustomerRequest.fromPartial({
        name: `Warga ${i}`, phone: freshPhone(), address: 'Jl. Mawar 1', workZone: area, packageName: 'Home 50 Mbps',
      }));
      if (i !== 4) await callUnary(admin, 'activateCustomer', { customerId: customer!.id, actor: undefined }); // Warga 4 stays PENDING
      ids.push(customer!.id);
    }
    // Warga 1 wants SMS only: on [WHATSAPP, SMS] she gets the SMS; on the default [WHATSAPP] she is left out.
    await callUnary(admin, 'updatePreferences', {
      preferences: customerv1.Preferences.fromPartial({ recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER, recipientId: ids[1]!, channels: [CH.CHANNEL_SMS] }),
      updateMask: ['channels'],
    });
    const audience = { kind: AK.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: area };
    const both = await resolve(NT.NOTIFICATION_TYPE_MAINTENANCE, [audience], [CH.CHANNEL_WHATSAPP, CH.CHANNEL_SMS]);
    expect(both.recipients.map((r) => [r.id, r.channel, r.templateKey]).sort()).toEqual(
      [[ids[0], CH.CHANNEL_WHATSAPP], [ids[1], CH.CHANNEL_SMS], [ids[2], CH.CHANNEL_WHATSAPP], [ids[3], CH.CHANNEL_WHATSAPP]].map((x) => [...x, 'maintenance.notice']).sort(),
    );
    const whatsapp = await resolve(NT.NOTIFICATION_TYPE_MAINTENANCE, [audience]);
    expect(whatsapp.recipients.map((r) => r.id).sort()).toEqual([ids[0], ids[2], ids[3]].sort());
    expect(whatsapp.leftOut.map((l) => [l.id, l.reason])).toEqual([[ids[1], R.LEFT_OUT_REASON_CHANNEL_DISABLED]]);

    const walked: string[] = [];
    let token = '';
    for (let i = 0; i < 20; i++) {
      const page = await resolve(NT.NOTIFICATION_TYPE_MAINTENANCE, [audience], [], { pageSize: 1, pageToken: token });
      expect(page.recipients.length + page.leftOut.length).toBeLessThanOrEqual(1);
      walked.push(...page.recipients.map((r) => r.id), ...page.leftOut.map((l) => l.id));
      token = page.nextPageToken;
      if (!token) break;
    }
    expect(walked.sort()).toEqual([...whatsapp.recipients.map((r) => r.id), ...whatsapp.leftOut.map((l) => l.id)].sort());
  });

  it('an audience without its parameter, or with a bad kind / role, is INVALID_ARGUMENT naming the field', async () => {
    const cases: [Partial<commonv1.Audience>, string][] = [
      [{ kind: AK.AUDIENCE_KIND_AREA_CUSTOMERS }, 'audiences[0].work_zone'],
      [{ kind: AK.AUDIENCE_KIND_GROUP }, 'audiences[0].group_id'],
      [{ kind: AK.AUDIENCE_KIND_GROUP, groupId: 'x' }, 'audiences[0].group_id: must be a UUID'],
      [{ kind: AK.AUDIENCE_KIND_CUSTOMER, customerId: 'abc' }, 'audiences[0].customer_id: must be a UUID'],
      [{ kind: AK.AUDIENCE_KIND_STAFF_ROLES }, 'audiences[0].roles'],
      [{ kind: AK.AUDIENCE_KIND_STAFF_ROLES, roles: [ROLE.ROLE_SERVICE] }, 'audiences[0].roles'],
      [{ kind: AK.AUDIENCE_KIND_UNSPECIFIED }, 'audiences[0].kind'],
    ];
    for (const [audience, field] of cases) {
      const err = await resolve(NT.NOTIFICATION_TYPE_MAINTENANCE, [audience]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).message).toContain(field);
    }
    // A stored routing rule cannot name GROUP (it has no group id).
    const rule = await callUnary(admin, 'upsertRoutingRule', {
      rule: customerv1.RoutingRule.fromPartial({ notificationType: NT.NOTIFICATION_TYPE_EMERGENCY_ALERT, audience: AK.AUDIENCE_KIND_GROUP, channels: [CH.CHANNEL_WHATSAPP], enabled: true }),
    }).catch((e: unknown) => e);
    expect(rule).toBeInstanceOf(ValidationError);
  });
});
