// The scheduler's integration specs run the REAL ticket, customer and template services in the
// test process (their composition roots, as the embedded mode does), each on its own fresh
// Postgres schema, so these imports cross the service boundary on purpose. Production code of
// the scheduler never imports another service; only this test fixture does.
/* eslint-disable @nx/enforce-module-boundaries */
import { loadCustomerConfig } from '../../../customer/src/config';
import { startCustomerService, type RunningCustomerService } from '../../../customer/src/server';
import { loadTemplateConfig } from '../../../template/src/config';
import { startTemplateService, type RunningTemplateService } from '../../../template/src/server';
import { loadTicketConfig } from '../../../ticket/src/config';
import { startTicketService, type RunningTicketService } from '../../../ticket/src/server';
import { decodeEvent, eventConsumer, type DecodedEvent, type EventDomain } from '@notify/events';
import { createClient } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { connectJetStreamBus, type ConsumerHandle, type EventBus } from '@notify/messaging';
import { customerv1, schedulerv1, templatev1, ticketv1 } from '@notify/proto';
import { createTestSchema, type TestNats, type TestSchema } from '@notify/testing';
import type { Clock } from '../../src/application';
import { loadSchedulerConfig } from '../../src/config';
import { startSchedulerService, type RunningSchedulerService } from '../../src/server';

export const ADMIN_KEY = 'it-sched-stack-admin-0001';
export const SERVICE_KEY = 'it-sched-stack-service-01';
export const MANAGER_KEY = 'it-sched-stack-manager-01';
const KEYS = `${ADMIN_KEY}:admin,${SERVICE_KEY}:service,${MANAGER_KEY}:manager`;
const silent = createLogger({ service: 'scheduler-it', level: 'silent' });

/** A clock the test moves (never sleeps). */
export class MovableClock implements Clock {
  constructor(private t: Date) {}
  now(): Date {
    return new Date(this.t.getTime());
  }
  set(at: Date | string): void {
    this.t = new Date(at);
  }
}

const base = (pg: TestSchema, nats?: TestNats) => ({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  GRPC_HOST: '127.0.0.1',
  GRPC_PORT: '0',
  NOTIFY_API_KEYS: KEYS,
  DATABASE_URL: pg.url,
  DATABASE_SCHEMA: pg.schema,
  SHUTDOWN_GRACE_MS: '2000',
  ...(nats ? { NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace } : {}),
});

/** Something started by the stack, stopped in reverse order by {@link Stack.stop}. */
export interface Stack {
  readonly schemas: TestSchema[];
  readonly stops: Array<() => Promise<unknown>>;
  stop(): Promise<void>;
}

export function newStack(): Stack {
  const stack: Stack = {
    schemas: [],
    stops: [],
    async stop() {
      for (const fn of stack.stops.splice(0).reverse()) await fn().catch(() => undefined);
      for (const pg of stack.schemas.splice(0)) {
        const { Client } = await import('pg');
        const c = new Client({ connectionString: pg.url });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${pg.schema}_boss" CASCADE`);
        await c.end();
        await pg.dropSchema();
      }
    },
  };
  return stack;
}

async function schemaFor(stack: Stack, prefix: string): Promise<TestSchema> {
  const pg = await createTestSchema(prefix);
  stack.schemas.push(pg);
  return pg;
}

export async function startCustomer(stack: Stack, nats: TestNats): Promise<{ service: RunningCustomerService; admin: customerv1.CustomerServiceClient; addr: string }> {
  const service = await startCustomerService(loadCustomerConfig(base(await schemaFor(stack, 'sched_cust'), nats)), silent);
  stack.stops.push(() => service.stop());
  const addr = `127.0.0.1:${service.grpc.port}`;
  const admin = createClient(customerv1.CustomerServiceClient, addr, { apiKey: ADMIN_KEY });
  stack.stops.push(async () => (admin as unknown as { close(): void }).close());
  return { service, admin, addr };
}

export async function startTicket(
  stack: Stack,
  nats: TestNats,
  customerAddr: string,
  clock: Clock,
): Promise<{ service: RunningTicketService; admin: ticketv1.TicketServiceClient; addr: string }> {
  const config = loadTicketConfig({ ...base(await schemaFor(stack, 'sched_tick'), nats), CUSTOMER_ADDR: customerAddr, SERVICE_API_KEY: SERVICE_KEY });
  const service = await startTicketService(config, silent, { clock });
  stack.stops.push(() => service.stop());
  const addr = `127.0.0.1:${service.grpc.port}`;
  const admin = createClient(ticketv1.TicketServiceClient, addr, { apiKey: ADMIN_KEY });
  stack.stops.push(async () => (admin as unknown as { close(): void }).close());
  return { service, admin, addr };
}

export async function startTemplate(stack: Stack): Promise<{ service: RunningTemplateService; addr: string; admin: templatev1.TemplateServiceClient }> {
  const service = await startTemplateService(loadTemplateConfig(base(await schemaFor(stack, 'sched_tmpl'))), silent);
  stack.stops.push(() => service.stop());
  const addr = `127.0.0.1:${service.grpc.port}`;
  const admin = createClient(templatev1.TemplateServiceClient, addr, { apiKey: ADMIN_KEY });
  stack.stops.push(async () => (admin as unknown as { close(): void }).close());
  return { service, addr, admin };
}

/**
 * Starts a scheduler (polling 0.5 s, catch-up of missed ticks off) on a fresh schema, or — with `replicaOf` — another replica
 * on the schema (and pg-boss schema) of an existing one.
 */
export async function startScheduler(
  stack: Stack,
  nats: TestNats,
  addrs: { ticket?: string; customer?: string; template?: string },
  clock: Clock,
  replicaOf?: TestSchema,
): Promise<{ service: RunningSchedulerService; admin: schedulerv1.SchedulerServiceClient; pg: TestSchema }> {
  const pg = replicaOf ?? (await schemaFor(stack, 'sched_jobs'));
  const config = loadSchedulerConfig({
    ...base(pg, nats),
    // No start-up catch-up: it would run the real jobs for today's real ticks (wall clock, time-of-day
    // dependent) next to the ticks these specs send; it has its own spec (catch-up.integration-spec.ts).
    SCHEDULER_CATCHUP_WINDOW_MS: '0',
    SERVICE_API_KEY: SERVICE_KEY,
    ...(addrs.ticket ? { TICKET_ADDR: addrs.ticket } : {}),
    ...(addrs.customer ? { CUSTOMER_ADDR: addrs.customer } : {}),
    ...(addrs.template ? { TEMPLATE_ADDR: addrs.template } : {}),
  });
  const service = await startSchedulerService(config, silent, { clock, pollingIntervalSeconds: 0.5 });
  stack.stops.push(() => service.stop());
  const admin = createClient(schedulerv1.SchedulerServiceClient, `127.0.0.1:${service.grpc.port}`, { apiKey: ADMIN_KEY });
  stack.stops.push(async () => (admin as unknown as { close(): void }).close());
  return { service, admin, pg };
}

/** A durable consumer of the test reading one domain's namespaced stream; every event decoded (decodeEvent) with its msgID. */
export async function observe(
  stack: Stack,
  nats: TestNats,
  domain: EventDomain,
): Promise<Array<{ readonly msgID: string | undefined; readonly event: DecodedEvent }>> {
  const seen: Array<{ msgID: string | undefined; event: DecodedEvent }> = [];
  const bus: EventBus = await connectJetStreamBus({ url: nats.url, name: `sched-it-${domain}` });
  const handle: ConsumerHandle = await bus.consume(eventConsumer(`sched_it_${domain}`, domain, { ns: nats.namespace }), async (evt) => {
    seen.push({ msgID: evt.msgID, event: decodeEvent(evt.subject, evt.data) });
  });
  stack.stops.push(() => bus.close());
  stack.stops.push(() => handle.stop());
  return seen;
}
