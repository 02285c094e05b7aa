// A round in which no provider was called (each skipped: breaker open, Retry-After pause) does
// not count toward DELIVERY_MAX_ATTEMPTS (QA: URGENT messages DEAD after five minutes of
// WhatsApp down, their last rounds "breaker open" without a call): the real store and dispatcher
// on Postgres, the provider chain replaced by a sender whose answer the test sets.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { TestSchema } from '@notify/testing';
import { Dispatcher, type ChannelSendResult, type ChannelSender, type NewDelivery } from '../../src/application';
import type { DeliveryRecord } from '../../src/domain';
import { PgDeliveryStore } from '../../src/infrastructure/persistence/delivery.store';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

describe('dispatcher: rounds without a provider call', () => {
  let schema: GatewaySchema;
  let pg: TestSchema;
  let ds: DataSource;
  let store: PgDeliveryStore;
  let now = new Date('2026-12-07T03:00:00.000Z');
  /** What the next send answers. */
  let answer: 'breaker_open' | 'refused' | 'accepted' = 'breaker_open';
  const calls: string[] = [];
  const fonnte: ChannelSender = {
    names: () => ['fonnte', 'wablas'],
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
  const backoff = (round: number) => round * 1000;
  const dispatcher = () => new Dispatcher({
    store, channels: { WHATSAPP: fonnte }, wake: { wait: async () => undefined, poke: () => undefined }, logger: quiet, clock: () => now,
    workers: 4, batchSize: 10, pollMs: 1000, leaseMs: 60_000, maxRounds: 2, backoff, smsFallbackPriorities: [], rateLimit: 0, rateWindowMs: 0, costs: {},
  });

  beforeAll(async () => {
    schema = await openGatewaySchema('gw_uncounted', 2);
    ({ pg, ds } = schema);
    store = new PgDeliveryStore(ds, { schema: pg.schema, namespace: 'tns' });
  });
  afterAll(async () => {
    await schema?.close();
  });

  async function queue(): Promise<DeliveryRecord> {
    const { notification } = await store.createNotification({
      source: 'NOTIFY', idempotencyKey: randomUUID(), notificationType: 'TICKET_CREATED', priority: 'URGENT', templateKey: 'k', ticketId: null,
      actor: null, variables: null, request: null,
    }, now);
    const phone = `62812${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    const row: NewDelivery = {
      idempotencyKey: `${notification.id}|${phone}`, notificationType: 'TICKET_CREATED', ticketId: null, sourceEventId: null, recipient: phone,
      recipientKind: 'PHONE', recipientId: null, recipientName: '', channel: 'WHATSAPP', priority: 'URGENT', locale: 'ID', templateKey: 'k', templateVersion: 1,
      body: 'halo', fallbackBody: null, fallbackTemplateVersion: null, quietHours: null,
    };
    return (await store.insertFinalPage(notification.id, [row], 0, now)).deliveries[0]!;
  }
  const reload = async (d: DeliveryRecord) => (await store.delivery(d.id))!;
  /** One dispatcher pass once the delivery is due. */
  const roundOf = async (d: DeliveryRecord) => {
    const due = (await reload(d)).dueAt;
    if (due > now) now = new Date(due.getTime());
    await dispatcher().runOnce();
    return reload(d);
  };

  it('breaker-open rounds leave the rounds as they were: the message outlives the retry budget and goes when a provider is back', async () => {
    answer = 'breaker_open';
    const d = await queue();
    for (let i = 0; i < 6; i++) {
      const after = await roundOf(d);
      expect(after).toMatchObject({ status: 'FAILED', rounds: 0, attemptCount: 2 * (i + 1) });
      expect(after.lastError).toMatch(/circuit breaker open/);
      // Waits the backoff of the rounds it made (at least the first one's), not longer each time.
      expect(after.nextAttemptAt!.getTime() - now.getTime()).toBe(backoff(1));
    }
    answer = 'accepted';
    expect(await roundOf(d)).toMatchObject({ status: 'SENT', rounds: 1 });
    expect(calls.filter((to) => to === d.recipient)).toHaveLength(1);
  });

  it('rounds that called a provider still count: DEAD after DELIVERY_MAX_ATTEMPTS of them, breaker-open rounds between them free', async () => {
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
});
