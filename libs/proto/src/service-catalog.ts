import type { ServiceDefinition } from '@grpc/grpc-js';

import * as customerv1 from './packages/notify-customer-v1';
import * as gatewayv1 from './packages/notify-gateway-v1';
import * as schedulerv1 from './packages/notify-scheduler-v1';
import * as templatev1 from './packages/notify-template-v1';
import * as ticketv1 from './packages/notify-ticket-v1';

/** The five Notify services (ARCHITECTURE.md), by the name used everywhere (folder, Nx project, image). */
export type ServiceName = 'ticket' | 'customer' | 'template' | 'scheduler' | 'gateway';

/** What a server or client needs to know about one service. */
export interface ServiceCatalogEntry {
  /** Fully-qualified gRPC service name, e.g. `notify.ticket.v1.TicketService`. */
  readonly fullName: string;
  /** The grpc-js service definition (pass to `server.addService`). */
  readonly definition: ServiceDefinition;
  /** Proto files (relative to PROTO_ROOT) that define the service, for proto-loader / reflection. */
  readonly protoFiles: readonly string[];
  /** Default gRPC port (issue 2); `GRPC_PORT` overrides it in the service's config. */
  readonly defaultPort: number;
}

/**
 * The five services: fully-qualified name, grpc-js definition, proto files and default
 * port (ticket 50051, customer 50052, template 50053, scheduler 50054, gateway 50055).
 */
export const SERVICE_CATALOG: Readonly<Record<ServiceName, ServiceCatalogEntry>> = {
  ticket: {
    fullName: 'notify.ticket.v1.TicketService',
    definition: ticketv1.TicketServiceService,
    protoFiles: ['notify/ticket/v1/ticket_service.proto'],
    defaultPort: 50051,
  },
  customer: {
    fullName: 'notify.customer.v1.CustomerService',
    definition: customerv1.CustomerServiceService,
    protoFiles: ['notify/customer/v1/customer_service.proto'],
    defaultPort: 50052,
  },
  template: {
    fullName: 'notify.template.v1.TemplateService',
    definition: templatev1.TemplateServiceService,
    protoFiles: ['notify/template/v1/template_service.proto'],
    defaultPort: 50053,
  },
  scheduler: {
    fullName: 'notify.scheduler.v1.SchedulerService',
    definition: schedulerv1.SchedulerServiceService,
    protoFiles: ['notify/scheduler/v1/scheduler_service.proto'],
    defaultPort: 50054,
  },
  gateway: {
    fullName: 'notify.gateway.v1.NotificationService',
    definition: gatewayv1.NotificationServiceService,
    protoFiles: ['notify/gateway/v1/notification_service.proto'],
    defaultPort: 50055,
  },
};
