// What the dispatcher tells operators about provider trouble, against real Postgres and the Fonnte
// and Wablas simulators over HTTP: the log (a breaker opening at warn with the error that tripped
// it, half-open and closed at info, once per transition; a FAILED round at info with its error and
// next attempt, at debug when it called no provider, the channel's outage then one warn line and a
// recovery line; a DEAD delivery at warn with its error) and the `gateway.send` spans (status ERROR
// with the last error on a FAILED or DEAD round; the resulting status, provider and failover as
// attributes; one `provider skipped` event per provider a round did not call).
import { SpanStatusCode } from '@opentelemetry/api';
import { backoffMs } from '@notify/db';
import { createLogger } from '@notify/logger';
import { startFonnteSim, startWablasSim, type FonnteSimHandle, type WablasSimHandle } from '@notify/provider-sim';
import { createTestTracing, type TestTracing } from '@notify/telemetry';
import { Dispatcher } from '../../src/application';
import type { DeliveryRecord } from '../../src/domain';
import { PgDeliveryStore } from '../../src/infrastructure/persistence/delivery.store';
import { FonnteAdapter, ProviderChain, WablasAdapter } from '../../src/infrastructure/providers';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';
import { queueDelivery, randomPhone } from '../support/queue-delivery';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const backoff = (round: number) => backoffMs(round, 1_000, 60_000, () => 1);

interface LogLine { level: string; msg: string; [field: string]: unknown }

describe('dispatcher: provider failures in the log and the gateway.send spans (Postgres + simulators)', () => {
  let schema: GatewaySchema;
  let store: PgDeliveryStore;
  let fonnte: FonnteSimHandle;
  let wablas: WablasSimHandle;
  let chain: ProviderChain;
  let tracing: TestTracing;
  const lines: LogLine[] = [];
  const logger = createLogger({ service: 'gateway-obs-it', level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } });
  let now = new Date('2026-12-08T03:00:00.000Z');
  const later = (ms: number) => (now = new Date(now.getTime() + ms));

  beforeAll(async () => {
    tracing = createTestTracing();
    schema = await openGatewaySchema('gw_obs', 3);
    store = new PgDeliveryStore(schema.ds, { schema: schema.pg.schema, namespace: 'tns' });
    fonnte = await startFonnteSim({ port: 0, token: 'ft', receiptDelaysMs: false });
    wablas = await startWablasSim({ port: 0, token: 'wt', secretKey: 'ws', receiptDelaysMs: false });
    chain = new ProviderChain(
      'whatsapp',
      [new FonnteAdapter({ baseUrl: fonnte.url, token: 'ft' }), new WablasAdapter({ baseUrl: wablas.url, token: 'wt', secretKey: 'ws' })],
      { timeoutMs: 2000, volumeThreshold: 1, errorThresholdPercentage: 50, resetTimeout: 300, logger },
    );
  });
  afterEach(async () => {
    await fonnte.clearFault();
    await wablas.clearFault();
  });
  afterAll(async () => {
    chain?.close();
    await fonnte?.close();
    await wablas?.close();
    await schema?.close();
    await tracing?.shutdown();
  });

  const dispatcher = () => new Dispatcher({
    store, channels: { WHATSAPP: chain }, wake: { wait: async () => undefined, poke: () => undefined }, logger, clock: () => now,
    workers: 4, batchSize: 10, pollMs: 1000, leaseMs: 60_000, maxRounds: 3, backoff, smsFallbackPriorities: [], rateLimit: 0, rateWindowMs: 0, costs: {},
  });
  const queue = (recipient: string): Promise<DeliveryRecord> => queueDelivery(store, { recipient, body: 'Teknisi kami menuju lokasi Anda.', at: now });
  const phone = randomPhone;
  /** The ended `gateway.send` span of delivery `id`'s latest round. */
  const sendSpan = (id: string) => tracing.spansNamed('gateway.send').filter((s) => s.attributes['notify.delivery_id'] === id).at(-1)!;
  const logged = (msg: string) => lines.filter((l) => l.msg.startsWith(msg));

  it('breakers opening, half-opening and closing are logged once each; FAILED rounds at info with error and next attempt, span ERROR', async () => {
    const d = await queue(phone());
    await fonnte.setFault({ mode: 'http_500' });
    await wablas.setFault({ mode: 'http_500' });
    const dispatch = dispatcher();

    // Round 1: both providers answer 500 (one failure opens each breaker here).
    await dispatch.runOnce();
    const r1 = (await store.delivery(d.id))!;
    expect(r1).toMatchObject({ status: 'FAILED', rounds: 1 });
    const opened = logged('provider circuit breaker opened');
    expect(opened.map((l) => [l.level, l.provider])).toEqual([['warn', 'fonnte'], ['warn', 'wablas']]);
    const [fonnteNow, wablasNow] = chain.providers();
    expect(opened[0]).toMatchObject({ channel: 'whatsapp', last_error: fonnteNow!.lastError });
    expect(opened[1]).toMatchObject({ channel: 'whatsapp', last_error: wablasNow!.lastError });
    expect(fonnteNow!.lastError).toBeTruthy();
    const failed1 = logged('delivery round failed');
    expect(failed1).toHaveLength(1);
    expect(failed1[0]).toMatchObject({
      level: 'info', delivery_id: d.id, status: 'FAILED', provider: 'wablas', rounds: 1, error: r1.lastError, next_attempt_at: r1.nextAttemptAt!.toISOString(),
    });
    expect(r1.lastError).toBe(wablasNow!.lastError);
    const s1 = sendSpan(d.id);
    expect(s1.status).toEqual({ code: SpanStatusCode.ERROR, message: r1.lastError });
    expect(s1.attributes).toMatchObject({ 'notify.delivery.status': 'FAILED', 'notify.provider': 'wablas', 'notify.failover': true });
    expect(s1.events.filter((e) => e.name === 'provider skipped')).toEqual([]);

    // Round 2: both breakers open, nobody is called: one span event per skipped provider; a
    // round without a call does not count toward DELIVERY_MAX_ATTEMPTS (rounds stays 1).
    later(backoff(1));
    await dispatch.runOnce();
    const r2 = (await store.delivery(d.id))!;
    expect(r2).toMatchObject({ status: 'FAILED', rounds: 1 });
    const s2 = sendSpan(d.id);
    expect(s2.status.code).toBe(SpanStatusCode.ERROR);
    expect(s2.status.message).toBe(r2.lastError);
    expect(s2.events.filter((e) => e.name === 'provider skipped').map((e) => e.attributes)).toEqual([
      expect.objectContaining({ 'notify.provider': 'fonnte', 'notify.skip_reason': 'BREAKER_OPEN' }),
      expect.objectContaining({ 'notify.provider': 'wablas', 'notify.skip_reason': 'BREAKER_OPEN' }),
    ]);
    // Such a round logs at debug; the channel's outage is one warn line (not one per held message and round).
    expect(logged('delivery round failed')).toHaveLength(1);
    expect(logged('delivery round called no provider')).toEqual([expect.objectContaining({
      level: 'debug', delivery_id: d.id, status: 'FAILED', rounds: 1, uncounted_rounds: 1, next_attempt_at: r2.nextAttemptAt!.toISOString(),
    })]);
    expect(logged('no provider of the channel can be called')).toEqual([expect.objectContaining({ level: 'warn', channel: 'WHATSAPP' })]);
    expect(logged('provider circuit breaker opened')).toHaveLength(2); // still open: no new line

    // Recovery: half-open after the reset timeout, Fonnte's trial succeeds and closes it.
    await fonnte.clearFault();
    await wablas.clearFault();
    await sleep(450);
    expect(logged('provider circuit breaker half-open').map((l) => [l.level, l.provider])).toEqual([['info', 'fonnte'], ['info', 'wablas']]);
    later(backoff(2));
    await dispatch.runOnce();
    expect((await store.delivery(d.id))!).toMatchObject({ status: 'SENT', provider: 'fonnte', rounds: 2 });
    expect(logged('provider circuit breaker closed').map((l) => [l.level, l.provider])).toEqual([['info', 'fonnte']]);
    expect(logged('WHATSAPP providers recovered')).toEqual([expect.objectContaining({ level: 'info', channel: 'WHATSAPP', failures: 1 })]);
    const s3 = sendSpan(d.id);
    expect(s3.status.code).toBe(SpanStatusCode.UNSET);
    expect(s3.attributes).toMatchObject({ 'notify.delivery.status': 'SENT', 'notify.provider': 'fonnte', 'notify.failover': false });
    // A sent round is a debug line (not info: thousands a second at full speed).
    expect(logged('delivery sent')).toEqual([expect.objectContaining({ level: 'debug', delivery_id: d.id, provider: 'fonnte' })]);
    // Every breaker line once: 2 opened, 2 half-open, 1 closed.
    expect(lines.filter((l) => String(l.msg).startsWith('provider circuit breaker'))).toHaveLength(5);
  });

  it('a delivery that ends DEAD is a warn line with its error, and its span is ERROR with that error', async () => {
    const d = await queue('bukan-nomor');
    await dispatcher().runOnce();
    const dead = (await store.delivery(d.id))!;
    // Why it did not go by SMS is part of the error (no priority may fall back here).
    const error = 'permanent: target invalid; no SMS fallback: NORMAL is not in SMS_FALLBACK_PRIORITIES (none)';
    expect(dead).toMatchObject({ status: 'DEAD', lastError: error });
    const line = logged('delivery DEAD').find((l) => l.delivery_id === d.id);
    expect(line).toMatchObject({ level: 'warn', provider: 'fonnte', rounds: 1, error });
    const span = sendSpan(d.id);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: error });
    expect(span.attributes).toMatchObject({ 'notify.delivery.status': 'DEAD', 'notify.provider': 'fonnte', 'notify.failover': false });
  });
});
