// Delivery.trace_id: a delivery made in a traced context (here: a ticket event whose message
// carries a W3C `traceparent`, as the ticket service's outbox relay sends it) carries that
// trace's id through GetDelivery and ListDeliveries; one made with tracing off (a Notify call
// with no active span: no gRPC instrumentation in this process) has an empty trace_id. Real
// Postgres, NATS JetStream, customer / template / ticket services and simulators; the W3C
// propagator and the AsyncLocalStorage context manager are registered for this file (what
// startTelemetry registers in a service process), with no tracer provider: the spans made on
// the way (publish, process) keep the remote parent's trace id.
import { randomUUID } from 'node:crypto';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { encodeEvent } from '@notify/events';
import { callUnary } from '@notify/grpc-kit';
import { connectJetStreamBus, type EventBus } from '@notify/messaging';
import { commonv1, customerv1, gatewayv1, ticketv1 } from '@notify/proto';
import { waitFor } from '@notify/testing';
import { startStack, type Stack } from '../support/gateway-stack';

jest.setTimeout(60_000);

let phoneSeq = Math.floor(Math.random() * 1_000_000);
/** A fresh valid Indonesian mobile number, local form (`0815…`), and its E.164 digits. */
function freshPhone(): { local: string; e164: string } {
  const n = String(10_000_000 + (++phoneSeq % 89_999_999)).padStart(8, '0');
  return { local: `0815${n}`, e164: `62815${n}` };
}

describe('gateway: Delivery.trace_id (Postgres + NATS + customer/template/ticket services + simulators)', () => {
  let stack: Stack;
  let bus: EventBus;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    stack = await startStack('gw_trace', { RECIPIENT_RATE_LIMIT: '0' });
    bus = await connectJetStreamBus({ url: stack.nats.url, name: 'gw-trace-publisher' });
  }, 120_000);

  afterAll(async () => {
    await bus?.close();
    await stack?.stop();
    propagation.disable();
    context.disable();
  }, 60_000);

  const hex = (n: number) => randomUUID().replace(/-/g, '').slice(0, n);

  it('a delivery made from a traced ticket event carries the trace id in GetDelivery and ListDeliveries', async () => {
    const phone = freshPhone();
    const customer = (await callUnary(stack.customerClient, 'registerCustomer', customerv1.RegisterCustomerRequest.fromPartial({
      name: 'Dewi Lestari', phone: phone.local, address: 'Jl. Kenari 3, Karawang', workZone: 'karawang', packageName: 'Home 50 Mbps', wantsInstallation: false,
    }))).customer!;
    const traceId = hex(32);
    const traceparent = `00-${traceId}-${hex(16)}-01`;
    const now = new Date();
    const ticketId = randomUUID();
    const evt = ticketv1.TicketEvent.fromPartial({
      eventId: randomUUID(),
      occurredAt: now,
      type: ticketv1.TicketEventType.TICKET_EVENT_TYPE_CREATED,
      ticket: {
        id: ticketId, number: `GGN-TRC-${ticketId.slice(0, 4)}`, type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE, status: ticketv1.TicketStatus.TICKET_STATUS_OPEN,
        priority: commonv1.Priority.PRIORITY_NORMAL, customerId: customer.id, description: 'Modem mati total', address: 'Jl. Kenari 3, Karawang', workZone: 'karawang',
        createdAt: now, updatedAt: now, slaDueAt: new Date(now.getTime() + 86_400_000), version: 1,
      },
    });
    const encoded = encodeEvent('ticket.created', evt, stack.nats.namespace);
    await bus.publish({ subject: encoded.subject, data: encoded.data, msgID: encoded.msgID, headers: { traceparent } });

    const listed = await waitFor(async () => {
      const res = await callUnary(stack.gatewayClient, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial({ ticketId }));
      return res.deliveries.length > 0 ? res.deliveries : null;
    }, { timeoutMs: 20_000, intervalMs: 100 });
    expect(listed.map((d) => d.recipient)).toContain(phone.e164);
    for (const d of listed) expect(d.traceId).toBe(traceId);
    const got = await callUnary(stack.gatewayClient, 'getDelivery', gatewayv1.GetDeliveryRequest.fromPartial({ deliveryId: listed[0]!.id }));
    expect(got.delivery!.traceId).toBe(traceId);
  });

  it('a delivery made with tracing off (no active span) has an empty trace_id', async () => {
    const phone = freshPhone();
    const res = await callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
      idempotencyKey: `trace:${randomUUID()}`, notificationType: commonv1.NotificationType.NOTIFICATION_TYPE_WELCOME,
      target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'phone', value: phone.local } }] } },
      variables: { customer_name: 'Siti', customer_id: 'CUST-1', package_name: 'Home 50 Mbps', activated_at: '2026-11-22T09:00:00+07:00', support_phone: '6281100000000' },
    }));
    expect(res.deliveries).toHaveLength(1);
    const id = res.deliveries[0]!.id;
    expect(res.deliveries[0]!.traceId).toBe('');
    expect((await callUnary(stack.gatewayClient, 'getDelivery', gatewayv1.GetDeliveryRequest.fromPartial({ deliveryId: id }))).delivery!.traceId).toBe('');
    const listed = await callUnary(stack.gatewayClient, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial({ recipient: phone.local }));
    expect(listed.deliveries.map((d) => [d.id, d.traceId])).toEqual([[id, '']]);
  });
});
