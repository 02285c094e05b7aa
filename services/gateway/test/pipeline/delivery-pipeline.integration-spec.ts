// The delivery pipeline end to end: ticket / Notify → customer ResolveRecipients → template
// RenderTemplate → deliveries rows → dispatcher → simulators over real HTTP → receipts back
// through the webhook server. Real Postgres, real NATS JetStream, real gRPC services.
import { randomUUID } from 'node:crypto';
import { FailedPreconditionError, NotFoundError } from '@notify/errors';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { encodeEvent, eventConsumer } from '@notify/events';
import { callUnary } from '@notify/grpc-kit';
import { connectJetStreamBus, type EventBus } from '@notify/messaging';
import { commonv1, customerv1, gatewayv1, ticketv1 } from '@notify/proto';
import { waitFor } from '@notify/testing';
import type { DeliveryRecord } from '../../src/domain';
import { startStack, WEBHOOK_SECRET, type Stack } from '../support/gateway-stack';

const NT = commonv1.NotificationType;
const DS = gatewayv1.DeliveryStatus;
const MONTHS_ID = ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'];

/** `22 November 2026 09:15 WIB` (the template service's `datetime` filter, locale id), computed independently. */
function wib(d: Date): string {
  const j = new Date(d.getTime() + 7 * 3_600_000);
  const hh = String(j.getUTCHours()).padStart(2, '0');
  const mm = String(j.getUTCMinutes()).padStart(2, '0');
  return `${j.getUTCDate()} ${MONTHS_ID[j.getUTCMonth()]} ${j.getUTCFullYear()} ${hh}:${mm} WIB`;
}

let phoneSeq = Math.floor(Math.random() * 1_000_000);
/** A fresh valid Indonesian mobile number, local form (`0813…`), and its E.164 digits. */
function freshPhone(): { local: string; e164: string } {
  const n = String(10_000_000 + (++phoneSeq % 89_999_999)).padStart(8, '0');
  return { local: `0813${n}`, e164: `62813${n}` };
}

jest.setTimeout(60_000);

describe('gateway delivery pipeline (Postgres + NATS + customer/template/ticket services + simulators)', () => {
  let stack: Stack;
  let bus: EventBus;

  beforeAll(async () => {
    stack = await startStack('gw_pipe', {
      DELIVERY_MAX_ATTEMPTS: '30',
      BREAKER_VOLUME_THRESHOLD: '3',
      BREAKER_ERROR_THRESHOLD_PERCENTAGE: '50',
      BREAKER_RESET_TIMEOUT_MS: '1500',
      RECIPIENT_RATE_LIMIT: '2',
      RECIPIENT_RATE_WINDOW_MS: '3600000',
    });
    bus = await connectJetStreamBus({ url: stack.nats.url, name: 'gw-pipe-publisher' });
  }, 120_000);

  afterAll(async () => {
    await bus?.close();
    await stack?.stop();
  }, 60_000);

  /**
   * Breakers are per process and outlive a test: after a test that made a provider fail, wait for
   * the reset timeout and send probes until every WhatsApp breaker is closed again.
   */
  const ensureBreakersClosed = async (): Promise<void> => {
    const open = () => (stack.gateway.chains.whatsapp?.providers() ?? []).filter((p) => p.state !== 'closed');
    for (let i = 0; i < 5 && open().length > 0; i++) {
      await new Promise((r) => setTimeout(r, 1600));
      for (const p of open()) await stack.gateway.chains.whatsapp!.send({ to: '6281300000001', text: 'probe' }, { only: p.name });
    }
    expect(open()).toEqual([]);
  };

  beforeEach(async () => {
    await stack.sims.clearFaults();
    await ensureBreakersClosed();
  });

  afterEach(async () => {
    await stack.sims.clearFaults();
  });

  const register = async (name = 'Budi Santoso') => {
    const phone = freshPhone();
    const res = await callUnary(stack.customerClient, 'registerCustomer', customerv1.RegisterCustomerRequest.fromPartial({
      name, phone: phone.local, address: 'Jl. Tuparev No. 45, Karawang Barat', workZone: 'karawang', packageName: 'Home 50 Mbps', wantsInstallation: false,
    }));
    return { customer: res.customer!, phone: phone.e164 };
  };
  const deliveriesOf = (notificationId: string): Promise<DeliveryRecord[]> => stack.gateway.store.deliveriesOf(notificationId);
  const welcomeVars = { customer_name: 'Siti', customer_id: 'CUST-1', package_name: 'Home 50 Mbps', activated_at: '2026-11-22T09:00:00+07:00', support_phone: '6281100000000' };
  const notifyPhone = async (phone: string, key = `it:${randomUUID()}`, priority = commonv1.Priority.PRIORITY_NORMAL) =>
    callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
      idempotencyKey: key,
      notificationType: NT.NOTIFICATION_TYPE_WELCOME,
      target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'phone', value: phone } }] } },
      variables: welcomeVars,
      priority,
    }));
  const waitStatus = async (id: string, statuses: string[], timeoutMs = 15_000): Promise<DeliveryRecord> =>
    waitFor(async () => {
      const d = await stack.gateway.store.delivery(id);
      return d && statuses.includes(d.status) ? d : null;
    }, { timeoutMs, intervalMs: 50 });

  it('a ticket-created event reaches the customer through Fonnte with the seed\'s exact text, and receipts move it to READ', async () => {
    const { customer, phone } = await register();
    const created = await callUnary(stack.ticketClient, 'createTicket', ticketv1.CreateTicketRequest.fromPartial({
      type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
      customerId: customer.id,
      description: 'Internet mati total sejak pagi',
      address: 'Jl. Tuparev No. 45, Karawang Barat',
      workZone: 'karawang',
      priority: commonv1.Priority.PRIORITY_HIGH,
    }));
    const t = created.ticket!;
    const expected = [
      '🎫 *TIKET GANGGUAN DITERIMA*',
      '',
      'Halo Budi Santoso,',
      '',
      'Tiket gangguan Anda telah berhasil diterima dan sedang diproses.',
      '',
      '📋 *Detail Tiket:*',
      `🎫 Nomor: ${t.number}`,
      '🔧 Masalah: Internet mati total sejak pagi',
      '📍 Alamat: Jl. Tuparev No. 45, Karawang Barat',
      '⏰ Status: OPEN',
      `📅 Dibuat: ${wib(t.createdAt!)}`,
      '',
      'Teknisi akan segera menghubungi Anda untuk penanganan gangguan.',
      '',
      'Terima kasih atas kesabaran Anda.',
    ].join('\n');
    const msg = await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === phone && m.text.includes(t.number)), { timeoutMs: 20_000 });
    expect(msg.text).toBe(expected);

    const list = await callUnary(stack.gatewayClient, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial({ ticketId: t.id }));
    const mine = list.deliveries.filter((d) => d.recipient === phone);
    expect(mine).toHaveLength(1);
    const d = await waitStatus(mine[0]!.id, ['READ']);
    expect(d).toMatchObject({ provider: 'fonnte', providerMessageId: msg.id, costRupiah: 150, failover: false, templateKey: 'ticket.created.disturbance', notificationType: 'TICKET_CREATED' });
    expect(d.deliveredAt).not.toBeNull();
    const got = await callUnary(stack.gatewayClient, 'getDelivery', { deliveryId: d.id });
    expect(got.delivery!.attempts.map((a) => [a.provider, a.outcome, a.providerMessageId, a.costRupiah])).toEqual([
      [gatewayv1.Provider.PROVIDER_FONNTE, gatewayv1.AttemptOutcome.ATTEMPT_OUTCOME_ACCEPTED, msg.id, '150'],
    ]);
    expect(got.delivery!.status).toBe(DS.DELIVERY_STATUS_READ);
  });

  it('a redelivered event (same event id) creates no new rows and sends nothing again', async () => {
    const { customer, phone } = await register('Rina Wijaya');
    const eventId = randomUUID();
    const now = new Date();
    const evt = ticketv1.TicketEvent.fromPartial({
      eventId,
      occurredAt: now,
      type: ticketv1.TicketEventType.TICKET_EVENT_TYPE_CREATED,
      ticket: {
        id: randomUUID(), number: `GGN-DUP-${eventId.slice(0, 4)}`, type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE, status: ticketv1.TicketStatus.TICKET_STATUS_OPEN,
        priority: commonv1.Priority.PRIORITY_NORMAL, customerId: customer.id, description: 'Lampu LOS merah', address: 'Jl. Mawar 1', workZone: 'karawang',
        createdAt: now, updatedAt: now, slaDueAt: new Date(now.getTime() + 86_400_000), version: 1,
      },
    });
    const encoded = encodeEvent('ticket.created', evt, stack.nats.namespace);
    await bus.publish({ subject: encoded.subject, data: encoded.data, msgID: encoded.msgID });
    const first = await waitFor(() => {
      const got = stack.sims.fonnte.messages().filter((m) => m.to === phone && m.text.includes('Lampu LOS merah'));
      return got.length > 0 ? got : null;
    }, { timeoutMs: 20_000 });
    expect(first).toHaveLength(1);
    const n = (await stack.gateway.store.notificationByKey(eventId))!;
    const before = await deliveriesOf(n.id);
    // The same event again under another Nats-Msg-Id (past JetStream's duplicate window): the gateway's own key must hold.
    const again = await bus.publish({ subject: encoded.subject, data: encoded.data, msgID: `${encoded.msgID}-redelivered` });
    expect(again.duplicate).toBe(false);
    const consumer = eventConsumer('gateway', 'ticket', { ns: stack.nats.namespace });
    await waitFor(async () => {
      const nc = await connect({ servers: stack.nats.url });
      try {
        const info = await (await jetstreamManager(nc)).consumers.info(consumer.stream, consumer.durable);
        return info.delivered.stream_seq >= (again.seq ?? 0) && info.num_pending === 0 && info.num_ack_pending === 0;
      } finally {
        await nc.close();
      }
    }, { timeoutMs: 10_000, intervalMs: 100 });
    const after = await deliveriesOf(n.id);
    expect(after.map((d) => d.id).sort()).toEqual(before.map((d) => d.id).sort());
    expect(stack.sims.fonnte.messages().filter((m) => m.to === phone && m.text.includes('Lampu LOS merah'))).toHaveLength(1);
    expect((await stack.gateway.store.notificationByKey(eventId))!.deliveriesCreated).toBe(before.length);
  });

  it('Fonnte down → the same message goes through Wablas, once', async () => {
    await stack.sims.fonnte.setFault({ mode: 'down' });
    await new Promise((r) => setTimeout(r, 50));
    const { e164 } = freshPhone();
    const res = await notifyPhone(e164);
    const d = await waitStatus(res.deliveries[0]!.id, ['SENT', 'DELIVERED', 'READ']);
    expect(d).toMatchObject({ provider: 'wablas', failover: true, costRupiah: 200 });
    await stack.sims.clearFaults();
    expect(stack.sims.fonnte.messages().filter((m) => m.to === e164)).toHaveLength(0);
    const sent = stack.sims.wablas.messages().filter((m) => m.to === e164);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toBe(d.body);
    const attempts = await stack.gateway.store.attempts(d.id);
    expect(attempts.map((a) => [a.provider, a.outcome])).toEqual([['fonnte', 'RETRYABLE_FAILURE'], ['wablas', 'ACCEPTED']]);
  });

  it('Fonnte status:false "request invalid on disconnected device" → Wablas', async () => {
    await stack.sims.fonnte.setFault({ mode: 'status_false', reason: 'request invalid on disconnected device' });
    const { e164 } = freshPhone();
    const res = await notifyPhone(e164);
    const d = await waitStatus(res.deliveries[0]!.id, ['SENT', 'DELIVERED', 'READ']);
    expect(d.provider).toBe('wablas');
    const attempts = await stack.gateway.store.attempts(d.id);
    expect(attempts.map((a) => [a.provider, a.outcome, a.error])).toEqual([
      ['fonnte', 'RETRYABLE_FAILURE', expect.stringContaining('disconnected device')],
      ['wablas', 'ACCEPTED', null],
    ]);
    expect(stack.sims.wablas.messages().filter((m) => m.to === e164)).toHaveLength(1);
  });

  it('both WhatsApp providers down → FAILED (retry scheduled), then sent once after they recover; nothing lost', async () => {
    await stack.sims.fonnte.setFault({ mode: 'down' });
    await stack.sims.wablas.setFault({ mode: 'down' });
    await new Promise((r) => setTimeout(r, 50));
    const { e164 } = freshPhone();
    const res = await notifyPhone(e164);
    const failed = await waitStatus(res.deliveries[0]!.id, ['FAILED']);
    expect(failed.nextAttemptAt).not.toBeNull();
    expect(failed.lastError).toBeTruthy();
    await stack.sims.clearFaults();
    const d = await waitStatus(res.deliveries[0]!.id, ['SENT', 'DELIVERED', 'READ'], 20_000);
    const total = stack.sims.fonnte.messages().filter((m) => m.to === e164).length + stack.sims.wablas.messages().filter((m) => m.to === e164).length;
    expect(total).toBe(1);
    expect(d.rounds).toBeGreaterThanOrEqual(2);
  });

  it('a provider back after an outage (its breaker closed again) sends the backlog now, not at each delivery\'s retry time', async () => {
    // Retries a minute apart: without the recovery, the outage's deliveries would wait that long.
    await stack.restartGateway({ DELIVERY_RETRY_INITIAL_MS: '60000', DELIVERY_RETRY_MAX_MS: '60000' });
    try {
      await stack.sims.fonnte.setFault({ mode: 'down' });
      await stack.sims.wablas.setFault({ mode: 'down' });
      const backlog: string[] = [];
      // Three failed rounds open both breakers (BREAKER_VOLUME_THRESHOLD 3).
      for (let i = 0; i < 3; i++) backlog.push((await notifyPhone(freshPhone().e164)).deliveries[0]!.id);
      for (const id of backlog) {
        const failed = await waitStatus(id, ['FAILED']);
        expect(failed.nextAttemptAt!.getTime() - Date.now()).toBeGreaterThan(20_000);
      }
      await waitFor(() => (stack.gateway.chains.whatsapp?.providers() ?? []).every((p) => p.state === 'open'), { timeoutMs: 10_000, description: 'both breakers open' });
      await stack.sims.clearFaults();
      await new Promise((r) => setTimeout(r, 1700)); // BREAKER_RESET_TIMEOUT_MS = 1500: half-open
      // A new message is the trial call that closes Fonnte's breaker: the backlog is made due and sent.
      const started = Date.now();
      await waitStatus((await notifyPhone(freshPhone().e164)).deliveries[0]!.id, ['SENT', 'DELIVERED', 'READ']);
      for (const id of backlog) await waitStatus(id, ['SENT', 'DELIVERED', 'READ'], 15_000);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await stack.restartGateway({});
    }
  }, 90_000);

  it('the Fonnte breaker opens after the configured failures (no request reaches it) and closes after recovery', async () => {
    const providers = async () => (await callUnary(stack.gatewayClient, 'listProviders', {})).providers;
    const fonnteState = async () => (await providers()).find((p) => p.provider === gatewayv1.Provider.PROVIDER_FONNTE)!.breakerState;
    await waitFor(async () => (await fonnteState()) === gatewayv1.BreakerState.BREAKER_STATE_CLOSED, { timeoutMs: 10_000 });
    await stack.sims.fonnte.setFault({ mode: 'status_false', reason: 'device disconnected' });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await notifyPhone(freshPhone().e164)).deliveries[0]!.id);
    for (const id of ids) await waitStatus(id, ['SENT', 'DELIVERED', 'READ']);
    expect(await fonnteState()).toBe(gatewayv1.BreakerState.BREAKER_STATE_OPEN);
    const fonnteHits = stack.sims.fonnte.stats().requests;
    const open = await notifyPhone(freshPhone().e164);
    const d = await waitStatus(open.deliveries[0]!.id, ['SENT', 'DELIVERED', 'READ']);
    const attempts = await stack.gateway.store.attempts(d.id);
    expect(attempts.map((a) => [a.provider, a.outcome])).toEqual([['fonnte', 'BREAKER_OPEN'], ['wablas', 'ACCEPTED']]);
    expect(stack.sims.fonnte.stats().requests).toBe(fonnteHits);
    await stack.sims.fonnte.clearFault();
    await new Promise((r) => setTimeout(r, 1700)); // BREAKER_RESET_TIMEOUT_MS = 1500: half-open
    const after = await notifyPhone(freshPhone().e164);
    const d2 = await waitStatus(after.deliveries[0]!.id, ['SENT', 'DELIVERED', 'READ']);
    expect(d2.provider).toBe('fonnte');
    expect(await fonnteState()).toBe(gatewayv1.BreakerState.BREAKER_STATE_CLOSED);
  });

  it('a duplicate receipt is a no-op, a late DELIVERED never moves READ backwards, an unknown id is answered 200', async () => {
    const { e164 } = freshPhone();
    const res = await notifyPhone(e164);
    const d = await waitStatus(res.deliveries[0]!.id, ['READ']);
    const post = (body: object) =>
      fetch(`${stack.gateway.webhooks.url}/webhooks/wablas/status?secret=${WEBHOOK_SECRET}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
    const viaFonnte = d.provider === 'fonnte';
    const hook = (body: object) =>
      viaFonnte
        ? fetch(`${stack.gateway.webhooks.url}/webhooks/fonnte/status?secret=${WEBHOOK_SECRET}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
        : post(body);
    const delivered = viaFonnte ? { id: d.providerMessageId, stateid: d.providerStateId ?? 'x', status: 'delivered', state: 'delivered' } : { id: d.providerMessageId, status: 'delivered' };
    expect((await hook(delivered)).status).toBe(200);
    expect((await hook(delivered)).status).toBe(200);
    const after = (await stack.gateway.store.delivery(d.id))!;
    expect(after.status).toBe('READ');
    expect(after.updatedAt.getTime()).toBe(d.updatedAt.getTime());
    expect((await post({ id: 'no-such-message', status: 'read' })).status).toBe(200);
  });

  it('quiet hours defer a NORMAL message to the window end and let an URGENT one through', async () => {
    const { customer, phone } = await register('Dewi Lestari');
    const jakartaMinute = (new Date().getUTCHours() * 60 + new Date().getUTCMinutes() + 7 * 60) % 1440;
    const start = (jakartaMinute + 1440 - 60) % 1440;
    const end = (jakartaMinute + 120) % 1440;
    await callUnary(stack.customerClient, 'updatePreferences', customerv1.UpdatePreferencesRequest.fromPartial({
      preferences: {
        recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER, recipientId: customer.id, channels: [commonv1.Channel.CHANNEL_WHATSAPP],
        quietHours: { startMinute: start, endMinute: end, timeZone: 'Asia/Jakarta' }, locale: commonv1.Locale.LOCALE_ID,
      },
    }));
    const notify = (priority: commonv1.Priority) =>
      callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
        idempotencyKey: `quiet:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_WELCOME,
        target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'customerId', value: customer.id } }] } },
        variables: welcomeVars, priority,
      }));
    const normal = await notify(commonv1.Priority.PRIORITY_NORMAL);
    const deferred = await waitStatus(normal.deliveries[0]!.id, ['DEFERRED']);
    const expectedEnd = Date.now() + ((end - jakartaMinute + 1440) % 1440) * 60_000;
    expect(Math.abs(deferred.deferredUntil!.getTime() - expectedEnd)).toBeLessThan(120_000);
    const urgent = await notify(commonv1.Priority.PRIORITY_URGENT);
    const sent = await waitStatus(urgent.deliveries[0]!.id, ['SENT', 'DELIVERED', 'READ']);
    expect((await stack.gateway.store.delivery(normal.deliveries[0]!.id))!.status).toBe('DEFERRED');
    const toPhone = stack.sims.fonnte.messages().filter((m) => m.to === phone && m.text === sent.body);
    expect(toPhone).toHaveLength(1);
    expect(toPhone[0]!.id).toBe(sent.providerMessageId);
    expect(sent.body).toContain('Dewi Lestari');
  });

  it('the per-recipient rate limit (2 an hour here) defers the excess until a slot frees; URGENT is exempt', async () => {
    const { e164 } = freshPhone();
    const first = await notifyPhone(e164);
    const a = await waitStatus(first.deliveries[0]!.id, ['SENT', 'DELIVERED', 'READ']);
    const second = await notifyPhone(e164);
    await waitStatus(second.deliveries[0]!.id, ['SENT', 'DELIVERED', 'READ']);
    const third = await notifyPhone(e164);
    const held = await waitStatus(third.deliveries[0]!.id, ['DEFERRED']);
    expect(held.deferredUntil!.getTime()).toBeGreaterThanOrEqual(a.sentAt!.getTime() + 3_600_000);
    expect(held.deferredUntil!.getTime()).toBeLessThan(a.sentAt!.getTime() + 3_600_000 + 5_000);
    const urgent = await notifyPhone(e164, `urgent:${randomUUID()}`, commonv1.Priority.PRIORITY_URGENT);
    await waitStatus(urgent.deliveries[0]!.id, ['SENT', 'DELIVERED', 'READ']);
    expect([...stack.sims.fonnte.messages(), ...stack.sims.wablas.messages()].filter((m) => m.to === e164)).toHaveLength(3);
  });

  it('Notify with the same idempotency key twice returns the first notification and creates nothing new', async () => {
    const { e164 } = freshPhone();
    const key = `idem:${randomUUID()}`;
    const a = await notifyPhone(e164, key);
    const b = await notifyPhone(e164, key);
    expect(a.duplicate).toBe(false);
    expect(b.duplicate).toBe(true);
    expect(b.notification!.id).toBe(a.notification!.id);
    expect(a.notification).toMatchObject({
      source: gatewayv1.NotificationSource.NOTIFICATION_SOURCE_NOTIFY, status: gatewayv1.NotificationStatus.NOTIFICATION_STATUS_RESOLVED,
      deliveriesCreated: 1, templateKey: 'customer.welcome', actor: { kind: commonv1.ActorKind.ACTOR_KIND_STAFF, id: 'admin', role: commonv1.Role.ROLE_ADMIN },
    });
    expect(b.deliveries.map((d) => d.id)).toEqual(a.deliveries.map((d) => d.id));
    await waitStatus(a.deliveries[0]!.id, ['SENT', 'DELIVERED', 'READ']);
    await new Promise((r) => setTimeout(r, 300));
    expect([...stack.sims.fonnte.messages(), ...stack.sims.wablas.messages()].filter((m) => m.to === e164)).toHaveLength(1);
  });

  it('a permanent failure is DEAD at once (no failover); RetryDelivery re-drives it; other states are FAILED_PRECONDITION, unknown ids NOT_FOUND', async () => {
    await stack.sims.fonnte.setFault({ mode: 'status_false', reason: 'invalid target' });
    const { e164 } = freshPhone();
    const res = await notifyPhone(e164);
    const dead = await waitStatus(res.deliveries[0]!.id, ['DEAD']);
    expect(dead.lastError).toContain('invalid target');
    expect(stack.sims.wablas.messages().filter((m) => m.to === e164)).toHaveLength(0);
    await stack.sims.clearFaults();
    const retried = await callUnary(stack.gatewayClient, 'retryDelivery', gatewayv1.RetryDeliveryRequest.fromPartial({ deliveryId: dead.id }));
    expect(retried.delivery!.status).toBe(DS.DELIVERY_STATUS_QUEUED);
    // Answered like GetDelivery: with the attempts it had when re-queued (the failed one).
    expect(retried.delivery!.attemptCount).toBe(1);
    expect(retried.delivery!.attempts.map((a) => [a.number, a.provider, a.outcome, a.error])).toEqual([
      [1, gatewayv1.Provider.PROVIDER_FONNTE, gatewayv1.AttemptOutcome.ATTEMPT_OUTCOME_PERMANENT_FAILURE, expect.stringContaining('invalid target')],
    ]);
    const sent = await waitStatus(dead.id, ['SENT', 'DELIVERED', 'READ']);
    expect(sent.provider).toBe('fonnte');
    expect(stack.sims.fonnte.messages().filter((m) => m.to === e164)).toHaveLength(1);
    await expect(callUnary(stack.gatewayClient, 'retryDelivery', gatewayv1.RetryDeliveryRequest.fromPartial({ deliveryId: dead.id }))).rejects.toBeInstanceOf(FailedPreconditionError);
    await expect(callUnary(stack.gatewayClient, 'retryDelivery', gatewayv1.RetryDeliveryRequest.fromPartial({ deliveryId: randomUUID() }))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('GetStats counts deliveries by status, provider and type with cost and failovers', async () => {
    const stats = await callUnary(stack.gatewayClient, 'getStats', gatewayv1.GetStatsRequest.fromPartial({ since: new Date(Date.now() - 3_600_000) }));
    expect(stats.total).toBeGreaterThan(5);
    expect(stats.failovers).toBeGreaterThanOrEqual(3);
    expect(Number(stats.costRupiah)).toBeGreaterThan(0);
    const fonnte = stats.byProvider.find((p) => p.provider === gatewayv1.Provider.PROVIDER_FONNTE)!;
    expect(fonnte.accepted).toBeGreaterThan(0);
    expect(fonnte.failed).toBeGreaterThan(0);
    expect(stats.byNotificationType.find((t) => t.notificationType === NT.NOTIFICATION_TYPE_WELCOME)!.count).toBeGreaterThan(3);
  });
});
