// A round in which no provider was called (each skipped: breaker open, Retry-After pause) does
// not count toward DELIVERY_MAX_ATTEMPTS (QA: URGENT messages DEAD after five minutes of
// WhatsApp down, their last rounds "breaker open" without a call), and such rounds back off
// further each time, never before a breaker can half-open (QA: with Fonnte and Wablas down they
// repeated at the first backoff for the whole outage: a log line, two attempt rows, a failed event
// and a span per held message every few seconds), while a provider's recovery still sends them at
// once: the real store and dispatcher on Postgres, the provider chain replaced by a sender whose
// answer the test sets (a real ProviderChain over fake adapters for the recovery).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { TestSchema } from '@notify/testing';
import { Dispatcher, expediteOnRecovery, type ChannelSendResult, type ChannelSender } from '../../src/application';
import type { DeliveryRecord } from '../../src/domain';
import { PgDeliveryStore } from '../../src/infrastructure/persistence/delivery.store';
import { ProviderChain, ProviderConnectionError, type ProviderAdapter } from '../../src/infrastructure/providers';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';
import { queueDelivery } from '../support/queue-delivery';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

describe('dispatcher: rounds without a provider call', () => {
  let schema: GatewaySchema;
  let pg: TestSchema;
  let ds: DataSource;
  let store: PgDeliveryStore;
  let now = new Date('2026-12-07T03:00:00.000Z');
  /** What the next send answers. */
  let answer: 'breaker_open' | 'refused' | 'accepted' = 'breaker_open';
  /** What the sender says of when a provider can be called again (its first breaker half-opens), ms. */
  let callableMs = 0;
  const calls: string[] = [];
  const fonnte: ChannelSender = {
    names: () => ['fonnte', 'wablas'],
    callableInMs: () => callableMs,
    async send(msg): Promise<ChannelSendResult> {
      if (answer === 'accepted') {
        calls.push(msg.to);
        const outcome = { kind: 'accepted' as const, providerMessageId: randomUUID() };
        return { outcome, provider: 'fonnte', attempts: [{ provider: 'fonnte', result: 'accepted', outcome, latencyMs: 3 }] };
      }
      if (answer === 'refused') {
        calls.push(msg.to);
        const outcome = { kind: 'failed' as const, retryable: true, fault: 'provider' as const, reason: 'connect ECONNREFUSED' };
        return { outcome, provider: 'wablas', attempts: ['fonnte', 'wablas'].map((provider) => ({ provider, result: 'connection_error', outcome, latencyMs: 1 })) };
      }
      const outcome = { kind: 'failed' as const, retryable: true, fault: 'provider' as const, reason: 'no provider available (fonnte: circuit breaker open; wablas: circuit breaker open)' };
      return { outcome, provider: null, attempts: ['fonnte', 'wablas'].map((provider) => ({ provider, result: 'breaker_open', error: 'circuit breaker open', latencyMs: 0 })) };
    },
  };
  const backoff = (round: number) => Math.min(60_000, 1000 * 2 ** (round - 1));
  const dispatcher = (maxRounds = 2) => new Dispatcher({
    store, channels: { WHATSAPP: fonnte }, wake: { wait: async () => undefined, poke: () => undefined }, logger: quiet, clock: () => now,
    workers: 4, batchSize: 10, pollMs: 1000, leaseMs: 60_000, maxRounds, backoff, smsFallbackPriorities: [], rateLimit: 0, rateWindowMs: 0, costs: {},
  });

  beforeAll(async () => {
    schema = await openGatewaySchema('gw_uncounted', 2);
    ({ pg, ds } = schema);
    store = new PgDeliveryStore(ds, { schema: pg.schema, namespace: 'tns' });
  });
  afterAll(async () => {
    await schema?.close();
  });

  const queue = (): Promise<DeliveryRecord> => queueDelivery(store, { priority: 'URGENT', at: now });
  const reload = async (d: DeliveryRecord) => (await store.delivery(d.id))!;
  /** One dispatcher pass once the delivery is due. */
  const roundOf = async (d: DeliveryRecord, maxRounds = 2) => {
    const due = (await reload(d)).dueAt;
    if (due > now) now = new Date(due.getTime());
    await dispatcher(maxRounds).runOnce();
    return reload(d);
  };

  it('breaker-open rounds leave the rounds as they were and back off further each time, never before a breaker can half-open: the message outlives the retry budget and goes when a provider is back', async () => {
    answer = 'breaker_open';
    callableMs = 2500;
    const d = await queue();
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const after = await roundOf(d);
      expect(after).toMatchObject({ status: 'FAILED', rounds: 0, uncountedRounds: i + 1, attemptCount: 2 * (i + 1) });
      expect(after.lastError).toMatch(/circuit breaker open/);
      waits.push(after.nextAttemptAt!.getTime() - now.getTime());
    }
    // The backoff of one more round each time (1, 2, 4 … s), none before the breaker's half-open (2.5 s).
    expect(waits).toEqual([2500, 2500, 4000, 8000, 16_000, 32_000, 60_000]);
    callableMs = 0;
    answer = 'accepted';
    expect(await roundOf(d)).toMatchObject({ status: 'SENT', rounds: 1, uncountedRounds: 0 });
    expect(calls.filter((to) => to === d.recipient)).toHaveLength(1);
  });

  it('a round that called a provider starts the backoff of the rounds without a call over', async () => {
    callableMs = 0;
    const d = await queue();
    answer = 'breaker_open';
    for (let i = 0; i < 3; i++) await roundOf(d, 5);
    expect(await reload(d)).toMatchObject({ status: 'FAILED', rounds: 0, uncountedRounds: 3 });
    answer = 'refused';
    const counted = await roundOf(d, 5);
    expect(counted).toMatchObject({ status: 'FAILED', rounds: 1, uncountedRounds: 0 });
    expect(counted.nextAttemptAt!.getTime() - now.getTime()).toBe(backoff(1));
    answer = 'breaker_open';
    const held = await roundOf(d, 5);
    expect(held).toMatchObject({ status: 'FAILED', rounds: 1, uncountedRounds: 1 });
    expect(held.nextAttemptAt!.getTime() - now.getTime()).toBe(backoff(1));
    expect((await roundOf(d, 5)).nextAttemptAt!.getTime() - now.getTime()).toBe(backoff(2));
  });

  it('rounds that called a provider still count: DEAD after DELIVERY_MAX_ATTEMPTS of them, breaker-open rounds between them free', async () => {
    callableMs = 0;
    const d = await queue();
    answer = 'refused';
    expect(await roundOf(d)).toMatchObject({ status: 'FAILED', rounds: 1 });
    answer = 'breaker_open';
    expect(await roundOf(d)).toMatchObject({ status: 'FAILED', rounds: 1 });
    answer = 'refused';
    const dead = await roundOf(d);
    expect(dead).toMatchObject({ status: 'DEAD', rounds: 2 });
    expect(dead.lastError).toMatch(/^gave up after 2 rounds: connect ECONNREFUSED/);
  });

  it('a round pulled forward for a recovering provider (expediteFailed) that fails again does not count and goes back to the delivery\'s own retry time (QA: half-open trials made a payment confirmation DEAD in two minutes)', async () => {
    callableMs = 0;
    const d = await queue();
    answer = 'refused';
    const first = await roundOf(d, 2);
    expect(first).toMatchObject({ status: 'FAILED', rounds: 1 });
    const ownTime = first.nextAttemptAt!;
    expect(ownTime.getTime()).toBeGreaterThan(now.getTime());
    // A provider half-opens: the delivery is made due now (its own retry time kept), and its trial is refused again, twice.
    for (let i = 0; i < 2; i++) {
      expect(await store.expediteFailed('WHATSAPP', now, [], { provider: 'fonnte', limit: 5 })).toBeGreaterThanOrEqual(1);
      expect((await reload(d)).nextAttemptAt).toEqual(ownTime);
      await dispatcher(2).runOnce();
      const trial = await reload(d);
      expect(trial).toMatchObject({ status: 'FAILED', rounds: 1 });
      expect(trial.nextAttemptAt).toEqual(ownTime);
      expect(trial.dueAt).toEqual(ownTime);
    }
    // At its own retry time the failed round counts: the budget of 2 is spent.
    expect(await roundOf(d, 2)).toMatchObject({ status: 'DEAD', rounds: 2 });
  });

  it('providers back after a long outage: the held deliveries go at once (a trial call when a breaker half-opens, the rest when it closes), not at the end of their backoff', async () => {
    let up = false;
    const sent: string[] = [];
    const adapter = (name: string): ProviderAdapter => ({
      name,
      async send(msg) {
        if (!up) throw new ProviderConnectionError(name, 'ECONNREFUSED');
        sent.push(msg.to);
        return { kind: 'accepted', providerMessageId: randomUUID() };
      },
    });
    const chain = new ProviderChain('whatsapp', [adapter('fonnte'), adapter('wablas')], { volumeThreshold: 1, errorThresholdPercentage: 50, resetTimeout: 800 });
    try {
      let pokes = 0;
      const wake = { wait: async () => undefined, poke: () => void pokes++ };
      const clock = () => new Date();
      const tenMinutes = () => 600_000;
      const real = new Dispatcher({
        store, channels: { WHATSAPP: chain }, wake, logger: quiet, clock, workers: 8, batchSize: 10, pollMs: 1000, leaseMs: 60_000, maxRounds: 5,
        backoff: tenMinutes, smsFallbackPriorities: [], rateLimit: 0, rateWindowMs: 0, costs: {},
      });
      expediteOnRecovery({ channel: 'WHATSAPP', chain, store, clock, logger: quiet, wake, smsFallbackPriorities: [], trialDeliveries: 1 });
      // Both providers down: their breakers open.
      await chain.send({ to: '6281300000000', text: 'probe' });
      expect(chain.providers().map((p) => p.state)).toEqual(['open', 'open']);
      now = new Date();
      const held = await Promise.all([1, 2, 3, 4, 5].map(() => queue()));
      await real.runOnce();
      for (const d of held) {
        const r = await reload(d);
        expect(r).toMatchObject({ status: 'FAILED', rounds: 0, uncountedRounds: 1 });
        expect(r.nextAttemptAt!.getTime() - Date.now()).toBeGreaterThan(500_000); // their backoff: ten minutes
      }
      // The providers come back; nothing calls them until a breaker half-opens (0.8 s after it opened).
      up = true;
      const started = Date.now();
      for (;;) {
        await real.runOnce();
        const rows = await Promise.all(held.map(reload));
        if (rows.every((r) => r.status === 'SENT')) break;
        if (Date.now() - started > 5000) throw new Error(`held deliveries not sent after the providers came back: ${rows.map((r) => r.status).join(', ')}`);
        await sleep(25);
      }
      expect(sent.filter((to) => held.some((d) => d.recipient === to))).toHaveLength(held.length);
      expect(chain.providers().map((p) => p.state)).toContain('closed');
      expect(pokes).toBeGreaterThan(0);
    } finally {
      chain.close();
    }
  });
});
