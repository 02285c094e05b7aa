// Receipt reconciliation against real Postgres and the provider simulators over real HTTP: the
// real store, dispatcher, provider adapters and chains, HandleReceiptUseCase and
// ReceiptReconciler, with a clock the test moves. The simulators' receipt webhooks point at a
// port nothing listens on (the gateway was down: every receipt is lost); their messages still
// reach their stages (the simulators record the stage before posting), so a look-up tells what
// the webhook could not.
import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { backoffMs } from '@notify/db';
import {
  startAdvantaSim, startFonnteSim, startTwilioSim, type AdvantaSimHandle, type FonnteSimHandle, type TwilioSimHandle,
} from '@notify/provider-sim';
import { Dispatcher, HandleReceiptUseCase, ReceiptReconciler, type NewDelivery } from '../../src/application';
import type { Channel, DeliveryRecord } from '../../src/domain';
import { PgDeliveryStore } from '../../src/infrastructure/persistence/delivery.store';
import { AdvantaAdapter, FonnteAdapter, ProviderChain, TwilioAdapter } from '../../src/infrastructure/providers';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const backoff = (round: number) => backoffMs(round, 1_000, 60_000, () => 1);
const AFTER_MS = 600_000;
const TWILIO = { accountSid: 'AC00000000000000000000000000000077', authToken: 'twilio-token', from: '+15005550006' };
const ADVANTA = { apiKey: 'advanta-key', partnerId: '77', shortcode: 'NOTIFY' };
const FONNTE_TOKEN = 'fonnte-token';

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

describe('receipt reconciliation (Postgres + simulators over HTTP)', () => {
  let schema: GatewaySchema;
  let store: PgDeliveryStore;
  let twilio: TwilioSimHandle;
  let advanta: AdvantaSimHandle;
  let fonnte: FonnteSimHandle;
  let sms: ProviderChain;
  let whatsapp: ProviderChain;
  let dispatch: Dispatcher;
  let receipts: HandleReceiptUseCase;
  let now = new Date('2026-12-07T03:00:00.000Z');
  const later = (ms: number) => (now = new Date(now.getTime() + ms));
  const lookUps: Array<[string, string]> = [];

  /** Look-ups that reached a provider chain. */
  let asked = 0;
  const reconciler = (o: { maxChecks?: number; batch?: number; providers?: string[]; concurrency?: number } = {}) => new ReceiptReconciler({
    store, receipts, clock: () => now, logger: quiet, ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    lookUp: (provider, id, signal) => {
      asked++;
      return (provider === 'fonnte' ? whatsapp : sms).lookUpStatus(provider, id, signal);
    },
    providers: () => o.providers ?? ['twilio', 'advanta', 'fonnte'],
    intervalMs: 60_000, afterMs: AFTER_MS, maxAgeMs: 2 * 86_400_000, maxChecks: o.maxChecks ?? 4, batch: o.batch ?? 100,
    onLookUp: (provider, outcome) => lookUps.push([provider, outcome]),
  });

  beforeAll(async () => {
    schema = await openGatewaySchema('gw_reconcile', 4);
    store = new PgDeliveryStore(schema.ds, { schema: schema.pg.schema, namespace: 'tns' });
    const lost = `http://127.0.0.1:${await closedPort()}`;
    // Receipts only when the test posts them (stage by stage); every post is refused.
    // The simulators date their resources and receipts on the test's clock too (a provider's
    // time later than the gateway's "now" would be taken as now: on the wall clock, the test's
    // fixed start date would turn into the past one day).
    const clock = () => now;
    twilio = await startTwilioSim({ port: 0, accountSid: TWILIO.accountSid, authToken: TWILIO.authToken, fromNumbers: [TWILIO.from], receiptDelaysMs: false, clock });
    advanta = await startAdvantaSim({
      port: 0, apiKey: ADVANTA.apiKey, partnerId: ADVANTA.partnerId, shortcodes: [ADVANTA.shortcode], webhookUrl: `${lost}/webhooks/advanta/dlr`, receiptDelaysMs: false, clock,
    });
    fonnte = await startFonnteSim({ port: 0, token: FONNTE_TOKEN, webhookUrl: `${lost}/webhooks/fonnte/status`, receiptDelaysMs: false, clock });
    sms = new ProviderChain('sms', [
      new TwilioAdapter({ baseUrl: twilio.url, ...TWILIO }),
      new AdvantaAdapter({ baseUrl: advanta.url, ...ADVANTA }),
    ], { timeoutMs: 2_000 });
    whatsapp = new ProviderChain('whatsapp', [new FonnteAdapter({ baseUrl: fonnte.url, token: FONNTE_TOKEN })], { timeoutMs: 2_000 });
    dispatch = new Dispatcher({
      store, channels: { SMS: sms, WHATSAPP: whatsapp }, wake: { wait: async () => undefined, poke: () => undefined }, logger: quiet, clock: () => now,
      workers: 16, batchSize: 20, pollMs: 1000, leaseMs: 60_000, maxRounds: 3, backoff, smsFallbackPriorities: [], rateLimit: 0, rateWindowMs: 0, costs: {},
      statusCallbackUrl: `${lost}/webhooks/twilio/status`,
    });
    receipts = new HandleReceiptUseCase({ store, clock: () => now, logger: quiet, maxRounds: 3, backoff, smsFallbackPriorities: ['URGENT'], smsConfigured: true });
  });
  afterEach(async () => {
    lookUps.length = 0;
    // Each test on its own: what an earlier one left in play (SENT, or FAILED and due again) is set aside.
    await schema.ds.query(`UPDATE "${schema.pg.schema}".deliveries SET status = 'DEAD' WHERE status NOT IN ('DELIVERED', 'READ', 'DEAD')`);
    await Promise.all([twilio.clearFault(), advanta.clearFault(), fonnte.clearFault()]);
  });
  afterAll(async () => {
    sms?.close();
    whatsapp?.close();
    await Promise.all([twilio?.close(), advanta?.close(), fonnte?.close()]);
    await schema?.close();
  });

  /** Queues `n` deliveries on `channel` (SMS goes through Twilio, the first of its chain) and sends them: SENT at `now`. */
  async function sent(channel: Channel, n = 1): Promise<DeliveryRecord[]> {
    const { notification } = await store.createNotification({
      source: 'NOTIFY', idempotencyKey: randomUUID(), notificationType: 'TICKET_CREATED', priority: 'URGENT', templateKey: 'k', ticketId: null,
      actor: null, variables: null, request: null,
    }, now);
    const rows: NewDelivery[] = Array.from({ length: n }, () => {
      const phone = `62812${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
      return {
        idempotencyKey: `${notification.id}|${phone}`, notificationType: 'TICKET_CREATED', ticketId: null, sourceEventId: null, recipient: phone,
        recipientKind: 'PHONE', recipientId: null, recipientName: '', channel, priority: 'URGENT', locale: 'ID', templateKey: 'k', templateVersion: 1,
        body: 'TIKET GANGGUAN DITERIMA', fallbackBody: channel === 'WHATSAPP' ? 'SMS: TIKET GANGGUAN DITERIMA' : null, fallbackTemplateVersion: channel === 'WHATSAPP' ? 1 : null, quietHours: null,
      };
    });
    const { deliveries } = await store.insertFinalPage(notification.id, rows, 0, now);
    await dispatch.runOnce();
    const out = await Promise.all(deliveries.map((d) => reload(d)));
    for (const d of out) expect(d).toMatchObject({ status: 'SENT' });
    return out;
  }
  const reload = async (d: DeliveryRecord) => (await store.delivery(d.id))!;
  /** What the simulator's webhook would have said, had anyone listened: the stage is reached, the post refused. */
  const lostReceipt = async (sim: TwilioSimHandle | AdvantaSimHandle | FonnteSimHandle, d: DeliveryRecord, stage: 'sent' | 'delivered' | 'read' | 'failed', errorCode?: number) => {
    const record = await sim.sendReceipt(d.providerMessageId!, stage, errorCode !== undefined ? { errorCode } : {});
    expect(record.error).toBeDefined();
  };

  it('a Twilio SMS whose receipts were lost is DELIVERED by its look-up, not before RECEIPT_CHECK_AFTER_MS; a late receipt is then a duplicate', async () => {
    const [d] = await sent('SMS');
    expect(d!.provider).toBe('twilio');
    await lostReceipt(twilio, d!, 'sent');
    await lostReceipt(twilio, d!, 'delivered');
    const check = reconciler({ providers: ['twilio'] });

    later(AFTER_MS - 1_000);
    expect(await check.runOnce()).toMatchObject({ claimed: 0 });
    expect((await reload(d!)).status).toBe('SENT');

    later(1_000);
    expect(await check.runOnce()).toMatchObject({ claimed: 1, applied: 1 });
    // Dated when Twilio says the message got there (its date_updated), not when it was asked.
    const resource = twilio.messages().find((m) => m.id === d!.providerMessageId)!;
    expect(await reload(d!)).toMatchObject({ status: 'DELIVERED', deliveredAt: new Date(Date.parse(resource.dateUpdated)) });
    expect(lookUps).toEqual([['twilio', 'applied']]);

    // Not SENT any more: never looked up again; the receipt, posted again later, changes nothing.
    later(10 * AFTER_MS);
    expect(await check.runOnce()).toMatchObject({ claimed: 0 });
    expect(await receipts.execute({ provider: 'twilio', providerMessageId: d!.providerMessageId!, status: 'delivered', at: now })).toBe('duplicate');
  });

  it('an Advanta DLR lost on the way: getdlr says DeliveryImpossible → DEAD at once, like that receipt (the network refuses the number: no retry can reach it)', async () => {
    // Twilio answering 500 once sends the SMS through Advanta (failover).
    await twilio.setFault({ mode: 'http_500', times: 1 });
    const [d] = await sent('SMS');
    expect(d!.provider).toBe('advanta');
    await lostReceipt(advanta, d!, 'failed');

    later(AFTER_MS);
    expect(await reconciler({ providers: ['advanta'] }).runOnce()).toMatchObject({ claimed: 1, applied: 1 });
    expect(await reload(d!)).toMatchObject({ status: 'DEAD', rounds: 1, lastError: 'receipt: DeliveryImpossible (permanent: no retry on SMS can reach the number)', nextAttemptAt: null });
  });

  it('a message without news is looked up again 3× the previous wait later, RECEIPT_CHECK_MAX times at most', async () => {
    const [d] = await sent('SMS');
    const check = reconciler({ maxChecks: 2, providers: ['twilio'] });
    later(AFTER_MS);
    expect(await check.runOnce()).toMatchObject({ claimed: 1, noStatus: 1 }); // Twilio: still `queued`
    later(3 * AFTER_MS - 1_000);
    expect(await check.runOnce()).toMatchObject({ claimed: 0 });
    later(1_000);
    expect(await check.runOnce()).toMatchObject({ claimed: 1, noStatus: 1 });
    later(100 * AFTER_MS);
    expect(await check.runOnce()).toMatchObject({ claimed: 0 }); // two look-ups made: no more
    expect(await reload(d!)).toMatchObject({ status: 'SENT', receiptChecks: 2 });
  });

  it('a provider that cannot be reached gets the look-up back: it does not count, and comes again after RECEIPT_CHECK_AFTER_MS', async () => {
    const [d] = await sent('SMS');
    await lostReceipt(twilio, d!, 'delivered');
    const check = reconciler({ maxChecks: 1, providers: ['twilio'] });
    await twilio.setFault({ mode: 'down', duration_ms: 60_000 });
    try {
      later(AFTER_MS);
      expect(await check.runOnce()).toMatchObject({ claimed: 1, unavailable: 1 });
    } finally {
      await twilio.clearFault();
    }
    expect(lookUps).toEqual([['twilio', 'unavailable']]);
    later(AFTER_MS - 1_000);
    expect(await check.runOnce()).toMatchObject({ claimed: 0 });
    later(1_000);
    // Still its one look-up to make (maxChecks 1): the unanswered one was given back.
    expect(await check.runOnce()).toMatchObject({ claimed: 1, applied: 1 });
    expect((await reload(d!)).status).toBe('DELIVERED');
  });

  it('a provider that cannot answer is asked once per pass: its other look-ups are given back unasked', async () => {
    const ds = await sent('SMS', 3);
    const check = reconciler({ providers: ['twilio'], concurrency: 1 });
    await twilio.setFault({ mode: 'down', duration_ms: 60_000 });
    try {
      later(AFTER_MS);
      asked = 0;
      expect(await check.runOnce()).toMatchObject({ claimed: 3, unavailable: 3 });
      expect(asked).toBe(1);
    } finally {
      await twilio.clearFault();
    }
    for (const d of ds) expect((await reload(d)).receiptChecks).toBe(0);
  });

  it('two replicas claiming at once never look up the same delivery', async () => {
    const ds = await sent('SMS', 8);
    later(AFTER_MS);
    const claim = { providers: ['twilio'], afterMs: AFTER_MS, maxAgeMs: 2 * 86_400_000, maxChecks: 4, limit: 5 };
    const [a, b] = await Promise.all([store.claimUnconfirmed(now, claim), store.claimUnconfirmed(now, claim)]);
    const ids = [...a, ...b].map((x) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
    // What one replica did not take, the other (or a later pass) does; none is taken twice.
    const rest = await store.claimUnconfirmed(now, claim);
    expect(new Set([...ids, ...rest.map((x) => x.id)])).toEqual(new Set(ds.map((d) => d.id)));
    expect(ids.length + rest.length).toBe(8);
  });

  it('a delivery re-sent after a failed look-up is a new message: its look-ups start again', async () => {
    const [d] = await sent('SMS');
    await lostReceipt(twilio, d!, 'failed', 30003);
    const check = reconciler({ maxChecks: 1, providers: ['twilio'] });
    later(AFTER_MS);
    expect(await check.runOnce()).toMatchObject({ claimed: 1, applied: 1 });
    expect(await reload(d!)).toMatchObject({ status: 'FAILED', lastError: 'receipt: undelivered (30003)' });

    later(backoff(1));
    await dispatch.runOnce();
    const resent = await reload(d!);
    expect(resent).toMatchObject({ status: 'SENT', rounds: 2, receiptChecks: 0 }); // its new message was never looked up
    expect(resent.providerMessageId).not.toBe(d!.providerMessageId);
    await lostReceipt(twilio, resent, 'delivered');
    later(AFTER_MS);
    expect(await check.runOnce()).toMatchObject({ claimed: 1, applied: 1 });
    expect((await reload(d!)).status).toBe('DELIVERED');
  });

  it('Fonnte (opt-in): /status says Invalid (no WhatsApp on the number) → the URGENT message goes by SMS (Twilio) with its SMS text; Sent changes nothing (its look-up knows no delivered)', async () => {
    const [bad, good] = await sent('WHATSAPP', 2);
    await lostReceipt(fonnte, bad!, 'failed');
    await lostReceipt(fonnte, good!, 'sent');
    later(AFTER_MS);
    expect(await reconciler({ providers: ['fonnte'] }).runOnce()).toMatchObject({ claimed: 2, applied: 1, noChange: 1 });
    expect(await reload(bad!)).toMatchObject({ status: 'FAILED', channel: 'SMS', smsFallbackReason: 'fonnte: Invalid', nextAttemptAt: now });
    expect((await reload(good!)).status).toBe('SENT');
    await dispatch.runOnce();
    const moved = await reload(bad!);
    expect(moved).toMatchObject({ status: 'SENT', channel: 'SMS', provider: 'twilio', failover: true });
    expect(twilio.messages().find((m) => m.id === moved.providerMessageId)).toMatchObject({ to: `+${bad!.recipient}`, text: 'SMS: TIKET GANGGUAN DITERIMA' });
  });

  it('providers outside the list are not looked up', async () => {
    const [d] = await sent('SMS');
    later(AFTER_MS);
    expect(await reconciler({ providers: ['advanta'] }).runOnce()).toMatchObject({ claimed: 0 });
    expect(await reconciler({ providers: [] }).runOnce()).toMatchObject({ claimed: 0 });
    expect((await reload(d!)).status).toBe('SENT');
  });
});
