// Receipts against real Postgres: the real store, dispatcher (its provider chain replaced by a
// counting fake that accepts every send) and HandleReceiptUseCase behind the real webhook
// server, receipts POSTed over HTTP as the providers send them. A `failed` receipt spends the
// retry budget like a failed round (DEAD after the last round, the dispatcher's backoff
// otherwise); a Fonnte in-between status ties the stateid to the message id; a re-sent
// delivery's new stateid replaces the old one. A receipt that overtakes the round's bookkeeping
// (posted while the provider call is still being answered) is kept and applied when the round
// is recorded, with the same duplicate and ordering rules; kept receipts a round recorded but
// nothing applied (the gateway killed between the round's commit and their application) are
// applied by the sweep; kept receipts nothing matches are purged (and logged) after the
// receipts' retention.
import { randomUUID } from 'node:crypto';
import { backoffMs } from '@notify/db';
import type { TestSchema } from '@notify/testing';
import type { DataSource } from 'typeorm';
import { Dispatcher, HandleReceiptUseCase, receiptFailurePolicy, type ChannelSender } from '../../src/application';
import type { DeliveryRecord, Priority } from '../../src/domain';
import { PgDeliveryStore } from '../../src/infrastructure/persistence/delivery.store';
import { purgeKeptReceipts, purgeOlderThan } from '../../src/infrastructure/persistence/housekeeping';
import { startWebhookServer, type WebhookServer } from '../../src/transport/http/webhook-server';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';
import { queueDelivery } from '../support/queue-delivery';

const SECRET = 'receipts-it-secret';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
type Line = { level: string; fields: Record<string, unknown>; msg: string };
/** A logger that keeps its lines. */
const capturing = () => {
  const lines: Line[] = [];
  const at = (level: string) => (...args: unknown[]) => void lines.push({ level, fields: args[0] as Record<string, unknown>, msg: String(args[1]) });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } };
};
/** The dispatcher's backoff as server.ts builds it (backoffMs), jitter pinned to its maximum. */
const backoff = (round: number) => backoffMs(round, 1_000, 60_000, () => 1);
/** Provider message ids unique to this run (the schema is fresh, ids need not be; they are for the reader). */
const prefix = randomUUID().slice(0, 8);

describe('receipts (Postgres + webhook server)', () => {
  let schema: GatewaySchema;
  let pg: TestSchema;
  let ds: DataSource;
  let store: PgDeliveryStore;
  let server: WebhookServer;
  let use: HandleReceiptUseCase;
  let now = new Date('2026-12-07T03:00:00.000Z');
  const later = (ms: number) => (now = new Date(now.getTime() + ms));
  /** Provider sends: [recipient, provider message id]; ids are 1, 2, 3… in send order. */
  const sends: Array<[string, string]> = [];
  /** Runs after the provider "accepted" a message and before it answers the send: a callback faster than the answer. */
  let beforeAnswer: ((id: string) => Promise<void>) | undefined;
  const fonnte: ChannelSender = {
    names: () => ['fonnte'],
    async send(msg) {
      const id = `${prefix}-${sends.length + 1}`;
      sends.push([msg.to, id]);
      await beforeAnswer?.(id);
      const outcome = { kind: 'accepted' as const, providerMessageId: id };
      return { outcome, provider: 'fonnte', attempts: [{ provider: 'fonnte', result: 'accepted', outcome, latencyMs: 5 }] };
    },
  };
  const dispatcher = (maxRounds: number) => new Dispatcher({
    store, channels: { WHATSAPP: fonnte }, wake: { wait: async () => undefined, poke: () => undefined }, logger: quiet, clock: () => now,
    workers: 4, batchSize: 10, pollMs: 1000, leaseMs: 60_000, maxRounds, backoff, smsFallbackPriorities: [], rateLimit: 0, rateWindowMs: 0, costs: {},
  });
  const receiptsUseCase = (maxRounds: number) => new HandleReceiptUseCase({ store, clock: () => now, logger: quiet, maxRounds, backoff });

  beforeAll(async () => {
    schema = await openGatewaySchema('gw_receipts', 3);
    ({ pg, ds } = schema);
    store = new PgDeliveryStore(ds, { schema: pg.schema, namespace: 'tns' });
    server = await startWebhookServer({
      host: '127.0.0.1', port: 0, webhookSecret: SECRET, logger: quiet,
      handlers: { onReceipt: async (r) => void (await use.execute(r)), onInbound: () => undefined },
    });
  });
  afterEach(() => {
    beforeAnswer = undefined;
  });
  afterAll(async () => {
    await server?.close();
    await schema?.close();
  });

  const fonnteStatus = async (body: Record<string, unknown>) => {
    const res = await fetch(`${server.url}/webhooks/fonnte/status?secret=${SECRET}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };

  /** One queued delivery (WhatsApp unless said, no SMS text unless given) to a fresh number, due now. */
  const queue = (priority: Priority, o: { channel?: 'WHATSAPP' | 'SMS'; fallbackBody?: string } = {}): Promise<DeliveryRecord> => queueDelivery(store, { priority, ...o, at: now });
  const sendsTo = (d: DeliveryRecord) => sends.filter(([to]) => to === d.recipient).map(([, id]) => id);
  const reload = async (d: DeliveryRecord) => (await store.delivery(d.id))!;

  it('a failed receipt after the last round is DEAD (max attempts 2: exactly 2 provider sends); before it, FAILED with the dispatcher\'s backoff', async () => {
    use = receiptsUseCase(2);
    const d = await queue('URGENT');
    const dispatch = dispatcher(2);

    await dispatch.runOnce();
    const [first] = sendsTo(d);
    await fonnteStatus({ id: first, stateid: 'st-a1', status: 'expired', state: 'failed' });
    const failedAt = now;
    expect(await reload(d)).toMatchObject({ status: 'FAILED', rounds: 1, lastError: 'receipt: expired', nextAttemptAt: new Date(failedAt.getTime() + backoff(1)) });

    later(backoff(1));
    await dispatch.runOnce();
    const [, second] = sendsTo(d);
    expect(await reload(d)).toMatchObject({ status: 'SENT', rounds: 2, providerMessageId: second });
    await fonnteStatus({ id: second, stateid: 'st-a2', status: 'expired', state: 'failed' });
    expect(await reload(d)).toMatchObject({ status: 'DEAD', rounds: 2, lastError: 'receipt: expired', nextAttemptAt: null });

    later(3_600_000);
    await dispatch.runOnce();
    expect(sendsTo(d)).toHaveLength(2);
  });

  it("a receipt's time is kept between the message's creation and the receipt's arrival (a provider clock behind or ahead cannot put a delivery before the message existed)", async () => {
    use = receiptsUseCase(3);
    // The webhook believes receipt times within 30 days of the wall clock: this test's clock runs
    // an hour behind the wall clock (whole seconds), whatever day the suite runs.
    const fixed = now;
    now = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    const d = await queue('HIGH');
    later(500);
    await dispatcher(3).runOnce();
    const [id] = sendsTo(d);
    // Fonnte says it was delivered a day before the message existed (still a time the webhook believes: within 30 days of the wall clock).
    await fonnteStatus({ id, stateid: 'st-t1', status: 'delivered', timestamp: Math.floor((Date.now() - 86_400_000) / 1000) });
    expect((await reload(d)).deliveredAt).toEqual(d.createdAt);
    // Read "in a minute from now" by the wall clock, which is past the receipts' own clock here: kept at the arrival.
    later(1_000);
    await fonnteStatus({ id, stateid: 'st-t1', status: 'read', timestamp: Math.floor(Date.now() / 1000) + 60 });
    const read = await reload(d);
    expect(read.status).toBe('READ');
    expect(read.readAt).toEqual(now);
    expect(read.deliveredAt).toEqual(d.createdAt);
    now = fixed;
  });

  it("expediteFailed (a provider back): the channel's deliveries waiting after a failed round are due now; not those a receipt failed, nor another channel's", async () => {
    use = receiptsUseCase(5);
    let down = true;
    const sometimesDown: ChannelSender = {
      names: () => ['fonnte'],
      async send(msg) {
        if (!down) return fonnte.send(msg);
        const outcome = { kind: 'failed' as const, retryable: true, fault: 'provider' as const, reason: 'connect ECONNREFUSED' };
        return { outcome, provider: 'fonnte', attempts: [{ provider: 'fonnte', result: 'connection_error', outcome, latencyMs: 1 }] };
      },
    };
    const dispatch = new Dispatcher({
      store, channels: { WHATSAPP: sometimesDown }, wake: { wait: async () => undefined, poke: () => undefined }, logger: quiet, clock: () => now,
      workers: 4, batchSize: 10, pollMs: 1000, leaseMs: 60_000, maxRounds: 5, backoff, smsFallbackPriorities: [], rateLimit: 0, rateWindowMs: 0, costs: {},
    });
    const outage = await queue('NORMAL');
    const refused = await queue('NORMAL');
    // `refused` reached the provider and its receipt failed it; `outage` failed its round (the provider was down).
    down = false;
    await dispatch.runOnce();
    const refusedRow = await reload(refused);
    await fonnteStatus({ id: sendsTo(refused)[0], stateid: 'st-x1', status: 'expired', state: 'failed' });
    down = true;
    await ds.query(`UPDATE "${pg.schema}".deliveries SET status = 'QUEUED', due_at = $2 WHERE id = $1`, [outage.id, now]);
    await dispatch.runOnce();
    const waiting = await reload(outage);
    expect(waiting).toMatchObject({ status: 'FAILED' });
    expect(waiting.nextAttemptAt!.getTime()).toBeGreaterThan(now.getTime());
    expect((await reload(refused)).status).toBe('FAILED');
    expect(refusedRow.status).toBe('SENT');

    later(500); // both wait for their next round: backoff(1) is 1 s here
    expect(await store.expediteFailed('SMS', now)).toBe(0);
    expect(await store.expediteFailed('WHATSAPP', now)).toBeGreaterThanOrEqual(1);
    // Due now; its own retry time kept (a pulled-forward round that fails again goes back to it).
    expect(await reload(outage)).toMatchObject({ status: 'FAILED', dueAt: now, nextAttemptAt: waiting.nextAttemptAt, rounds: waiting.rounds });
    expect((await reload(refused)).dueAt.getTime()).toBeGreaterThan(now.getTime()); // the receipt's backoff stands
    down = false;
    await dispatch.runOnce();
    expect(await reload(outage)).toMatchObject({ status: 'SENT' });
  });

  it('expediteFailed for SMS with the fallback priorities also makes due the WhatsApp deliveries that may fall back to SMS (not pinned, not receipt-failed, not without an SMS text)', async () => {
    const table = `"${pg.schema}".deliveries`;
    const waiting = async (priority: Priority, o: { fallbackBody?: string; pinned?: string; lastError?: string } = {}) => {
      const d = await queue(priority, o.fallbackBody ? { fallbackBody: o.fallbackBody } : {});
      await ds.query(`UPDATE ${table} SET status = 'FAILED', rounds = 1, due_at = $2, next_attempt_at = $2, pinned_provider = $3, last_error = $4 WHERE id = $1`, [
        d.id, new Date(now.getTime() + 60_000), o.pinned ?? null, o.lastError ?? 'fonnte: connect ECONNREFUSED; SMS fallback: twilio: connect ECONNREFUSED',
      ]);
      return d;
    };
    const urgent = await waiting('URGENT', { fallbackBody: 'SMS: halo' });
    const normal = await waiting('NORMAL');
    const pinned = await waiting('URGENT', { fallbackBody: 'SMS: halo', pinned: 'fonnte' });
    const refused = await waiting('URGENT', { fallbackBody: 'SMS: halo', lastError: 'receipt: expired' });
    const dueNow = async (d: DeliveryRecord) => (await reload(d)).dueAt.getTime() === now.getTime();
    // Without the priorities (as before): SMS has none of these.
    expect(await store.expediteFailed('SMS', now)).toBe(0);
    expect(await store.expediteFailed('SMS', now, ['URGENT', 'HIGH'])).toBe(1);
    expect([await dueNow(urgent), await dueNow(normal), await dueNow(pinned), await dueNow(refused)]).toEqual([true, false, false, false]);
  });

  it('the next round after a failed receipt waits backoff(rounds), as after a failed round', async () => {
    use = receiptsUseCase(3);
    const d = await queue('URGENT');
    const dispatch = dispatcher(3);
    for (const round of [1, 2]) {
      await dispatch.runOnce();
      await fonnteStatus({ id: sendsTo(d).at(-1), stateid: `st-b${round}`, status: 'expired', state: 'failed' });
      expect(await reload(d)).toMatchObject({ status: 'FAILED', rounds: round, nextAttemptAt: new Date(now.getTime() + backoff(round)) });
      later(backoff(round));
    }
    expect(backoff(2)).toBeGreaterThan(backoff(1));
  });

  it('a Fonnte in-between status with id + stateid stores the link: a later receipt keyed only by stateid finds the delivery', async () => {
    use = receiptsUseCase(5);
    const d = await queue('HIGH');
    await dispatcher(5).runOnce();
    const [id] = sendsTo(d);
    await fonnteStatus({ id, stateid: 'st-c', status: 'pending' });
    expect(await reload(d)).toMatchObject({ status: 'SENT', providerStateId: 'st-c' });
    await fonnteStatus({ stateid: 'st-c', state: 'delivered' });
    expect((await reload(d)).status).toBe('DELIVERED');
  });

  it('a re-sent delivery drops its old stateid; the new message\'s stateid replaces it and its receipts apply', async () => {
    use = receiptsUseCase(5);
    const d = await queue('HIGH');
    const dispatch = dispatcher(5);
    await dispatch.runOnce();
    const [x] = sendsTo(d);
    await fonnteStatus({ id: x, stateid: 'st-d1', status: 'sent', state: 'sent' });
    await fonnteStatus({ id: x, stateid: 'st-d1', status: 'failed', state: 'failed' });
    expect(await reload(d)).toMatchObject({ status: 'FAILED', providerStateId: 'st-d1' });

    later(backoff(1));
    await dispatch.runOnce();
    const [, y] = sendsTo(d);
    expect(await reload(d)).toMatchObject({ status: 'SENT', providerMessageId: y, providerStateId: null });
    await fonnteStatus({ id: y, stateid: 'st-d2', status: 'sent', state: 'sent' });
    expect((await reload(d)).providerStateId).toBe('st-d2');
    await fonnteStatus({ stateid: 'st-d2', state: 'delivered' });
    expect((await reload(d)).status).toBe('DELIVERED');
    // A late receipt of the first message's stateid no longer matches anything.
    await fonnteStatus({ stateid: 'st-d1', state: 'read' });
    expect((await reload(d)).status).toBe('DELIVERED');
  });

  it('recordRound without the claimed record (the transactional path) clears the old stateid on SENT too', async () => {
    use = receiptsUseCase(5);
    const d = await queue('HIGH');
    await dispatcher(5).runOnce();
    await fonnteStatus({ id: sendsTo(d)[0], stateid: 'st-e1', status: 'sent', state: 'sent' });
    await fonnteStatus({ id: sendsTo(d)[0], stateid: 'st-e1', status: 'failed', state: 'failed' });
    later(backoff(1));
    const claimed = (await store.claimDue(now, 10, 60_000, async () => null)).filter((c) => c.id === d.id);
    expect(claimed).toHaveLength(1);
    const after = await store.recordRound(d.id, [{
      provider: 'fonnte', outcome: 'ACCEPTED', error: null, latencyMs: 5, providerMessageId: 'e-2', costRupiah: 0, httpStatus: 200, startedAt: now, finishedAt: now,
    }], { status: 'SENT', provider: 'fonnte', providerMessageId: 'e-2', costRupiah: 0, failover: false, channel: 'WHATSAPP', body: null }, now);
    expect(after).toMatchObject({ status: 'SENT', providerMessageId: 'e-2', providerStateId: null });
  });

  describe('a failed receipt saying the number cannot be reached (Fonnte invalid, Twilio 30004-30006, Advanta DeliveryImpossible)', () => {
    /** SMS sends: [recipient, text, provider message id]. */
    const smsSends: Array<[string, string, string]> = [];
    const twilio: ChannelSender = {
      names: () => ['twilio', 'advanta'],
      async send(msg) {
        const id = `SM${prefix}${smsSends.length + 1}`;
        smsSends.push([msg.to, msg.text, id]);
        const outcome = { kind: 'accepted' as const, providerMessageId: id };
        return { outcome, provider: 'twilio', attempts: [{ provider: 'twilio', result: 'accepted', outcome, latencyMs: 5 }] };
      },
    };
    const withSms = () => new Dispatcher({
      store, channels: { WHATSAPP: fonnte, SMS: twilio }, wake: { wait: async () => undefined, poke: () => undefined }, logger: quiet, clock: () => now,
      workers: 4, batchSize: 10, pollMs: 1000, leaseMs: 60_000, maxRounds: 3, backoff, smsFallbackPriorities: ['URGENT', 'HIGH'], rateLimit: 0, rateWindowMs: 0, costs: {},
    });
    let woken = 0;
    const useWithSms = () => new HandleReceiptUseCase({
      store, clock: () => now, logger: quiet, maxRounds: 3, backoff, smsFallbackPriorities: ['URGENT', 'HIGH'], smsConfigured: true, onDue: () => void woken++,
    });
    const smsTo = (d: DeliveryRecord) => smsSends.filter(([to]) => to === d.recipient);

    it('Fonnte `invalid` on an URGENT WhatsApp delivery with an SMS text: moved to SMS at once (due now), then sent by the SMS chain with that text, as a failover; WhatsApp is not tried again', async () => {
      use = useWithSms();
      const d = await queue('URGENT', { fallbackBody: 'SMS: halo' });
      const dispatch = withSms();
      await dispatch.runOnce();
      const [waId] = sendsTo(d);
      const wokenBefore = woken;
      await fonnteStatus({ id: waId, stateid: 'st-p1', status: 'invalid', state: 'failed' });
      expect(await reload(d)).toMatchObject({
        status: 'FAILED', channel: 'SMS', body: 'SMS: halo', smsFallbackReason: 'fonnte: invalid', nextAttemptAt: now, dueAt: now, rounds: 1,
        lastError: 'receipt: invalid (the number cannot get WhatsApp messages: next round by SMS)',
      });
      expect(woken).toBe(wokenBefore + 1);

      await dispatch.runOnce();
      expect(smsTo(d)).toEqual([[d.recipient, 'SMS: halo', expect.any(String)]]);
      expect(await reload(d)).toMatchObject({ status: 'SENT', channel: 'SMS', provider: 'twilio', failover: true, rounds: 2, smsFallbackReason: 'fonnte: invalid', lastError: null });
      expect(sendsTo(d)).toEqual([waId]);
      // The SMS is then delivered like any: its receipt applies.
      expect(await use.execute({ provider: 'twilio', providerMessageId: smsTo(d)[0]![2], status: 'delivered', at: now })).toBe('applied');
      expect((await reload(d)).status).toBe('DELIVERED');
    });

    it('Fonnte `invalid` on a NORMAL delivery (no SMS text: its priority has no fallback) is DEAD at once, not retried on WhatsApp', async () => {
      use = useWithSms();
      const d = await queue('NORMAL');
      const dispatch = withSms();
      await dispatch.runOnce();
      await fonnteStatus({ id: sendsTo(d)[0], stateid: 'st-p2', status: 'invalid', state: 'failed' });
      expect(await reload(d)).toMatchObject({
        status: 'DEAD', channel: 'WHATSAPP', rounds: 1, nextAttemptAt: null, smsFallbackReason: null,
        lastError: 'receipt: invalid (permanent: no retry on WhatsApp can reach the number; no SMS fallback: NORMAL is not in SMS_FALLBACK_PRIORITIES (URGENT,HIGH))',
      });
      later(3_600_000);
      await dispatch.runOnce();
      expect(sendsTo(d)).toHaveLength(1);
      expect(smsTo(d)).toHaveLength(0);
    });

    it('the same receipt with no SMS provider configured is DEAD too (nowhere to fall back to)', async () => {
      use = new HandleReceiptUseCase({ store, clock: () => now, logger: quiet, maxRounds: 3, backoff, smsFallbackPriorities: ['URGENT'], smsConfigured: false });
      const d = await queue('URGENT', { fallbackBody: 'SMS: halo' });
      await dispatcher(3).runOnce();
      await fonnteStatus({ id: sendsTo(d)[0], stateid: 'st-p3', status: 'invalid', state: 'failed' });
      expect(await reload(d)).toMatchObject({ status: 'DEAD', channel: 'WHATSAPP', smsFallbackReason: null });
    });

    it('Twilio `undelivered (30005)` (unknown destination) on an SMS delivery is DEAD at once; `undelivered (30003)` (unreachable handset) is a failed round, retried', async () => {
      use = useWithSms();
      const dispatch = withSms();
      const unknown = await queue('HIGH', { channel: 'SMS' });
      const off = await queue('HIGH', { channel: 'SMS' });
      await dispatch.runOnce();
      expect(await use.execute({ provider: 'twilio', providerMessageId: smsTo(unknown)[0]![2], status: 'failed', error: 'undelivered (30005)', at: now })).toBe('applied');
      expect(await use.execute({ provider: 'twilio', providerMessageId: smsTo(off)[0]![2], status: 'failed', error: 'undelivered (30003)', at: now })).toBe('applied');
      expect(await reload(unknown)).toMatchObject({ status: 'DEAD', lastError: 'receipt: undelivered (30005) (permanent: no retry on SMS can reach the number)' });
      expect(await reload(off)).toMatchObject({ status: 'FAILED', lastError: 'receipt: undelivered (30003)', nextAttemptAt: new Date(now.getTime() + backoff(1)) });
    });

    it('an `invalid` receipt ahead of the bookkeeping is applied by the dispatcher under the same policy: moved to SMS', async () => {
      use = useWithSms();
      const d = await queue('HIGH', { fallbackBody: 'SMS: cepat' });
      beforeAnswer = async (id) => fonnteStatus({ id, stateid: `st-${id}`, status: 'invalid', state: 'failed' });
      const dispatch = withSms();
      await dispatch.runOnce();
      expect(await reload(d)).toMatchObject({ status: 'FAILED', channel: 'SMS', smsFallbackReason: 'fonnte: invalid', nextAttemptAt: now });
      beforeAnswer = undefined;
      await dispatch.runOnce();
      expect(smsTo(d).map(([, text]) => text)).toEqual(['SMS: cepat']);
      expect((await reload(d)).status).toBe('SENT');
    });
  });

  describe('a receipt that arrives before the send is recorded', () => {
    it('is kept (answered 200) and applied when the round is recorded: the delivery ends DELIVERED at the receipt\'s time', async () => {
      use = receiptsUseCase(5);
      const d = await queue('NORMAL');
      // Receipt times after the message was made and before they arrive (the store keeps them there).
      later(10_000);
      const deliveredAt = new Date(d.createdAt.getTime() + 1_000);
      beforeAnswer = async (id) => {
        await fonnteStatus({ id, status: 'delivered', state: 'delivered', timestamp: deliveredAt.getTime() / 1000 });
        // Nothing to apply it to yet: the delivery is still SENDING.
        expect((await reload(d)).status).toBe('SENDING');
      };
      await dispatcher(5).runOnce();
      expect(await reload(d)).toMatchObject({ status: 'DELIVERED', providerMessageId: sendsTo(d)[0], deliveredAt, rounds: 1 });
      const kept = await ds.query(`SELECT count(*)::int AS n FROM "${pg.schema}".pending_receipts WHERE message_key = $1`, [`id:${sendsTo(d)[0]}`]);
      expect(kept[0].n).toBe(0);
    });

    it('read before delivered (out of order) and delivered twice: READ with each receipt\'s time; a late repeat changes nothing', async () => {
      use = receiptsUseCase(5);
      const d = await queue('NORMAL');
      later(10_000);
      const readAt = new Date(d.createdAt.getTime() + 5_000);
      const deliveredAt = new Date(d.createdAt.getTime() + 3_000);
      beforeAnswer = async (id) => {
        await fonnteStatus({ id, state: 'read', timestamp: readAt.getTime() / 1000 });
        await fonnteStatus({ id, state: 'delivered', timestamp: deliveredAt.getTime() / 1000 });
        await fonnteStatus({ id, state: 'delivered', timestamp: deliveredAt.getTime() / 1000 });
      };
      await dispatcher(5).runOnce();
      const read = await reload(d);
      expect(read).toMatchObject({ status: 'READ', readAt, deliveredAt });
      // The provider repeats its delivered callback after the send was recorded: a duplicate.
      await fonnteStatus({ id: sendsTo(d)[0], state: 'delivered', timestamp: deliveredAt.getTime() / 1000 });
      expect(await reload(d)).toMatchObject({ status: 'READ', readAt, deliveredAt, updatedAt: read.updatedAt });
    });

    it('a failed receipt ahead of the bookkeeping counts as a failed round: FAILED with the dispatcher\'s backoff', async () => {
      use = receiptsUseCase(3);
      const d = await queue('URGENT');
      beforeAnswer = async (id) => fonnteStatus({ id, stateid: `st-${id}`, status: 'expired', state: 'failed' });
      await dispatcher(3).runOnce();
      expect(await reload(d)).toMatchObject({
        status: 'FAILED', rounds: 1, lastError: 'receipt: expired', nextAttemptAt: new Date(now.getTime() + backoff(1)), providerStateId: `st-${sendsTo(d)[0]}`,
      });
    });

    it('Fonnte: the id + stateid callback and a later stateid-only one, both early, link and apply: DELIVERED', async () => {
      use = receiptsUseCase(5);
      const d = await queue('HIGH');
      beforeAnswer = async (id) => {
        await fonnteStatus({ id, stateid: `st-${id}`, status: 'sent', state: 'sent' });
        await fonnteStatus({ stateid: `st-${id}`, state: 'delivered' });
      };
      await dispatcher(5).runOnce();
      const [id] = sendsTo(d);
      expect(await reload(d)).toMatchObject({ status: 'DELIVERED', providerMessageId: id, providerStateId: `st-${id}` });
    });

    it('receipts racing the bookkeeping of many sends (callback not awaited by the send) are never lost', async () => {
      use = receiptsUseCase(5);
      const ds20 = await Promise.all(Array.from({ length: 20 }, () => queue('NORMAL')));
      const posted: Promise<void>[] = [];
      let i = 0;
      beforeAnswer = async (id) => {
        // Some callbacks leave before the answer, some with it, some after the bookkeeping started.
        const delay = i++ % 3;
        posted.push(new Promise<void>((r) => setTimeout(r, delay)).then(() => fonnteStatus({ id, state: 'delivered' })));
      };
      const dispatch = dispatcher(5);
      while ((await dispatch.runOnce()) > 0); // 4 workers: 5 passes
      await Promise.all(posted);
      for (const d of ds20) expect((await reload(d)).status).toBe('DELIVERED');
    });

    it('kept receipts whose application after the round failed are applied by the next live receipt of that message', async () => {
      use = receiptsUseCase(5);
      const d = await queue('NORMAL');
      const deliveredAt = new Date(d.createdAt.getTime() + 2_000);
      const readAt = new Date(d.createdAt.getTime() + 9_000);
      beforeAnswer = async (id) => fonnteStatus({ id, state: 'delivered', timestamp: deliveredAt.getTime() / 1000 });
      // The round is recorded, but applying the kept receipt fails (Postgres dropped the connection just then).
      const flaky = Object.create(store) as PgDeliveryStore;
      let keptTries = 0;
      flaky.applyKeptReceipts = async () => {
        keptTries++;
        throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
      };
      await new Dispatcher({
        store: flaky, channels: { WHATSAPP: fonnte }, wake: { wait: async () => undefined, poke: () => undefined }, logger: quiet, clock: () => now,
        workers: 4, batchSize: 10, pollMs: 1000, leaseMs: 60_000, maxRounds: 5, backoff, smsFallbackPriorities: [], rateLimit: 0, rateWindowMs: 0, costs: {},
      }).runOnce();
      expect(keptTries).toBe(1);
      const [id] = sendsTo(d);
      expect(await reload(d)).toMatchObject({ status: 'SENT', providerMessageId: id, deliveredAt: null });
      later(10_000); // the receipts' times are past by now (the store keeps a receipt's time no later than its arrival)
      // The provider's next callback for that message drains the kept one in the same transaction.
      await fonnteStatus({ id, state: 'read', timestamp: readAt.getTime() / 1000 });
      expect(await reload(d)).toMatchObject({ status: 'READ', deliveredAt, readAt });
      const kept = await ds.query(`SELECT count(*)::int AS n FROM "${pg.schema}".pending_receipts WHERE message_key = $1`, [`id:${id}`]);
      expect(kept[0].n).toBe(0);
      const recorded = await ds.query(`SELECT status FROM "${pg.schema}".receipts WHERE message_key = $1 ORDER BY occurred_at`, [`id:${id}`]);
      expect(recorded.map((x: { status: string }) => x.status)).toEqual(['delivered', 'read']);
    });

    it('a receipt kept is logged at info with its provider, message id and status', async () => {
      const { lines, logger } = capturing();
      use = new HandleReceiptUseCase({ store, clock: () => now, logger, maxRounds: 5, backoff });
      await fonnteStatus({ id: `${prefix}-info-1`, state: 'delivered' });
      expect(lines).toContainEqual({
        level: 'info', msg: expect.stringContaining('kept until its send is recorded'),
        fields: expect.objectContaining({ provider: 'fonnte', provider_message_id: `${prefix}-info-1`, status: 'delivered' }),
      });
      await ds.query(`DELETE FROM "${pg.schema}".pending_receipts WHERE message_key = $1`, [`id:${prefix}-info-1`]);
    });

    it('the dispatcher\'s log of kept Fonnte receipts (id + stateid, then stateid-only) says where they took the delivery: SENT → READ, not SENT → SENT', async () => {
      use = receiptsUseCase(5);
      const d = await queue('HIGH');
      beforeAnswer = async (id) => {
        await fonnteStatus({ id, stateid: `st-${id}`, status: 'sent', state: 'sent' });
        await fonnteStatus({ stateid: `st-${id}`, state: 'delivered' });
        await fonnteStatus({ stateid: `st-${id}`, state: 'read' });
      };
      const { lines, logger } = capturing();
      await new Dispatcher({
        store, channels: { WHATSAPP: fonnte }, wake: { wait: async () => undefined, poke: () => undefined }, logger, clock: () => now,
        workers: 4, batchSize: 10, pollMs: 1000, leaseMs: 60_000, maxRounds: 5, backoff, smsFallbackPriorities: [], rateLimit: 0, rateWindowMs: 0, costs: {},
      }).runOnce();
      expect((await reload(d)).status).toBe('READ');
      const applied = lines.filter((l) => l.fields.delivery_id === d.id && l.msg.startsWith('receipts that came before the send was recorded applied'));
      expect(applied.map((l) => [l.fields.from, l.fields.to])).toEqual([['SENT', 'READ']]);
    });

    describe('the sweep of kept receipts whose round was recorded but never followed by their application (the gateway killed in between)', () => {
      /** Records the round as the dispatcher does, but the process "dies" before applyKeptReceipts runs. */
      const crashAfterRound = async () => {
        const crashing = Object.create(store) as PgDeliveryStore;
        let skipped = 0;
        crashing.applyKeptReceipts = async () => {
          skipped++;
          return null;
        };
        await new Dispatcher({
          store: crashing, channels: { WHATSAPP: fonnte }, wake: { wait: async () => undefined, poke: () => undefined }, logger: quiet, clock: () => now,
          workers: 4, batchSize: 10, pollMs: 1000, leaseMs: 60_000, maxRounds: 5, backoff, smsFallbackPriorities: [], rateLimit: 0, rateWindowMs: 0, costs: {},
        }).runOnce();
        return skipped;
      };
      const keptOf = async (keys: string[]) =>
        (await ds.query(`SELECT message_key, status FROM "${pg.schema}".pending_receipts WHERE message_key = ANY($1::text[]) ORDER BY 1, 2`, [keys])) as Array<{ message_key: string; status: string }>;
      const age = (keys: string[], ms: number) =>
        ds.query(`UPDATE "${pg.schema}".pending_receipts SET received_at = received_at - $2 * interval '1 millisecond' WHERE message_key = ANY($1::text[])`, [keys, ms]);

      it('applies them once the receipts are older than the sweep\'s margin: DELIVERED then READ (Fonnte id + stateid, then stateid-only), the kept rows gone; a second sweep does nothing', async () => {
        const { lines, logger } = capturing();
        use = new HandleReceiptUseCase({ store, clock: () => now, logger, maxRounds: 5, backoff });
        const d = await queue('NORMAL');
        later(10_000);
        const deliveredAt = new Date(d.createdAt.getTime() + 2_000);
        const readAt = new Date(d.createdAt.getTime() + 6_000);
        beforeAnswer = async (id) => {
          await fonnteStatus({ id, stateid: `st-${id}`, status: 'sent', state: 'sent' });
          await fonnteStatus({ stateid: `st-${id}`, state: 'delivered', timestamp: deliveredAt.getTime() / 1000 });
          await fonnteStatus({ stateid: `st-${id}`, state: 'read', timestamp: readAt.getTime() / 1000 });
        };
        expect(await crashAfterRound()).toBeGreaterThanOrEqual(1);
        const [id] = sendsTo(d);
        const keys = [`id:${id}`, `state:st-${id}`];
        // The crash: the round is recorded (SENT), its receipts are still kept, and nothing else would apply them.
        expect(await reload(d)).toMatchObject({ status: 'SENT', providerMessageId: id, providerStateId: null, deliveredAt: null });
        expect(await keptOf(keys)).toHaveLength(3);
        // Just kept: left to the round's own applyKeptReceipts (the margin).
        expect(await use.applyStrandedKept()).toBe(0);
        expect(await keptOf(keys)).toHaveLength(3);

        await age(keys, 60_000);
        lines.length = 0;
        expect(await use.applyStrandedKept()).toBe(1);
        expect(await reload(d)).toMatchObject({ status: 'READ', providerStateId: `st-${id}`, deliveredAt, readAt });
        expect(await keptOf(keys)).toEqual([]);
        const recorded = await ds.query(`SELECT message_key, status FROM "${pg.schema}".receipts WHERE message_key = ANY($1::text[]) ORDER BY occurred_at, status`, [keys]);
        expect(recorded.map((x: { status: string }) => x.status).sort()).toEqual(['delivered', 'read', 'sent']);
        expect(lines).toEqual([{
          level: 'info', msg: expect.stringContaining('applied by the sweep'),
          fields: expect.objectContaining({ delivery_id: d.id, provider: 'fonnte', provider_message_id: id, from: 'SENT', to: 'READ', kept: ['sent', 'delivered', 'read'] }),
        }]);

        const after = await reload(d);
        expect(await use.applyStrandedKept()).toBe(0);
        expect(await reload(d)).toMatchObject({ status: 'READ', updatedAt: after.updatedAt });
      });

      it('a sweep racing the round\'s own applyKeptReceipts and another sweep applies each kept receipt once', async () => {
        use = receiptsUseCase(5);
        const d = await queue('NORMAL');
        later(10_000);
        beforeAnswer = async (id) => fonnteStatus({ id, state: 'delivered' });
        await crashAfterRound();
        const [id] = sendsTo(d);
        await age([`id:${id}`], 60_000);
        const [a, b, own] = await Promise.all([
          use.applyStrandedKept(), use.applyStrandedKept(), store.applyKeptReceipts('fonnte', id!, now, receiptFailurePolicy(now, { maxRounds: 5, backoff })),
        ]);
        // Exactly one of the three applied it.
        expect(a + b + (own ? 1 : 0)).toBe(1);
        expect((await reload(d)).status).toBe('DELIVERED');
        const recorded = await ds.query(`SELECT status FROM "${pg.schema}".receipts WHERE message_key = $1`, [`id:${id}`]);
        expect(recorded).toEqual([{ status: 'delivered' }]);
      });

      it('ignores kept receipts no delivery records (they wait for their send, or the purge)', async () => {
        use = receiptsUseCase(5);
        await fonnteStatus({ id: `${prefix}-nobody`, state: 'delivered' });
        await fonnteStatus({ stateid: `st-${prefix}-nobody`, state: 'read' });
        const keys = [`id:${prefix}-nobody`, `state:st-${prefix}-nobody`];
        await age(keys, 3_600_000);
        expect(await use.applyStrandedKept()).toBe(0);
        expect(await keptOf(keys)).toEqual([{ message_key: `id:${prefix}-nobody`, status: 'delivered' }, { message_key: `state:st-${prefix}-nobody`, status: 'read' }]);
        await ds.query(`DELETE FROM "${pg.schema}".pending_receipts WHERE message_key = ANY($1::text[])`, [keys]);
      });
    });

    it('the housekeeping\'s purge of a kept receipt no delivery ever matched logs it (warn: provider, message id, statuses); newer ones stay, unlogged', async () => {
      use = receiptsUseCase(5);
      await fonnteStatus({ id: `${prefix}-lost-old`, stateid: `st-${prefix}-lost-old`, status: 'sent', state: 'sent' });
      await fonnteStatus({ id: `${prefix}-lost-old`, state: 'delivered' });
      await fonnteStatus({ id: `${prefix}-lost-new`, state: 'delivered' });
      await ds.query(`UPDATE "${pg.schema}".pending_receipts SET received_at = now() - interval '31 days' WHERE message_key = $1`, [`id:${prefix}-lost-old`]);
      const { lines, logger } = capturing();
      expect(await purgeKeptReceipts(ds, pg.schema, 30 * 86_400_000, logger)).toBe(2);
      expect(lines).toEqual([{
        level: 'warn', msg: expect.stringContaining('no record of sending'),
        fields: expect.objectContaining({ provider: 'fonnte', provider_message_id: `${prefix}-lost-old`, state_id: `st-${prefix}-lost-old`, statuses: expect.arrayContaining(['sent', 'delivered']) }),
      }]);
      const left = await ds.query(`SELECT message_key FROM "${pg.schema}".pending_receipts WHERE message_key LIKE $1`, [`id:${prefix}-lost-%`]);
      expect(left).toEqual([{ message_key: `id:${prefix}-lost-new` }]);
      expect(await purgeKeptReceipts(ds, pg.schema, 0, logger)).toBe(0);
    });

    it('kept receipts nothing ever matches are purged after the receipts\' retention, newer ones stay', async () => {
      use = receiptsUseCase(5);
      await fonnteStatus({ id: `${prefix}-never-old`, state: 'delivered' });
      await fonnteStatus({ id: `${prefix}-never-new`, state: 'delivered' });
      await ds.query(`UPDATE "${pg.schema}".pending_receipts SET received_at = now() - interval '31 days' WHERE message_key = $1`, [`id:${prefix}-never-old`]);
      expect(await purgeOlderThan(ds, pg.schema, 'pending_receipts', 30 * 86_400_000)).toBe(1);
      const left = await ds.query(`SELECT message_key FROM "${pg.schema}".pending_receipts WHERE message_key LIKE $1`, [`id:${prefix}-never-%`]);
      expect(left).toEqual([{ message_key: `id:${prefix}-never-new` }]);
    });
  });
});
