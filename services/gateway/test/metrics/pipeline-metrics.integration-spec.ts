// /metrics over the real store and dispatcher on Postgres (SRE QA): the store's committed change
// feed counts a delivery made DEAD by a failure receipt or by an expired lease; a round with every
// breaker open counts for no provider; the send queue's read at scrape time sees FAILED rows due
// later (a WhatsApp outage) and, when it fails or hangs, leaves the queue gauges out. The provider
// chain is replaced by a sender whose answer the test sets.
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { waitFor, type TestSchema } from '@notify/testing';
import { Dispatcher, type ChannelSendResult, type ChannelSender } from '../../src/application';
import type { DeliveryRecord } from '../../src/domain';
import { registerPipelineMetrics } from '../../src/infrastructure/metrics/pipeline.metrics';
import { PgDeliveryStore } from '../../src/infrastructure/persistence/delivery.store';
import type { ProviderChains } from '../../src/infrastructure/providers';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';
import { queueDelivery } from '../support/queue-delivery';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const QUEUE_GAUGES = [
  'notify_gateway_due_deliveries', 'notify_gateway_oldest_due_delivery_age_seconds', 'notify_gateway_waiting_deliveries',
  'notify_gateway_outbox_pending_events', 'notify_gateway_outbox_oldest_pending_age_seconds',
];

describe('/metrics over the store\'s change feed and the send queue (Postgres)', () => {
  let schema: GatewaySchema;
  let pg: TestSchema;
  let ds: DataSource;
  let store: PgDeliveryStore;
  let registry: Registry;
  let metrics: ReturnType<typeof registerPipelineMetrics>;
  let now = new Date('2026-12-07T03:00:00.000Z');
  /** What the next send answers. */
  let answer: 'breaker_open' | 'refused' | 'accepted' = 'accepted';
  const sender: ChannelSender = {
    names: () => ['fonnte', 'wablas'],
    async send(): Promise<ChannelSendResult> {
      if (answer === 'accepted') {
        const outcome = { kind: 'accepted' as const, providerMessageId: randomUUID() };
        return { outcome, provider: 'fonnte', attempts: [{ provider: 'fonnte', result: 'accepted', outcome, latencyMs: 3 }] };
      }
      if (answer === 'refused') {
        const outcome = { kind: 'failed' as const, retryable: true, fault: 'provider' as const, reason: 'connect ECONNREFUSED' };
        return { outcome, provider: 'wablas', attempts: ['fonnte', 'wablas'].map((provider) => ({ provider, result: 'connection_error', outcome, latencyMs: 1 })) };
      }
      const outcome = { kind: 'failed' as const, retryable: true, fault: 'provider' as const, reason: 'no provider available (fonnte: circuit breaker open; wablas: circuit breaker open)' };
      return { outcome, provider: null, attempts: ['fonnte', 'wablas'].map((provider) => ({ provider, result: 'breaker_open', error: 'circuit breaker open', latencyMs: 0 })) };
    },
  };
  const dispatcher = () => new Dispatcher({
    store, channels: { WHATSAPP: sender }, wake: { wait: async () => undefined, poke: () => undefined }, logger: quiet, clock: () => now,
    workers: 4, batchSize: 10, pollMs: 1000, leaseMs: 60_000, maxRounds: 5, backoff: (round) => round * 60_000, smsFallbackPriorities: [],
    rateLimit: 0, rateWindowMs: 0, costs: {}, onRound: (d, attempts) => metrics.onRound(d, attempts),
  });

  beforeAll(async () => {
    schema = await openGatewaySchema('gw_metrics', 3);
    ({ pg, ds } = schema);
    registry = new Registry();
    store = new PgDeliveryStore(ds, { schema: pg.schema, namespace: 'tns', onCommitted: (changes) => metrics.onChanges(changes) });
    metrics = registerPipelineMetrics(registry, { providers: [] } as ProviderChains, { queue: () => store.queueSnapshot(now, 1_000), queueReadTimeoutMs: 1_500 });
  });
  afterAll(async () => {
    await schema?.close();
  });

  const queue = (): Promise<DeliveryRecord> => queueDelivery(store, { priority: 'URGENT', at: now });
  const reload = async (d: DeliveryRecord) => (await store.delivery(d.id))!;
  /** One dispatcher pass once the delivery is due. */
  const roundOf = async (d: DeliveryRecord) => {
    const due = (await reload(d)).dueAt;
    if (due > now) now = new Date(due.getTime());
    await dispatcher().runOnce();
    return reload(d);
  };
  /** The value of `name{labels}` (exact label set), 0 when absent. */
  const value = async (name: string, labels: Record<string, string>): Promise<number> => {
    const metric = registry.getSingleMetric(name)!;
    const { values } = await metric.get();
    const hit = values.find((v) => Object.keys(labels).length === Object.keys(v.labels).length && Object.entries(labels).every(([k, x]) => v.labels[k] === x));
    return hit?.value ?? 0;
  };
  const sampleLines = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));

  it('a failure receipt (Fonnte `invalid`) that makes a sent delivery DEAD counts deliveries_total{status="DEAD",provider="fonnte"}', async () => {
    answer = 'accepted';
    const d = await queue();
    const sent = await roundOf(d);
    expect(sent).toMatchObject({ status: 'SENT', provider: 'fonnte' });
    const before = await value('notify_gateway_deliveries_total', { status: 'DEAD', provider: 'fonnte' });
    const res = await store.applyReceipt(
      { provider: 'fonnte', providerMessageId: sent.providerMessageId!, status: 'failed', error: 'invalid', at: now }, now, () => ({ kind: 'dead', permanent: true }),
    );
    expect(res).toMatchObject({ kind: 'applied', delivery: { status: 'DEAD' } });
    expect(await value('notify_gateway_deliveries_total', { status: 'DEAD', provider: 'fonnte' })).toBe(before + 1);
    expect(await value('notify_gateway_deliveries_total', { status: 'SENT', provider: 'fonnte' })).toBeGreaterThanOrEqual(1);
  });

  it('a lease that expires (the gateway stopped mid-send) counts deliveries_total{status="DEAD",provider="none"}', async () => {
    const d = await queue();
    const claimed = await store.claimDue(now, 10, 1_000, async () => null);
    expect(claimed.map((c) => c.id)).toContain(d.id);
    const before = await value('notify_gateway_deliveries_total', { status: 'DEAD', provider: 'none' });
    const expired = await store.expireLeases(new Date(now.getTime() + 5_000));
    expect(expired.map((e) => e.id)).toContain(d.id);
    expect(await value('notify_gateway_deliveries_total', { status: 'DEAD', provider: 'none' })).toBe(before + expired.length);
  });

  it('a round with every breaker open counts FAILED for no provider, not for the wablas of the round before', async () => {
    const d = await queue();
    answer = 'refused';
    expect(await roundOf(d)).toMatchObject({ status: 'FAILED', provider: 'wablas' });
    const wablas = await value('notify_gateway_deliveries_total', { status: 'FAILED', provider: 'wablas' });
    const none = await value('notify_gateway_deliveries_total', { status: 'FAILED', provider: 'none' });
    answer = 'breaker_open';
    for (let i = 0; i < 2; i++) expect(await roundOf(d)).toMatchObject({ status: 'FAILED', provider: 'wablas' }); // the row keeps the earlier provider
    expect(await value('notify_gateway_deliveries_total', { status: 'FAILED', provider: 'wablas' })).toBe(wablas);
    expect(await value('notify_gateway_deliveries_total', { status: 'FAILED', provider: 'none' })).toBe(none + 2);
    expect(await value('notify_gateway_send_rounds_total', { result: 'FAILED', provider: 'none' })).toBe(2);
    expect(await value('notify_gateway_send_rounds_total', { result: 'FAILED', provider: 'wablas' })).toBe(1);
  });

  it('the waiting gauge counts FAILED rows due later (nothing due during the outage) and SENDING ones, in one bounded read', async () => {
    answer = 'breaker_open';
    const d = await queue();
    expect(await roundOf(d)).toMatchObject({ status: 'FAILED' });
    await queue();
    await store.claimDue(now, 10, 60_000, async () => null); // the new row: SENDING
    const failed = (await store.list({ status: 'FAILED' }, 100)).length;
    expect(failed).toBeGreaterThanOrEqual(2); // this one and the previous test's
    const text = await registry.metrics();
    expect(sampleLines(text, 'notify_gateway_waiting_deliveries')).toEqual([
      'notify_gateway_waiting_deliveries{status="QUEUED"} 0',
      'notify_gateway_waiting_deliveries{status="DEFERRED"} 0',
      `notify_gateway_waiting_deliveries{status="FAILED"} ${failed}`,
      'notify_gateway_waiting_deliveries{status="SENDING"} 1',
    ]);
    expect(sampleLines(text, 'notify_gateway_due_deliveries')).toEqual(['notify_gateway_due_deliveries 0']);
    expect(sampleLines(text, 'notify_gateway_oldest_due_delivery_age_seconds')).toEqual(['notify_gateway_oldest_due_delivery_age_seconds 0']);
    // Once due (the retry time reached), they are the backlog.
    const due = new Date(Math.max(...(await store.list({ status: 'FAILED' }, 100)).map((f) => f.dueAt.getTime())));
    expect(await store.queueSnapshot(new Date(due.getTime() + 2_000), 1_000)).toEqual({
      due: failed, oldestDueAgeMs: expect.any(Number), waiting: { FAILED: failed, SENDING: 1 }, outbox: { pending: expect.any(Number), oldestAgeMs: expect.any(Number) },
    });
  });

  it('the outbox gauges count the delivery events not yet published (no relay runs here: as while NATS is away) and how long the oldest waited', async () => {
    await queue();
    const [row] = (await ds.query(`SELECT count(*)::int AS n, min(created_at) AS oldest FROM "${pg.schema}".outbox WHERE published_at IS NULL`)) as Array<{ n: number; oldest: Date }>;
    expect(row!.n).toBeGreaterThan(0);
    const text = await registry.metrics();
    expect(sampleLines(text, 'notify_gateway_outbox_pending_events')).toEqual([`notify_gateway_outbox_pending_events ${row!.n}`]);
    const age = Number(sampleLines(text, 'notify_gateway_outbox_oldest_pending_age_seconds')[0]!.split(' ')[1]);
    // Measured against the clock the gateway reads the queue with (this file's fixed one).
    expect(age).toBeCloseTo(Math.max(0, now.getTime() - new Date(row!.oldest).getTime()) / 1000, 1);
    // Read 5 s after the oldest was written: it has waited 5 s.
    const later = await store.queueSnapshot(new Date(new Date(row!.oldest).getTime() + 5_000), 1_000);
    expect(later.outbox).toEqual({ pending: row!.n, oldestAgeMs: 5_000 });
    // Published: none pending, age 0.
    await ds.query(`UPDATE "${pg.schema}".outbox SET published_at = now() WHERE published_at IS NULL`);
    const after = await registry.metrics();
    expect(sampleLines(after, 'notify_gateway_outbox_pending_events')).toEqual(['notify_gateway_outbox_pending_events 0']);
    expect(sampleLines(after, 'notify_gateway_outbox_oldest_pending_age_seconds')).toEqual(['notify_gateway_outbox_oldest_pending_age_seconds 0']);
  });

  it('a queue read that fails (no such table) leaves the queue gauges out of the scrape instead of their last value', async () => {
    const reg = new Registry();
    let broken = false;
    const other = new PgDeliveryStore(ds, { schema: 'gw_metrics_missing' });
    registerPipelineMetrics(reg, { providers: [] } as ProviderChains, { queue: () => (broken ? other : store).queueSnapshot(now, 1_000) });
    for (const g of QUEUE_GAUGES) expect(sampleLines(await reg.metrics(), g)).not.toEqual([]);
    broken = true;
    const text = await reg.metrics();
    for (const g of QUEUE_GAUGES) expect(sampleLines(text, g)).toEqual([]);
  });

  it('a queue read that hangs (the table locked) is given up: the scrape answers within the bound, the queue gauges absent', async () => {
    const reg = new Registry();
    registerPipelineMetrics(reg, { providers: [] } as ProviderChains, { queue: () => store.queueSnapshot(now, 5_000), queueReadTimeoutMs: 300 });
    const qr = ds.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    try {
      await qr.query(`LOCK TABLE "${pg.schema}".deliveries IN ACCESS EXCLUSIVE MODE`);
      const started = Date.now();
      const text = await reg.metrics();
      expect(Date.now() - started).toBeLessThan(2_000);
      for (const g of QUEUE_GAUGES) expect(sampleLines(text, g)).toEqual([]);
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
    // The lock gone, the next scrape reads the queue again.
    await waitFor(async () => sampleLines(await reg.metrics(), 'notify_gateway_due_deliveries').length === 1, { timeoutMs: 5_000, intervalMs: 100 });
  });

  it('the statement itself is bounded (statement_timeout): a locked table fails the read after timeoutMs', async () => {
    const qr = ds.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    try {
      await qr.query(`LOCK TABLE "${pg.schema}".deliveries IN ACCESS EXCLUSIVE MODE`);
      const started = Date.now();
      await expect(store.queueSnapshot(now, 200)).rejects.toThrow(/statement timeout/);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
  });
});
