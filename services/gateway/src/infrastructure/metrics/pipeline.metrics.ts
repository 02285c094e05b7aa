import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { LookUpOutcome, NewAttempt } from '../../application';
import type { DeliveryChange, DeliveryRecord } from '../../domain';
import type { ProviderChains } from '../providers';

/**
 * The pipeline's Prometheus metrics on the webhook server's registry (/metrics, issue 5):
 * - `notify_gateway_deliveries_total{status,provider}`: finished send rounds by resulting status;
 * - `notify_gateway_attempt_latency_ms{provider,outcome}`: provider call latency (histogram, ms);
 * - `notify_gateway_breaker_state{provider}`: 0 closed, 1 half-open, 2 open (read at scrape time);
 * - `notify_gateway_attempts_skipped_total{provider,reason}`: providers not called in a round
 *   (BREAKER_OPEN, RATE_LIMITED: a Retry-After pause or a pacing slot too far away);
 * - `notify_gateway_due_deliveries` and `notify_gateway_oldest_due_delivery_age_seconds`: the send
 *   queue's backlog (due, not yet claimed) and how long its oldest row has been due (read at
 *   scrape time from `backlog`, when given; a failed read leaves them out of that scrape);
 * - `notify_gateway_receipt_lookups_total{provider,outcome}`: status look-ups of the receipt
 *   reconciliation (applied, no_change, no_status, unavailable, error; ReceiptReconciler);
 * - `notify_gateway_deliveries_withdrawn_total{notification_type}`: deliveries withdrawn unsent
 *   (CANCELLED) because their ticket made them stale (a job offer of a ticket taken…);
 * - Node's process metrics (`notify_gateway_process_*`, `notify_gateway_nodejs_*`: CPU, RSS, heap,
 *   event-loop lag, GC), prom-client's defaults.
 */
export function registerPipelineMetrics(
  registry: Registry,
  chains: ProviderChains,
  backlog?: () => Promise<{ count: number; oldestDueAgeMs: number }>,
) {
  collectDefaultMetrics({ register: registry, prefix: 'notify_gateway_' });
  const skipped = new Counter({
    name: 'notify_gateway_attempts_skipped_total', help: 'Providers not called in a send round (breaker open, Retry-After or pacing)',
    labelNames: ['provider', 'reason'], registers: [registry],
  });
  if (backlog) {
    let last: Promise<{ count: number; oldestDueAgeMs: number } | null> | undefined;
    // One read per scrape for both gauges.
    const read = () => (last ??= backlog().catch(() => null).finally(() => setTimeout(() => (last = undefined), 0)));
    new Gauge({
      name: 'notify_gateway_due_deliveries', help: 'Deliveries due and not yet claimed (QUEUED, DEFERRED or FAILED with due_at <= now)',
      registers: [registry],
      async collect() {
        const b = await read();
        if (b) this.set(b.count);
      },
    });
    new Gauge({
      name: 'notify_gateway_oldest_due_delivery_age_seconds', help: 'How long the oldest due, unclaimed delivery has been due (0 when none)',
      registers: [registry],
      async collect() {
        const b = await read();
        if (b) this.set(b.oldestDueAgeMs / 1000);
      },
    });
  }
  const deliveries = new Counter({
    name: 'notify_gateway_deliveries_total', help: 'Delivery send rounds by resulting status and provider',
    labelNames: ['status', 'provider'], registers: [registry],
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
  return {
    /** Call with every committed delivery change (the store's feed): counts the withdrawals. */
    onChanges(changes: readonly DeliveryChange[]): void {
      for (const c of changes) if (c.delivery.status === 'CANCELLED') withdrawn.inc({ notification_type: c.delivery.notificationType });
    },
    onLookUp(provider: string, outcome: LookUpOutcome): void {
      lookUps.inc({ provider, outcome });
    },
    onRound(d: DeliveryRecord, attempts: readonly NewAttempt[]): void {
      deliveries.inc({ status: d.status, provider: d.provider ?? 'none' });
      for (const a of attempts) {
        if (a.outcome === 'BREAKER_OPEN' || a.outcome === 'RATE_LIMITED') skipped.inc({ provider: a.provider, reason: a.outcome });
        else latency.observe({ provider: a.provider, outcome: a.outcome }, a.latencyMs);
      }
    },
  };
}
