// More of the pipeline end to end: WhatsApp → SMS fallback for urgent/high priorities, the
// ambiguous-timeout policy, Broadcast streaming an area, delivery events (outbox → JetStream) and
// WatchDeliveries, /metrics, ListDeliveries paging, and the technician "press 1" reply flow wired
// through the inbound webhook. Real Postgres, NATS, services and simulators.
import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { listDeadLetters } from '@notify/db';
import { PermissionDeniedError } from '@notify/errors';
import { decodeEventAs, encodeEvent, eventConsumer, eventSubject } from '@notify/events';
import { callUnary, createClient } from '@notify/grpc-kit';
import { connectJetStreamBus, type ConsumerHandle, type EventBus } from '@notify/messaging';
import { commonv1, customerv1, gatewayv1, schedulerv1, templatev1, ticketv1 } from '@notify/proto';
import { waitFor } from '@notify/testing';
import type { DeliveryRecord } from '../../src/domain';
import { ADMIN_KEY, NOC_KEY, startStack, TECH_KEY, WEBHOOK_SECRET, type Stack } from '../support/gateway-stack';

jest.setTimeout(60_000);

const NT = commonv1.NotificationType;
let phoneSeq = Math.floor(Math.random() * 1_000_000);
function freshPhone(): { local: string; e164: string } {
  const n = String(10_000_000 + (++phoneSeq % 89_999_999)).padStart(8, '0');
  return { local: `0815${n}`, e164: `62815${n}` };
}

describe('gateway pipeline features', () => {
  let stack: Stack;
  let observerBus: EventBus;
  let observer: ConsumerHandle;
  let publisher: EventBus;
  const deliveryEvents: Array<{ subject: string; id: string; status: gatewayv1.DeliveryStatus; eventId: string }> = [];

  beforeAll(async () => {
    stack = await startStack('gw_feat', {
      DELIVERY_MAX_ATTEMPTS: '30',
      RECIPIENT_RATE_LIMIT: '0',
      BREAKER_VOLUME_THRESHOLD: '50',
      PROVIDER_TIMEOUT_MS: '800',
      RESOLVE_PAGE_SIZE: '2',
      HOUSEKEEPING_INTERVAL_MS: '300ms',
      // Receipt reconciliation of Advanta only (its simulator posts no DLR here unless told): quick, for the wiring test.
      RECEIPT_CHECK_PROVIDERS: 'advanta',
      RECEIPT_CHECK_AFTER_MS: '1s',
      RECEIPT_CHECK_INTERVAL_MS: '200ms',
    });
    observerBus = await connectJetStreamBus({ url: stack.nats.url, name: 'gw-feat-observer' });
    publisher = await connectJetStreamBus({ url: stack.nats.url, name: 'gw-feat-publisher' });
    observer = await observerBus.consume(eventConsumer('gw_feat_it', 'delivery', { ns: stack.nats.namespace }), async (evt) => {
      const name = evt.subject.split('.').pop() as 'queued';
      const p = decodeEventAs(`delivery.${name}`, evt.subject, evt.data);
      deliveryEvents.push({ subject: name, id: p.delivery!.id, status: p.delivery!.status, eventId: p.eventId });
    });
  }, 60_000);

  afterAll(async () => {
    await observer?.stop();
    await observerBus?.close();
    await publisher?.close();
    await stack?.stop();
  }, 60_000);

  afterEach(async () => {
    await stack.sims.clearFaults();
  });

  const register = async (workZone: string, name: string, activate = false) => {
    const phone = freshPhone();
    const res = await callUnary(stack.customerClient, 'registerCustomer', customerv1.RegisterCustomerRequest.fromPartial({
      name, phone: phone.local, address: 'Jl. Kenanga 7', workZone, packageName: 'Home 30 Mbps', wantsInstallation: false,
    }));
    if (activate) await callUnary(stack.customerClient, 'activateCustomer', customerv1.ActivateCustomerRequest.fromPartial({ customerId: res.customer!.id }));
    return { customer: res.customer!, phone: phone.e164 };
  };
  const waitStatus = async (id: string, statuses: string[], timeoutMs = 15_000): Promise<DeliveryRecord> =>
    waitFor(async () => {
      const d = await stack.gateway.store.delivery(id);
      return d && statuses.includes(d.status) ? d : null;
    }, { timeoutMs, intervalMs: 50 });
  const deliveryFor = async (ticketId: string, phone: string): Promise<DeliveryRecord> =>
    waitFor(async () => (await stack.gateway.store.list({ ticketId, recipient: phone }, 10))[0] ?? null, { timeoutMs: 20_000 });
  /**
   * Runs a manual dispatcher until `probe` gives a value: a delivery its event creates a moment
   * after the first runs (a loaded machine) is sent too, which a fixed number of runs missed.
   */
  const dispatchUntil = <T>(gw: { dispatcher: { runOnce(): Promise<unknown> } }, probe: () => T | undefined | null | false, timeoutMs = 20_000): Promise<T> =>
    waitFor(async () => {
      await gw.dispatcher.runOnce();
      return probe();
    }, { timeoutMs, intervalMs: 100 }) as Promise<T>;
  const createTicket = (customerId: string, workZone: string, priority: commonv1.Priority, description: string) =>
    callUnary(stack.ticketClient, 'createTicket', ticketv1.CreateTicketRequest.fromPartial({
      type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE, customerId, description, address: 'Jl. Kenanga 7', workZone, priority,
    })).then((r) => r.ticket!);

  /** A technician of `zone` (staff of role technician) with the phone given. */
  const technician = async (name: string, phone: { local: string }, zone: string) =>
    (await callUnary(stack.customerClient, 'createStaff', customerv1.CreateStaffRequest.fromPartial({ name, phone: phone.local, role: commonv1.Role.ROLE_TECHNICIAN, workZones: [zone] }))).staff!;
  /** Staff member `id` takes WhatsApp only, with 22:00–06:00 WIB quiet hours. */
  const nightQuietHours = (id: string) =>
    callUnary(stack.customerClient, 'updatePreferences', customerv1.UpdatePreferencesRequest.fromPartial({
      preferences: {
        recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_STAFF, recipientId: id, channels: [commonv1.Channel.CHANNEL_WHATSAPP],
        quietHours: { startMinute: 22 * 60, endMinute: 6 * 60, timeZone: 'Asia/Jakarta' }, locale: commonv1.Locale.LOCALE_ID,
      },
    }));

  it('WhatsApp down for a HIGH ticket → the customer gets the SMS text through Twilio (fallback), once', async () => {
    const { customer, phone } = await register('bogor', 'Agus Salim');
    await stack.sims.fonnte.setFault({ mode: 'down' });
    await stack.sims.wablas.setFault({ mode: 'down' });
    await new Promise((r) => setTimeout(r, 50));
    const t = await createTicket(customer.id, 'bogor', commonv1.Priority.PRIORITY_HIGH, 'Internet putus total');
    const d = await deliveryFor(t.id, phone);
    const sent = await waitStatus(d.id, ['SENT', 'DELIVERED', 'READ']);
    expect(sent).toMatchObject({ channel: 'SMS', provider: 'twilio', failover: true, costRupiah: 900 });
    const sms = stack.sims.twilio.messages().filter((m) => m.to.replace('+', '') === phone);
    expect(sms).toHaveLength(1);
    expect(sms[0]!.text).toBe(sent.body);
    expect(sent.body).toContain(t.number);
    expect(sent.body).not.toContain('*TIKET GANGGUAN DITERIMA*'); // the SMS template, not the WhatsApp one
    const attempts = await stack.gateway.store.attempts(d.id);
    expect(attempts.map((a) => [a.provider, a.outcome])).toEqual([
      ['fonnte', 'RETRYABLE_FAILURE'], ['wablas', 'RETRYABLE_FAILURE'], ['twilio', 'ACCEPTED'],
    ]);
    expect(attempts.at(-1)!.httpStatus).toBe(201); // Twilio's answer to a created message, as it came
    // Twilio's signed StatusCallback (X-Twilio-Signature over WEBHOOK_PUBLIC_URL) moves it on.
    const delivered = await waitStatus(d.id, ['DELIVERED']);
    expect(delivered.deliveredAt).not.toBeNull();
    expect(stack.sims.twilio.webhooks().some((w) => w.url.startsWith(`http://127.0.0.1:${stack.webhookPort}/webhooks/twilio/status`))).toBe(true);
  });

  it('WhatsApp down for an emergency alert (URGENT, to a supervisor) → the SMS version of emergency.alert through Twilio', async () => {
    const phone = freshPhone();
    const staff = (await callUnary(stack.customerClient, 'createStaff', customerv1.CreateStaffRequest.fromPartial({
      name: 'Sari Supervisor', phone: phone.local, role: commonv1.Role.ROLE_SUPERVISOR, workZones: ['bogor'],
    }))).staff!;
    await stack.sims.fonnte.setFault({ mode: 'down' });
    await stack.sims.wablas.setFault({ mode: 'down' });
    await new Promise((r) => setTimeout(r, 50));
    const res = await callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
      idempotencyKey: `emergency:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_EMERGENCY_ALERT,
      target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'staffId', value: staff.id } }] } },
      variables: { alert_type: 'Fiber cut', area: 'Bogor', customers_affected: 320, status: 'INVESTIGATING', eta: '3 jam', actions: ['NOC: cek OLT'] },
    }));
    const sent = await waitStatus(res.deliveries[0]!.id, ['SENT', 'DELIVERED', 'READ']);
    expect(sent).toMatchObject({ channel: 'SMS', provider: 'twilio', failover: true, priority: 'URGENT' });
    expect(sent.body).toBe('EMERGENCY ALERT: Fiber cut di Bogor. Pelanggan terdampak: 320. Status: INVESTIGATING. Estimasi: 3 jam. Segera koordinasikan penanganan!');
    expect(stack.sims.twilio.messages().filter((m) => m.to.replace('+', '') === phone.e164).map((m) => m.text)).toEqual([sent.body]);
  });

  it('WhatsApp down for the escalation of a HIGH ticket → the supervisor gets the SMS version of case.escalation.lead through Twilio', async () => {
    const zone = `esc${Math.floor(Math.random() * 1e6)}`;
    const sup = freshPhone();
    await callUnary(stack.customerClient, 'createStaff', customerv1.CreateStaffRequest.fromPartial({
      name: 'Rudi Supervisor', phone: sup.local, role: commonv1.Role.ROLE_SUPERVISOR, workZones: [zone],
    }));
    const { customer } = await register(zone, 'Bu Yati');
    const t = await createTicket(customer.id, zone, commonv1.Priority.PRIORITY_HIGH, 'Kabel FO putus');
    await stack.sims.fonnte.setFault({ mode: 'down' });
    await stack.sims.wablas.setFault({ mode: 'down' });
    await new Promise((r) => setTimeout(r, 50));
    await callUnary(stack.ticketClient, 'escalateTicket', ticketv1.EscalateTicketRequest.fromPartial({ ticketId: t.id, reason: 'SLA terlewati', level: 1 }));
    const d = await deliveryFor(t.id, sup.e164);
    const sent = await waitStatus(d.id, ['SENT', 'DELIVERED', 'READ']);
    expect(sent).toMatchObject({ notificationType: 'TICKET_ESCALATED', channel: 'SMS', provider: 'twilio', failover: true });
    expect(sent.body).toMatch(new RegExp(`^\\[[^\\]]+\\] Eskalasi Case ${t.number}\\. Org Unit: [^.]+\\. Ringkas: SLA terlewati`));
    expect(stack.sims.twilio.messages().filter((m) => m.to.replace('+', '') === sup.e164).map((m) => m.text)).toEqual([sent.body]);
  });

  it('wiring: the running gateway looks up an SMS whose DLR has not come at Advanta (getdlr: none yet), counts it, and the DLR then settles it', async () => {
    const { customer, phone } = await register('bogor', 'Wati Lestari');
    for (const sim of [stack.sims.fonnte, stack.sims.wablas, stack.sims.twilio]) await sim.setFault({ mode: 'down' });
    const t = await createTicket(customer.id, 'bogor', commonv1.Priority.PRIORITY_HIGH, 'Lampu LOS merah');
    const d = await waitStatus((await deliveryFor(t.id, phone)).id, ['SENT']);
    expect(d.provider).toBe('advanta');
    // No DLR yet: getdlr answers 1009 "No dlr"; the look-up is counted and the next one scheduled 3 s on.
    const metricLine = /notify_gateway_receipt_lookups_total\{provider="advanta",outcome="no_status"\} (\d+)/;
    await waitFor(async () => metricLine.exec(await (await fetch(`${stack.gateway.webhooks.url}/metrics`)).text()), { timeoutMs: 10_000, intervalMs: 100 });
    const [row] = await stack.gateway.dataSource.query(`SELECT receipt_checks, receipt_checked_id FROM "${stack.gatewaySchema.schema}".deliveries WHERE id = $1`, [d.id]);
    expect(row).toEqual({ receipt_checks: 1, receipt_checked_id: `advanta:${d.providerMessageId}` });
    await stack.sims.advanta.sendReceipt(d.providerMessageId!, 'delivered');
    expect((await waitStatus(d.id, ['DELIVERED'])).provider).toBe('advanta');
  });

  it('NORMAL priority does not fall back to SMS: it waits for WhatsApp', async () => {
    const { customer, phone } = await register('bogor', 'Rudi Hartono');
    await stack.sims.fonnte.setFault({ mode: 'down' });
    await stack.sims.wablas.setFault({ mode: 'down' });
    await new Promise((r) => setTimeout(r, 50));
    const t = await createTicket(customer.id, 'bogor', commonv1.Priority.PRIORITY_NORMAL, 'Internet lambat');
    const d = await deliveryFor(t.id, phone);
    await waitStatus(d.id, ['FAILED']);
    expect(stack.sims.twilio.messages().filter((m) => m.to.replace('+', '') === phone)).toHaveLength(0);
    await stack.sims.clearFaults();
    const sent = await waitStatus(d.id, ['SENT', 'DELIVERED', 'READ'], 20_000);
    expect(sent.channel).toBe('WHATSAPP');
  });

  it('ambiguous timeout: no failover to Wablas; retried later on Fonnte only (documented policy)', async () => {
    await stack.sims.fonnte.setFault({ mode: 'slow', delay_ms: 1500 });
    const { e164 } = freshPhone();
    const res = await callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
      idempotencyKey: `amb:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_WELCOME,
      target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'phone', value: e164 } }] } },
      variables: { customer_name: 'Siti', customer_id: 'C-2', package_name: 'Home 30 Mbps', activated_at: '2026-11-22T09:00:00+07:00', support_phone: '' },
    }));
    const id = res.deliveries[0]!.id;
    const failed = await waitStatus(id, ['FAILED']);
    expect(failed.pinnedProvider).toBe('fonnte');
    expect(failed.lastError).toMatch(/^ambiguous/);
    await stack.sims.clearFaults();
    const sent = await waitStatus(id, ['SENT', 'DELIVERED', 'READ'], 20_000);
    expect(sent.provider).toBe('fonnte');
    const attempts = await stack.gateway.store.attempts(id);
    expect(attempts[0]).toMatchObject({ provider: 'fonnte', outcome: 'AMBIGUOUS' });
    expect(attempts.every((a) => a.provider === 'fonnte')).toBe(true);
    expect(stack.sims.wablas.messages().filter((m) => m.to === e164)).toHaveLength(0);
  });

  it('ambiguous timeout, then the pinned Fonnte is down: URGENT is unpinned and goes through Wablas; NORMAL stays pinned on Fonnte', async () => {
    await stack.sims.fonnte.setFault({ mode: 'slow', delay_ms: 1500 });
    const notify = async (priority: commonv1.Priority) => {
      const { e164 } = freshPhone();
      const res = await callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
        idempotencyKey: `amb-down:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_WELCOME, priority,
        target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'phone', value: e164 } }] } },
        variables: { customer_name: 'Siti', customer_id: 'C-3', package_name: 'Home 30 Mbps', activated_at: '2026-11-22T09:00:00+07:00', support_phone: '' },
      }));
      return { id: res.deliveries[0]!.id, phone: e164 };
    };
    const [urgent, normal] = await Promise.all([notify(commonv1.Priority.PRIORITY_URGENT), notify(commonv1.Priority.PRIORITY_NORMAL)]);
    for (const d of [urgent, normal]) expect((await waitStatus(d.id, ['FAILED'])).pinnedProvider).toBe('fonnte');
    await stack.sims.fonnte.setFault({ mode: 'down' });
    const sent = await waitStatus(urgent.id, ['SENT', 'DELIVERED', 'READ'], 20_000);
    expect(sent.provider).toBe('wablas');
    const attempts = await stack.gateway.store.attempts(urgent.id);
    expect(attempts[0]).toMatchObject({ provider: 'fonnte', outcome: 'AMBIGUOUS' });
    expect(attempts.at(-1)).toMatchObject({ provider: 'wablas', outcome: 'ACCEPTED' });
    expect(stack.sims.wablas.messages().filter((m) => m.to === urgent.phone)).toHaveLength(1);
    // The NORMAL one went through its later rounds on Fonnte only, still pinned.
    await waitFor(async () => (await stack.gateway.store.attempts(normal.id)).length >= 3, { timeoutMs: 20_000 });
    const held = (await stack.gateway.store.delivery(normal.id))!;
    expect(held).toMatchObject({ status: 'FAILED', pinnedProvider: 'fonnte' });
    expect((await stack.gateway.store.attempts(normal.id)).every((a) => a.provider === 'fonnte')).toBe(true);
    expect(stack.sims.wablas.messages().filter((m) => m.to === normal.phone)).toHaveLength(0);
  });

  it('Broadcast to an area answers at once (RESOLVING), then every active customer of the area gets the notice', async () => {
    const zone = `area${Math.floor(Math.random() * 1e6)}`;
    const people = await Promise.all([0, 1, 2].map((i) => register(zone, `Warga ${i}`, true)));
    const outsider = await register('depok', 'Orang Luar', true);
    const request = gatewayv1.BroadcastRequest.fromPartial({
      idempotencyKey: `bc:${randomUUID()}`,
      notificationType: NT.NOTIFICATION_TYPE_MAINTENANCE,
      audiences: [{ kind: commonv1.AudienceKind.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: zone }],
      variables: { maintenance_type: 'Pemeliharaan jaringan', area: zone, start_at: '2026-11-23T01:00:00+07:00', duration_minutes: 120, impact: 'Internet mati sementara', reason: 'Penggantian perangkat' },
    });
    const res = await callUnary(stack.gatewayClient, 'broadcast', request);
    expect(res.duplicate).toBe(false);
    const nid = res.notification!.id;
    const done = await waitFor(async () => {
      const n = await stack.gateway.store.notification(nid);
      return n?.status === 'RESOLVED' ? n : null;
    }, { timeoutMs: 20_000 });
    expect(done.deliveriesCreated).toBe(3);
    const viaRpc = await callUnary(stack.gatewayClient, 'getNotification', { notificationId: nid, idempotencyKey: '' });
    // An upper-case UUID names the same notification.
    expect((await callUnary(stack.gatewayClient, 'getNotification', { notificationId: nid.toUpperCase(), idempotencyKey: '' })).notification!.id).toBe(nid);
    expect(viaRpc.notification).toMatchObject({
      id: nid, status: gatewayv1.NotificationStatus.NOTIFICATION_STATUS_RESOLVED, deliveriesCreated: 3, error: '',
      source: gatewayv1.NotificationSource.NOTIFICATION_SOURCE_BROADCAST, notificationType: NT.NOTIFICATION_TYPE_MAINTENANCE, templateKey: 'maintenance.notice',
    });
    await waitFor(() => people.every((p) => stack.sims.fonnte.messages().some((m) => m.to === p.phone && m.text.includes('Penggantian perangkat'))), { timeoutMs: 20_000 });
    expect(stack.sims.fonnte.messages().some((m) => m.to === outsider.phone && m.text.includes('Penggantian perangkat'))).toBe(false);
    // By its idempotency key too (a campaign's due_event_id), with its deliveries by status.
    const byKey = await waitFor(async () => {
      const r = await callUnary(stack.gatewayClient, 'getNotification', { notificationId: '', idempotencyKey: request.idempotencyKey });
      return r.deliveriesByStatus.reduce((a, c) => a + c.count, 0) === 3 && r.deliveriesByStatus.every((c) => c.status !== gatewayv1.DeliveryStatus.DELIVERY_STATUS_QUEUED) ? r : null;
    }, { timeoutMs: 20_000 });
    expect(byKey.notification!.id).toBe(nid);
    expect(byKey.deliveriesByStatus.map((c) => gatewayv1.deliveryStatusToJSON(c.status))).toEqual(expect.arrayContaining([expect.stringMatching(/^DELIVERY_STATUS_(SENT|DELIVERED|READ|SENDING)$/)]));
    await expect(callUnary(stack.gatewayClient, 'getNotification', { notificationId: '', idempotencyKey: '' })).rejects.toThrow(/exactly one of notification_id and idempotency_key/);
    await expect(callUnary(stack.gatewayClient, 'getNotification', { notificationId: 'x', idempotencyKey: '' })).rejects.toThrow(/must be a UUID/);
    await expect(callUnary(stack.gatewayClient, 'getNotification', { notificationId: '', idempotencyKey: 'no-such-key' })).rejects.toThrow(/not found/);
    for (const p of people) expect(stack.sims.fonnte.messages().find((m) => m.to === p.phone && m.text.includes('Penggantian perangkat'))!.text).toContain(p.customer.name);
    // The same request again: the first notification, duplicate; the key with other variables: ALREADY_EXISTS.
    const again = await callUnary(stack.gatewayClient, 'broadcast', request);
    expect(again).toMatchObject({ duplicate: true, notification: { id: nid } });
    const other = await callUnary(stack.gatewayClient, 'broadcast', gatewayv1.BroadcastRequest.fromPartial({ ...request, variables: {} })).catch((e: unknown) => e);
    expect((other as Error).message).toMatch(/^idempotency_key "bc:.*" was already used for a different request/);
  });

  it('a Broadcast streams: deliveries of the first pages are sent before the last page is resolved', async () => {
    const zone = `big${Math.floor(Math.random() * 1e6)}`;
    const people: Array<{ phone: string }> = [];
    for (let i = 0; i < 16; i++) people.push(await register(zone, `Pelanggan ${i}`, true));
    const res = await callUnary(stack.gatewayClient, 'broadcast', gatewayv1.BroadcastRequest.fromPartial({
      idempotencyKey: `bc:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_MAINTENANCE,
      audiences: [{ kind: commonv1.AudienceKind.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: zone }],
      variables: { maintenance_type: 'Upgrade', area: zone, start_at: '2026-11-23T01:00:00+07:00', duration_minutes: 60, impact: 'Putus sebentar', reason: 'Upgrade OLT' },
    }));
    expect(res.notification!.status).toBe(gatewayv1.NotificationStatus.NOTIFICATION_STATUS_RESOLVING);
    const done = await waitFor(async () => {
      const n = await stack.gateway.store.notification(res.notification!.id);
      return n?.status === 'RESOLVED' ? n : null;
    }, { timeoutMs: 30_000 });
    expect(done.deliveriesCreated).toBe(16); // RESOLVE_PAGE_SIZE = 2: eight pages
    const rows = await waitFor(async () => {
      const all = await stack.gateway.store.deliveriesOf(done.id);
      return all.every((d) => d.sentAt) ? all : null;
    }, { timeoutMs: 30_000 });
    const firstSent = Math.min(...rows.map((d) => d.sentAt!.getTime()));
    expect(firstSent).toBeLessThan(done.resolvedAt!.getTime());
  });

  it('a reactivation (activated from SUSPENDED) sends no welcome; a first activation (from PENDING) does', async () => {
    const { customer, phone } = await register('bogor', 'Wawan Setiawan');
    const activated = (previousStatus: customerv1.CustomerStatus) => {
      const evt = customerv1.CustomerEvent.fromPartial({
        eventId: randomUUID(), occurredAt: new Date(), type: customerv1.CustomerEventType.CUSTOMER_EVENT_TYPE_ACTIVATED,
        customer: { ...customer, status: customerv1.CustomerStatus.CUSTOMER_STATUS_ACTIVE }, previousStatus,
      });
      return { evt, e: encodeEvent('customer.activated', evt, stack.nats.namespace) };
    };
    const reactivation = activated(customerv1.CustomerStatus.CUSTOMER_STATUS_SUSPENDED);
    await publisher.publish({ subject: reactivation.e.subject, data: reactivation.e.data, msgID: reactivation.e.msgID });
    const first = activated(customerv1.CustomerStatus.CUSTOMER_STATUS_PENDING);
    await publisher.publish({ subject: first.e.subject, data: first.e.data, msgID: first.e.msgID });
    await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === phone && m.text.includes(customer.id) && m.text.includes('Registrasi Anda telah disetujui')), { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 500)); // the consumer handles up to 4 at once: let the other one finish too
    expect(await stack.gateway.store.notificationByKey(first.evt.eventId)).not.toBeNull();
    expect(await stack.gateway.store.notificationByKey(reactivation.evt.eventId)).toBeNull();
    expect(stack.sims.fonnte.messages().filter((m) => m.to === phone && m.text.includes('Registrasi Anda telah disetujui'))).toHaveLength(1);
  });

  it('weekly performance: one message to the technician it is about, unless they opted out of it; the period in words, no rating line', async () => {
    const tech = async (name: string) => (await callUnary(stack.customerClient, 'createStaff', customerv1.CreateStaffRequest.fromPartial({
      name, phone: freshPhone().local, role: commonv1.Role.ROLE_TECHNICIAN, workZones: ['bogor'],
    }))).staff!;
    const [keen, out] = [await tech('Bayu Saputra'), await tech('Cahyo Nugroho')];
    await callUnary(stack.customerClient, 'updatePreferences', customerv1.UpdatePreferencesRequest.fromPartial({
      preferences: { recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_STAFF, recipientId: out.id, optedOutTypes: [commonv1.NotificationType.NOTIFICATION_TYPE_WEEKLY_PERFORMANCE] },
      updateMask: ['opted_out_types'],
    }));
    const publishWeekly = async (technicianId: string, completed: number) => {
      const evt = schedulerv1.WeeklyPerformanceEvent.fromPartial({
        eventId: randomUUID(), occurredAt: new Date(), technicianId, weekStart: '2026-11-30', weekEnd: '2026-12-06', rank: 1, rankedCount: 2, jobRunId: randomUUID(),
        stats: { technicianId, completed, meanTimeToResolveHours: 2.5, slaCompliancePercent: 100 },
      });
      const e = encodeEvent('schedule.weekly_performance', evt, stack.nats.namespace);
      await publisher.publish({ subject: e.subject, data: e.data, msgID: e.msgID });
      return evt.eventId;
    };
    const outEvent = await publishWeekly(out.id, 3);
    await publishWeekly(keen.id, 4);
    const msg = await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === keen.phone && m.text.startsWith('📈 *LAPORAN KINERJA MINGGUAN*')), { timeoutMs: 20_000 });
    expect(msg.text).toContain('Kinerja Anda periode 30 November - 6 Desember 2026:');
    expect(msg.text).toContain('✅ Tiket Selesai: 4\n⏱️ Rata-rata Penyelesaian: 2 jam 30 menit\n🎯 SLA Tercapai: 100%\n🏆 Peringkat: #1 dari 2 teknisi');
    expect(msg.text).not.toContain('Rating');
    // The opted-out technician's notification resolved to nobody.
    const n = await waitFor(async () => {
      const rec = await stack.gateway.store.notificationByKey(outEvent);
      return rec && rec.status !== 'RESOLVING' ? rec : null;
    }, { timeoutMs: 20_000 });
    expect(await stack.gateway.store.deliveriesOf(n.id)).toEqual([]);
    expect(stack.sims.fonnte.messages().filter((m) => m.to === out.phone)).toEqual([]);
  });

  it('Notify fills in what the ids say (seeds\' API: POST /survey/:ticketId, /welcome/:customerId): the ticket\'s and the customer\'s variables, the caller\'s winning', async () => {
    const { customer, phone } = await register('bogor', 'Rahmat Hidayat', true);
    const tech = (await callUnary(stack.customerClient, 'createStaff', customerv1.CreateStaffRequest.fromPartial({
      name: 'Joko Susilo', phone: freshPhone().local, role: commonv1.Role.ROLE_TECHNICIAN, workZones: ['bogor'],
    }))).staff!;
    const t = await createTicket(customer.id, 'bogor', commonv1.Priority.PRIORITY_NORMAL, 'Internet lambat');
    await callUnary(stack.ticketClient, 'assignTicket', ticketv1.AssignTicketRequest.fromPartial({ ticketId: t.id, technicianId: tech.id }));
    const notify = (type: commonv1.NotificationType, variables: Record<string, unknown>, ticketId = '') =>
      callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
        idempotencyKey: `enrich:${randomUUID()}`, notificationType: type, ticketId, variables,
        target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'customerId', value: customer.id } }] } },
      }));
    const survey = await notify(commonv1.NotificationType.NOTIFICATION_TYPE_SATISFACTION_SURVEY, { survey_url: 'https://survey.isp.id/s/1' }, t.id);
    const surveyed = await stack.gateway.store.delivery(survey.deliveries[0]!.id);
    expect(surveyed!.body).toContain(`Tiket ${t.number} telah selesai ditangani oleh teknisi Joko Susilo.`);
    expect(surveyed!.body).toContain('Halo Rahmat Hidayat,');
    const welcome = await notify(commonv1.NotificationType.NOTIFICATION_TYPE_WELCOME, { package_name: 'Paket Khusus 100 Mbps' });
    const welcomed = await stack.gateway.store.delivery(welcome.deliveries[0]!.id);
    expect(welcomed!.body).toContain(`Customer ID: ${customer.id}`);
    expect(welcomed!.body).toContain('Paket: Paket Khusus 100 Mbps'); // the caller's value wins over the record's
    expect(welcomed!.body).toMatch(/Layanan internet Anda aktif sejak \d{1,2} \w+ \d{4}\./);
    expect(welcomed!.recipient).toBe(phone);
  });

  it('a schedule event (payment reminder) reaches the invoice\'s customer with the reminder text', async () => {
    const { customer, phone } = await register('bogor', 'Hendra Gunawan');
    const evt = schedulerv1.PaymentReminderEvent.fromPartial({
      eventId: randomUUID(), occurredAt: new Date(), daysUntilDue: 3,
      invoice: { id: randomUUID(), customerId: customer.id, number: 'INV-2026-11-0042', amountRupiah: '350000', dueDate: '2026-11-25' },
      customer,
    });
    const e = encodeEvent('schedule.payment_reminder', evt, stack.nats.namespace);
    await publisher.publish({ subject: e.subject, data: e.data, msgID: e.msgID });
    const msg = await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === phone && m.text.includes('INV-2026-11-0042')), { timeoutMs: 20_000 });
    expect(msg.text).toContain('Hendra Gunawan');
    expect(msg.text).toContain('Rp 350.000');
  });

  it('an invoice paid while its payment reminder waits for WhatsApp to recover: the reminder is withdrawn (CANCELLED, why) and never sent; the customer gets "PEMBAYARAN DITERIMA" instead (customer event invoice_status_changed)', async () => {
    const { customer, phone } = await register('bogor', 'Yusuf Maulana');
    const invoice = (await callUnary(stack.customerClient, 'createInvoice', customerv1.CreateInvoiceRequest.fromPartial({
      customerId: customer.id, amountRupiah: '275000', dueDate: '2026-12-20', description: 'Desember 2026',
    }))).invoice!;
    await stack.sims.fonnte.setFault({ mode: 'down' });
    await stack.sims.wablas.setFault({ mode: 'down' });
    const evt = schedulerv1.PaymentReminderEvent.fromPartial({ eventId: randomUUID(), occurredAt: new Date(), daysUntilDue: 3, invoice, customer });
    const e = encodeEvent('schedule.payment_reminder', evt, stack.nats.namespace);
    await publisher.publish({ subject: e.subject, data: e.data, msgID: e.msgID });
    // NORMAL: no SMS fallback; it waits for a WhatsApp provider (FAILED, a retry due later).
    const reminder = await waitFor(async () => (await stack.gateway.store.list({ recipient: phone, notificationType: 'PAYMENT_REMINDER' }, 5))[0] ?? null, { timeoutMs: 20_000 });
    await waitStatus(reminder.id, ['FAILED']);

    await callUnary(stack.customerClient, 'setInvoiceStatus', customerv1.SetInvoiceStatusRequest.fromPartial({
      invoiceId: invoice.id, status: customerv1.InvoiceStatus.INVOICE_STATUS_PAID, reason: 'transfer BCA 18/12',
    }));
    const withdrawn = await waitStatus(reminder.id, ['CANCELLED'], 20_000);
    expect(withdrawn.lastError).toBe(`withdrawn unsent: invoice ${invoice.number} was paid (transfer BCA 18/12)`);
    await stack.sims.clearFaults();
    await stack.gateway.store.expediteFailed('WHATSAPP', new Date());
    // The payment's confirmation goes once WhatsApp is back (it waited too); the paid reminder does not.
    const confirmation = await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === phone && m.text.includes('PEMBAYARAN DITERIMA')), { timeoutMs: 20_000 });
    expect(confirmation.text).toContain(`No. Invoice: ${invoice.number}`);
    expect(confirmation.text).toContain('Periode: Desember 2026');
    expect(confirmation.text).toContain('Halo Yusuf Maulana');
    expect(confirmation.text).toContain('Rp 275.000');
    const all = [...stack.sims.fonnte.messages(), ...stack.sims.wablas.messages()].filter((m) => m.to === phone);
    expect(all.filter((m) => m.text.includes('PENGINGAT PEMBAYARAN'))).toEqual([]);
    expect(all.filter((m) => m.text.includes('PEMBAYARAN DITERIMA'))).toHaveLength(1);
    expect((await stack.gateway.store.delivery(reminder.id))!.status).toBe('CANCELLED');
    await expect(callUnary(stack.gatewayClient, 'retryDelivery', gatewayv1.RetryDeliveryRequest.fromPartial({ deliveryId: reminder.id }))).rejects.toThrow(/CANCELLED/);
  });

  it('a poison event is dead-lettered in the gateway schema and terminated, and counted in notify_gateway_dead_letters_total', async () => {
    const subject = eventSubject('ticket', 'created', stack.nats.namespace);
    await publisher.publish({ subject, data: new Uint8Array([0xff, 0x01, 0x02]), msgID: randomUUID() });
    const letters = await waitFor(async () => {
      const rows = await listDeadLetters(stack.gateway.dataSource, { schema: stack.gatewayConfig.DATABASE_SCHEMA });
      return rows.length > 0 ? rows : null;
    }, { timeoutMs: 15_000 });
    expect(letters[0]).toMatchObject({ durable: `${stack.nats.namespace}-gateway-ticket`, cause: 'poison' });
    const line = `notify_gateway_dead_letters_total{subject="${subject}",cause="poison"} `;
    await waitFor(async () => (await (await fetch(`${stack.gateway.webhooks.url}/metrics`)).text()).split('\n').some((l) => l.startsWith(line) && Number(l.slice(line.length)) >= 1), { timeoutMs: 5_000 });
  });

  it('Notify checks the caller\'s role per notification type (seeds\' table)', async () => {
    const addr = `127.0.0.1:${stack.gateway.grpc.port}`;
    const tech = createClient(gatewayv1.NotificationServiceClient, addr, { apiKey: TECH_KEY });
    const noc = createClient(gatewayv1.NotificationServiceClient, addr, { apiKey: NOC_KEY });
    const req = (type: commonv1.NotificationType) => gatewayv1.NotifyRequest.fromPartial({
      idempotencyKey: `role:${randomUUID()}`, notificationType: type,
      target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'phone', value: freshPhone().e164 } }] } },
      variables: { alert_type: 'Gangguan massal', area: 'bogor', customers_affected: 120, status: 'Investigasi', eta: '2 jam' },
    });
    try {
      await expect(callUnary(tech, 'notify', req(NT.NOTIFICATION_TYPE_EMERGENCY_ALERT))).rejects.toBeInstanceOf(PermissionDeniedError);
      const ok = await callUnary(noc, 'notify', req(NT.NOTIFICATION_TYPE_EMERGENCY_ALERT));
      expect(ok.deliveries).toHaveLength(1);
    } finally {
      (tech as unknown as { close(): void }).close();
      (noc as unknown as { close(): void }).close();
    }
  });

  it('publishes delivery events through the outbox and streams them on WatchDeliveries', async () => {
    const seen: gatewayv1.DeliveryEvent[] = [];
    const stream = stack.gatewayClient.watchDeliveries(gatewayv1.WatchDeliveriesRequest.fromPartial({}));
    stream.on('data', (m: gatewayv1.WatchDeliveriesResponse) => seen.push(m.event!));
    stream.on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const { e164 } = freshPhone();
    const res = await callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
      idempotencyKey: `ev:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_WELCOME,
      target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'phone', value: e164 } }] } },
      variables: { customer_name: 'Siti', customer_id: 'C-3', package_name: 'Home 30 Mbps', activated_at: '2026-11-22T09:00:00+07:00', support_phone: '' },
    }));
    const id = res.deliveries[0]!.id;
    const T = gatewayv1.DeliveryEventType;
    await waitFor(() => [T.DELIVERY_EVENT_TYPE_QUEUED, T.DELIVERY_EVENT_TYPE_SENT, T.DELIVERY_EVENT_TYPE_DELIVERED, T.DELIVERY_EVENT_TYPE_READ]
      .every((t) => seen.some((e) => e.delivery!.id === id && e.type === t)), { timeoutMs: 15_000 });
    stream.cancel();
    const sentEvt = seen.find((e) => e.delivery!.id === id && e.type === T.DELIVERY_EVENT_TYPE_SENT)!;
    expect(sentEvt.previousStatus).toBe(gatewayv1.DeliveryStatus.DELIVERY_STATUS_SENDING);
    expect(sentEvt.attempt!.outcome).toBe(gatewayv1.AttemptOutcome.ATTEMPT_OUTCOME_ACCEPTED);
    expect(sentEvt.delivery!.body).toBe('');
    await waitFor(() => ['queued', 'sent', 'delivered', 'read'].every((s) => deliveryEvents.some((e) => e.id === id && e.subject === s)), { timeoutMs: 15_000 });
    // The watched events are the JetStream events: the same (UUID v4) event ids.
    const watched = seen.filter((e) => e.delivery!.id === id).map((e) => e.eventId);
    for (const eventId of watched) expect(eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(watched).size).toBe(watched.length);
    await waitFor(() => watched.every((w) => deliveryEvents.some((e) => e.eventId === w)), { timeoutMs: 15_000 });
    const published = deliveryEvents.filter((e) => e.id === id);
    for (const s of ['queued', 'sent', 'delivered', 'read']) {
      const w = seen.find((e) => e.delivery!.id === id && e.type === gatewayv1.DeliveryEventType[`DELIVERY_EVENT_TYPE_${s.toUpperCase()}` as 'DELIVERY_EVENT_TYPE_QUEUED'])!;
      expect(published.filter((e) => e.subject === s).map((e) => e.eventId)).toContain(w.eventId);
    }
  });

  it('/metrics exposes deliveries by status and provider, attempt latency and breaker state', async () => {
    const text = await (await fetch(`${stack.gateway.webhooks.url}/metrics`)).text();
    expect(text).toMatch(/notify_gateway_deliveries_total\{status="(SENT|FAILED)",provider="\w+"\} [1-9]\d*/);
    expect(text).toMatch(/notify_gateway_attempt_latency_ms_bucket\{[^}]*provider="fonnte"/);
    expect(text).toMatch(/notify_gateway_breaker_state\{provider="fonnte"\} 0/);
    // The send queue's backlog and the process (read at scrape time).
    expect(text).toMatch(/^notify_gateway_due_deliveries \d+$/m);
    expect(text).toMatch(/^notify_gateway_oldest_due_delivery_age_seconds [\d.e+-]+$/m);
    expect(text).toMatch(/^notify_gateway_waiting_deliveries\{status="FAILED"\} \d+$/m);
    expect(text).toMatch(/^notify_gateway_send_rounds_total\{result="SENT",provider="fonnte"\} [1-9]\d*$/m);
    expect(text).toMatch(/^notify_gateway_deliveries_total\{status="QUEUED",provider="none"\} [1-9]\d*$/m);
    expect(text).toMatch(/^notify_gateway_process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^notify_gateway_nodejs_eventloop_lag_seconds [\d.e+-]+$/m);
  });

  it('ListProviders shows every provider with its chain position, base URL, cost and breaker state', async () => {
    const { providers } = await callUnary(stack.gatewayClient, 'listProviders', {});
    const P = gatewayv1.Provider;
    expect(providers.map((p) => [p.provider, p.channel, p.chainPosition, p.enabled, p.costPerMessageRupiah])).toEqual([
      [P.PROVIDER_FONNTE, commonv1.Channel.CHANNEL_WHATSAPP, 1, true, '150'],
      [P.PROVIDER_WABLAS, commonv1.Channel.CHANNEL_WHATSAPP, 2, true, '200'],
      [P.PROVIDER_TWILIO, commonv1.Channel.CHANNEL_SMS, 1, true, '900'],
      [P.PROVIDER_ADVANTA, commonv1.Channel.CHANNEL_SMS, 2, true, '400'],
    ]);
    const fonnte = providers[0]!;
    expect(fonnte.baseUrl).toBe(stack.sims.fonnte.url);
    expect(fonnte.breakerState).toBe(gatewayv1.BreakerState.BREAKER_STATE_CLOSED);
    expect(fonnte.recentCalls).toBeGreaterThan(0);
    expect(fonnte.successRatePercent).toBeGreaterThan(0);
    expect(fonnte.latencyP99Ms).toBeGreaterThanOrEqual(fonnte.latencyP50Ms);
    expect(fonnte.lastError).not.toBe(''); // it was down / slow earlier in this file
  });

  it('ListDeliveries pages newest first with a token and filters by status', async () => {
    const all: string[] = [];
    let token = '';
    do {
      const page = await callUnary(stack.gatewayClient, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial({ page: { pageSize: 2, pageToken: token } }));
      expect(page.deliveries.length).toBeLessThanOrEqual(2);
      all.push(...page.deliveries.map((d) => d.id));
      token = page.nextPageToken;
    } while (token);
    const total = (await stack.gateway.store.list({}, 1000)).length;
    expect(all).toHaveLength(total);
    expect(new Set(all).size).toBe(total);
    const read = await callUnary(stack.gatewayClient, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial({ status: gatewayv1.DeliveryStatus.DELIVERY_STATUS_READ, page: { pageSize: 500 } }));
    expect(read.deliveries.length).toBeGreaterThan(0);
    expect(read.deliveries.every((d) => d.status === gatewayv1.DeliveryStatus.DELIVERY_STATUS_READ)).toBe(true);
  });

  it('a technician\'s WhatsApp "1" takes the offered job through the inbound webhook and gets the confirmation back', async () => {
    const zone = `zone${Math.floor(Math.random() * 1e6)}`;
    const tech = freshPhone();
    const lutfi = (await callUnary(stack.customerClient, 'createStaff', customerv1.CreateStaffRequest.fromPartial({
      name: 'Lutfi Hakim', phone: tech.local, role: commonv1.Role.ROLE_TECHNICIAN, workZones: [zone],
    }))).staff!;
    const { customer, phone } = await register(zone, 'Bu Ani');
    const t = await createTicket(customer.id, zone, commonv1.Priority.PRIORITY_NORMAL, 'Modem mati');
    const offer = await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === tech.e164 && m.text.includes(t.number)), { timeoutMs: 20_000 });
    expect(offer.text).toContain('Balas *1*');
    const inbound = () => fetch(`${stack.gateway.webhooks.url}/webhooks/fonnte/inbound?secret=${WEBHOOK_SECRET}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sender: tech.e164, message: '1', name: 'Lutfi', inboxid: 4711 }),
    });
    expect((await inbound()).status).toBe(200);
    expect((await inbound()).status).toBe(200); // Fonnte retrying the same webhook: acted on once
    const confirmation = await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === tech.e164 && m.text.includes('PEKERJAAN BERHASIL DIAMBIL')), { timeoutMs: 15_000 });
    expect(confirmation.text).toContain(t.number);
    const got = await callUnary(stack.ticketClient, 'getTicket', ticketv1.GetTicketRequest.fromPartial({ id: t.id }));
    expect(got.ticket!.status).toBe(ticketv1.TicketStatus.TICKET_STATUS_ASSIGNED); // not started by the retried "1"
    await new Promise((r) => setTimeout(r, 500));
    expect(stack.sims.fonnte.messages().filter((m) => m.to === tech.e164 && !m.text.includes('TICKET BARU'))).toHaveLength(1);
    const answer = await stack.gateway.store.notificationByKey('reply:fonnte:4711');
    expect(answer).not.toBeNull();
    // The answer is listed with the ticket, as a REPLY to the technician by name (not a bare phone).
    const [answered] = (await stack.gateway.store.list({ ticketId: t.id, recipient: tech.e164 }, 10)).filter((d) => d.notificationId === answer!.id);
    expect(answered).toMatchObject({ notificationType: 'REPLY', recipientKind: 'STAFF', recipientId: lutfi.id, recipientName: 'Lutfi Hakim' });
    // The customer hears about it through the ticket.assigned event; Lutfi, who took it, is its
    // actor: not told, and not counted as left out (QA: "1 left out" on every step of a ticket).
    await waitFor(() => stack.sims.fonnte.messages().some((m) => m.to === phone && m.text.includes('Lutfi Hakim') && m.text.includes(t.number)), { timeoutMs: 20_000 });
    const assignedToCustomer = (await stack.gateway.store.list({ ticketId: t.id, recipient: phone }, 10)).find((d) => d.notificationType === 'TICKET_ASSIGNED')!;
    expect(await stack.gateway.store.notification(assignedToCustomer.notificationId)).toMatchObject({ deliveriesCreated: 1, leftOut: 0 });
  });

  it('an operator\'s edit of technician.job_taken (UpsertTemplate) is the confirmation the running gateway sends after "1"', async () => {
    const templates = createClient(templatev1.TemplateServiceClient, `127.0.0.1:${stack.template.grpc.port}`, { apiKey: ADMIN_KEY });
    const ref = { key: 'technician.job_taken', channel: commonv1.Channel.CHANNEL_WHATSAPP, locale: commonv1.Locale.LOCALE_ID };
    const before = (await callUnary(templates, 'getTemplate', templatev1.GetTemplateRequest.fromPartial(ref))).template!;
    try {
      await callUnary(templates, 'upsertTemplate', templatev1.UpsertTemplateRequest.fromPartial({
        ...ref, body: '🛠️ *TIKET {{ ticket_number }} UNTUK {{ technician_name }}*\nPelanggan: {{ customer_name }}', description: 'edited (test)',
      }));
      const zone = `zone${Math.floor(Math.random() * 1e6)}`;
      const tech = freshPhone();
      await callUnary(stack.customerClient, 'createStaff', customerv1.CreateStaffRequest.fromPartial({
        name: 'Wawan Setiawan', phone: tech.local, role: commonv1.Role.ROLE_TECHNICIAN, workZones: [zone],
      }));
      const { customer } = await register(zone, 'Bu Sri');
      const t = await createTicket(customer.id, zone, commonv1.Priority.PRIORITY_NORMAL, 'Modem mati');
      await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === tech.e164 && m.text.includes(t.number)), { timeoutMs: 20_000 });
      const res = await fetch(`${stack.gateway.webhooks.url}/webhooks/fonnte/inbound?secret=${WEBHOOK_SECRET}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sender: tech.e164, message: '1', name: 'Wawan', inboxid: 4712 }),
      });
      expect(res.status).toBe(200);
      const confirmation = await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === tech.e164 && m.text.startsWith('🛠️')), { timeoutMs: 15_000 });
      expect(confirmation.text).toBe(`🛠️ *TIKET ${t.number} UNTUK Wawan Setiawan*\nPelanggan: Bu Sri`);
    } finally {
      // Back to the seeded text for the rest of the file.
      await callUnary(templates, 'activateTemplateVersion', templatev1.ActivateTemplateVersionRequest.fromPartial({ ...ref, version: before.version }));
      (templates as unknown as { close(): void }).close();
    }
  });

  it('a job offer held back by a technician\'s quiet hours is withdrawn (CANCELLED) once another technician takes the ticket: never sent, also when the window ends', async () => {
    // The gateway's clock: 23:00 WIB, inside Bayu's 22:00–06:00 quiet hours; dispatch by hand.
    let now = new Date('2026-11-24T23:00:00+07:00');
    const gw = await stack.restartGateway({}, { clock: () => now, manualDispatch: true });
    try {
      const zone = `zone${Math.floor(Math.random() * 1e6)}`;
      const [early, sleeper] = [freshPhone(), freshPhone()];
      const taker = await technician('Dedi Kurnia', early, zone);
      await nightQuietHours((await technician('Bayu Pratama', sleeper, zone)).id);
      const { customer, phone } = await register(zone, 'Pak Harun');
      const t = await createTicket(customer.id, zone, commonv1.Priority.PRIORITY_NORMAL, 'ONT mati total');
      const offer = await deliveryFor(t.id, sleeper.e164);
      await deliveryFor(t.id, early.e164);
      await gw.dispatcher.runOnce();
      await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === early.e164 && m.text.includes(t.number)), { timeoutMs: 20_000 });
      const held = await waitStatus(offer.id, ['DEFERRED']);
      expect(held.deferredUntil!.toISOString()).toBe(new Date('2026-11-25T06:00:00+07:00').toISOString());

      await callUnary(stack.ticketClient, 'assignTicket', ticketv1.AssignTicketRequest.fromPartial({ ticketId: t.id, technicianId: taker.id }));
      const withdrawn = await waitStatus(held.id, ['CANCELLED']);
      expect(withdrawn.lastError).toMatch(new RegExp(`^withdrawn unsent: ticket ${t.number} was assigned \\(ticket\\.assigned [0-9a-f-]{36}\\)$`));
      await waitFor(() => deliveryEvents.some((e) => e.id === held.id && e.subject === 'failed' && e.status === gatewayv1.DeliveryStatus.DELIVERY_STATUS_CANCELLED), { timeoutMs: 15_000 });
      const listed = await callUnary(stack.gatewayClient, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial({ ticketId: t.id, status: gatewayv1.DeliveryStatus.DELIVERY_STATUS_CANCELLED }));
      expect(listed.deliveries.map((d) => d.id)).toEqual([held.id]);
      await expect(callUnary(stack.gatewayClient, 'retryDelivery', gatewayv1.RetryDeliveryRequest.fromPartial({ deliveryId: held.id }))).rejects.toThrow(/CANCELLED/);

      // 06:00: the window is over. The customer hears the whole story; Bayu hears nothing.
      await deliveryFor(t.id, phone);
      now = new Date('2026-11-25T06:00:00+07:00');
      await dispatchUntil(gw, () => stack.sims.fonnte.messages().some((m) => m.to === phone && m.text.includes('Dedi Kurnia') && m.text.includes(t.number)));
      expect((await gw.store.delivery(held.id))!.status).toBe('CANCELLED');
      expect(stack.sims.fonnte.messages().filter((m) => m.to === sleeper.e164)).toEqual([]);
      expect(stack.sims.wablas.messages().filter((m) => m.to === sleeper.e164)).toEqual([]);
    } finally {
      await stack.restartGateway();
    }
  });

  it('a ticket cancelled before anyone took it: the technicians its offer reached are told ("TIKET DIBATALKAN … ditawarkan"), not one whose offer was held back or who joined the zone later', async () => {
    // 23:00 WIB: Bayu's offer is held back by his 22:00–06:00 quiet hours; Dedi's goes out.
    let now = new Date('2026-11-24T23:00:00+07:00');
    const gw = await stack.restartGateway({}, { clock: () => now, manualDispatch: true });
    try {
      const zone = `zone${Math.floor(Math.random() * 1e6)}`;
      const [awake, sleeper, late] = [freshPhone(), freshPhone(), freshPhone()];
      await technician('Dedi Kurnia', awake, zone);
      await nightQuietHours((await technician('Bayu Pratama', sleeper, zone)).id);
      // The zone's technicians' group gets the offer too (no quiet hours for a group).
      const chatId = `1203631${String(Date.now()).slice(-8)}@g.us`;
      await callUnary(stack.customerClient, 'createGroup', customerv1.CreateGroupRequest.fromPartial({
        name: `Teknisi ${zone}`, chatId, category: customerv1.GroupCategory.GROUP_CATEGORY_TECHNICIANS, workZone: zone,
      }));
      const { customer, phone } = await register(zone, 'Pak Harun');
      const t = await createTicket(customer.id, zone, commonv1.Priority.PRIORITY_NORMAL, 'ONT mati total');
      const held = await deliveryFor(t.id, sleeper.e164);
      await deliveryFor(t.id, awake.e164);
      await deliveryFor(t.id, phone);
      await gw.dispatcher.runOnce();
      await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === awake.e164 && m.text.includes(t.number)), { timeoutMs: 20_000 });
      await waitStatus(held.id, ['DEFERRED']);
      // Citra joins the zone after the offer went out: she never heard of the ticket.
      await technician('Citra Lestari', late, zone);

      await callUnary(stack.ticketClient, 'cancelTicket', ticketv1.CancelTicketRequest.fromPartial({ ticketId: t.id, reason: 'Duplikat laporan' }));
      await waitStatus(held.id, ['CANCELLED']);
      const notice = await waitFor(async () => (await gw.store.list({ ticketId: t.id, recipient: awake.e164 }, 10)).find((d) => d.notificationType === 'TICKET_CANCELLED') ?? null, { timeoutMs: 20_000 });
      expect(notice.templateKey).toBe('technician.offer_cancelled');
      await deliveryFor(t.id, phone);
      const told = await dispatchUntil(gw, () =>
        stack.sims.fonnte.messages().some((m) => m.to === chatId && m.text.includes('TIKET DIBATALKAN')) &&
        stack.sims.fonnte.messages().find((m) => m.to === awake.e164 && m.text.includes('TIKET DIBATALKAN')));
      // The group the offer reached is told as well (QA: it was not).
      expect(stack.sims.fonnte.messages().filter((m) => m.to === chatId).map((m) => m.text.split('\n')[0])).toEqual(['🆕 TICKET BARU!', '❌ *TIKET DIBATALKAN*']);
      expect(told.text).toBe(`❌ *TIKET DIBATALKAN*\n\nTiket ${t.number} di ${zone.replace(/^z/, 'Z')} yang ditawarkan kepada Anda telah dibatalkan sebelum diambil.\n📝 Alasan: Duplikat laporan\n\nTiket ini tidak perlu diambil lagi. Terima kasih.`);
      const cancelled = await gw.store.notification(notice.notificationId);
      // Bayu and Citra were never meant to be told: not counted as left out (QA: "2 left out" read as missed).
      expect(cancelled).toMatchObject({ deliveriesCreated: 3, leftOut: 0 });

      // 06:00: the window is over; Bayu and Citra still hear nothing of the ticket.
      now = new Date('2026-11-25T06:00:00+07:00');
      await dispatchUntil(gw, () => stack.sims.fonnte.messages().some((m) => m.to === phone && m.text.includes(t.number) && /dibatalkan/i.test(m.text)));
      for (const p of [sleeper.e164, late.e164]) {
        expect(stack.sims.fonnte.messages().filter((m) => m.to === p)).toEqual([]);
        expect((await gw.store.list({ ticketId: t.id, recipient: p }, 10)).map((d) => d.status)).toEqual(p === sleeper.e164 ? ['CANCELLED'] : []);
      }
    } finally {
      await stack.restartGateway();
    }
  });

  it('a reassignment tells the technician the ticket was taken from ("TIKET DIALIHKAN", naming the new one) and the new one as usual', async () => {
    const zone = `zone${Math.floor(Math.random() * 1e6)}`;
    const [first, second] = [freshPhone(), freshPhone()];
    const a = (await callUnary(stack.customerClient, 'createStaff', customerv1.CreateStaffRequest.fromPartial({
      name: 'Agus Wibowo', phone: first.local, role: commonv1.Role.ROLE_TECHNICIAN, workZones: [zone],
    }))).staff!;
    const b = (await callUnary(stack.customerClient, 'createStaff', customerv1.CreateStaffRequest.fromPartial({
      name: 'Rudi Hartono', phone: second.local, role: commonv1.Role.ROLE_TECHNICIAN, workZones: [zone],
    }))).staff!;
    const { customer } = await register(zone, 'Ibu Sinta');
    const t = await createTicket(customer.id, zone, commonv1.Priority.PRIORITY_NORMAL, 'Internet lambat');
    await callUnary(stack.ticketClient, 'assignTicket', ticketv1.AssignTicketRequest.fromPartial({ ticketId: t.id, technicianId: a.id }));
    await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === first.e164 && m.text.includes('TICKET BARU ASSIGNED') && m.text.includes(t.number)), { timeoutMs: 20_000 });
    await callUnary(stack.ticketClient, 'assignTicket', ticketv1.AssignTicketRequest.fromPartial({ ticketId: t.id, technicianId: b.id, reassign: true }));
    const told = await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === first.e164 && m.text.includes('TIKET DIALIHKAN')), { timeoutMs: 20_000 });
    expect(told.text).toBe(`🔄 *TIKET DIALIHKAN*\n\nTiket ${t.number} (Ibu Sinta) telah dialihkan ke teknisi lain: Rudi Hartono.\n\nAnda tidak perlu menanganinya lagi. Terima kasih.`);
    await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === second.e164 && m.text.includes('TICKET BARU ASSIGNED') && m.text.includes(t.number)), { timeoutMs: 20_000 });
    expect(stack.sims.fonnte.messages().filter((m) => m.to === second.e164 && m.text.includes('TIKET DIALIHKAN'))).toEqual([]);
  });

  it('a Broadcast interrupted by a gateway stop is resumed at the next start: everyone gets it exactly once', async () => {
    const zone = `resume${Math.floor(Math.random() * 1e6)}`;
    const people: Array<{ phone: string }> = [];
    for (let i = 0; i < 12; i++) people.push(await register(zone, `Warga Resume ${i}`, true));
    const res = await callUnary(stack.gatewayClient, 'broadcast', gatewayv1.BroadcastRequest.fromPartial({
      idempotencyKey: `bc:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_MAINTENANCE,
      audiences: [{ kind: commonv1.AudienceKind.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: zone }],
      variables: { maintenance_type: 'Perbaikan', area: zone, start_at: '2026-11-23T01:00:00+07:00', duration_minutes: 30, impact: 'Lambat', reason: 'Perbaikan tiang' },
    }));
    await stack.gateway.stop(); // pauses the resolution between pages (pages of 2)
    const pg = new Client({ connectionString: stack.gatewaySchema.url });
    await pg.connect();
    const paused = (await pg.query(`SELECT status, deliveries_created FROM "${stack.gatewaySchema.schema}".notifications WHERE id = $1`, [res.notification!.id])).rows[0];
    await pg.end();
    expect(paused.status).toBe('RESOLVING'); // stopped between pages, not finished
    expect(paused.deliveries_created).toBeLessThan(12);
    await stack.restartGateway(); // resumes from the stored request
    const done = await waitFor(async () => {
      const n = await stack.gateway.store.notification(res.notification!.id);
      return n?.status === 'RESOLVED' ? n : null;
    }, { timeoutMs: 30_000 });
    expect(done.deliveriesCreated).toBe(12);
    await waitFor(() => people.every((p) => stack.sims.fonnte.messages().some((m) => m.to === p.phone && m.text.includes('Perbaikan tiang'))), { timeoutMs: 30_000 });
    for (const p of people) expect(stack.sims.fonnte.messages().filter((m) => m.to === p.phone && m.text.includes('Perbaikan tiang'))).toHaveLength(1);
  });

  it('STOP while a WhatsApp message is held by quiet hours: it is withdrawn (CANCELLED, why), never sent; the STOP confirmation goes (customer event opted_out)', async () => {
    let now = new Date('2026-11-24T23:00:00+07:00');
    const gw = await stack.restartGateway({}, { clock: () => now, manualDispatch: true });
    try {
      const { customer, phone } = await register('bogor', 'Dewi Anggraini');
      // Her registration confirmation goes first (before any quiet hours), so only the welcome waits.
      const registration = await waitFor(async () => (await gw.store.list({ recipient: phone }, 10))[0] ?? null, { timeoutMs: 20_000 });
      await waitFor(async () => {
        await gw.dispatcher.runOnce();
        return ['SENT', 'DELIVERED', 'READ'].includes((await gw.store.delivery(registration.id))!.status) ? true : null;
      }, { timeoutMs: 20_000 });
      const before = stack.sims.fonnte.messages().filter((m) => m.to === phone);
      await callUnary(stack.customerClient, 'updatePreferences', customerv1.UpdatePreferencesRequest.fromPartial({
        preferences: { recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER, recipientId: customer.id, quietHours: { startMinute: 22 * 60, endMinute: 6 * 60, timeZone: 'Asia/Jakarta' } },
        updateMask: ['quiet_hours'],
      }));
      const res = await callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
        idempotencyKey: `stop:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_WELCOME,
        target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'customerId', value: customer.id } }] } },
        variables: { customer_id: 'C-11', package_name: 'Home 30 Mbps', activated_at: '2026-11-24T09:00:00+07:00', support_phone: '' },
      }));
      const held = res.deliveries[0]!.id;
      await gw.dispatcher.runOnce();
      expect((await gw.store.delivery(held))!).toMatchObject({ status: 'DEFERRED', deferredReason: 'quiet hours' });

      const inbound = await fetch(`${gw.webhooks.url}/webhooks/fonnte/inbound?secret=${WEBHOOK_SECRET}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sender: phone, message: 'STOP', inboxid: Math.floor(Math.random() * 1e9) }),
      });
      expect(inbound.status).toBe(200);
      const withdrawn = await waitStatus(held, ['CANCELLED']);
      expect(withdrawn.lastError).toBe(`withdrawn unsent: ${phone} opted out of WhatsApp (STOP reply via fonnte)`);
      await waitFor(() => deliveryEvents.some((e) => e.id === held && e.subject === 'failed' && e.status === gatewayv1.DeliveryStatus.DELIVERY_STATUS_CANCELLED), { timeoutMs: 15_000 });
      // The confirmation (REPLY, URGENT) is not withdrawn: it goes at once, quiet hours or not.
      const confirmation = await dispatchUntil(gw, () => stack.sims.fonnte.messages().find((m) => m.to === phone && m.text.includes('tidak akan menerima pesan WhatsApp')), 15_000);
      // 06:00: the window is over and nothing else reaches the number.
      now = new Date('2026-11-25T06:00:00+07:00');
      for (let i = 0; i < 3; i++) await gw.dispatcher.runOnce();
      expect((await gw.store.delivery(held))!.status).toBe('CANCELLED');
      expect(stack.sims.fonnte.messages().filter((m) => m.to === phone).map((m) => m.id)).toEqual([...before, confirmation].map((m) => m.id));
      expect(stack.sims.wablas.messages().filter((m) => m.to === phone)).toEqual([]);
      await expect(callUnary(stack.gatewayClient, 'retryDelivery', gatewayv1.RetryDeliveryRequest.fromPartial({ deliveryId: held }))).rejects.toThrow(/CANCELLED/);
    } finally {
      await stack.restartGateway();
    }
  });

  it('with an injected clock: NORMAL at 23:00 WIB inside 22:00–06:00 quiet hours is DEFERRED to 06:00 and sent when the clock gets there', async () => {
    let now = new Date('2026-11-24T23:00:00+07:00');
    const gw = await stack.restartGateway({}, { clock: () => now, manualDispatch: true });
    const { customer, phone } = await register('bogor', 'Fajar Nugroho');
    await callUnary(stack.customerClient, 'updatePreferences', customerv1.UpdatePreferencesRequest.fromPartial({
      preferences: {
        recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER, recipientId: customer.id, channels: [commonv1.Channel.CHANNEL_WHATSAPP],
        quietHours: { startMinute: 22 * 60, endMinute: 6 * 60, timeZone: 'Asia/Jakarta' }, locale: commonv1.Locale.LOCALE_ID,
      },
    }));
    const res = await callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
      idempotencyKey: `clock:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_WELCOME,
      target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'customerId', value: customer.id } }] } },
      variables: { customer_id: 'C-7', package_name: 'Home 30 Mbps', activated_at: '2026-11-24T09:00:00+07:00', support_phone: '' },
    }));
    const id = res.deliveries[0]!.id;
    await gw.dispatcher.runOnce();
    const held = (await gw.store.delivery(id))!;
    expect(held.status).toBe('DEFERRED');
    expect(held.deferredUntil!.toISOString()).toBe(new Date('2026-11-25T06:00:00+07:00').toISOString());
    // Claimed (SENDING) and held back in one transaction: no lease is left behind, so a crash
    // now could never turn it into an "ambiguous" DEAD delivery; no attempt was made.
    expect(held.leaseUntil).toBeNull();
    expect(held.dueAt.toISOString()).toBe(held.deferredUntil!.toISOString());
    expect(held.attemptCount).toBe(0);
    now = new Date('2026-11-25T05:59:00+07:00');
    await gw.dispatcher.runOnce();
    expect((await gw.store.delivery(id))!.status).toBe('DEFERRED');
    now = new Date('2026-11-25T06:00:00+07:00');
    await gw.dispatcher.runOnce();
    const sent = (await gw.store.delivery(id))!;
    expect(sent.status).toMatch(/SENT|DELIVERED|READ/);
    expect(sent.sentAt!.toISOString()).toBe(now.toISOString());
    expect(stack.sims.fonnte.messages().filter((m) => m.to === phone && m.text === sent.body)).toHaveLength(1);
  });

  it('preferences changed while a message is held back: quiet hours off → sent at once; a new window → held to its end; WhatsApp switched off → withdrawn (customer event preferences_updated)', async () => {
    const now = new Date('2026-11-24T23:00:00+07:00');
    const gw = await stack.restartGateway({}, { clock: () => now, manualDispatch: true });
    try {
      const { customer, phone } = await register('bogor', 'Rina Marlina');
      const setQuietHours = (quietHours: commonv1.QuietHours | undefined) =>
        callUnary(stack.customerClient, 'updatePreferences', customerv1.UpdatePreferencesRequest.fromPartial({
          preferences: { recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER, recipientId: customer.id, ...(quietHours ? { quietHours } : {}) },
          updateMask: ['quiet_hours'],
        }));
      const welcome = async () => {
        const res = await callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
          idempotencyKey: `prefs:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_WELCOME,
          target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'customerId', value: customer.id } }] } },
          variables: { customer_id: 'C-9', package_name: 'Home 30 Mbps', activated_at: '2026-11-24T09:00:00+07:00', support_phone: '' },
        }));
        return res.deliveries[0]!.id;
      };
      await setQuietHours({ startMinute: 22 * 60, endMinute: 6 * 60, timeZone: 'Asia/Jakarta' });
      const first = await welcome();
      await gw.dispatcher.runOnce();
      expect((await gw.store.delivery(first))!).toMatchObject({ status: 'DEFERRED', deferredReason: 'quiet hours' });

      // She switches quiet hours off: the held message is due now, and goes at the next round.
      await setQuietHours(undefined);
      const due = await waitFor(async () => {
        const d = (await gw.store.delivery(first))!;
        return d.quietHours === null && d.dueAt.getTime() <= now.getTime() ? d : null;
      }, { timeoutMs: 15_000 });
      expect(due.status).toBe('DEFERRED'); // judged again by the dispatcher, not sent behind its back
      await gw.dispatcher.runOnce();
      const sent = (await gw.store.delivery(first))!;
      expect(sent.status).toMatch(/SENT|DELIVERED|READ/);
      expect(sent.sentAt!.toISOString()).toBe(now.toISOString());
      expect(stack.sims.fonnte.messages().filter((m) => m.to === phone && m.text === sent.body)).toHaveLength(1);

      // A new window (21:00–07:00) for a message held by the old one (22:00–06:00): held to 07:00.
      await setQuietHours({ startMinute: 22 * 60, endMinute: 6 * 60, timeZone: 'Asia/Jakarta' });
      const second = await welcome();
      await gw.dispatcher.runOnce();
      expect((await gw.store.delivery(second))!.deferredUntil!.toISOString()).toBe(new Date('2026-11-25T06:00:00+07:00').toISOString());
      await setQuietHours({ startMinute: 21 * 60, endMinute: 7 * 60, timeZone: 'Asia/Jakarta' });
      await waitFor(async () => ((await gw.store.delivery(second))!.quietHours?.endMinute === 7 * 60 ? true : null), { timeoutMs: 15_000 });
      await gw.dispatcher.runOnce();
      const held = (await gw.store.delivery(second))!;
      expect(held).toMatchObject({ status: 'DEFERRED', deferredReason: 'quiet hours', attemptCount: 0 });
      expect(held.deferredUntil!.toISOString()).toBe(new Date('2026-11-25T07:00:00+07:00').toISOString());

      // She switches WhatsApp off: the WhatsApp message still held is withdrawn, not sent at 07:00.
      await callUnary(stack.customerClient, 'updatePreferences', customerv1.UpdatePreferencesRequest.fromPartial({
        preferences: { recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER, recipientId: customer.id, channels: [commonv1.Channel.CHANNEL_SMS] },
        updateMask: ['channels'],
      }));
      const withdrawn = await waitStatus(second, ['CANCELLED']);
      expect(withdrawn.lastError).toBe(`withdrawn unsent: customer ${customer.id} switched WhatsApp off in their preferences`);
    } finally {
      await stack.restartGateway();
    }
  });

  it('customer service unreachable → the event is retried (in place, held unacknowledged), nothing lost: delivered once it is back', async () => {
    const { customer, phone } = await register('bogor', 'Yanti Susanti');
    const good = stack.gatewayEnv['CUSTOMER_ADDR']!;
    await stack.restartGateway({ CUSTOMER_ADDR: '127.0.0.1:1' });
    const t = await createTicket(customer.id, 'bogor', commonv1.Priority.PRIORITY_NORMAL, 'Kabel digigit tikus');
    const consumer = eventConsumer('gateway', 'ticket', { ns: stack.nats.namespace });
    const nc = await connect({ servers: stack.nats.url });
    try {
      // The event is taken and held (an ordered consumer retries a transient failure in place,
      // keeping the ticket's later events behind it): not acknowledged, and no rows, past a retry.
      await waitFor(async () => (await (await jetstreamManager(nc)).consumers.info(consumer.stream, consumer.durable)).num_ack_pending > 0, { timeoutMs: 15_000 });
      await new Promise((r) => setTimeout(r, 2_500)); // > the first retry delay (2 s)
      expect((await (await jetstreamManager(nc)).consumers.info(consumer.stream, consumer.durable)).num_ack_pending).toBeGreaterThan(0);
    } finally {
      await nc.close();
    }
    expect(await stack.gateway.store.list({ ticketId: t.id }, 10)).toHaveLength(0);
    await stack.restartGateway({ CUSTOMER_ADDR: good });
    const msg = await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === phone && m.text.includes(t.number)), { timeoutMs: 30_000 });
    expect(msg.text).toContain('Kabel digigit tikus');
  });

  // Last: from here on every registration also messages this group.
  it('a registration reaches the Customer Service WhatsApp group with who, where and which package', async () => {
    const chatId = `1203630${String(Date.now()).slice(-8)}@g.us`;
    await callUnary(stack.customerClient, 'createGroup', customerv1.CreateGroupRequest.fromPartial({
      name: 'Customer Service', chatId, category: customerv1.GroupCategory.GROUP_CATEGORY_CUSTOMER_SERVICE,
    }));
    const { customer, phone } = await register('karawang', 'Rina Marlina');
    // This customer's message: a registration of an earlier test whose event was still being
    // retried (the customer service unreachable) can reach the new group first (a CI run saw it).
    const msg = await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === chatId && m.text.includes(customer.id)), { timeoutMs: 20_000 });
    expect(msg.text.split('\n').slice(0, 8)).toEqual([
      '🆕 *REGISTRASI PELANGGAN BARU*',
      '',
      '👤 Nama: Rina Marlina',
      `🆔 Customer ID: ${customer.id}`,
      `📞 Telepon: +${phone}`,
      '📍 Alamat: Jl. Kenanga 7',
      '🗺️ Zona: Karawang',
      '📦 Paket: Home 30 Mbps',
    ]);
    // The customer still gets their own confirmation; registered without an installation, it
    // promises the activation, not an installation visit (the event's wants_installation).
    const own = await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === phone && m.text.startsWith('✅ *REGISTRASI BERHASIL*')), { timeoutMs: 20_000 });
    expect(own.text).toContain('Tim kami akan segera memproses aktivasi layanan Anda.');
    expect(own.text).not.toContain('pemasangan');
  });

  it('the housekeeping deletes inbound message ids, receipts (also those kept for a send never recorded) and processed-event claims past their retention, and nothing newer', async () => {
    const pg = new Client({ connectionString: stack.gatewaySchema.url });
    await pg.connect();
    const s = `"${stack.gatewaySchema.schema}"`;
    const tag = randomUUID();
    try {
      await pg.query(`INSERT INTO ${s}.inbound_messages (provider, message_id, received_at) VALUES ('fonnte', $1, now() - interval '8 days'), ('fonnte', $2, now() - interval '6 days')`, [`old-${tag}`, `new-${tag}`]);
      await pg.query(
        `INSERT INTO ${s}.receipts (provider, message_key, status, occurred_at, received_at) VALUES ('fonnte', $1, 'delivered', now(), now() - interval '31 days'), ('fonnte', $2, 'delivered', now(), now() - interval '29 days')`,
        [`old-${tag}`, `new-${tag}`],
      );
      await pg.query(
        `INSERT INTO ${s}.pending_receipts (provider, message_key, status, occurred_at, received_at) VALUES ('fonnte', $1, 'delivered', now(), now() - interval '31 days'), ('fonnte', $2, 'delivered', now(), now() - interval '29 days')`,
        [`old-${tag}`, `new-${tag}`],
      );
      await pg.query(`INSERT INTO ${s}.processed_events (consumer, event_id, processed_at) VALUES ('it', $1, now() - interval '31 days'), ('it', $2, now() - interval '29 days')`, [`old-${tag}`, `new-${tag}`]);
      const left = async () => ({
        inbound: (await pg.query(`SELECT message_id FROM ${s}.inbound_messages WHERE message_id LIKE $1 ORDER BY 1`, [`%${tag}`])).rows.map((r) => r.message_id),
        receipts: (await pg.query(`SELECT message_key FROM ${s}.receipts WHERE message_key LIKE $1 ORDER BY 1`, [`%${tag}`])).rows.map((r) => r.message_key),
        kept: (await pg.query(`SELECT message_key FROM ${s}.pending_receipts WHERE message_key LIKE $1 ORDER BY 1`, [`%${tag}`])).rows.map((r) => r.message_key),
        processed: (await pg.query(`SELECT event_id FROM ${s}.processed_events WHERE event_id LIKE $1 ORDER BY 1`, [`%${tag}`])).rows.map((r) => r.event_id),
      });
      // HOUSEKEEPING_INTERVAL_MS is 300 ms here (default 1 h); retentions at their defaults (7 d, 30 d, 30 d).
      const done = (l: Awaited<ReturnType<typeof left>>) => l.inbound.length === 1 && l.receipts.length === 1 && l.kept.length === 1 && l.processed.length === 1;
      await waitFor(async () => done(await left()), { timeoutMs: 10_000, intervalMs: 100 });
      expect(await left()).toEqual({ inbound: [`new-${tag}`], receipts: [`new-${tag}`], kept: [`new-${tag}`], processed: [`new-${tag}`] });
    } finally {
      await pg.end();
    }
  });

  it("an URGENT message unpinned from a provider that asked to wait (503 Retry-After) goes through the chain at once, not after that provider's wait", async () => {
    await stack.sims.fonnte.setFault({ mode: 'slow', delay_ms: 1500 });
    const { e164 } = freshPhone();
    const res = await callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
      idempotencyKey: `amb-wait:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_WELCOME, priority: commonv1.Priority.PRIORITY_URGENT,
      target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'phone', value: e164 } }] } },
      variables: { customer_name: 'Siti', customer_id: 'C-4', package_name: 'Home 30 Mbps', activated_at: '2026-11-22T09:00:00+07:00' },
    }));
    const id = res.deliveries[0]!.id;
    expect((await waitStatus(id, ['FAILED'])).pinnedProvider).toBe('fonnte');
    await stack.sims.fonnte.setFault({ mode: 'http_500', retry_after_s: 6 });
    // The pinned round meets Fonnte asking to wait: its own 503, or Fonnte already paused by
    // another delivery's 503 (RATE_LIMITED, not called) — the other tests' messages retry too.
    const waitRound = await waitFor(
      async () => (await stack.gateway.store.attempts(id)).find((a) => a.provider === 'fonnte' && (a.httpStatus === 503 || a.outcome === 'RATE_LIMITED')) ?? null,
      { timeoutMs: 15_000 },
    );
    const sent = await waitStatus(id, ['SENT', 'DELIVERED', 'READ'], 20_000);
    expect(sent.provider).toBe('wablas');
    const accepted = (await stack.gateway.store.attempts(id)).at(-1)!;
    expect(accepted).toMatchObject({ provider: 'wablas', outcome: 'ACCEPTED' });
    expect(accepted.startedAt.getTime() - waitRound.finishedAt.getTime()).toBeLessThan(4_000); // the backoff (≤ 1 s), not Fonnte's 6 s
    await stack.sims.clearFaults();
    await waitFor(async () => (await callUnary(stack.gatewayClient, 'listProviders', {})).providers.every((p) => !p.pausedUntil), { timeoutMs: 10_000, intervalMs: 200 });
  });

  // Last in this file: it pauses every provider for a few seconds (and waits for the pauses to end).
  it('every provider answering 429 / 503 with Retry-After: the retry waits for the shortest of them (not the 0.3–1 s backoff), then goes out once', async () => {
    const { customer, phone } = await register('bogor', 'Yanti Lestari');
    await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === phone), { timeoutMs: 20_000 }); // its registration confirmation is out
    // Nothing else waiting to go either (the registration's message to the Customer Service group
    // of an earlier test): a send before this ticket's would meet the faults first and pause
    // the providers, and this delivery's round would see them paused, not answering 503 / 429.
    await waitFor(async () => {
      for (const status of ['QUEUED', 'SENDING', 'FAILED'] as const) if ((await stack.gateway.store.list({ status }, 1)).length > 0) return false;
      return true;
    }, { timeoutMs: 20_000, description: 'no delivery waiting to go' });
    await stack.sims.fonnte.setFault({ mode: 'http_500', retry_after_s: 3 });
    await stack.sims.wablas.setFault({ mode: 'http_500', retry_after_s: 3 });
    await stack.sims.twilio.setFault({ mode: 'status_false', code: 20429, retry_after_s: 4 });
    await stack.sims.advanta.setFault({ mode: 'http_500', retry_after_s: 5 });
    const t = await createTicket(customer.id, 'bogor', commonv1.Priority.PRIORITY_HIGH, 'Internet putus, lampu LOS merah');
    const d = await deliveryFor(t.id, phone);
    const failed = await waitStatus(d.id, ['FAILED']);
    await stack.sims.clearFaults();
    const first = await stack.gateway.store.attempts(d.id);
    expect(first.map((a) => [a.provider, a.outcome, a.httpStatus])).toEqual([
      ['fonnte', 'RETRYABLE_FAILURE', 503], ['wablas', 'RETRYABLE_FAILURE', 503], ['twilio', 'RETRYABLE_FAILURE', 429], ['advanta', 'RETRYABLE_FAILURE', 503],
    ]);
    const roundEnd = first[first.length - 1]!.finishedAt.getTime();
    // WhatsApp asked for 3 s, SMS for 4 s: the next round may use WhatsApp again after 3 s.
    expect(failed.nextAttemptAt!.getTime() - roundEnd).toBeGreaterThanOrEqual(2_500);
    expect(failed.nextAttemptAt!.getTime() - roundEnd).toBeLessThanOrEqual(3_500);
    const sent = await waitStatus(d.id, ['SENT', 'DELIVERED', 'READ'], 20_000);
    expect(sent).toMatchObject({ channel: 'WHATSAPP', provider: 'fonnte' });
    const all = await stack.gateway.store.attempts(d.id);
    expect(all.slice(first.length).map((a) => [a.provider, a.outcome])).toEqual([['fonnte', 'ACCEPTED']]);
    expect(all[first.length]!.startedAt.getTime() - roundEnd).toBeGreaterThanOrEqual(2_500);
    expect(stack.sims.fonnte.messages().filter((m) => m.to === phone && m.text.includes(t.number))).toHaveLength(1);
    // ListProviders showed the pauses; they are over once every provider's time has come.
    await waitFor(async () => (await callUnary(stack.gatewayClient, 'listProviders', {})).providers.every((p) => !p.pausedUntil), { timeoutMs: 10_000, intervalMs: 200 });
  });
});
