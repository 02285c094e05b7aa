import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { LookUpOutcome, NewAttempt } from '../../application';
import type { AttemptOutcome, DeliveryChange, DeliveryRecord, DeliveryStatus } from '../../domain';
import type { ProviderChains } from '../providers';

/** The statuses `notify_gateway_waiting_deliveries` reports: waiting to go (claimable) or in a round. */
export const WAITING_STATUSES = ['QUEUED', 'DEFERRED', 'FAILED', 'SENDING'] as const;
export type WaitingStatus = (typeof WAITING_STATUSES)[number];

/** The send queue as one scrape reads it (PgDeliveryStore.queueSnapshot). */
export interface QueueSnapshot {
  /** Claimable rows (QUEUED, DEFERRED, FAILED) due by now: the backlog the dispatcher has not claimed. */
  due: number;
  /** How long the oldest of those has been due, ms (0 when none). */
  oldestDueAgeMs: number;
  /** Rows by waiting status, due or not (a missing status = 0). */
  waiting: Partial<Record<WaitingStatus, number>>;
  /**
   * Delivery events in the gateway's outbox not yet published to NATS, and how long the oldest has
   * waited, ms (0 when none): a NATS outage (or a stuck relay) shows here.
   */
  outbox?: { pending: number; oldestAgeMs: number };
}

/** Longest wait for the send queue's read at scrape time, ms: past it the queue gauges are left out of that scrape. */
export const QUEUE_READ_TIMEOUT_MS = 2_000;

export interface PipelineMetricsOptions {
  /** Reads the send queue (one read per scrape for the queue gauges); absent: no queue gauges. */
  queue?: () => Promise<QueueSnapshot>;
  /** Bound of that read, ms (default {@link QUEUE_READ_TIMEOUT_MS}). */
  queueReadTimeoutMs?: number;
}

/** Statuses only a provider makes (a send it accepted, its receipts). */
const PROVIDER_STATUSES: ReadonlySet<DeliveryStatus> = new Set(['SENT', 'DELIVERED', 'READ']);
/** Attempt outcomes of a provider that was not called (skipped in the round). */
const NOT_CALLED: ReadonlySet<AttemptOutcome> = new Set(['BREAKER_OPEN', 'RATE_LIMITED']);

/**
 * The pipeline's Prometheus metrics on the webhook server's registry (/metrics, issue 5; README
 * "Metrics" has the table):
 * - `notify_gateway_deliveries_total{status,provider}`: deliveries that reached `status`, counted
 *   from the store's committed change feed (`onChanges`): every status change the feed reports
 *   (QUEUED when created, SENT, DELIVERED, READ, FAILED, DEAD, CANCELLED; whatever made it: a send
 *   round, a receipt or a status look-up, a lease that expired, a withdrawal). Not counted: the
 *   changes the feed does not carry (claims to SENDING, deferrals to DEFERRED, RetryDelivery's
 *   re-queue). `provider`: the provider that made the change, when one was involved: the
 *   accepting one for SENT, the reporting one for DELIVERED / READ and for a FAILED / DEAD made by
 *   a failure receipt, the last one called in a round that ended FAILED / DEAD; `none` otherwise
 *   (created, withdrawn, a lease that expired, a round in which no provider was called);
 * - `notify_gateway_send_rounds_total{result,provider}`: finished send rounds by the status they
 *   left the delivery in and the last provider called (`none`: every provider skipped);
 * - these two and `attempts_skipped_total` start at 0 for every configured provider (and `none`)
 *   with the statuses, results and reasons a dashboard or an alert reads, so they have a series
 *   from the first scrape; the other labelled counters appear with their first event;
 * - `notify_gateway_attempt_latency_ms{provider,outcome}`: provider call latency (histogram, ms);
 * - `notify_gateway_breaker_state{provider}`: 0 closed, 1 half-open, 2 open (read at scrape time);
 * - `notify_gateway_attempts_skipped_total{provider,reason}`: providers not called in a round
 *   (BREAKER_OPEN, RATE_LIMITED: a Retry-After pause or a pacing slot too far away);
 * - `notify_gateway_due_deliveries`, `notify_gateway_oldest_due_delivery_age_seconds` and
 *   `notify_gateway_waiting_deliveries{status}`: the send queue's backlog (due, not yet claimed),
 *   how long its oldest row has been due, and the rows waiting by status (QUEUED, DEFERRED, FAILED
 *   due now or later, SENDING), read at scrape time from `options.queue` in one read bounded by
 *   `queueReadTimeoutMs`; a read that fails or takes longer leaves all three out of that scrape
 *   (no stale value), and no second read starts while one is still running;
 * - `notify_gateway_receipt_lookups_total{provider,outcome}`: status look-ups of the receipt
 *   reconciliation (applied, no_change, no_status, unavailable, error; ReceiptReconciler);
 * - `notify_gateway_deliveries_withdrawn_total{notification_type}`: deliveries withdrawn unsent
 *   (CANCELLED) because their ticket made them stale (a job offer of a ticket taken…);
 * - `notify_gateway_dead_letters_total{subject,cause}`: events the gateway's consumers gave up on
 *   (recorded in `dead_letters`; cause poison, handler_term or max_deliver; `onDeadLetter`);
 * - Node's process metrics (`notify_gateway_process_*`, `notify_gateway_nodejs_*`: CPU, RSS, heap,
 *   event-loop lag, GC), prom-client's defaults.
 */
export function registerPipelineMetrics(registry: Registry, chains: ProviderChains, options: PipelineMetricsOptions = {}) {
  collectDefaultMetrics({ register: registry, prefix: 'notify_gateway_' });
  const skipped = new Counter({
    name: 'notify_gateway_attempts_skipped_total', help: 'Providers not called in a send round (breaker open, Retry-After or pacing)',
    labelNames: ['provider', 'reason'], registers: [registry],
  });
  if (options.queue) registerQueueGauges(registry, options.queue, options.queueReadTimeoutMs ?? QUEUE_READ_TIMEOUT_MS);
  /**
   * FAILED / DEAD round changes whose last attempt skipped its provider: whether an earlier one
   * in the round was called only the round's attempts tell (onRound, right after the commit).
   */
  const awaitingRound = new Map<string, DeliveryStatus>();
  const deliveries = new Counter({
    name: 'notify_gateway_deliveries_total',
    help: 'Deliveries that reached a status (committed changes: QUEUED, SENT, DELIVERED, READ, FAILED, DEAD, CANCELLED), by the provider that made the change (none: no provider involved)',
    labelNames: ['status', 'provider'], registers: [registry],
    collect() {
      // Normally resolved by onRound before any scrape can run (only promise continuations lie between).
      for (const status of awaitingRound.values()) this.inc({ status, provider: 'none' });
      awaitingRound.clear();
    },
  });
  const rounds = new Counter({
    name: 'notify_gateway_send_rounds_total', help: 'Finished send rounds by the status they left the delivery in and the last provider called (none: every provider skipped)',
    labelNames: ['result', 'provider'], registers: [registry],
  });
  const latency = new Histogram({
    name: 'notify_gateway_attempt_latency_ms', help: 'Provider call latency in milliseconds', labelNames: ['provider', 'outcome'],
    buckets: [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000], registers: [registry],
  });
  new Gauge({
    name: 'notify_gateway_breaker_state', help: 'Circuit breaker state per provider: 0 closed, 1 half-open, 2 open', labelNames: ['provider'],
    registers: [registry],
    collect() {
      for (const chain of [chains.whatsapp, chains.sms]) {
        for (const p of chain?.providers() ?? []) this.set({ provider: p.name }, p.state === 'open' ? 2 : p.state === 'half-open' ? 1 : 0);
      }
    },
  });
  const lookUps = new Counter({
    name: 'notify_gateway_receipt_lookups_total', help: 'Status look-ups of deliveries whose receipt never came, by provider and outcome',
    labelNames: ['provider', 'outcome'], registers: [registry],
  });
  const withdrawn = new Counter({
    name: 'notify_gateway_deliveries_withdrawn_total', help: 'Deliveries withdrawn unsent (CANCELLED) because their ticket made them stale or their number opted out of the channel, by notification type',
    labelNames: ['notification_type'], registers: [registry],
  });
  const deadLetters = new Counter({
    name: 'notify_gateway_dead_letters_total', help: 'Events the gateway\'s consumers gave up on (stored in dead_letters), by subject and cause (poison, handler_term, max_deliver)',
    labelNames: ['subject', 'cause'], registers: [registry],
  });
  // Every series a dashboard or an alert reads starts at 0 for the configured providers, so
  // `rate()` and `increase()` work from the first scrape and an alert on, say, DEAD deliveries by
  // provider does not wait for the first one to exist (Prometheus: "avoid missing metrics").
  const providers = [chains.whatsapp, chains.sms].flatMap((chain) => chain?.providers().map((p) => p.name) ?? []);
  for (const provider of providers) {
    for (const status of [...PROVIDER_STATUSES, 'FAILED', 'DEAD']) deliveries.inc({ status, provider }, 0);
    for (const result of ['SENT', 'FAILED', 'DEAD'] as const) rounds.inc({ result, provider }, 0);
    for (const reason of NOT_CALLED) skipped.inc({ provider, reason }, 0);
  }
  for (const status of ['QUEUED', 'FAILED', 'DEAD', 'CANCELLED'] as const) deliveries.inc({ status, provider: 'none' }, 0);
  for (const result of ['FAILED', 'DEAD'] as const) rounds.inc({ result, provider: 'none' }, 0);
  return {
    /** Call with every committed delivery change (the store's feed): counts the statuses reached and the withdrawals. */
    onChanges(changes: readonly DeliveryChange[]): void {
      for (const c of changes) {
        const status = c.delivery.status;
        if (status === 'CANCELLED') withdrawn.inc({ notification_type: c.delivery.notificationType });
        if (status === c.previousStatus) continue;
        if (c.attempt && NOT_CALLED.has(c.attempt.outcome) && (status === 'FAILED' || status === 'DEAD')) {
          const earlier = awaitingRound.get(c.delivery.id);
          if (earlier) deliveries.inc({ status: earlier, provider: 'none' });
          awaitingRound.set(c.delivery.id, status);
          continue;
        }
        deliveries.inc({ status, provider: changeProvider(c) });
      }
    },
    onLookUp(provider: string, outcome: LookUpOutcome): void {
      lookUps.inc({ provider, outcome });
    },
    /** Call after each recorded send round with the delivery after it and the round's attempts (Dispatcher.onRound). */
    onRound(d: DeliveryRecord, attempts: readonly NewAttempt[]): void {
      const provider = attempts.findLast((a) => !NOT_CALLED.has(a.outcome))?.provider ?? 'none';
      rounds.inc({ result: d.status, provider });
      const awaiting = awaitingRound.get(d.id);
      if (awaiting) {
        awaitingRound.delete(d.id);
        deliveries.inc({ status: awaiting, provider });
      }
      for (const a of attempts) {
        if (NOT_CALLED.has(a.outcome)) skipped.inc({ provider: a.provider, reason: a.outcome });
        else latency.observe({ provider: a.provider, outcome: a.outcome }, a.latencyMs);
      }
    },
    /** Call once a consumer's dead letter is recorded (the DeadLetterSink's `record` resolved). */
    onDeadLetter(subject: string, cause: string | undefined): void {
      deadLetters.inc({ subject, cause: cause ?? 'unknown' });
    },
  };
}

/**
 * The provider that made a change (see `notify_gateway_deliveries_total`), or `none`: SENT /
 * DELIVERED / READ are a provider's; a round's change carries its last attempt (one that called
 * its provider: a skipped one waits for onRound); FAILED / DEAD from SENT, DELIVERED or READ are a
 * failure receipt's (or a status look-up's); anything else (created, withdrawn, a lease expired,
 * a round without any attempt) involved none.
 */
function changeProvider(c: DeliveryChange): string {
  const status = c.delivery.status;
  if (PROVIDER_STATUSES.has(status)) return c.delivery.provider ?? 'none';
  if (c.attempt) return c.attempt.provider;
  if ((status === 'FAILED' || status === 'DEAD') && c.previousStatus !== null && PROVIDER_STATUSES.has(c.previousStatus)) return c.delivery.provider ?? 'none';
  return 'none';
}

/** The send queue's gauges, from one bounded read per scrape (see registerPipelineMetrics). */
function registerQueueGauges(registry: Registry, queue: () => Promise<QueueSnapshot>, timeoutMs: number): void {
  let running: Promise<unknown> | undefined;
  let shared: Promise<QueueSnapshot | null> | undefined;
  const readOnce = async (): Promise<QueueSnapshot | null> => {
    if (running) return null; // an earlier scrape's read still hangs: no second one piles up on the pool
    const read = Promise.resolve().then(queue).finally(() => (running = undefined));
    running = read;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([read.catch(() => null), late]);
    } finally {
      clearTimeout(timer);
    }
  };
  // One read per scrape for the three gauges: the registry starts their collects together, before it settles.
  const snapshot = () => (shared ??= readOnce().finally(() => (shared = undefined)));
  new Gauge({
    name: 'notify_gateway_due_deliveries', help: 'Deliveries due and not yet claimed (QUEUED, DEFERRED or FAILED with due_at <= now); absent when the queue could not be read',
    registers: [registry],
    async collect() {
      const s = await snapshot();
      if (s) this.set(s.due);
      else this.remove();
    },
  });
  new Gauge({
    name: 'notify_gateway_oldest_due_delivery_age_seconds', help: 'How long the oldest due, unclaimed delivery has been due (0 when none); absent when the queue could not be read',
    registers: [registry],
    async collect() {
      const s = await snapshot();
      if (s) this.set(s.oldestDueAgeMs / 1000);
      else this.remove();
    },
  });
  new Gauge({
    name: 'notify_gateway_outbox_pending_events', help: 'Delivery events in the gateway outbox not yet published to NATS (grows while NATS cannot be reached); absent when it could not be read',
    registers: [registry],
    async collect() {
      const s = await snapshot();
      if (s?.outbox) this.set(s.outbox.pending);
      else this.remove();
    },
  });
  new Gauge({
    name: 'notify_gateway_outbox_oldest_pending_age_seconds', help: 'How long the oldest unpublished delivery event has waited in the gateway outbox (0 when none); absent when it could not be read',
    registers: [registry],
    async collect() {
      const s = await snapshot();
      if (s?.outbox) this.set(s.outbox.oldestAgeMs / 1000);
      else this.remove();
    },
  });
  new Gauge({
    name: 'notify_gateway_waiting_deliveries', help: 'Deliveries waiting by status, due now or later (QUEUED, DEFERRED, FAILED waiting for a retry, SENDING in a round); absent when the queue could not be read',
    labelNames: ['status'], registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      if (s) for (const status of WAITING_STATUSES) this.set({ status }, s.waiting[status] ?? 0);
    },
  });
}
