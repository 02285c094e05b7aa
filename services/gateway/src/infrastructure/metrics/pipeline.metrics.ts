import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { NewAttempt } from '../../application';
import type { DeliveryRecord } from '../../domain';
import type { ProviderChains } from '../providers';

/**
 * The pipeline's Prometheus metrics on the webhook server's registry (/metrics, issue 5):
 * - `notify_gateway_deliveries_total{status,provider}`: finished send rounds by resulting status;
 * - `notify_gateway_attempt_latency_ms{provider,outcome}`: provider call latency (histogram, ms);
 * - `notify_gateway_breaker_state{provider}`: 0 closed, 1 half-open, 2 open (read at scrape time).
 */
export function registerPipelineMetrics(registry: Registry, chains: ProviderChains) {
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
  return {
    onRound(d: DeliveryRecord, attempts: readonly NewAttempt[]): void {
      deliveries.inc({ status: d.status, provider: d.provider ?? 'none' });
      for (const a of attempts) if (a.outcome !== 'BREAKER_OPEN' && a.outcome !== 'RATE_LIMITED') latency.observe({ provider: a.provider, outcome: a.outcome }, a.latencyMs);
    },
  };
}
