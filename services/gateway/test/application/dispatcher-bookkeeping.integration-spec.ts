// A round's bookkeeping that fails (Postgres unreachable after the provider accepted the message)
// is retried in process until it is written, against real Postgres and the Fonnte simulator over
// HTTP: the delivery ends SENT with its attempt and the provider's message id (so receipts match
// it), the provider got the message once and nothing is sent again — also when the lease expired
// meanwhile and another replica marked the row DEAD (ambiguous), and without this process's own
// lease sweep marking it DEAD while it is still recording it.
import type { DataSource } from 'typeorm';
import { createDataSource } from '@notify/db';
import { createLogger } from '@notify/logger';
import { startFonnteSim, type FonnteSimHandle } from '@notify/provider-sim';
import { startOutageProxy, waitFor, type OutageProxy } from '@notify/testing';
import { Dispatcher, type DeliveryStore } from '../../src/application';
import type { DeliveryChange, DeliveryRecord } from '../../src/domain';
import { LEASE_EXPIRED_ERROR, PgDeliveryStore } from '../../src/infrastructure/persistence/delivery.store';
import { gatewayEntities } from '../../src/infrastructure/persistence/gateway.entities';
import { FonnteAdapter, ProviderChain } from '../../src/infrastructure/providers';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';
import { queueDelivery } from '../support/queue-delivery';

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface LogLine { level: string; msg: string; [field: string]: unknown }

describe('dispatcher: bookkeeping that fails is retried until written (Postgres + Fonnte simulator)', () => {
  let schema: GatewaySchema;
  /** The direct store: the test's view, and "another replica" that still reaches Postgres. */
  let store: PgDeliveryStore;
  let fonnte: FonnteSimHandle;
  let chain: ProviderChain;
  let proxy: OutageProxy;
  let proxiedDs: DataSource;
  let proxied: PgDeliveryStore;
  const feed: DeliveryChange[] = [];
  const lines: LogLine[] = [];
  const logger = createLogger({ service: 'gateway-bookkeeping-it', level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } });
  const running: Dispatcher[] = [];

  beforeAll(async () => {
    schema = await openGatewaySchema('gw_bookkeeping', 3);
    store = new PgDeliveryStore(schema.ds, { schema: schema.pg.schema, namespace: 'tns' });
    proxy = await startOutageProxy(schema.pg.url);
    proxiedDs = createDataSource({ url: proxy.url, schema: schema.pg.schema, entities: gatewayEntities, poolSize: 4, connectTimeoutMs: 1000 });
    await proxiedDs.initialize();
    proxied = new PgDeliveryStore(proxiedDs, { schema: schema.pg.schema, namespace: 'tns', onCommitted: (c) => feed.push(...c) });
    fonnte = await startFonnteSim({ port: 0, token: 'ft', receiptDelaysMs: false });
    chain = new ProviderChain('whatsapp', [new FonnteAdapter({ baseUrl: fonnte.url, token: 'ft' })], { timeoutMs: 3000 });
  });
  afterEach(async () => {
    for (const d of running.splice(0)) await d.stop();
    await proxy.up();
    await fonnte.clearFault();
  });
  afterAll(async () => {
    chain?.close();
    await fonnte?.close();
    if (proxiedDs?.isInitialized) await proxiedDs.destroy();
    await proxy?.close();
    await schema?.close();
  });

  const phone = () => `62813${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const queue = (recipient: string): Promise<DeliveryRecord> => queueDelivery(store, { recipient, body: 'Teknisi kami menuju lokasi Anda.' });
  function start(s: DeliveryStore, leaseMs: number): Dispatcher {
    const d = new Dispatcher({
      store: s, channels: { WHATSAPP: chain }, wake: { wait: (ms) => sleep(ms), poke: () => undefined }, logger, clock: () => new Date(),
      workers: 4, batchSize: 10, pollMs: 100, leaseMs, maxRounds: 3, backoff: () => 1000, smsFallbackPriorities: [], rateLimit: 0, rateWindowMs: 0,
      costs: { fonnte: 150 }, bookkeepingBackoff: () => 200,
    });
    running.push(d);
    d.start();
    return d;
  }
  const sentTo = (to: string) => fonnte.messages().filter((m) => m.to === to);

  it('Postgres lost during the send, lease expired and marked DEAD by another replica: the round is recorded when Postgres is back, SENT with its attempt and message id, sent once', async () => {
    const to = phone();
    // The answer comes 800 ms after Fonnte accepted (and recorded) the message: Postgres goes away in between.
    await fonnte.setFault({ mode: 'slow', delay_ms: 800, times: 1 });
    const d = await queue(to);
    start(proxied, 1500);
    await waitFor(() => sentTo(to).length === 1, { timeoutMs: 10_000, description: 'Fonnte to accept the message' });
    await proxy.down();
    // The answer arrives, its bookkeeping fails; the lease (1.5 s) runs out meanwhile.
    await waitFor(() => lines.some((l) => l.msg.startsWith('dispatcher: bookkeeping failed') && l['delivery_id'] === d.id), { timeoutMs: 5000, description: 'a failed bookkeeping' });
    await sleep(2000);
    // Another replica, still connected, sweeps the expired lease: DEAD (ambiguous).
    const expired = await store.expireLeases(new Date());
    expect(expired.map((x) => x.id)).toContain(d.id);
    expect((await store.delivery(d.id))!).toMatchObject({ status: 'DEAD', lastError: LEASE_EXPIRED_ERROR });

    await proxy.up();
    const sent = await waitFor(async () => {
      const x = await store.delivery(d.id);
      return x?.status === 'SENT' ? x : null;
    }, { timeoutMs: 10_000, description: 'the round to be recorded after the outage' });
    const message = sentTo(to)[0]!;
    expect(sent).toMatchObject({ provider: 'fonnte', providerMessageId: message.id, attemptCount: 1, rounds: 1, lastError: null, costRupiah: 150 });
    const attempts = await store.attempts(d.id);
    expect(attempts.map((a) => [a.number, a.provider, a.outcome, a.providerMessageId])).toEqual([[1, 'fonnte', 'ACCEPTED', message.id]]);
    // The `sent` event says what it replaced (told after the commit: the row may be seen SENT through another connection first).
    await waitFor(() => feed.some((c) => c.delivery.id === d.id), { timeoutMs: 5000, description: 'the committed change to be told' });
    expect(feed.filter((c) => c.delivery.id === d.id).map((c) => [c.kind, c.previousStatus])).toEqual([['sent', 'DEAD']]);
    // A receipt now finds it (by the provider's message id).
    const receipt = await store.applyReceipt({ provider: 'fonnte', providerMessageId: message.id, status: 'delivered', at: new Date() }, new Date(), () => ({ kind: 'dead', permanent: false }));
    expect(receipt.kind).toBe('applied');
    // Nothing is sent again.
    await sleep(800);
    expect(sentTo(to)).toHaveLength(1);
  });

  it("this process's own lease sweep leaves a round it is still recording alone: SENDING → SENT, never DEAD", async () => {
    const to = phone();
    const d = await queue(to);
    // recordRound fails (as on a dropped connection) for 1.5 s; everything else reaches Postgres.
    let failUntil = 0;
    let failures = 0;
    const flaky = Object.create(proxied) as PgDeliveryStore;
    flaky.recordRound = (...args: Parameters<PgDeliveryStore['recordRound']>) => {
      if (failUntil === 0) failUntil = Date.now() + 1500;
      if (Date.now() < failUntil) {
        failures++;
        return Promise.reject(Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' }));
      }
      return proxied.recordRound(...args);
    };
    const linesBefore = lines.length;
    start(flaky, 400); // the lease runs out three times over while the bookkeeping fails; the loop sweeps every 100 ms
    const sent = await waitFor(async () => {
      const x = await store.delivery(d.id);
      return x?.status === 'SENT' ? x : null;
    }, { timeoutMs: 10_000, description: 'the round to be recorded' });
    expect(failures).toBeGreaterThanOrEqual(3);
    expect(sent).toMatchObject({ providerMessageId: sentTo(to)[0]!.id, attemptCount: 1 });
    // The retries are one outage in the log: one warn line with the round, one recovery line.
    const mine = lines.slice(linesBefore).filter((l) => l['delivery_id'] === d.id || l.msg.startsWith('dispatcher bookkeeping'));
    expect(mine.filter((l) => l.level === 'warn').map((l) => [l.msg, l['provider_message_id']])).toEqual([
      ['dispatcher: bookkeeping failed; retrying (the outcome is kept in memory)', sentTo(to)[0]!.id],
    ]);
    expect(mine.filter((l) => l.level === 'info').map((l) => [l.msg, l['failures']])).toEqual([['dispatcher bookkeeping recovered', failures]]);
    await waitFor(() => feed.some((c) => c.delivery.id === d.id), { timeoutMs: 5000, description: 'the committed change to be told' });
    expect(feed.filter((c) => c.delivery.id === d.id).map((c) => [c.kind, c.previousStatus])).toEqual([['sent', 'SENDING']]);
    await sleep(500);
    expect(sentTo(to)).toHaveLength(1);
  });

  it('bookkeeping failing for another reason than a lost connection is given up after a few tries (logged with the message id), not retried for ever holding a worker', async () => {
    const to = phone();
    const d = await queue(to);
    // recordRound fails with a real Postgres error that is not a lost connection (the same write would fail the same way every time).
    let calls = 0;
    const broken = Object.create(proxied) as PgDeliveryStore;
    broken.recordRound = async () => {
      calls++;
      await proxiedDs.query('SELECT 1 / 0');
      throw new Error('unreachable');
    };
    start(broken, 60_000);
    const gaveUp = await waitFor(() => lines.find((l) => l.level === 'error' && l['delivery_id'] === d.id && l.msg.startsWith('dispatcher: giving up')), {
      timeoutMs: 5000, description: 'the dispatcher to give the bookkeeping up',
    });
    const message = sentTo(to)[0]!;
    expect(gaveUp).toMatchObject({ status: 'SENT', provider: 'fonnte', provider_message_id: message.id, failures: 3 });
    expect(calls).toBe(3);
    // No more tries: the worker is free again.
    await sleep(1000);
    expect(calls).toBe(3);
    expect(sentTo(to)).toHaveLength(1);
    // The row is left to its lease (DEAD, possibly sent, when it expires).
    expect((await store.delivery(d.id))!.status).toBe('SENDING');
  });
});
