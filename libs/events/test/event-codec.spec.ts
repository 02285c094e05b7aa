import { customerv1, gatewayv1, schedulerv1, ticketv1 } from '@notify/proto';

import {
  EVENT_CATALOG,
  PoisonEventError,
  decodeEvent,
  decodeEventAs,
  encodeEvent,
  eventIdFrom,
  type EventKey,
  type EventPayload,
} from '../src';

const at = new Date('2026-11-22T02:15:00.000Z');
let counter = 0;
const uuid = (): string => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;

const ticket = ticketv1.Ticket.fromPartial({
  id: uuid(),
  number: 'GGN-20261122-0001',
  type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
  status: ticketv1.TicketStatus.TICKET_STATUS_ASSIGNED,
  customerId: uuid(),
  technicianId: uuid(),
  workZone: 'karawang',
  slaDueAt: new Date('2026-11-23T02:15:00.000Z'),
  version: 2,
});
const customer = customerv1.Customer.fromPartial({ id: uuid(), name: 'Budi', phone: '6282291921583', workZone: 'karawang', wantsInstallation: true });
const delivery = gatewayv1.Delivery.fromPartial({
  id: uuid(),
  recipient: '6282291921583',
  channel: 1,
  provider: gatewayv1.Provider.PROVIDER_FONNTE,
  costRupiah: '250',
});
const ticketEvent = (type: ticketv1.TicketEventType) =>
  ticketv1.TicketEvent.fromPartial({ eventId: uuid(), occurredAt: at, type, ticket, previousStatus: ticketv1.TicketStatus.TICKET_STATUS_OPEN, reason: 'x' });
const customerEvent = (type: customerv1.CustomerEventType) => customerv1.CustomerEvent.fromPartial({ eventId: uuid(), occurredAt: at, type, customer });
const deliveryEvent = (type: gatewayv1.DeliveryEventType) =>
  gatewayv1.DeliveryEvent.fromPartial({ eventId: uuid(), occurredAt: at, type, delivery, attempt: { provider: 1, latencyMs: 120, costRupiah: '250' } });
const stats = ticketv1.TechnicianStats.fromPartial({ technicianId: uuid(), completed: 7, meanTimeToResolveHours: 3.5, slaMet: 6 });

/** One valid sample per event key; the `satisfies` makes a missing key a type error. */
const SAMPLES = {
  'ticket.created': ticketEvent(ticketv1.TicketEventType.TICKET_EVENT_TYPE_CREATED),
  'ticket.assigned': ticketEvent(ticketv1.TicketEventType.TICKET_EVENT_TYPE_ASSIGNED),
  'ticket.started': ticketEvent(ticketv1.TicketEventType.TICKET_EVENT_TYPE_STARTED),
  'ticket.completed': ticketEvent(ticketv1.TicketEventType.TICKET_EVENT_TYPE_COMPLETED),
  'ticket.cancelled': ticketEvent(ticketv1.TicketEventType.TICKET_EVENT_TYPE_CANCELLED),
  'ticket.escalated': ticketEvent(ticketv1.TicketEventType.TICKET_EVENT_TYPE_ESCALATED),
  'customer.registered': customerEvent(customerv1.CustomerEventType.CUSTOMER_EVENT_TYPE_REGISTERED),
  'customer.activated': customerEvent(customerv1.CustomerEventType.CUSTOMER_EVENT_TYPE_ACTIVATED),
  'customer.opted_out': customerv1.OptOutEvent.fromPartial({
    eventId: uuid(),
    occurredAt: at,
    optOut: { phone: '6282291921583', channel: 1, reason: 'STOP reply via fonnte', createdAt: at },
  }),
  'customer.preferences_updated': customerv1.PreferencesEvent.fromPartial({
    eventId: uuid(),
    occurredAt: at,
    preferences: { recipientKind: 2, recipientId: uuid(), quietHours: { startMinute: 1320, endMinute: 360, timeZone: 'Asia/Jakarta' } },
  }),
  'customer.invoice_status_changed': customerv1.InvoiceStatusEvent.fromPartial({
    eventId: uuid(),
    occurredAt: at,
    invoice: { id: uuid(), number: 'INV-202612-0001', amountRupiah: '150000', dueDate: '2026-12-10', status: 2 },
    previousStatus: 1,
  }),
  'schedule.sla_warning': schedulerv1.SlaWarningEvent.fromPartial({ eventId: uuid(), occurredAt: at, ticket, thresholdMinutes: 60, remainingMinutes: 42 }),
  'schedule.payment_reminder': schedulerv1.PaymentReminderEvent.fromPartial({
    eventId: uuid(),
    occurredAt: at,
    invoice: { id: uuid(), amountRupiah: '150000', dueDate: '2026-11-29' },
    customer,
    daysUntilDue: 7,
  }),
  'schedule.daily_summary': schedulerv1.DailySummaryEvent.fromPartial({
    eventId: uuid(),
    occurredAt: at,
    date: '2026-11-22',
    stats: { total: 25, completed: 18, slaCompliancePercent: 95, technicians: [stats] },
  }),
  'schedule.weekly_performance': schedulerv1.WeeklyPerformanceEvent.fromPartial({
    eventId: uuid(),
    occurredAt: at,
    technicianId: stats.technicianId,
    weekStart: '2026-11-16',
    weekEnd: '2026-11-22',
    stats,
    rank: 1,
    rankedCount: 13,
  }),
  'schedule.campaign_due': schedulerv1.CampaignDueEvent.fromPartial({
    eventId: uuid(),
    occurredAt: at,
    campaign: { id: uuid(), name: 'Ramadan Promo 2025', variables: { discount: 50, terms: ['Minimal 6 bulan'] }, audience: [{ kind: 12 }] },
  }),
  'delivery.queued': deliveryEvent(gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_QUEUED),
  'delivery.sent': deliveryEvent(gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_SENT),
  'delivery.delivered': deliveryEvent(gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_DELIVERED),
  'delivery.read': deliveryEvent(gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_READ),
  'delivery.failed': deliveryEvent(gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_FAILED),
} satisfies { [K in EventKey]: EventPayload<K> };

const KEYS = Object.keys(EVENT_CATALOG) as EventKey[];

describe('encodeEvent / decodeEvent', () => {
  it('covers every event key', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...KEYS].sort());
    expect(KEYS).toHaveLength(21);
  });

  it.each(KEYS)('round-trips %s through protobuf bytes', (key) => {
    const payload = SAMPLES[key];
    const encoded = encodeEvent(key, payload as never);
    const [domain, name] = key.split('.');
    expect(encoded.subject).toBe(`notify.${domain}.v1.${name}`);
    expect(encoded.msgID).toBe(payload.eventId);
    const decoded = decodeEvent(encoded.subject, encoded.data);
    expect(decoded.key).toBe(key);
    expect(decoded.domain).toBe(domain);
    expect(decoded.name).toBe(name);
    expect(decoded.namespace).toBeUndefined();
    expect(decoded.payload).toEqual(payload);
  });

  it('round-trips on namespaced subjects and reports the namespace', () => {
    const payload = SAMPLES['customer.registered'];
    const encoded = encodeEvent('customer.registered', payload, 't123');
    expect(encoded.subject).toBe('t123.notify.customer.v1.registered');
    const decoded = decodeEvent(encoded.subject, encoded.data);
    expect(decoded.namespace).toBe('t123');
    if (decoded.key !== 'customer.registered') throw new Error('wrong key');
    // Typed payload: customer fields without casts.
    expect(decoded.payload.customer?.wantsInstallation).toBe(true);
    expect(decodeEventAs('customer.registered', encoded.subject, encoded.data).customer?.phone).toBe('6282291921583');
  });

  it('keeps int64 rupiah as strings and times as Dates', () => {
    const e = SAMPLES['schedule.payment_reminder'];
    const back = decodeEventAs('schedule.payment_reminder', 'notify.schedule.v1.payment_reminder', encodeEvent('schedule.payment_reminder', e).data);
    expect(back.invoice?.amountRupiah).toBe('150000');
    expect(back.occurredAt).toEqual(at);
  });
});

describe('poison payloads', () => {
  const poison = (subject: string, data: Uint8Array): PoisonEventError => {
    try {
      decodeEvent(subject, data);
    } catch (err) {
      expect(err).toBeInstanceOf(PoisonEventError);
      expect((err as PoisonEventError).permanent).toBe(true);
      expect((err as PoisonEventError).subject).toBe(subject);
      return err as PoisonEventError;
    }
    throw new Error('expected a PoisonEventError');
  };

  it('rejects bytes that are not protobuf', () => {
    const err = poison('notify.ticket.v1.created', Buffer.from('{"id": "not protobuf"}'));
    expect(err.message).toMatch(/poison event on notify.ticket.v1.created: /);
  });

  it('rejects an envelope whose type contradicts the subject', () => {
    const { data } = encodeEvent('ticket.completed', SAMPLES['ticket.completed']);
    expect(poison('notify.ticket.v1.cancelled', data).reason).toMatch(/type is 4, but ticket.cancelled requires 5/);
  });

  it('rejects a payload without event id, time or snapshot', () => {
    const noId = ticketv1.TicketEvent.encode({ ...SAMPLES['ticket.created'], eventId: '' }).finish();
    expect(poison('notify.ticket.v1.created', noId).reason).toMatch(/event_id "" is not a UUID/);
    const noTime = ticketv1.TicketEvent.encode({ ...SAMPLES['ticket.created'], occurredAt: undefined }).finish();
    expect(poison('notify.ticket.v1.created', noTime).reason).toMatch(/occurred_at is missing/);
    const noCampaign = schedulerv1.CampaignDueEvent.encode({ ...SAMPLES['schedule.campaign_due'], campaign: undefined }).finish();
    expect(poison('notify.schedule.v1.campaign_due', noCampaign).reason).toMatch(/CampaignDueEvent.campaign is missing/);
    expect(poison('notify.ticket.v1.created', new Uint8Array()).reason).toMatch(/event_id/);
  });

  it('rejects unknown subjects and a different event than expected', () => {
    expect(poison('notify.ticket.v1.exploded', new Uint8Array()).reason).toMatch(/not a known Notify event subject/);
    const { subject, data } = encodeEvent('delivery.sent', SAMPLES['delivery.sent']);
    expect(() => decodeEventAs('delivery.read', subject, data)).toThrow(/expected delivery.read, got delivery.sent/);
  });

  it('refuses to encode an invalid payload', () => {
    expect(() => encodeEvent('ticket.created', { ...SAMPLES['ticket.created'], type: ticketv1.TicketEventType.TICKET_EVENT_TYPE_STARTED })).toThrow(TypeError);
    expect(() => encodeEvent('delivery.queued', { ...SAMPLES['delivery.queued'], delivery: undefined })).toThrow(/DeliveryEvent.delivery is missing/);
  });
});

describe('eventIdFrom', () => {
  it('derives a stable UUID v5 per fact', () => {
    const a = eventIdFrom('sla_warning', 'ticket-1', '60');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventIdFrom('sla_warning', 'ticket-1', '60')).toBe(a);
    expect(eventIdFrom('sla_warning', 'ticket-1', '120')).not.toBe(a);
    // Parts are delimited: ('ab', 'c') differs from ('a', 'bc').
    expect(eventIdFrom('ab', 'c')).not.toBe(eventIdFrom('a', 'bc'));
  });
});
