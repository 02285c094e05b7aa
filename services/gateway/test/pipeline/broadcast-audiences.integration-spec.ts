// Broadcast and Notify with explicit audiences, end to end: the gateway passes the audiences to
// the customer service's ResolveRecipients as they are (one WhatsApp group, staff roles, an area
// plus a group), the messages reach the Fonnte simulator over real HTTP, and bad audiences (a
// work zone the customer service cannot read too) are INVALID_ARGUMENT before anything is stored,
// as are a template key the template service does not have and variables its template needs that
// the caller did not give (the corrected retry keeps the key, also after a FAILED Broadcast). A Broadcast whose text cannot be rendered for some recipients is not silently partial:
// its notification carries the render error. Real Postgres, NATS, services and simulators.
import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '@notify/errors';
import { callUnary } from '@notify/grpc-kit';
import { commonv1, customerv1, gatewayv1 } from '@notify/proto';
import { waitFor } from '@notify/testing';
import { startStack, type Stack } from '../support/gateway-stack';

jest.setTimeout(60_000);

const NT = commonv1.NotificationType;
const AK = commonv1.AudienceKind;
const ROLE = commonv1.Role;
let seq = Math.floor(Math.random() * 1_000_000);
const freshPhone = () => {
  const n = String(10_000_000 + (++seq % 89_999_999)).padStart(8, '0');
  return { local: `0816${n}`, e164: `62816${n}` };
};
const freshChat = () => `120363${String(Date.now()).slice(-8)}${String(++seq).padStart(6, '0')}@g.us`;
const ALERT = { alert_type: 'Gangguan massal', area: 'Karawang', customers_affected: 120, status: 'Investigasi', eta: '2 jam' };

describe('gateway: Broadcast / Notify to explicit audiences (groups, staff roles, areas)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('gw_aud', { RECIPIENT_RATE_LIMIT: '0', RESOLVE_PAGE_SIZE: '2' });
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  const group = async (name: string) =>
    (await callUnary(stack.customerClient, 'createGroup', customerv1.CreateGroupRequest.fromPartial({
      name: `${name} ${randomUUID().slice(0, 6)}`, chatId: freshChat(), category: customerv1.GroupCategory.GROUP_CATEGORY_TECHNICIANS,
    }))).group!;
  const staff = async (name: string, role: commonv1.Role, active = true) => {
    const s = (await callUnary(stack.customerClient, 'createStaff', customerv1.CreateStaffRequest.fromPartial({ name, phone: freshPhone().local, role }))).staff!;
    if (!active) await callUnary(stack.customerClient, 'updateStaff', customerv1.UpdateStaffRequest.fromPartial({ staff: { ...s, active: false }, updateMask: ['active'] }));
    return s;
  };
  const broadcast = (audiences: Partial<commonv1.Audience>[], extra: Partial<gatewayv1.BroadcastRequest> = {}) =>
    callUnary(stack.gatewayClient, 'broadcast', gatewayv1.BroadcastRequest.fromPartial({
      idempotencyKey: `aud:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_EMERGENCY_ALERT, priority: commonv1.Priority.PRIORITY_URGENT,
      audiences: audiences.map((a) => commonv1.Audience.fromPartial(a)), variables: ALERT, ...extra,
    }));
  const resolved = (id: string) =>
    waitFor(async () => {
      const n = await stack.gateway.store.notification(id);
      return n && n.status !== 'RESOLVING' ? n : null;
    }, { timeoutMs: 20_000 });
  /** Waits until every delivery of the notification was accepted by a provider; returns them. */
  const sentDeliveries = (id: string) =>
    waitFor(async () => {
      const all = await stack.gateway.store.deliveriesOf(id);
      return all.length > 0 && all.every((d) => d.sentAt) ? all : null;
    }, { timeoutMs: 20_000 });
  const fonnteTo = (to: string, text: string) => stack.sims.fonnte.messages().filter((m) => m.to === to && m.text.includes(text));

  it('a Broadcast to one group reaches that group\'s chat id at Fonnte, and no other group', async () => {
    const mine = await group('Teknisi Karawang');
    const other = await group('Teknisi Bekasi');
    const marker = `Banjir ${randomUUID().slice(0, 8)}`;
    const res = await broadcast([{ kind: AK.AUDIENCE_KIND_GROUP, groupId: mine.id }], { variables: { ...ALERT, alert_type: marker } });
    const n = await resolved(res.notification!.id);
    expect(n).toMatchObject({ status: 'RESOLVED', deliveriesCreated: 1, templateKey: 'emergency.alert', error: null });
    const [d] = await sentDeliveries(n.id);
    expect(d).toMatchObject({ recipient: mine.chatId, recipientKind: 'GROUP', recipientId: mine.id, channel: 'WHATSAPP', provider: 'fonnte' });
    expect(fonnteTo(mine.chatId, marker)).toHaveLength(1);
    expect(stack.sims.fonnte.messages().filter((m) => m.text.includes(marker)).map((m) => m.to)).toEqual([mine.chatId]);
    expect(fonnteTo(other.chatId, marker)).toHaveLength(0);
  });

  it('a system alert (SYSTEM_ALERT) broadcast to the NOC group reaches its chat with the system.alert text (seed: "System Alert → WhatsApp Group (to NOC group)")', async () => {
    const noc = (await callUnary(stack.customerClient, 'createGroup', customerv1.CreateGroupRequest.fromPartial({
      name: `NOC Team ${randomUUID().slice(0, 6)}`, chatId: freshChat(), category: customerv1.GroupCategory.GROUP_CATEGORY_NOC,
    }))).group!;
    const marker = `Fonnte ${randomUUID().slice(0, 8)}`;
    const res = await broadcast([{ kind: AK.AUDIENCE_KIND_NOC_GROUP }], {
      notificationType: NT.NOTIFICATION_TYPE_SYSTEM_ALERT, priority: commonv1.Priority.PRIORITY_HIGH,
      variables: { alert_type: `Provider WhatsApp tidak tersedia (${marker})`, message: 'Pesan dialihkan ke Wablas.', occurred_at: '2026-11-22T14:05:00+07:00' },
    });
    const n = await resolved(res.notification!.id);
    expect(n).toMatchObject({ status: 'RESOLVED', templateKey: 'system.alert', error: null });
    await sentDeliveries(n.id);
    expect(fonnteTo(noc.chatId, marker).map((m) => m.text)).toEqual([
      `🚨 *SYSTEM ALERT*\n\n⚠️ Provider WhatsApp tidak tersedia (${marker})\n📝 Pesan dialihkan ke Wablas.\n⏰ Sejak: 22 November 2026 14:05 WIB\n\nMohon segera ditindaklanjuti oleh tim NOC.`,
    ]);
  });

  it('a Broadcast to STAFF_ROLES [SUPERVISOR, MANAGER] reaches exactly the active supervisors and managers', async () => {
    const sup = await staff('Sari Supervisor', ROLE.ROLE_SUPERVISOR);
    const mgr = await staff('Hendra Manager', ROLE.ROLE_MANAGER);
    const inactive = await staff('Wati Manager', ROLE.ROLE_MANAGER, false);
    const tech = await staff('Budi Teknisi', ROLE.ROLE_TECHNICIAN);
    const noc = await staff('Nina NOC', ROLE.ROLE_NOC);
    const marker = `Listrik padam ${randomUUID().slice(0, 8)}`;
    const res = await broadcast([{ kind: AK.AUDIENCE_KIND_STAFF_ROLES, roles: [ROLE.ROLE_SUPERVISOR, ROLE.ROLE_MANAGER] }], { variables: { ...ALERT, alert_type: marker } });
    const n = await resolved(res.notification!.id);
    expect(n.status).toBe('RESOLVED');
    const rows = await sentDeliveries(n.id);
    expect(rows.map((d) => d.recipient).sort()).toEqual([sup.phone, mgr.phone].sort());
    expect(rows.every((d) => d.recipientKind === 'STAFF')).toBe(true);
    const reached = stack.sims.fonnte.messages().filter((m) => m.text.includes(marker)).map((m) => m.to).sort();
    expect(reached).toEqual([sup.phone, mgr.phone].sort());
    for (const s of [inactive, tech, noc]) expect(fonnteTo(s.phone, marker)).toHaveLength(0);
  });

  it('a Broadcast to an area (twice) plus a group, on [WHATSAPP, SMS]: the area\'s active customers and the group, each once', async () => {
    const zone = `aud${Math.floor(Math.random() * 1e6)}`;
    const people: string[] = [];
    for (let i = 0; i < 3; i++) {
      const phone = freshPhone();
      const c = (await callUnary(stack.customerClient, 'registerCustomer', customerv1.RegisterCustomerRequest.fromPartial({
        name: `Warga ${i}`, phone: phone.local, address: 'Jl. Melati 3', workZone: zone, packageName: 'Home 30 Mbps',
      }))).customer!;
      await callUnary(stack.customerClient, 'activateCustomer', customerv1.ActivateCustomerRequest.fromPartial({ customerId: c.id }));
      people.push(phone.e164);
    }
    const outsider = freshPhone();
    const o = (await callUnary(stack.customerClient, 'registerCustomer', customerv1.RegisterCustomerRequest.fromPartial({
      name: 'Orang Luar', phone: outsider.local, address: 'Jl. Melati 4', workZone: `${zone}x`, packageName: 'Home 30 Mbps',
    }))).customer!;
    await callUnary(stack.customerClient, 'activateCustomer', customerv1.ActivateCustomerRequest.fromPartial({ customerId: o.id }));
    const g = await group('Supervisor Team');
    const reason = `Penggantian OLT ${randomUUID().slice(0, 8)}`;
    const res = await broadcast(
      [{ kind: AK.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: zone }, { kind: AK.AUDIENCE_KIND_GROUP, groupId: g.id }, { kind: AK.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: zone }],
      // emergency.alert: maintenance.notice needs customer_name, which a group has not (it would be left out).
      { channels: [commonv1.Channel.CHANNEL_WHATSAPP, commonv1.Channel.CHANNEL_SMS], variables: { ...ALERT, area: zone, alert_type: reason } },
    );
    const n = await resolved(res.notification!.id);
    expect(n).toMatchObject({ status: 'RESOLVED', deliveriesCreated: 4, templateKey: 'emergency.alert' });
    const rows = await sentDeliveries(n.id);
    expect(rows.map((d) => d.recipient).sort()).toEqual([...people, g.chatId].sort());
    for (const to of [...people, g.chatId]) await waitFor(() => fonnteTo(to, reason).length === 1, { timeoutMs: 20_000 });
    expect(fonnteTo(outsider.e164, reason)).toHaveLength(0);
  });

  it('a Broadcast with an unknown template key is INVALID_ARGUMENT naming template_key at once: nothing stored, nothing sent', async () => {
    await staff('Sari Supervisor', ROLE.ROLE_SUPERVISOR);
    const key = `aud:${randomUUID()}`;
    const err = await broadcast([{ kind: AK.AUDIENCE_KIND_STAFF_ROLES, roles: [ROLE.ROLE_SUPERVISOR] }], { idempotencyKey: key, templateKey: 'no.such.template' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(/^template_key: .*no\.such\.template/);
    expect(await stack.gateway.store.notificationByKey(key)).toBeNull();
  });

  it('a Broadcast some of whose recipients cannot be rendered is RESOLVED for the others, with the reason in error', async () => {
    const zone = `audr${Math.floor(Math.random() * 1e6)}`;
    const phone = freshPhone();
    const c = (await callUnary(stack.customerClient, 'registerCustomer', customerv1.RegisterCustomerRequest.fromPartial({
      name: 'Warga Render', phone: phone.local, address: 'Jl. Melati 5', workZone: zone, packageName: 'Home 30 Mbps',
    }))).customer!;
    await callUnary(stack.customerClient, 'activateCustomer', customerv1.ActivateCustomerRequest.fromPartial({ customerId: c.id }));
    await staff('Rina Supervisor', ROLE.ROLE_SUPERVISOR);
    const reason = `Penggantian ODP ${randomUUID().slice(0, 8)}`;
    // maintenance.notice needs customer_name: the customer has it, a staff member has not (left out).
    const res = await broadcast(
      [{ kind: AK.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: zone }, { kind: AK.AUDIENCE_KIND_STAFF_ROLES, roles: [ROLE.ROLE_SUPERVISOR] }],
      {
        templateKey: 'maintenance.notice', priority: commonv1.Priority.PRIORITY_NORMAL,
        variables: { maintenance_type: 'Pemeliharaan', area: zone, start_at: '2026-11-23T01:00:00+07:00', duration_minutes: 60, impact: 'Internet mati', reason },
      },
    );
    const n = await resolved(res.notification!.id);
    expect(n).toMatchObject({ status: 'RESOLVED', deliveriesCreated: 1 });
    expect(n.leftOut).toBeGreaterThanOrEqual(1);
    expect(n.error).toContain('customer_name');
    const viaRpc = (await callUnary(stack.gatewayClient, 'getNotification', { notificationId: n.id, idempotencyKey: '' })).notification!;
    expect(viaRpc).toMatchObject({ status: gatewayv1.NotificationStatus.NOTIFICATION_STATUS_RESOLVED, error: n.error });
    await waitFor(() => fonnteTo(phone.e164, reason).length === 1, { timeoutMs: 20_000 });
  });

  it('an invalid audience is INVALID_ARGUMENT naming the field, and nothing is stored under the key', async () => {
    const cases: [Partial<commonv1.Audience>, string][] = [
      [{ kind: AK.AUDIENCE_KIND_GROUP }, 'audiences[0].group_id'],
      [{ kind: AK.AUDIENCE_KIND_GROUP, groupId: 'x' }, 'audiences[0].group_id: must be a UUID'],
      [{ kind: AK.AUDIENCE_KIND_STAFF_ROLES }, 'audiences[0].roles'],
      [{ kind: AK.AUDIENCE_KIND_STAFF_ROLES, roles: [ROLE.ROLE_SERVICE] }, 'audiences[0].roles'],
      [{ kind: AK.AUDIENCE_KIND_AREA_CUSTOMERS }, 'audiences[0].work_zone'],
      // A zone the customer service would refuse (QA: accepted, then FAILED in the background).
      [{ kind: AK.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: 'at lan/tis' }, 'audiences[0].work_zone: "at lan/tis" is not a work zone key'],
      [{ kind: AK.AUDIENCE_KIND_SUPERVISORS, workZone: '-karawang' }, 'audiences[0].work_zone: "-karawang" is not a work zone key'],
      [{ kind: AK.AUDIENCE_KIND_UNSPECIFIED }, 'audiences[0].kind'],
    ];
    for (const [audience, field] of cases) {
      const key = `bad:${randomUUID()}`;
      const err = await broadcast([audience], { idempotencyKey: key }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).message).toContain(field);
      // Nothing was stored: the same key with a valid audience is a new notification.
      const ok = await broadcast([{ kind: AK.AUDIENCE_KIND_STAFF_ROLES, roles: [ROLE.ROLE_ADMIN] }], { idempotencyKey: key });
      expect(ok.duplicate).toBe(false);
    }
    // Notify's audience is checked the same way.
    const notifyErr = await callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
      idempotencyKey: `bad:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_EMERGENCY_ALERT, variables: ALERT,
      target: { $case: 'audience', value: commonv1.Audience.fromPartial({ kind: AK.AUDIENCE_KIND_GROUP }) },
    })).catch((e: unknown) => e);
    expect(notifyErr).toBeInstanceOf(ValidationError);
    expect((notifyErr as ValidationError).message).toContain('group_id');
    for (const [extra, field] of [
      [{ target: { $case: 'audience', value: commonv1.Audience.fromPartial({ kind: AK.AUDIENCE_KIND_ZONE_TECHNICIANS, workZone: 'a b/c' }) } }, 'audience.work_zone'],
      [{ target: { $case: 'audience', value: commonv1.Audience.fromPartial({ kind: AK.AUDIENCE_KIND_ZONE_TECHNICIANS }) }, workZone: 'a b/c' }, 'work_zone'],
    ] as const) {
      const zoneErr = await callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
        idempotencyKey: `bad:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_EMERGENCY_ALERT, variables: ALERT, ...extra,
      })).catch((e: unknown) => e);
      expect(zoneErr).toBeInstanceOf(ValidationError);
      expect((zoneErr as ValidationError).message).toBe(`${field}: "a b/c" is not a work zone key (letters, digits, - and _)`);
    }
  });

  describe('a Broadcast\'s variables are checked against its template before it is accepted (as ScheduleCampaign does)', () => {
    const MAINTENANCE = { maintenance_type: 'Pemeliharaan', start_at: '2026-11-23T01:00:00+07:00', duration_minutes: 60, impact: 'Internet mati' };
    const areaCustomer = async (zone: string) => {
      const phone = freshPhone();
      const c = (await callUnary(stack.customerClient, 'registerCustomer', customerv1.RegisterCustomerRequest.fromPartial({
        name: 'Warga Variabel', phone: phone.local, address: 'Jl. Melati 6', workZone: zone, packageName: 'Home 30 Mbps',
      }))).customer!;
      await callUnary(stack.customerClient, 'activateCustomer', customerv1.ActivateCustomerRequest.fromPartial({ customerId: c.id }));
      return phone;
    };
    const maintenance = (zone: string, key: string, variables: Record<string, unknown>) =>
      broadcast([{ kind: AK.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: zone }], {
        idempotencyKey: key, notificationType: NT.NOTIFICATION_TYPE_MAINTENANCE, priority: commonv1.Priority.PRIORITY_NORMAL, variables,
      });

    it('missing variables → INVALID_ARGUMENT naming every one (not customer_name, filled in per customer), nothing stored; the corrected retry with the same key is sent (QA: OK, then FAILED and the key burnt)', async () => {
      const zone = `audv${Math.floor(Math.random() * 1e6)}`;
      const phone = await areaCustomer(zone);
      const key = `b5:${randomUUID()}`;
      const err = await maintenance(zone, key, { area: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).message).toBe(
        'variables: missing variables: maintenance_type, start_at, duration_minutes, impact, reason (template maintenance.notice, WHATSAPP/ID)',
      );
      expect(await stack.gateway.store.notificationByKey(key)).toBeNull();
      const reason = `Penggantian ODP ${randomUUID().slice(0, 8)}`;
      const ok = await maintenance(zone, key, { ...MAINTENANCE, area: zone, reason });
      expect(ok).toMatchObject({ duplicate: false, notification: { status: gatewayv1.NotificationStatus.NOTIFICATION_STATUS_RESOLVING } });
      const n = await resolved(ok.notification!.id);
      expect(n).toMatchObject({ status: 'RESOLVED', deliveriesCreated: 1, error: null });
      await waitFor(() => fonnteTo(phone.e164, reason).length === 1, { timeoutMs: 20_000 });
      expect(fonnteTo(phone.e164, reason)[0]!.text).toContain('Warga Variabel');
    });

    it('a template that needs customer_name, to staff only: nobody could be sent it → INVALID_ARGUMENT, nothing stored (staff with customers: the customers get it, see "some of whose recipients cannot be rendered")', async () => {
      await staff('Sinta Supervisor', ROLE.ROLE_SUPERVISOR);
      const key = `aud:${randomUUID()}`;
      const err = await broadcast([{ kind: AK.AUDIENCE_KIND_STAFF_ROLES, roles: [ROLE.ROLE_SUPERVISOR] }], {
        idempotencyKey: key, notificationType: NT.NOTIFICATION_TYPE_MAINTENANCE, priority: commonv1.Priority.PRIORITY_NORMAL, variables: { ...MAINTENANCE, area: 'Karawang', reason: 'ODP' },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).message).toMatch(/^variables: missing customer_name \(template maintenance\.notice\): filled in per recipient only for customer audiences/);
      expect(await stack.gateway.store.notificationByKey(key)).toBeNull();
    });

    it('a Broadcast that FAILED without any delivery (accepted before its variables were checked) gives its key to the corrected retry, which is sent', async () => {
      const zone = `audf${Math.floor(Math.random() * 1e6)}`;
      const phone = await areaCustomer(zone);
      const key = `b5:${randomUUID()}`;
      // As the QA's Broadcast was left: FAILED with the render error, no delivery, another request's fingerprint.
      const store = stack.gateway.store;
      const { notification: failed } = await store.createNotification({
        source: 'BROADCAST', idempotencyKey: key, notificationType: 'MAINTENANCE', priority: 'NORMAL', templateKey: 'maintenance.notice', ticketId: null,
        actor: null, variables: { area: 'x' }, request: null, fingerprint: 'f'.repeat(64),
      }, new Date());
      await store.finishNotification(failed.id, 'FAILED', new Date(), 'variables: missing variables: maintenance_type, start_at, duration_minutes, impact, reason');
      const reason = `Perbaikan tiang ${randomUUID().slice(0, 8)}`;
      const ok = await maintenance(zone, key, { ...MAINTENANCE, area: zone, reason });
      expect(ok).toMatchObject({ duplicate: false, notification: { id: failed.id, status: gatewayv1.NotificationStatus.NOTIFICATION_STATUS_RESOLVING, error: '' } });
      const n = await resolved(failed.id);
      expect(n).toMatchObject({ status: 'RESOLVED', deliveriesCreated: 1, error: null, variables: { ...MAINTENANCE, area: zone, reason } });
      await waitFor(() => fonnteTo(phone.e164, reason).length === 1, { timeoutMs: 20_000 });
      // The same corrected request again is its duplicate; yet another request is refused.
      expect(await maintenance(zone, key, { ...MAINTENANCE, area: zone, reason })).toMatchObject({ duplicate: true, notification: { id: failed.id } });
      await expect(maintenance(zone, key, { ...MAINTENANCE, area: zone, reason: 'lain' })).rejects.toThrow(/was already used for a different request/);
    });
  });

  it('Notify to a group id delivers to that group\'s chat id; an unknown group id is NOT_FOUND', async () => {
    const g = await group('NOC Team');
    const marker = `Fiber putus ${randomUUID().slice(0, 8)}`;
    const res = await callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
      idempotencyKey: `grp:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_EMERGENCY_ALERT, priority: commonv1.Priority.PRIORITY_URGENT,
      target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'groupId', value: g.id } }] } },
      variables: { ...ALERT, alert_type: marker },
    }));
    expect(res.deliveries).toHaveLength(1);
    expect(res.deliveries[0]).toMatchObject({ recipient: g.chatId, recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_GROUP });
    await waitFor(() => fonnteTo(g.chatId, marker).length === 1, { timeoutMs: 20_000 });
    const missing = await callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
      idempotencyKey: `grp:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_EMERGENCY_ALERT,
      target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'groupId', value: randomUUID() } }] } },
      variables: ALERT,
    })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).message).toMatch(/group .* not found/);
  });
});
