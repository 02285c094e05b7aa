import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { backoffMs, createDeadLetterRecorder, type HandedOffEvent } from '@notify/db';
import { NotFoundError, UnavailableError } from '@notify/errors';
import { callUnary, createClient, type RunningGrpcServer } from '@notify/grpc-kit';
import type { Logger } from '@notify/logger';
import type { ConsumerHandle, EventBus } from '@notify/messaging';
import { customerv1, templatev1, ticketv1 } from '@notify/proto';
import { openServiceRuntime, serveGrpc } from '@notify/service-runtime';
import {
  ApplyPreferencesUseCase, Dispatcher, WithdrawOptedOutUseCase, WithdrawPaidRemindersUseCase, HandleReceiptUseCase, IngestNotificationUseCase, ReceiptReconciler, ResolutionAbortedError, SupersedeDeliveriesUseCase, expediteOnRecovery, freshKey, retryUntilDone, systemClock,
  type ChannelSender, type Clock, type RecipientDirectory, type TemplateRenderer,
} from './application';
import { createTechnicianReplyHandler, type ReplySender } from './application/replies';
import type { GatewayConfig } from './config';
import { REPLY_KEY_PREFIX, type Channel, type DeliveryChange } from './domain';
import { GrpcRecipientDirectory } from './infrastructure/clients/grpc-recipient.directory';
import { GrpcTemplateRenderer } from './infrastructure/clients/grpc-template.renderer';
import { QUEUE_READ_TIMEOUT_MS, registerPipelineMetrics } from './infrastructure/metrics/pipeline.metrics';
import { PgDeliveryStore } from './infrastructure/persistence/delivery.store';
import { gatewayEntities } from './infrastructure/persistence/gateway.entities';
import { purgeKeptReceipts, purgeOlderThan, SUPERSESSIONS_RETENTION_MS } from './infrastructure/persistence/housekeeping';
import { gatewayMigrations } from './infrastructure/persistence/migrations';
import { PgInboundDedupe } from './infrastructure/persistence/pg-inbound.dedupe';
import { PgJobMessageLog } from './infrastructure/persistence/pg-job-message.log';
import { PgWakeSignal } from './infrastructure/persistence/pg-wake.signal';
import { buildProviderChains, PACING_HORIZON_MS, type ProviderChains } from './infrastructure/providers';
import { createNotificationServiceHandler, resumeBroadcasts } from './transport/grpc/notification-service.handler';
import { startWebhookServer, type WebhookServer } from './transport/http';
import { gatewayEventHandler, startGatewayConsumers } from './transport/messaging/event.consumers';

/** A running gateway service. */
export interface RunningGatewayService {
  readonly grpc: RunningGrpcServer;
  readonly webhooks: WebhookServer;
  readonly dataSource: DataSource;
  readonly bus: EventBus;
  readonly store: PgDeliveryStore;
  readonly chains: ProviderChains;
  readonly dispatcher: Dispatcher;
  /** The receipt reconciliation (looks up deliveries whose receipt never came; RECEIPT_CHECK_*). */
  readonly reconciler: ReceiptReconciler;
  /**
   * Ordered stop: health NOT_SERVING → stop the event consumers (drain) → pause running Broadcast
   * resolutions between pages (resumed at the next start) → stop the receipt reconciliation → stop the dispatcher
   * (waits for in-flight sends and their bookkeeping) → webhook server → gRPC shutdown (grace
   * SHUTDOWN_GRACE_MS, ms) → runtime close (outbox relay, DataSource, bus when owned).
   */
  stop(): Promise<void>;
}

/** Test seams of {@link startGatewayService}. */
export interface GatewayServiceOverrides {
  /** A bus shared with other services of the process (embedded mode); not closed on stop. */
  readonly bus?: EventBus;
  readonly clock?: Clock;
  /** Replaces the config-built provider chains (tests). */
  readonly chains?: ProviderChains;
  /** Do not start the dispatcher and reconciler loops (tests drive `dispatcher.runOnce()`, `reconciler.runOnce()`). */
  readonly manualDispatch?: boolean;
}

function unavailable(what: string): never {
  throw new UnavailableError(`${what}: SERVICE_API_KEY is not set, the gateway cannot call it`);
}

/**
 * Composition root of the gateway (issue 5):
 * 1. openServiceRuntime: DataSource + migrations (platform outbox / dead letters / processed
 *    events + notifications, deliveries, attempts, receipts), the bus (override, JetStream or
 *    in-process) and the outbox relay (delivery events);
 * 2. provider chains from config (Fonnte → Wablas, Twilio → Advanta, breakers, pacing);
 * 3. customer / template / ticket gRPC clients with SERVICE_API_KEY;
 * 4. the webhook HTTP server on WEBHOOK_HOST:WEBHOOK_PORT: receipts → HandleReceipt, inbound
 *    replies → the technician reply handler (application/replies; at most once per inbound message
 *    id via `inbound_messages`, a message that cannot be recorded there is answered 500 so the
 *    provider redelivers it; "1" acts on the job of the latest job message in `deliveries`),
 *    /healthz, /metrics;
 * 5. durable consumers gateway-ticket, gateway-customer, gateway-schedule → IngestNotification
 *    (EVENT_CONSUMER_CONCURRENCY events at once each);
 * 6. the gRPC NotificationService on GRPC_HOST:GRPC_PORT (Broadcasts left RESOLVING by a stopped
 *    gateway are resumed from their stored request);
 * 7. the dispatcher (DISPATCH_WORKERS concurrent sends; woken by this process's page inserts, by
 *    LISTEN/NOTIFY for other writes, and by the DISPATCH_POLL_MS poll);
 * 8. the receipt reconciliation (ReceiptReconciler: SENT deliveries of RECEIPT_CHECK_PROVIDERS whose
 *    receipt never came are looked up at the provider every RECEIPT_CHECK_INTERVAL_MS; at start and
 *    before each pass, receipts kept for a send recorded since but never applied are applied).
 * WatchDeliveries streams the changes committed by THIS process (single replica feed).
 */
export async function startGatewayService(
  config: GatewayConfig,
  logger: Logger,
  overrides: GatewayServiceOverrides = {},
): Promise<RunningGatewayService> {
  const ns = config.NATS_NAMESPACE;
  const clock = overrides.clock ?? systemClock;
  const runtime = await openServiceRuntime({
    service: 'gateway',
    config,
    logger,
    entities: gatewayEntities,
    migrations: gatewayMigrations,
    ...(overrides.bus ? { bus: overrides.bus } : {}),
    housekeeping: [
      { name: 'inbound_messages', run: (ds) => purgeOlderThan(ds, config.DATABASE_SCHEMA, 'inbound_messages', config.INBOUND_MESSAGES_RETENTION_MS) },
      { name: 'receipts', run: (ds) => purgeOlderThan(ds, config.DATABASE_SCHEMA, 'receipts', config.RECEIPTS_RETENTION_MS) },
      // Receipts kept for a send that was never recorded (see HandleReceiptUseCase): the same retention, each dropped one logged.
      { name: 'pending_receipts', run: (ds) => purgeKeptReceipts(ds, config.DATABASE_SCHEMA, config.RECEIPTS_RETENTION_MS, logger) },
      { name: 'ticket_supersessions', run: (ds) => purgeOlderThan(ds, config.DATABASE_SCHEMA, 'ticket_supersessions', SUPERSESSIONS_RETENTION_MS) },
      { name: 'invoice_closures', run: (ds) => purgeOlderThan(ds, config.DATABASE_SCHEMA, 'invoice_closures', SUPERSESSIONS_RETENTION_MS) },
    ],
  });
  const { dataSource, bus } = runtime;
  try {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    const feed = (listener: (changes: readonly DeliveryChange[]) => void) => {
      emitter.on('changes', listener);
      return () => void emitter.off('changes', listener);
    };
    const relay = runtime.relay;
    // Set once the dispatcher's wake-up exists: this process's page inserts wake it directly.
    const local: { wake?: PgWakeSignal } = {};
    const store = new PgDeliveryStore(dataSource, {
      wakeLocal: () => local.wake?.poke(),
      schema: config.DATABASE_SCHEMA,
      ...(ns ? { namespace: ns } : {}),
      onCommitted: (changes) => emitter.emit('changes', changes),
      // The page inserts' and rounds' delivery events go straight to this process's relay.
      ...(relay ? { handoff: (events: readonly HandedOffEvent[]) => relay.handoff(events) } : {}),
    });

    const chains = overrides.chains ?? buildProviderChains(config, logger);
    runtime.onClose(async () => {
      chains.whatsapp?.close();
      chains.sms?.close();
    });

    const apiKey = config.SERVICE_API_KEY;
    const customerClient = apiKey ? createClient(customerv1.CustomerServiceClient, config.CUSTOMER_ADDR, { apiKey, keyVariable: 'SERVICE_API_KEY' }) : undefined;
    const templateClient = apiKey ? createClient(templatev1.TemplateServiceClient, config.TEMPLATE_ADDR, { apiKey, keyVariable: 'SERVICE_API_KEY' }) : undefined;
    const ticketClient = apiKey ? createClient(ticketv1.TicketServiceClient, config.TICKET_ADDR, { apiKey, keyVariable: 'SERVICE_API_KEY' }) : undefined;
    runtime.onClose(async () => {
      for (const c of [customerClient, templateClient, ticketClient]) (c as unknown as { close?: () => void } | undefined)?.close?.();
    });
    const facts = { ticketPortalUrl: config.TICKET_PORTAL_URL, supportPhone: config.SUPPORT_PHONE ?? '', systemName: config.SYSTEM_NAME };
    const directory: RecipientDirectory = customerClient
      ? new GrpcRecipientDirectory(customerClient, config.RESOLVE_PAGE_SIZE, { ttlMs: config.DIRECTORY_CACHE_TTL_MS })
      : { resolve: () => unavailable('customer service'), customer: () => unavailable('customer service'), staff: () => unavailable('customer service') };
    const renderer = templateClient ? new GrpcTemplateRenderer(templateClient) : undefined;
    const templates: TemplateRenderer = renderer ?? { render: () => unavailable('template service'), renderBatch: () => unavailable('template service') };

    const ingest = new IngestNotificationUseCase({
      store, directory, templates, logger, clock, smsFallbackPriorities: config.SMS_FALLBACK_PRIORITIES,
    });

    const registry = new Registry();
    const metrics = registerPipelineMetrics(registry, chains, { queue: () => store.queueSnapshot(clock(), QUEUE_READ_TIMEOUT_MS) });
    emitter.on('changes', (changes: readonly DeliveryChange[]) => metrics.onChanges(changes));
    const wakeSignal = new PgWakeSignal(dataSource, store.wakeChannel, logger);
    await wakeSignal.start();
    local.wake = wakeSignal;
    runtime.onClose(() => wakeSignal.close());
    const channels: Partial<Record<Channel, ChannelSender>> = {};
    if (chains.whatsapp) channels.WHATSAPP = chains.whatsapp;
    if (chains.sms) channels.SMS = chains.sms;
    const costs = Object.fromEntries(chains.providers.map((p) => [p.name, p.costRupiah]));
    const publicUrl = config.WEBHOOK_PUBLIC_URL?.replace(/\/+$/, '');
    // Twilio reports a message's fate only to the StatusCallback a send names (providers.md §3.3):
    // without a public URL its failure receipts (30004/30005/30006 → SMS fallback or DEAD) come
    // only through the slower status look-ups (QA: silent).
    if (!publicUrl && chains.providers.some((p) => p.name === 'twilio' && p.enabled)) {
      logger.warn(
        { provider: 'twilio', missing: 'WEBHOOK_PUBLIC_URL' },
        'WEBHOOK_PUBLIC_URL is not set: Twilio messages carry no StatusCallback, so their receipts come only from the status look-ups (RECEIPT_CHECK_*), minutes later',
      );
    }
    /** Wait before send round n+1 after n failed rounds (a failed round or a failed receipt), ms. */
    const retryBackoff = (round: number): number => backoffMs(round, config.DELIVERY_RETRY_INITIAL_MS, config.DELIVERY_RETRY_MAX_MS);
    const dispatcher = new Dispatcher({
      store, channels, wake: wakeSignal, logger, clock,
      workers: config.DISPATCH_WORKERS,
      batchSize: config.DISPATCH_BATCH_SIZE,
      pollMs: config.DISPATCH_POLL_MS,
      leaseMs: config.DISPATCH_LEASE_MS,
      maxRounds: config.DELIVERY_MAX_ATTEMPTS,
      backoff: retryBackoff,
      smsFallbackPriorities: config.SMS_FALLBACK_PRIORITIES,
      rateLimit: config.RECIPIENT_RATE_LIMIT,
      rateWindowMs: config.RECIPIENT_RATE_WINDOW_MS,
      costs,
      ...(publicUrl ? { statusCallbackUrl: `${publicUrl}/webhooks/twilio/status` } : {}),
      ...(config.GATEWAY_TEST_PAUSE_AFTER_SEND_MS > 0 ? { pauseAfterSendMs: config.GATEWAY_TEST_PAUSE_AFTER_SEND_MS } : {}),
      onRound: metrics.onRound,
      // Claims per paced channel: what its provider can start within the chains' pacing horizon.
      pacingHorizonMs: PACING_HORIZON_MS,
    });

    // A provider coming back after an outage (its breaker half-open: a few deliveries make its
    // trial call; closed again: the whole backlog): the deliveries of its channel waiting for their
    // next round go now, not at each one's backoff (QA: up to minutes later).
    for (const [channel, chain] of [['WHATSAPP', chains.whatsapp], ['SMS', chains.sms]] as const) {
      if (!chain) continue;
      const recovery = expediteOnRecovery({ channel, chain, store, clock, logger, wake: wakeSignal, smsFallbackPriorities: config.SMS_FALLBACK_PRIORITIES });
      runtime.onClose(async () => recovery.stop());
    }

    // A failed receipt spends the same retry budget, with the same backoff, as a failed round; one
    // saying the number cannot get WhatsApp sends the SMS fallback at once, as a failed round would.
    const receipts = new HandleReceiptUseCase({
      store, clock, logger, maxRounds: config.DELIVERY_MAX_ATTEMPTS, backoff: retryBackoff,
      smsFallbackPriorities: config.SMS_FALLBACK_PRIORITIES, smsConfigured: channels.SMS !== undefined, onDue: () => wakeSignal.poke(),
    });
    /**
     * Answers to inbound messages: one WhatsApp delivery (type REPLY) at the priority the reply
     * flow gives (URGENT for the confirmation of a step, HIGH for help / unknown-sender /
     * nothing-in-reach answers, so the per-recipient rate limit holds back a bot writing to the
     * number in a loop), pinned to the provider the message came in on, so the answer comes from
     * the number the writer wrote to. Idempotency key
     * `reply:<provider>:<inbound message id>` (carried from onInbound in an AsyncLocalStorage), or
     * a fresh `reply:` key when the provider sent no id; the `reply:` prefix is how the job
     * message log tells these answers apart (PgJobMessageLog; it also marks the answers recorded
     * before the REPLY type, typed TECHNICIAN_JOB_OFFER). "1" acts on the job of the latest
     * job message sent to the writer (PgJobMessageLog over the deliveries); the take
     * confirmation names the customer (the cached directory's GetCustomer). The answers about a
     * ticket (taken / started / completed / not yours to move) are rendered from the template
     * service's technician.job_* templates through the same GrpcTemplateRenderer as the pipeline.
     */
    /**
     * Receipt reconciliation over the chains' look-ups: the RECEIPT_CHECK_PROVIDERS that are
     * enabled, have a look-up and are not behind an open breaker at the start of a pass.
     */
    const chainOf = (provider: string) => [chains.whatsapp, chains.sms].find((c) => c?.names().includes(provider));
    const reconciler = new ReceiptReconciler({
      store, receipts, clock, logger,
      lookUp: async (provider, id, signal) => (await chainOf(provider)?.lookUpStatus(provider, id, signal)) ?? { kind: 'unavailable', reason: `${provider}: not enabled` },
      providers: () => config.RECEIPT_CHECK_PROVIDERS.filter((p) => {
        const chain = chainOf(p);
        return !!chain && chain.lookUpProviders().includes(p) && chain.providers().find((s) => s.name === p)?.state !== 'open';
      }),
      intervalMs: config.RECEIPT_CHECK_INTERVAL_MS,
      afterMs: config.RECEIPT_CHECK_AFTER_MS,
      maxAgeMs: config.RECEIPT_CHECK_MAX_AGE_MS,
      maxChecks: config.RECEIPT_CHECK_MAX,
      batch: config.RECEIPT_CHECK_BATCH,
      onLookUp: metrics.onLookUp,
      // Kept receipts whose round committed but was not followed by their application (the gateway stopped in between).
      sweepKept: () => receipts.applyStrandedKept(),
    });
    const inboundContext = new AsyncLocalStorage<{ messageId?: string }>();
    const replySender: ReplySender = {
      async sendReply(to, text, provider, priority, ticketId, recipient) {
        const id = inboundContext.getStore()?.messageId;
        await ingest.enqueueText({
          idempotencyKey: id ? `${REPLY_KEY_PREFIX}${provider}:${id}` : freshKey('reply'), // `reply:<uuid>`
          notificationType: 'REPLY', priority, to, text, pinnedProvider: provider, ticketId: ticketId ?? null,
          ...(recipient ? { recipient } : {}),
        });
      },
    };
    const replies = customerClient && ticketClient
      ? createTechnicianReplyHandler({
        customer: customerClient, ticket: ticketClient, sender: replySender, logger, clock,
        dedupe: new PgInboundDedupe(dataSource, config.DATABASE_SCHEMA),
        messages: new PgJobMessageLog(dataSource, config.DATABASE_SCHEMA),
        customers: directory,
        ...(config.SUPPORT_PHONE ? { supportPhone: config.SUPPORT_PHONE } : {}),
        // The step confirmations from the template service (operators' edits apply); the built-in texts when it cannot answer.
        ...(renderer ? { templates: renderer } : {}),
      })
      : undefined;
    const webhooks = await startWebhookServer({
      host: config.WEBHOOK_HOST,
      port: config.WEBHOOK_PORT,
      webhookSecret: config.WEBHOOK_SECRET,
      twilioAuthToken: config.TWILIO_AUTH_TOKEN,
      publicUrl: config.WEBHOOK_PUBLIC_URL,
      registry,
      logger,
      clock,
      // GET /readyz: the runtime's dependency checks (Postgres, NATS), as the gRPC readiness entry.
      readiness: () => runtime.readiness.state(),
      handlers: {
        onReceipt: async (r) => void (await receipts.execute(r)),
        onInbound: async (m) => {
          if (!replies) {
            logger.warn({ provider: m.provider }, 'inbound message ignored: SERVICE_API_KEY is not set');
            return;
          }
          // Rejects only when the message could not be recorded (inbound_messages unreachable):
          // nothing was done, and the webhook's 500 makes the provider deliver it again. The reply
          // flow logs what it did ("inbound message handled"), once per message.
          await inboundContext.run(m.messageId ? { messageId: m.messageId } : {}, () => replies.handle(m));
        },
      },
    });
    runtime.onClose(() => webhooks.close());

    const deadLetters = createDeadLetterRecorder(dataSource, { schema: config.DATABASE_SCHEMA });
    const consumers: ConsumerHandle[] = await startGatewayConsumers(
      bus,
      gatewayEventHandler(ingest, directory, facts, logger, {
        supersede: new SupersedeDeliveriesUseCase({ store, clock, logger }),
        offers: new PgJobMessageLog(dataSource, config.DATABASE_SCHEMA),
        preferences: new ApplyPreferencesUseCase({ store, clock, logger }),
        optOuts: new WithdrawOptedOutUseCase({ store, clock, logger }),
        invoices: new WithdrawPaidRemindersUseCase({ store, clock, logger }),
      }),
      {
        ...(ns ? { ns } : {}),
        concurrency: config.EVENT_CONSUMER_CONCURRENCY,
        // Counted once stored (notify_gateway_dead_letters_total): a failed record is nak'ed and tried again.
        deadLetter: {
          record: async (evt, reason, origin) => {
            await deadLetters.record(evt, reason, origin);
            metrics.onDeadLetter(evt.subject, origin.cause);
          },
        },
      },
    );
    runtime.onClose(async () => {
      for (const c of consumers) await c.stop();
    });

    const background = new Set<Promise<unknown>>();
    const stopBackground = new AbortController();
    // A Broadcast's resolution that fails on a dependency (customer / template service down or
    // past its deadline, a database error) starts over after a backoff (1 s doubling to 1 min),
    // until it is done or the gateway stops; its inserted pages are no-ops the second time.
    const runInBackground = (task: (signal: AbortSignal) => Promise<unknown>): void => {
      const p = retryUntilDone(task, {
        signal: stopBackground.signal,
        backoff: (n) => backoffMs(n, 1_000, 60_000),
        onRetry: (err, attempt, waitMs) => logger.warn({ err, attempt, retry_in_ms: waitMs }, 'broadcast resolution failed; retrying'),
      })
        .catch((err: unknown) =>
          err instanceof ResolutionAbortedError
            ? logger.info({ reason: err.message }, 'broadcast resolution paused for shutdown (resumed at the next start)')
            : logger.error({ err }, 'broadcast resolution failed (bad input; the notification is FAILED)'))
        .finally(() => background.delete(p));
      background.add(p);
    };
    // Notify fills in a ticket's and its customers' variables itself (seeds' API endpoints take ids only).
    const enrich = ticketClient && customerClient
      ? {
        directory,
        facts,
        async ticket(id: string) {
          try {
            return (await callUnary(ticketClient, 'getTicket', ticketv1.GetTicketRequest.fromPartial({ id }))).ticket ?? null;
          } catch (err) {
            if (err instanceof NotFoundError) return null;
            throw err;
          }
        },
      }
      : undefined;
    const handler = createNotificationServiceHandler({
      store, ingest, chains, feed, clock, background: runInBackground, ...(enrich ? { enrich } : {}), ...(renderer ? { catalog: renderer } : {}),
    });
    const resumed = await resumeBroadcasts({ store, ingest, background: runInBackground });
    if (resumed > 0) logger.info({ resumed }, 'resuming broadcasts left RESOLVING by a stopped gateway');
    const grpc = await serveGrpc('gateway', handler, config, logger, { readiness: runtime.readiness });
    if (!overrides.manualDispatch) {
      dispatcher.start();
      reconciler.start();
    }
    runtime.onClose(() => dispatcher.stop());
    runtime.onClose(() => reconciler.stop());

    let stopping: Promise<void> | undefined;
    const stop = async (): Promise<void> => {
      grpc.setServing(false);
      for (const c of consumers) await c.stop();
      stopBackground.abort();
      await Promise.allSettled([...background]);
      await reconciler.stop();
      await dispatcher.stop();
      await webhooks.close();
      await grpc.shutdown(config.SHUTDOWN_GRACE_MS);
      await runtime.close();
    };
    return { grpc, webhooks, dataSource, bus, store, chains, dispatcher, reconciler, stop: () => (stopping ??= stop()) };
  } catch (err) {
    await runtime.close();
    throw err;
  }
}
