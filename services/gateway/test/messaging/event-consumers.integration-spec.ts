import { randomUUID } from 'node:crypto';
import { TimeoutError, UnavailableError, ValidationError } from '@notify/errors';
import { DEFAULT_CONSUMER_MAX_DELIVER, encodeEvent, eventStreams, eventSubject } from '@notify/events';
import { createLogger } from '@notify/logger';
import { connectJetStreamBus, createInProcessBus, InMemoryDeadLetterSink, type ConsumerHandle, type EventBus } from '@notify/messaging';
import { commonv1, ticketv1 } from '@notify/proto';
import { createTestNats, waitFor, type TestNats } from '@notify/testing';
import type { IngestNotificationUseCase, IngestRequest, RecipientDirectory } from '../../src/application';
import { gatewayEventHandler, startGatewayConsumers } from '../../src/transport/messaging/event.consumers';

// The gateway's event consumers over both buses (real NATS JetStream at 127.0.0.1:4222 and
// the in-process bus of the embedded mode), with the ingest use case and the customer
// directory faked: settlement only, no Postgres.
type BusKind = 'JetStream' | 'in-process';

const facts = { ticketPortalUrl: 'https://portal.example/t', supportPhone: '021-500', systemName: 'Notify' };
const logger = createLogger({ service: 'gateway', level: 'silent' });

function ticketCreated(ns: string) {
  const now = new Date();
  const evt = ticketv1.TicketEvent.fromPartial({
    eventId: randomUUID(),
    occurredAt: now,
    type: ticketv1.TicketEventType.TICKET_EVENT_TYPE_CREATED,
    ticket: {
      id: randomUUID(), number: 'GGN-20260101-0001', type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE, status: ticketv1.TicketStatus.TICKET_STATUS_OPEN,
      priority: commonv1.Priority.PRIORITY_NORMAL, customerId: randomUUID(), description: 'Lampu LOS merah', address: 'Jl. Mawar 1', workZone: 'karawang',
      createdAt: now, updatedAt: now, slaDueAt: new Date(now.getTime() + 86_400_000), version: 1,
    },
  });
  return encodeEvent('ticket.created', evt, ns);
}

describe.each<BusKind>(['JetStream', 'in-process'])('gateway event consumers (%s bus)', (kind) => {
  let nats: TestNats;
  let bus: EventBus;
  let handles: ConsumerHandle[];
  let dlq: InMemoryDeadLetterSink;
  let ingested: IngestRequest[];
  let ingestError: Error | undefined;
  /** Calls of `directory.customer`, and how many of the first ones fail (the outage). */
  let lookups: number;
  let outage: number;

  const ingest = {
    execute: async (req: IngestRequest) => {
      if (ingestError) throw ingestError;
      ingested.push(req);
      return { notification: { id: randomUUID(), leftOut: 0 }, deliveries: [], duplicate: false };
    },
  } as unknown as IngestNotificationUseCase;
  const directory: RecipientDirectory = {
    resolve: () => {
      throw new Error('not used: ingest is faked');
    },
    customer: async (id) => {
      lookups++;
      if (lookups <= outage) throw lookups % 2 === 0 ? new TimeoutError('GetCustomer: deadline exceeded') : new UnavailableError('customer: circuit breaker open');
      return { id, name: 'Rina Wijaya', phone: '6282291921583', address: 'Jl. Mawar 1', workZone: 'karawang', packageName: 'Home 30 Mbps' };
    },
    staff: async () => null,
  };

  beforeEach(async () => {
    nats = createTestNats('gwevt');
    bus = kind === 'JetStream' ? await connectJetStreamBus({ url: nats.url, name: 'gw-event-consumers-test' }) : createInProcessBus();
    await bus.ensureStreams(eventStreams(nats.namespace));
    dlq = new InMemoryDeadLetterSink();
    ingested = [];
    ingestError = undefined;
    lookups = 0;
    outage = 0;
    // Backoff in tens of ms instead of seconds; the consumer itself is the production one (maxDeliver 10).
    const handler = gatewayEventHandler(ingest, directory, facts, logger, { transientRetry: { initialDelayMs: 10, maxDelayMs: 40, jitter: 0 } });
    handles = await startGatewayConsumers(bus, handler, { ns: nats.namespace, deadLetter: dlq, concurrency: 1 });
  });

  afterEach(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    await bus.close();
    if (kind === 'JetStream') await nats.cleanup();
  });

  it('an event whose customer service is down for more deliveries than maxDeliver is handled once it is back, not dead-lettered', async () => {
    outage = DEFAULT_CONSUMER_MAX_DELIVER + 5; // 15 failed lookups: the old budget (10 deliveries) dead-lettered it
    const sent = ticketCreated(nats.namespace);
    await bus.publish(sent);
    await waitFor(() => ingested.length === 1, { timeoutMs: 20_000 });
    expect(ingested[0]).toMatchObject({ idempotencyKey: sent.msgID, sourceEventId: sent.msgID });
    expect(lookups).toBe(outage + 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(ingested).toHaveLength(1);
    expect(dlq.records).toHaveLength(0);
  });

  it('an undecodable event is dead-lettered as poison and terminated', async () => {
    const subject = eventSubject('ticket', 'created', nats.namespace);
    await bus.publish({ subject, data: new Uint8Array([0xff, 0xff, 0xff]), msgID: randomUUID() });
    await waitFor(() => dlq.records.length === 1, { timeoutMs: 10_000 });
    expect(dlq.records[0]!.context).toMatchObject({ cause: 'poison', durable: `${nats.namespace}-gateway-ticket` });
    expect(ingested).toHaveLength(0);
    expect(lookups).toBe(0);
  });

  it('a request the customer service rejects (ValidationError) is dead-lettered with the reason at once', async () => {
    ingestError = new ValidationError('work_zone', 'unknown zone');
    await bus.publish(ticketCreated(nats.namespace));
    await waitFor(() => dlq.records.length === 1, { timeoutMs: 10_000 });
    expect(dlq.records[0]).toMatchObject({ reason: 'rejected: work_zone: unknown zone', context: { cause: 'handler_term' } });
    expect(dlq.records[0]!.event.deliveryCount).toBe(1);
  });
});
