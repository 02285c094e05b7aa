// The RPC names issue 2 promises to internal clients, read from the generated grpc-js
// service definitions: renaming or dropping one in proto/ fails this test (and CI).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { PROTO_ROOT, SERVICE_CATALOG, customerv1, gatewayv1, schedulerv1, templatev1, ticketv1 } from '../src';

/** Issue 2, "Contracts": service → RPC names (and ARCHITECTURE.md's service table). */
const PROMISED: Record<string, { definition: Record<string, { path: string; responseStream: boolean }>; rpcs: string[] }> = {
  'notify.ticket.v1.TicketService': {
    definition: ticketv1.TicketServiceService,
    rpcs: ['CreateTicket', 'GetTicket', 'ListTickets', 'AssignTicket', 'StartTicket', 'CompleteTicket', 'CancelTicket', 'EscalateTicket', 'GetTicketStats', 'WatchTickets'],
  },
  'notify.customer.v1.CustomerService': {
    definition: customerv1.CustomerServiceService,
    rpcs: [
      'RegisterCustomer', 'GetCustomer', 'ListCustomers', 'ActivateCustomer', 'CreateStaff', 'GetStaff', 'ListStaff',
      'CreateGroup', 'ListGroups', 'UpdateGroup', 'DeleteGroup', 'GetPreferences', 'UpdatePreferences', 'OptOut', 'OptIn',
      'CreateInvoice', 'ListInvoicesDue', 'SetInvoiceStatus', 'ListInvoices', 'UpdateCustomer', 'SuspendCustomer', 'ResolveRecipients',
    ],
  },
  'notify.template.v1.TemplateService': {
    definition: templatev1.TemplateServiceService,
    rpcs: ['UpsertTemplate', 'GetTemplate', 'ListTemplates', 'RenderTemplate', 'BatchRenderTemplates', 'PreviewTemplate', 'ListTemplateVersions', 'ActivateTemplateVersion'],
  },
  'notify.scheduler.v1.SchedulerService': {
    definition: schedulerv1.SchedulerServiceService,
    rpcs: ['ListJobs', 'TriggerJob', 'ListJobRuns', 'PauseJob', 'ResumeJob', 'ScheduleCampaign', 'CancelCampaign', 'ListCampaigns'],
  },
  'notify.gateway.v1.NotificationService': {
    definition: gatewayv1.NotificationServiceService,
    rpcs: ['Notify', 'Broadcast', 'GetDelivery', 'ListDeliveries', 'RetryDelivery', 'GetStats', 'ListProviders', 'WatchDeliveries'],
  },
};

const STREAMING = new Set(['notify.ticket.v1.TicketService/WatchTickets', 'notify.gateway.v1.NotificationService/WatchDeliveries']);

describe('generated service definitions', () => {
  for (const [service, { definition, rpcs }] of Object.entries(PROMISED)) {
    describe(service, () => {
      const paths = Object.values(definition).map((m) => m.path);
      it.each(rpcs)('exposes %s at its gRPC path', (rpc) => {
        expect(paths).toContain(`/${service}/${rpc}`);
      });
      it('streams responses only for the Watch RPCs', () => {
        for (const method of Object.values(definition)) {
          const name = method.path.slice(1);
          expect(method.responseStream).toBe(STREAMING.has(name));
        }
      });
    });
  }

  it('lists all five services in SERVICE_CATALOG with the issue-2 ports and existing proto files', () => {
    expect(Object.values(SERVICE_CATALOG).map((s) => s.fullName).sort()).toEqual(Object.keys(PROMISED).sort());
    expect(Object.fromEntries(Object.entries(SERVICE_CATALOG).map(([k, v]) => [k, v.defaultPort]))).toEqual({
      ticket: 50051, customer: 50052, template: 50053, scheduler: 50054, gateway: 50055,
    });
    for (const entry of Object.values(SERVICE_CATALOG)) {
      expect(entry.definition).toBe(PROMISED[entry.fullName]!.definition);
      for (const file of entry.protoFiles) expect(fs.existsSync(path.join(PROTO_ROOT, file))).toBe(true);
    }
  });

  it('keeps the enum names the issues rely on', () => {
    expect(ticketv1.TicketType.TICKET_TYPE_DISTURBANCE).toBe(1);
    expect(ticketv1.TicketType.TICKET_TYPE_INSTALLATION).toBe(2);
    expect(Object.keys(ticketv1.TicketStatus).filter((k) => isNaN(Number(k)))).toEqual([
      'TICKET_STATUS_UNSPECIFIED', 'TICKET_STATUS_OPEN', 'TICKET_STATUS_ASSIGNED', 'TICKET_STATUS_IN_PROGRESS',
      'TICKET_STATUS_COMPLETED', 'TICKET_STATUS_CANCELLED', 'UNRECOGNIZED',
    ]);
    expect(Object.keys(gatewayv1.DeliveryStatus).filter((k) => isNaN(Number(k)))).toEqual([
      'DELIVERY_STATUS_UNSPECIFIED', 'DELIVERY_STATUS_QUEUED', 'DELIVERY_STATUS_DEFERRED', 'DELIVERY_STATUS_SENDING',
      'DELIVERY_STATUS_SENT', 'DELIVERY_STATUS_DELIVERED', 'DELIVERY_STATUS_READ', 'DELIVERY_STATUS_FAILED',
      'DELIVERY_STATUS_DEAD', 'DELIVERY_STATUS_CANCELLED', 'UNRECOGNIZED',
    ]);
  });

  it('round-trips a ticket through protobuf bytes with Date timestamps and string int64', () => {
    const ticket = ticketv1.Ticket.fromPartial({
      id: '0b7f5a52-8c1e-4a43-9a59-3c1f3b1f0d11',
      number: 'GGN-20261122-0001',
      type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
      status: ticketv1.TicketStatus.TICKET_STATUS_OPEN,
      slaDueAt: new Date('2026-11-22T06:15:00.000Z'),
      version: 1,
    });
    const back = ticketv1.Ticket.decode(ticketv1.Ticket.encode(ticket).finish());
    expect(back).toEqual(ticket);
    expect(back.slaDueAt).toBeInstanceOf(Date);
    const invoice = customerv1.Invoice.decode(customerv1.Invoice.encode(customerv1.Invoice.fromPartial({ amountRupiah: '150000' })).finish());
    expect(invoice.amountRupiah).toBe('150000');
  });
});
