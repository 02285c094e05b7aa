// The gateway's event → notification mapping: the variables the templates get (a ticket's
// title + description line as one readable line, ticket links only with a portal) and the
// events that make no notification (a customer's reactivation).
import { EVENT_TEMPLATE_VARIABLES, decodeEvent, encodeEvent } from '@notify/events';
import { commonv1, customerv1, schedulerv1, ticketv1 } from '@notify/proto';
import type { RecipientDirectory } from '../../src/application';
import { notificationForEvent } from '../../src/transport/messaging/event-notification.mapper';
import { gatewayOrderKey } from '../../src/transport/messaging/event.consumers';

const directory: RecipientDirectory = {
  resolve: () => {
    throw new Error('not used');
  },
  customer: async (id) => ({ id, name: 'Rina Wijaya', phone: '6282291921583', address: 'Jl. Mawar 1', workZone: 'karawang', packageName: 'Home 30 Mbps' }),
  staff: async () => null,
};
const now = new Date('2026-12-06T03:00:00Z');
const created = () => {
  const evt = ticketv1.TicketEvent.fromPartial({
    eventId: '00000000-0000-4000-8000-000000000001', occurredAt: now, type: ticketv1.TicketEventType.TICKET_EVENT_TYPE_CREATED,
    ticket: {
      id: '00000000-0000-4000-8000-0000000000aa', number: 'GGN-20261206-0001', type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
      status: ticketv1.TicketStatus.TICKET_STATUS_OPEN, priority: commonv1.Priority.PRIORITY_HIGH, customerId: 'c-1',
      description: 'Internet mati total\nSeluruh layanan mati, pelanggan bisnis', address: 'Jl. Mawar 1', workZone: 'karawang', createdAt: now, updatedAt: now, version: 1,
    },
  });
  const e = encodeEvent('ticket.created', evt, '');
  return decodeEvent(e.subject, e.data);
};

describe('notificationForEvent', () => {
  it('gives the templates the ticket text as one line of sentences, and its link only when a portal is configured', async () => {
    const withPortal = await notificationForEvent(created(), directory, { ticketPortalUrl: 'https://portal.isp.id/tickets/', supportPhone: '', systemName: 'NOTIFY' });
    expect(withPortal!.variables).toMatchObject({
      description: 'Internet mati total. Seluruh layanan mati, pelanggan bisnis',
      ticket_url: 'https://portal.isp.id/tickets/GGN-20261206-0001',
      detail_url: 'https://portal.isp.id/tickets/GGN-20261206-0001',
    });
    const without = await notificationForEvent(created(), directory, { supportPhone: '', systemName: 'NOTIFY' });
    expect(without!.variables).toMatchObject({ ticket_url: '', detail_url: '' });
  });

  it('makes no notification for a reactivation (activated from SUSPENDED), a welcome for a first activation', async () => {
    const activated = (previousStatus: customerv1.CustomerStatus) => {
      const e = encodeEvent('customer.activated', customerv1.CustomerEvent.fromPartial({
        eventId: '00000000-0000-4000-8000-000000000002', occurredAt: now, type: customerv1.CustomerEventType.CUSTOMER_EVENT_TYPE_ACTIVATED,
        customer: { id: 'c-1', name: 'Rina Wijaya', phone: '6282291921583', workZone: 'karawang', status: customerv1.CustomerStatus.CUSTOMER_STATUS_ACTIVE },
        previousStatus,
      }), '');
      return decodeEvent(e.subject, e.data);
    };
    const facts = { supportPhone: '', systemName: 'NOTIFY' };
    expect(await notificationForEvent(activated(customerv1.CustomerStatus.CUSTOMER_STATUS_SUSPENDED), directory, facts)).toBeNull();
    expect(await notificationForEvent(activated(customerv1.CustomerStatus.CUSTOMER_STATUS_PENDING), directory, facts)).toMatchObject({ notificationType: 'CUSTOMER_ACTIVATED' });
  });
});

describe('gatewayOrderKey (events of one ticket, or one customer, are handled in order)', () => {
  const incoming = (e: { subject: string; data: Uint8Array }) => ({ subject: e.subject, data: e.data, headers: {}, deliveryCount: 1, streamSequence: 1 }) as never;
  it('keys ticket events and SLA warnings by ticket, customer events by customer, payment reminders not at all', () => {
    const t = ticketv1.TicketEvent.fromPartial({ eventId: '00000000-0000-4000-8000-0000000000e1', occurredAt: now, type: ticketv1.TicketEventType.TICKET_EVENT_TYPE_ASSIGNED, ticket: { id: 'tk-1', number: 'GGN-1' } });
    expect(gatewayOrderKey(incoming(encodeEvent('ticket.assigned', t, '')))).toBe('ticket:tk-1');
    const sla = schedulerv1.SlaWarningEvent.fromPartial({ eventId: '00000000-0000-4000-8000-0000000000e2', occurredAt: now, ticket: { id: 'tk-1' }, remainingMinutes: 30 });
    expect(gatewayOrderKey(incoming(encodeEvent('schedule.sla_warning', sla, '')))).toBe('ticket:tk-1');
    const c = customerv1.CustomerEvent.fromPartial({ eventId: '00000000-0000-4000-8000-0000000000e3', occurredAt: now, type: customerv1.CustomerEventType.CUSTOMER_EVENT_TYPE_REGISTERED, customer: { id: 'c-9' } });
    expect(gatewayOrderKey(incoming(encodeEvent('customer.registered', c, '')))).toBe('customer:c-9');
    const pay = schedulerv1.PaymentReminderEvent.fromPartial({ eventId: '00000000-0000-4000-8000-0000000000e4', occurredAt: now, invoice: { id: 'inv-1', customerId: 'c-9' }, customer: { id: 'c-9' } });
    expect(gatewayOrderKey(incoming(encodeEvent('schedule.payment_reminder', pay, '')))).toBeUndefined();
  });
});

describe('the daily summary (seed Template 3: the day\'s tickets by status under "Total Tickets")', () => {
  it('counts Completed / In Progress / Assigned / Open among the day\'s tickets, so they add up to the total (cancelled aside)', async () => {
    const T = ticketv1.TicketStatus;
    const D = ticketv1.TicketType.TICKET_TYPE_DISTURBANCE;
    const evt = schedulerv1.DailySummaryEvent.fromPartial({
      eventId: '00000000-0000-4000-8000-0000000000d1', occurredAt: now, date: '2026-12-06', jobRunId: 'run-1',
      stats: {
        total: 6,
        counts: [
          { type: D, status: T.TICKET_STATUS_COMPLETED, count: 1 }, { type: D, status: T.TICKET_STATUS_IN_PROGRESS, count: 1 },
          { type: D, status: T.TICKET_STATUS_OPEN, count: 2 }, { type: ticketv1.TicketType.TICKET_TYPE_INSTALLATION, status: T.TICKET_STATUS_OPEN, count: 1 },
          { type: D, status: T.TICKET_STATUS_CANCELLED, count: 1 },
        ],
        completed: 3, // completed today, two of them created earlier
        open: 9, // every ticket not done, whenever created
        slaCompliancePercent: 66.7, meanTimeToResolveHours: 5.26,
      },
    });
    const e = encodeEvent('schedule.daily_summary', evt, '');
    const req = await notificationForEvent(decodeEvent(e.subject, e.data), directory, { supportPhone: '', systemName: 'NOTIFY' });
    expect(req!.variables).toMatchObject({ total: 6, completed: 1, in_progress: 1, assigned: 0, open: 3, cancelled: 1, resolved: 3, sla_compliance: 67, avg_resolution_hours: 5.3 });
    expect(req!.variables).toMatchObject({ overdue_tickets: [], overdue_more: 0 });
  });

  it('lists the overdue tickets with their technician\'s name (none for one nobody took, "unknown" for a staff id the directory does not know) and how many more there are', async () => {
    const staff: RecipientDirectory = {
      ...directory,
      staff: async (id) => (id === 'tech-1' ? { id, name: 'Lutfi Hakim', phone: '6281200000001' } : null),
    };
    const evt = schedulerv1.DailySummaryEvent.fromPartial({
      eventId: '00000000-0000-4000-8000-0000000000d2', occurredAt: now, date: '2026-12-06', jobRunId: 'run-2', stats: { total: 0, counts: [] },
      overdue: [
        { id: 't-1', number: 'GGN-20261205-0004', technicianId: 'tech-1' },
        { id: 't-2', number: 'PSB-20261206-0001', technicianId: '' },
        { id: 't-3', number: 'GGN-20261206-0002', technicianId: 'gone' },
      ],
      overdueTotal: 25,
    });
    const e = encodeEvent('schedule.daily_summary', evt, '');
    const req = await notificationForEvent(decodeEvent(e.subject, e.data), staff, { supportPhone: '', systemName: 'NOTIFY' });
    expect(req!.variables).toMatchObject({
      overdue_tickets: [
        { number: 'GGN-20261205-0004', technician: 'Lutfi Hakim' },
        { number: 'PSB-20261206-0001', technician: '' },
        { number: 'GGN-20261206-0002', technician: 'teknisi tidak dikenal' },
      ],
      overdue_more: 22,
    });
  });
});

describe('the variables each event carries (@notify/events EVENT_TEMPLATE_VARIABLES, which the template service checks edits against)', () => {
  const full = ticketv1.Ticket.fromPartial({
    id: '00000000-0000-4000-8000-0000000000bb', number: 'GGN-20261206-0009', type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
    status: ticketv1.TicketStatus.TICKET_STATUS_COMPLETED, priority: commonv1.Priority.PRIORITY_HIGH, customerId: 'c-1', technicianId: 'tech-1',
    title: 'Internet mati', description: 'Lampu LOS merah', address: 'Jl. Mawar 1', workZone: 'karawang', createdAt: now, updatedAt: now,
    slaDueAt: now, startedAt: now, completedAt: new Date(now.getTime() + 3_600_000), cancelledAt: now, completionNotes: 'Kabel diganti', version: 4,
  });
  const withStaff: RecipientDirectory = { ...directory, staff: async (id) => ({ id, name: 'Lutfi Hakim', phone: '6281200000001' }) };
  const facts = { ticketPortalUrl: 'https://portal.isp.id/t', supportPhone: '6282100000000', systemName: 'NOTIFY' };
  const decoded = <K extends Parameters<typeof encodeEvent>[0]>(key: K, payload: Parameters<typeof encodeEvent<K>>[1]) => {
    const e = encodeEvent(key, payload, '');
    return decodeEvent(e.subject, e.data);
  };
  const base = { eventId: '00000000-0000-4000-8000-0000000000e1', occurredAt: now };
  const customer = { id: 'c-1', name: 'Rina Wijaya', phone: '6282291921583', workZone: 'karawang', packageName: 'Home 30 Mbps', address: 'Jl. Mawar 1', createdAt: now, updatedAt: now };
  const samples: Array<[keyof typeof EVENT_TEMPLATE_VARIABLES, ReturnType<typeof decodeEvent>]> = [
    ...(['created', 'assigned', 'started', 'completed', 'cancelled', 'escalated'] as const).map((n) => [
      `ticket.${n}`,
      decoded(`ticket.${n}`, ticketv1.TicketEvent.fromPartial({ ...base, type: ticketv1.TicketEventType[`TICKET_EVENT_TYPE_${n.toUpperCase()}` as 'TICKET_EVENT_TYPE_CREATED'], ticket: full, reason: 'r' })),
    ] as [keyof typeof EVENT_TEMPLATE_VARIABLES, ReturnType<typeof decodeEvent>]),
    ['schedule.sla_warning', decoded('schedule.sla_warning', schedulerv1.SlaWarningEvent.fromPartial({ ...base, ticket: full, thresholdMinutes: 60, remainingMinutes: 42 }))],
    ['schedule.payment_reminder', decoded('schedule.payment_reminder', schedulerv1.PaymentReminderEvent.fromPartial({
      ...base, invoice: { id: 'inv-1', number: 'INV-1', amountRupiah: '150000', dueDate: '2026-12-13' }, customer, daysUntilDue: 7,
    }))],
    ['customer.invoice_status_changed', decoded('customer.invoice_status_changed', customerv1.InvoiceStatusEvent.fromPartial({
      ...base, invoice: { id: 'inv-1', customerId: 'c-1', number: 'INV-1', amountRupiah: '150000', dueDate: '2026-12-13', description: 'Desember 2026', status: customerv1.InvoiceStatus.INVOICE_STATUS_PAID, statusChangedAt: now },
      previousStatus: customerv1.InvoiceStatus.INVOICE_STATUS_UNPAID,
    }))],
    ['schedule.daily_summary', decoded('schedule.daily_summary', schedulerv1.DailySummaryEvent.fromPartial({ ...base, date: '2026-12-06', stats: { total: 1, counts: [] } }))],
    ['schedule.weekly_performance', decoded('schedule.weekly_performance', schedulerv1.WeeklyPerformanceEvent.fromPartial({
      ...base, technicianId: 'tech-1', weekStart: '2026-11-30', weekEnd: '2026-12-06', stats: { technicianId: 'tech-1', completed: 3 }, rank: 1, rankedCount: 4,
    }))],
    ...(['registered', 'activated'] as const).map((n) => [
      `customer.${n}`,
      decoded(`customer.${n}`, customerv1.CustomerEvent.fromPartial({
        ...base, type: n === 'registered' ? customerv1.CustomerEventType.CUSTOMER_EVENT_TYPE_REGISTERED : customerv1.CustomerEventType.CUSTOMER_EVENT_TYPE_ACTIVATED,
        customer: { ...customer, wantsInstallation: true }, previousStatus: customerv1.CustomerStatus.CUSTOMER_STATUS_PENDING,
      })),
    ] as [keyof typeof EVENT_TEMPLATE_VARIABLES, ReturnType<typeof decodeEvent>]),
  ];

  it.each(samples)('%s: exactly the variables listed (a fully filled event)', async (key, evt) => {
    const req = await notificationForEvent(evt, withStaff, facts);
    // As its recipients get them: the summaries go to staff only, the rest may reach the customer.
    const kind = key === 'schedule.daily_summary' || key === 'schedule.weekly_performance' ? 'STAFF' : 'CUSTOMER';
    const perRecipient = req!.recipientVariables?.({ kind, id: 'c-1', name: 'Rina', channel: 'WHATSAPP', address: '6282291921583', locale: 'ID', quietHours: null, templateKey: '', audience: kind }) ?? {};
    expect(Object.keys({ ...req!.variables, ...perRecipient }).sort()).toEqual([...EVENT_TEMPLATE_VARIABLES[key]!].sort());
  });

  it('every event the gateway turns into a notification from its own variables is listed', () => {
    expect(samples.map(([k]) => k).sort()).toEqual(Object.keys(EVENT_TEMPLATE_VARIABLES).sort());
  });
});
