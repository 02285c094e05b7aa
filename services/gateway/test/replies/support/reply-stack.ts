// The reply flow's integration specs run the REAL customer and ticket services (and, when asked,
// the template service) in this test process (their composition roots, as the embedded mode
// does), so these imports cross the
// service boundary on purpose. Production code of the gateway never imports another service;
// only this test fixture does.
/* eslint-disable @nx/enforce-module-boundaries */
import { loadCustomerConfig } from '../../../../customer/src/config';
import { startCustomerService, type RunningCustomerService } from '../../../../customer/src/server';
import { loadTemplateConfig } from '../../../../template/src/config';
import { startTemplateService, type RunningTemplateService } from '../../../../template/src/server';
import { loadTicketConfig } from '../../../../ticket/src/config';
import { startTicketService, type RunningTicketService } from '../../../../ticket/src/server';
/* eslint-enable @nx/enforce-module-boundaries */
import { createClient } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { customerv1, templatev1, ticketv1 } from '@notify/proto';
import { createTestNats, createTestSchema, type TestNats, type TestSchema } from '@notify/testing';

export { RecordingReplySender, type SentReply } from './recording-reply-sender';

/** API keys of the in-test services (`NOTIFY_API_KEYS`). */
export const KEYS = { admin: 'it-replies-admin-key-0001', service: 'it-replies-service-key-01' } as const;

/** The customer and ticket services running in this process, with clients for them. */
export interface ReplyStack {
  readonly customerService: RunningCustomerService;
  readonly ticketService: RunningTicketService;
  /** Clients with the `service` role key (what the gateway uses). */
  readonly customer: customerv1.CustomerServiceClient;
  readonly ticket: ticketv1.TicketServiceClient;
  /** Clients with the `admin` role key (seeding and checking). */
  readonly adminCustomer: customerv1.CustomerServiceClient;
  readonly adminTicket: ticketv1.TicketServiceClient;
  /** With `{ template: true }`: the template service (seeded with the defaults) and clients for it. */
  readonly templateService?: RunningTemplateService;
  /** `service` role key (what the gateway's GrpcTemplateRenderer uses). */
  readonly template?: templatev1.TemplateServiceClient;
  /** `admin` role key (UpsertTemplate, as an operator's `notifyctl templates`). */
  readonly adminTemplate?: templatev1.TemplateServiceClient;
  stop(): Promise<void>;
}

/**
 * Starts the customer service, then the ticket service (whose AssignTicket asks the customer
 * service for the technician over gRPC, with the service key), each on 127.0.0.1:0 with its own
 * fresh Postgres schema, both on one fresh JetStream namespace; with `options.template` also the
 * template service (its own schema; it seeds the default templates on start). `stop()` closes the
 * clients, stops the services, deletes the namespace's streams and drops the schemas.
 */
export async function startReplyStack(prefix: string, options: { template?: boolean } = {}): Promise<ReplyStack> {
  const custPg: TestSchema = await createTestSchema(`${prefix}_cust`);
  const ticketPg: TestSchema = await createTestSchema(`${prefix}_tkt`);
  const templatePg: TestSchema | undefined = options.template ? await createTestSchema(`${prefix}_tpl`) : undefined;
  const nats: TestNats = createTestNats(prefix);
  const apiKeys = `${KEYS.admin}:admin,${KEYS.service}:service`;
  const common = { NODE_ENV: 'test', LOG_LEVEL: 'silent', GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', NOTIFY_API_KEYS: apiKeys, NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace };
  const closers: Array<() => Promise<unknown>> = [() => custPg.dropSchema(), () => ticketPg.dropSchema(), () => nats.cleanup()];
  if (templatePg) closers.push(() => templatePg.dropSchema());
  const stop = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const customerService = await startCustomerService(
      loadCustomerConfig({ ...common, DATABASE_URL: custPg.url, DATABASE_SCHEMA: custPg.schema }),
      createLogger({ service: 'customer', level: 'silent' }),
    );
    closers.push(() => customerService.stop());
    const customerAddr = `127.0.0.1:${customerService.grpc.port}`;
    const ticketService = await startTicketService(
      loadTicketConfig({ ...common, DATABASE_URL: ticketPg.url, DATABASE_SCHEMA: ticketPg.schema, CUSTOMER_ADDR: customerAddr, SERVICE_API_KEY: KEYS.service }),
      createLogger({ service: 'ticket', level: 'silent' }),
    );
    closers.push(() => ticketService.stop());
    const ticketAddr = `127.0.0.1:${ticketService.grpc.port}`;
    const customer = createClient(customerv1.CustomerServiceClient, customerAddr, { apiKey: KEYS.service });
    const ticket = createClient(ticketv1.TicketServiceClient, ticketAddr, { apiKey: KEYS.service });
    const adminCustomer = createClient(customerv1.CustomerServiceClient, customerAddr, { apiKey: KEYS.admin });
    const adminTicket = createClient(ticketv1.TicketServiceClient, ticketAddr, { apiKey: KEYS.admin });
    for (const c of [customer, ticket, adminCustomer, adminTicket]) closers.push(async () => c.close());
    if (!templatePg) return { customerService, ticketService, customer, ticket, adminCustomer, adminTicket, stop };
    const templateService = await startTemplateService(
      loadTemplateConfig({ ...common, DATABASE_URL: templatePg.url, DATABASE_SCHEMA: templatePg.schema }),
      createLogger({ service: 'template', level: 'silent' }),
    );
    closers.push(() => templateService.stop());
    const templateAddr = `127.0.0.1:${templateService.grpc.port}`;
    const template = createClient(templatev1.TemplateServiceClient, templateAddr, { apiKey: KEYS.service });
    const adminTemplate = createClient(templatev1.TemplateServiceClient, templateAddr, { apiKey: KEYS.admin });
    for (const c of [template, adminTemplate]) closers.push(async () => c.close());
    return { customerService, ticketService, customer, ticket, adminCustomer, adminTicket, templateService, template, adminTemplate, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
