// registerPipelineMetrics on its own Registry (no I/O): what the change feed, the rounds, the
// dead letters and the send queue's read put on /metrics (SRE QA: DEAD by a failure receipt or an
// expired lease never counted; breaker-open rounds counted for a provider never reached; queue
// gauges frozen at their last value while Postgres was down).
import { Registry } from 'prom-client';
import type { NewAttempt } from '../../src/application';
import type { AttemptRecord, DeliveryChange, DeliveryRecord, DeliveryStatus } from '../../src/domain';
import { registerPipelineMetrics, type QueueSnapshot } from '../../src/infrastructure/metrics/pipeline.metrics';
import type { ProviderChains } from '../../src/infrastructure/providers';

const chains = { providers: [] } as ProviderChains;
const at = new Date('2026-12-07T03:00:00.000Z');

function delivery(status: DeliveryStatus, provider: string | null, id = 'd-1'): DeliveryRecord {
  return { id, status, provider, notificationType: 'TICKET_CREATED' } as DeliveryRecord;
}
function attempt(provider: string, outcome: AttemptRecord['outcome']): AttemptRecord {
  return { provider, outcome } as AttemptRecord;
}
function newAttempt(provider: string, outcome: NewAttempt['outcome']): NewAttempt {
  return { provider, outcome, latencyMs: 5 } as NewAttempt;
}
function change(d: DeliveryRecord, previousStatus: DeliveryStatus | null, a?: AttemptRecord): DeliveryChange {
  const kind = d.status === 'QUEUED' ? 'queued' : d.status === 'SENT' ? 'sent' : d.status === 'DELIVERED' ? 'delivered' : d.status === 'READ' ? 'read' : 'failed';
  return { eventId: 'e', kind, delivery: d, previousStatus, ...(a ? { attempt: a } : {}), at };
}

/** Every sample of `name` in the registry's text, `labels{…} value` per line (no HELP / TYPE). */
async function allSamples(registry: Registry, name: string): Promise<string[]> {
  const text = await registry.metrics();
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}
/** The samples of `name`; a counter's (`*_total`) without the series still at 0 (each starts at 0). */
async function samples(registry: Registry, name: string): Promise<string[]> {
  return (await allSamples(registry, name)).filter((l) => !(name.endsWith('_total') && l.endsWith(' 0')));
}

describe('pipeline metrics', () => {
  describe('notify_gateway_deliveries_total: statuses reached, from the change feed', () => {
    it('a failure receipt that makes a SENT delivery DEAD counts DEAD for the provider that reported it', async () => {
      const registry = new Registry();
      const m = registerPipelineMetrics(registry, chains);
      m.onChanges([change(delivery('DEAD', 'fonnte'), 'SENT')]);
      expect(await samples(registry, 'notify_gateway_deliveries_total')).toEqual(['notify_gateway_deliveries_total{status="DEAD",provider="fonnte"} 1']);
    });

    it('a lease that expired (SENDING → DEAD, no attempt) counts DEAD for no provider, whatever provider an earlier round used', async () => {
      const registry = new Registry();
      const m = registerPipelineMetrics(registry, chains);
      m.onChanges([change(delivery('DEAD', 'wablas'), 'SENDING')]);
      expect(await samples(registry, 'notify_gateway_deliveries_total')).toEqual(['notify_gateway_deliveries_total{status="DEAD",provider="none"} 1']);
    });

    it('a round with every breaker open counts FAILED for no provider (not the earlier round\'s wablas), and its round as provider none', async () => {
      const registry = new Registry();
      const m = registerPipelineMetrics(registry, chains);
      const after = delivery('FAILED', 'wablas'); // provider kept from an earlier round
      m.onChanges([change(after, 'SENDING', attempt('wablas', 'BREAKER_OPEN'))]);
      m.onRound(after, [newAttempt('fonnte', 'BREAKER_OPEN'), newAttempt('wablas', 'BREAKER_OPEN')]);
      expect(await samples(registry, 'notify_gateway_deliveries_total')).toEqual(['notify_gateway_deliveries_total{status="FAILED",provider="none"} 1']);
      expect(await samples(registry, 'notify_gateway_send_rounds_total')).toEqual(['notify_gateway_send_rounds_total{result="FAILED",provider="none"} 1']);
      expect(await samples(registry, 'notify_gateway_attempts_skipped_total')).toEqual([
        'notify_gateway_attempts_skipped_total{provider="fonnte",reason="BREAKER_OPEN"} 1',
        'notify_gateway_attempts_skipped_total{provider="wablas",reason="BREAKER_OPEN"} 1',
      ]);
    });

    it('a round in which Fonnte failed and Wablas was skipped counts its FAILED for fonnte', async () => {
      const registry = new Registry();
      const m = registerPipelineMetrics(registry, chains);
      const after = delivery('FAILED', 'fonnte');
      m.onChanges([change(after, 'SENDING', attempt('wablas', 'BREAKER_OPEN'))]);
      m.onRound(after, [newAttempt('fonnte', 'RETRYABLE_FAILURE'), newAttempt('wablas', 'BREAKER_OPEN')]);
      expect(await samples(registry, 'notify_gateway_deliveries_total')).toEqual(['notify_gateway_deliveries_total{status="FAILED",provider="fonnte"} 1']);
      expect(await samples(registry, 'notify_gateway_send_rounds_total')).toEqual(['notify_gateway_send_rounds_total{result="FAILED",provider="fonnte"} 1']);
    });

    it('a round change whose round never reports is still counted at the next scrape (provider none)', async () => {
      const registry = new Registry();
      const m = registerPipelineMetrics(registry, chains);
      m.onChanges([change(delivery('FAILED', 'wablas'), 'SENDING', attempt('wablas', 'RATE_LIMITED'))]);
      expect(await samples(registry, 'notify_gateway_deliveries_total')).toEqual(['notify_gateway_deliveries_total{status="FAILED",provider="none"} 1']);
      expect(await samples(registry, 'notify_gateway_deliveries_total')).toEqual(['notify_gateway_deliveries_total{status="FAILED",provider="none"} 1']);
    });

    it('created, sent, delivered, read and withdrawn: each status once, a provider only where one made it; no change of status counts nothing', async () => {
      const registry = new Registry();
      const m = registerPipelineMetrics(registry, chains);
      m.onChanges([
        change(delivery('QUEUED', null), null),
        change(delivery('SENT', 'fonnte'), 'SENDING', attempt('fonnte', 'ACCEPTED')),
        change(delivery('DELIVERED', 'fonnte'), 'SENT'),
        change(delivery('READ', 'fonnte'), 'DELIVERED'),
        change(delivery('CANCELLED', null, 'd-2'), 'DEFERRED'),
        change(delivery('DEAD', 'wablas', 'd-3'), 'DEAD', attempt('wablas', 'RETRYABLE_FAILURE')),
      ]);
      expect((await samples(registry, 'notify_gateway_deliveries_total')).sort()).toEqual([
        'notify_gateway_deliveries_total{status="CANCELLED",provider="none"} 1',
        'notify_gateway_deliveries_total{status="DELIVERED",provider="fonnte"} 1',
        'notify_gateway_deliveries_total{status="QUEUED",provider="none"} 1',
        'notify_gateway_deliveries_total{status="READ",provider="fonnte"} 1',
        'notify_gateway_deliveries_total{status="SENT",provider="fonnte"} 1',
      ]);
      expect(await samples(registry, 'notify_gateway_deliveries_withdrawn_total')).toEqual(['notify_gateway_deliveries_withdrawn_total{notification_type="TICKET_CREATED"} 1']);
    });
  });

  describe('the send queue gauges', () => {
    const gauges = ['notify_gateway_due_deliveries', 'notify_gateway_oldest_due_delivery_age_seconds', 'notify_gateway_waiting_deliveries'];
    const snapshot: QueueSnapshot = { due: 2, oldestDueAgeMs: 1500, waiting: { QUEUED: 2, FAILED: 3 } };

    it('report the backlog, its age and the waiting rows by status (FAILED due later counts while nothing is due)', async () => {
      const registry = new Registry();
      let next: QueueSnapshot = snapshot;
      registerPipelineMetrics(registry, chains, { queue: async () => next });
      expect(await samples(registry, 'notify_gateway_due_deliveries')).toEqual(['notify_gateway_due_deliveries 2']);
      expect(await samples(registry, 'notify_gateway_oldest_due_delivery_age_seconds')).toEqual(['notify_gateway_oldest_due_delivery_age_seconds 1.5']);
      next = { due: 0, oldestDueAgeMs: 0, waiting: { FAILED: 7, SENDING: 1 } };
      expect(await samples(registry, 'notify_gateway_due_deliveries')).toEqual(['notify_gateway_due_deliveries 0']);
      expect(await samples(registry, 'notify_gateway_waiting_deliveries')).toEqual([
        'notify_gateway_waiting_deliveries{status="QUEUED"} 0',
        'notify_gateway_waiting_deliveries{status="DEFERRED"} 0',
        'notify_gateway_waiting_deliveries{status="FAILED"} 7',
        'notify_gateway_waiting_deliveries{status="SENDING"} 1',
      ]);
    });

    it('a failed read leaves all three out of that scrape (no stale value), and the next good read brings them back', async () => {
      const registry = new Registry();
      let fail = false;
      registerPipelineMetrics(registry, chains, { queue: async () => (fail ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) : snapshot) });
      for (const g of gauges) expect(await samples(registry, g)).not.toEqual([]);
      fail = true;
      const text = await registry.metrics();
      for (const g of gauges) expect(text.split('\n').filter((l) => l.startsWith(`${g} `) || l.startsWith(`${g}{`))).toEqual([]);
      fail = false;
      expect(await samples(registry, 'notify_gateway_due_deliveries')).toEqual(['notify_gateway_due_deliveries 2']);
    });

    it('a read that hangs is given up after the bound (the scrape answers, gauges absent) and no second read starts while it hangs', async () => {
      const registry = new Registry();
      let reads = 0;
      let hang = true;
      let release: (s: QueueSnapshot) => void = () => undefined;
      registerPipelineMetrics(registry, chains, {
        queue: () => {
          reads++;
          return hang ? new Promise<QueueSnapshot>((resolve) => (release = resolve)) : Promise.resolve(snapshot);
        },
        queueReadTimeoutMs: 100,
      });
      const started = Date.now();
      const text = await registry.metrics();
      expect(Date.now() - started).toBeLessThan(2_000);
      for (const g of gauges) expect(text.split('\n').filter((l) => l.startsWith(`${g} `) || l.startsWith(`${g}{`))).toEqual([]);
      for (const g of gauges) expect(await samples(registry, g)).toEqual([]);
      expect(reads).toBe(1);
      hang = false;
      release(snapshot);
      await new Promise((r) => setTimeout(r, 10));
      expect(await samples(registry, 'notify_gateway_due_deliveries')).toEqual(['notify_gateway_due_deliveries 2']);
      expect(reads).toBe(2);
    });
  });

  it('notify_gateway_dead_letters_total counts each recorded dead letter by subject and cause', async () => {
    const registry = new Registry();
    const m = registerPipelineMetrics(registry, chains);
    m.onDeadLetter('notify.ticket.v1.created', 'poison');
    m.onDeadLetter('notify.ticket.v1.created', 'poison');
    m.onDeadLetter('notify.customer.v1.opted_out', undefined);
    expect((await samples(registry, 'notify_gateway_dead_letters_total')).sort()).toEqual([
      'notify_gateway_dead_letters_total{subject="notify.customer.v1.opted_out",cause="unknown"} 1',
      'notify_gateway_dead_letters_total{subject="notify.ticket.v1.created",cause="poison"} 2',
    ]);
  });

  it('the delivery, round and skip counters have a 0 series for every configured provider (and none) from the first scrape', async () => {
    const registry = new Registry();
    const provider = (name: string) => ({ name, state: 'closed' });
    registerPipelineMetrics(registry, { whatsapp: { providers: () => [provider('fonnte'), provider('wablas')] }, sms: { providers: () => [provider('twilio')] } } as unknown as ProviderChains);
    const deliveries = await allSamples(registry, 'notify_gateway_deliveries_total');
    for (const p of ['fonnte', 'wablas', 'twilio']) {
      for (const status of ['SENT', 'DELIVERED', 'READ', 'FAILED', 'DEAD']) expect(deliveries).toContain(`notify_gateway_deliveries_total{status="${status}",provider="${p}"} 0`);
      expect(await allSamples(registry, 'notify_gateway_send_rounds_total')).toContain(`notify_gateway_send_rounds_total{result="DEAD",provider="${p}"} 0`);
      expect(await allSamples(registry, 'notify_gateway_attempts_skipped_total')).toContain(`notify_gateway_attempts_skipped_total{provider="${p}",reason="BREAKER_OPEN"} 0`);
    }
    expect(deliveries).toContain('notify_gateway_deliveries_total{status="DEAD",provider="none"} 0');
    expect(deliveries).not.toContain('notify_gateway_deliveries_total{status="QUEUED",provider="fonnte"} 0');
    expect(await allSamples(registry, 'notify_gateway_breaker_state')).toEqual([
      'notify_gateway_breaker_state{provider="fonnte"} 0', 'notify_gateway_breaker_state{provider="wablas"} 0', 'notify_gateway_breaker_state{provider="twilio"} 0',
    ]);
  });
});
