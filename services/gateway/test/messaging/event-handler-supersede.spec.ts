// The gateway's event handler and the supersede step: a ticket event first records what it makes
// stale (SupersedeDeliveriesUseCase, with the event's key, id, ticket and previous technician),
// then ingests its own notification; other events skip that step; a failure of that step (the
// database) fails the handling, so the bus redelivers the event and nothing is ingested before it.
import { encodeEvent } from '@notify/events';
import { createLogger } from '@notify/logger';
import type { IncomingEvent } from '@notify/messaging';
import { commonv1, customerv1, schedulerv1, ticketv1 } from '@notify/proto';
import type { IngestNotificationUseCase, IngestRequest, InvoiceClosure, RecipientDirectory, TicketChange } from '../../src/application';
import { gatewayEventHandler } from '../../src/transport/messaging/event.consumers';

const logger = createLogger({ service: 'gateway', level: 'silent' });
const facts = { supportPhone: '', systemName: 'NOTIFY' };
const now = new Date('2026-12-07T03:00:00Z');
const directory: RecipientDirectory = {
  resolve: () => {
    throw new Error('not used');
  },
  customer: async (id) => ({ id, name: 'Rina Wijaya', phone: '6282291921583', address: 'Jl. Mawar 1', workZone: 'karawang', packageName: 'Home 30 Mbps' }),
  staff: async (id) => ({ id, name: 'Lutfi Hakim', phone: '6281200000001' }),
};
const incoming = (e: { subject: string; data: Uint8Array }): IncomingEvent => ({ subject: e.subject, data: e.data, headers: {}, deliveryCount: 1, streamSequence: 1 }) as never;

function reassigned(): IncomingEvent {
  return incoming(encodeEvent('ticket.assigned', ticketv1.TicketEvent.fromPartial({
    eventId: '00000000-0000-4000-8000-0000000000a1', occurredAt: now, type: ticketv1.TicketEventType.TICKET_EVENT_TYPE_ASSIGNED,
    ticket: {
      id: '00000000-0000-4000-8000-0000000000b1', number: 'GGN-20261207-0009', type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
      status: ticketv1.TicketStatus.TICKET_STATUS_ASSIGNED, priority: commonv1.Priority.PRIORITY_NORMAL, customerId: 'c-1', technicianId: 'tech-new',
      workZone: 'karawang', createdAt: now, updatedAt: now, version: 3,
    },
    previousTechnicianId: 'tech-old',
  }), ''));
}

describe('gatewayEventHandler: what a ticket event makes stale is recorded before its notification is ingested', () => {
  let steps: string[];
  let changes: TicketChange[];
  let failSupersede: Error | undefined;
  const ingest = {
    execute: async (req: IngestRequest) => {
      steps.push(`ingest ${req.notificationType}`);
      return { notification: { id: 'n-1', leftOut: 0 }, deliveries: [], duplicate: false };
    },
  } as unknown as IngestNotificationUseCase;
  const supersede = {
    execute: async (c: TicketChange) => {
      if (failSupersede) throw failSupersede;
      steps.push(`supersede ${c.eventKey}`);
      changes.push(c);
      return [];
    },
  };
  const handler = gatewayEventHandler(ingest, directory, facts, logger, { supersede });
  beforeEach(() => {
    steps = [];
    changes = [];
    failSupersede = undefined;
  });

  it('a ticket event: supersede (with the event id, ticket, number and previous technician), then ingest', async () => {
    await expect(handler(reassigned())).resolves.toBeUndefined();
    expect(steps).toEqual(['supersede ticket.assigned', 'ingest TICKET_ASSIGNED']);
    expect(changes).toEqual([{
      eventKey: 'ticket.assigned', eventId: '00000000-0000-4000-8000-0000000000a1', ticketId: '00000000-0000-4000-8000-0000000000b1',
      ticketNumber: 'GGN-20261207-0009', previousTechnicianId: 'tech-old', technicianId: 'tech-new',
    }]);
  });

  it('a schedule event about a ticket (SLA warning) skips the step', async () => {
    const sla = schedulerv1.SlaWarningEvent.fromPartial({
      eventId: '00000000-0000-4000-8000-0000000000a2', occurredAt: now, remainingMinutes: 30, thresholdMinutes: 60,
      ticket: { id: '00000000-0000-4000-8000-0000000000b1', number: 'GGN-20261207-0009', priority: commonv1.Priority.PRIORITY_HIGH, workZone: 'karawang', customerId: 'c-1' },
    });
    await handler(incoming(encodeEvent('schedule.sla_warning', sla, '')));
    expect(steps).toEqual(['ingest SLA_WARNING']);
  });

  it('the step failing (database down) fails the handling: nothing ingested, the bus retries the event', async () => {
    failSupersede = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    await expect(handler(reassigned())).rejects.toThrow('ECONNREFUSED');
    expect(steps).toEqual([]);
  });
});

describe('gatewayEventHandler: an invoice paid or voided withdraws its payment reminders; a paid one is confirmed to the customer', () => {
  const invoiceEvent = (status: customerv1.InvoiceStatus, statusReason = '') =>
    incoming(encodeEvent('customer.invoice_status_changed', customerv1.InvoiceStatusEvent.fromPartial({
      eventId: '00000000-0000-4000-8000-0000000000c1', occurredAt: now, previousStatus: customerv1.InvoiceStatus.INVOICE_STATUS_UNPAID,
      invoice: { id: '00000000-0000-4000-8000-0000000000d1', customerId: 'c-1', number: 'INV-202612-0007', amountRupiah: '150000', dueDate: '2026-12-10', status, statusReason },
    }), ''));

  it('passes the invoice, its number, status and reason to the withdrawal, then ingests PAYMENT_RECEIVED for a payment only; a payment reminder carries its invoice id', async () => {
    const closures: InvoiceClosure[] = [];
    const ingested: IngestRequest[] = [];
    const ingest = { execute: async (req: IngestRequest) => (ingested.push(req), { notification: { id: 'n-1', leftOut: 0 }, deliveries: [{}], duplicate: false }) } as unknown as IngestNotificationUseCase;
    const handler = gatewayEventHandler(ingest, directory, facts, logger, { invoices: { execute: async (c: InvoiceClosure) => (closures.push(c), []) } });
    await expect(handler(invoiceEvent(customerv1.InvoiceStatus.INVOICE_STATUS_PAID, 'transfer BCA 12/12'))).resolves.toBeUndefined();
    await expect(handler(invoiceEvent(customerv1.InvoiceStatus.INVOICE_STATUS_VOID))).resolves.toBeUndefined();
    expect(closures).toEqual([
      { eventId: '00000000-0000-4000-8000-0000000000c1', invoiceId: '00000000-0000-4000-8000-0000000000d1', invoiceNumber: 'INV-202612-0007', status: 'PAID', reason: 'transfer BCA 12/12' },
      { eventId: '00000000-0000-4000-8000-0000000000c1', invoiceId: '00000000-0000-4000-8000-0000000000d1', invoiceNumber: 'INV-202612-0007', status: 'VOID', reason: '' },
    ]);
    // The payment is confirmed to the invoice's customer (after the withdrawal); the voiding tells nobody.
    expect(ingested.map((r) => [r.notificationType, r.idempotencyKey])).toEqual([['PAYMENT_RECEIVED', '00000000-0000-4000-8000-0000000000c1']]);
    expect(ingested[0]!.variables).toMatchObject({ customer_name: 'Rina Wijaya', invoice_number: 'INV-202612-0007', package_name: 'Home 30 Mbps', amount: 150000, due_date: '2026-12-10' });
    ingested.splice(0);

    const reminder = schedulerv1.PaymentReminderEvent.fromPartial({
      eventId: '00000000-0000-4000-8000-0000000000c2', occurredAt: now, daysUntilDue: 3,
      invoice: { id: '00000000-0000-4000-8000-0000000000d1', number: 'INV-202612-0007', amountRupiah: '150000', dueDate: '2026-12-10' },
      customer: { id: 'c-1', name: 'Rina Wijaya', phone: '6282291921583', workZone: 'karawang', packageName: 'Home 30 Mbps' },
    });
    await handler(incoming(encodeEvent('schedule.payment_reminder', reminder, '')));
    expect(ingested.map((r) => [r.notificationType, r.invoiceId])).toEqual([['PAYMENT_REMINDER', '00000000-0000-4000-8000-0000000000d1']]);
  });
});
