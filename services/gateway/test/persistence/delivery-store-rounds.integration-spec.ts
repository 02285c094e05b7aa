// PgDeliveryStore.recordRound against real Postgres: rounds of claimed deliveries finished
// together are written in one statement, and what it stores equals what it returns and what its
// `sent` / `failed` events carry (SENT with the provider's id and cost, FAILED with the next
// attempt, DEAD), attempts numbered after the earlier ones; a round whose lease expired meanwhile
// (DEAD, ambiguous) still writes its outcome, while a row claimed again since keeps its state
// (its attempts recorded, nothing published). Every change reported to the
// WatchDeliveries feed carries the id of its outbox event (claimed and transactional rounds,
// expired leases, receipts).
import { randomUUID } from 'node:crypto';
import { decodeEvent } from '@notify/events';
import type { gatewayv1 } from '@notify/proto';
import type { TestSchema } from '@notify/testing';
import type { DataSource } from 'typeorm';
import type { NewAttempt, NewDelivery, RoundResult } from '../../src/application';
import type { DeliveryChange, DeliveryRecord } from '../../src/domain';
import { LEASE_EXPIRED_ERROR, PgDeliveryStore } from '../../src/infrastructure/persistence/delivery.store';
import { deliveryEventToProto } from '../../src/transport/proto/delivery.proto-mapper';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';

describe('PgDeliveryStore rounds (Postgres)', () => {
  let schema: GatewaySchema;
  let pg: TestSchema;
  let ds: DataSource;
  let store: PgDeliveryStore;
  const feed: DeliveryChange[] = [];
  const t0 = new Date('2026-12-05T02:00:00.000Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);

  const row = (n: string, phone: string): NewDelivery => ({
    idempotencyKey: `${n}|${phone}`, notificationType: 'TICKET_CREATED', ticketId: null, sourceEventId: null, recipient: phone, recipientKind: 'CUSTOMER',
    recipientId: null, recipientName: 'Sari', channel: 'WHATSAPP', priority: 'HIGH', locale: 'ID', templateKey: 'k', templateVersion: 1,
    body: `halo ${phone}`, fallbackBody: `sms ${phone}`, fallbackTemplateVersion: 1, quietHours: null,
  });
  const attempt = (provider: string, outcome: NewAttempt['outcome'], ms: number, id: string | null = null): NewAttempt => ({
    provider, outcome, error: outcome === 'ACCEPTED' ? null : `${provider} said no`, latencyMs: 12.4, providerMessageId: id,
    costRupiah: outcome === 'ACCEPTED' ? 350 : 0, httpStatus: outcome === 'ACCEPTED' ? 200 : 500, startedAt: at(ms), finishedAt: at(ms + 12),
  });
  const outbox = async () =>
    (await ds.query(`SELECT id::text AS id, subject, payload FROM "${pg.schema}".outbox ORDER BY created_at, position`) as Array<{ id: string; subject: string; payload: Buffer }>)
      .map((e) => ({ id: e.id, key: e.subject.split('.').at(-1)!, event: decodeEvent(e.subject, new Uint8Array(e.payload)).payload as gatewayv1.DeliveryEvent }));

  beforeAll(async () => {
    schema = await openGatewaySchema('gw_store_rounds', 3);
    ({ pg, ds } = schema);
    store = new PgDeliveryStore(ds, { schema: pg.schema, namespace: 'tns', onCommitted: (c) => feed.push(...c) });
  });
  afterAll(async () => {
    await schema?.close();
  });

  /** Four claimed deliveries of a fresh notification (SENDING, lease until t0 + 60 s). */
  async function claimFour(): Promise<DeliveryRecord[]> {
    const { notification } = await store.createNotification({
      source: 'EVENT', idempotencyKey: randomUUID(), notificationType: 'TICKET_CREATED', priority: 'HIGH', templateKey: '', ticketId: null,
      actor: null, variables: null, request: null,
    }, t0);
    const phones = ['6281255500001', '6281255500002', '6281255500003', '6281255500004'].map((p) => p.replace(/.$/, String(Math.floor(Math.random() * 10))));
    await store.insertFinalPage(notification.id, phones.map((p, i) => row(notification.id, `${p}${i}`)), 0, t0);
    const claimed = await store.claimDue(at(1), 10, 60_000, async () => null);
    return claimed.filter((d) => d.notificationId === notification.id);
  }

  it('writes claimed rounds together; the stored rows equal the returned ones and the events carry them', async () => {
    const [sent, fallback, failed, dead] = await claimFour();
    await ds.query(`DELETE FROM "${pg.schema}".outbox`);
    feed.length = 0;
    const rounds: Array<[DeliveryRecord, NewAttempt[], RoundResult]> = [
      [sent!, [attempt('fonnte', 'ACCEPTED', 100, 'f-1')], { status: 'SENT', provider: 'fonnte', providerMessageId: 'f-1', costRupiah: 350, failover: false, channel: 'WHATSAPP', body: null }],
      [fallback!, [attempt('fonnte', 'RETRYABLE_FAILURE', 100), attempt('twilio', 'ACCEPTED', 120, 'SM1')],
        { status: 'SENT', provider: 'twilio', providerMessageId: 'SM1', costRupiah: 350, failover: true, channel: 'SMS', body: fallback!.fallbackBody }],
      [failed!, [attempt('fonnte', 'AMBIGUOUS', 100)], { status: 'FAILED', provider: 'fonnte', lastError: 'ambiguous: timeout', nextAttemptAt: at(30_000), pinnedProvider: 'fonnte' }],
      [dead!, [attempt('fonnte', 'PERMANENT_FAILURE', 100)], { status: 'DEAD', provider: 'fonnte', lastError: 'permanent: invalid number' }],
    ];
    const after = await Promise.all(rounds.map(([d, a, r]) => store.recordRound(d.id, a, r, at(200), d)));

    for (const [i, [d]] of rounds.entries()) {
      const stored = await store.delivery(d.id);
      expect(after[i]).toEqual(stored);
      const attempts = await store.attempts(d.id);
      expect(attempts.map((a) => [a.number, a.provider, a.outcome])).toEqual(rounds[i]![1].map((a, k) => [k + 1, a.provider, a.outcome]));
    }
    expect(after.map((d) => d!.status)).toEqual(['SENT', 'SENT', 'FAILED', 'DEAD']);
    expect(after[0]).toMatchObject({ providerMessageId: 'f-1', costRupiah: 350, sentAt: at(200), leaseUntil: null, rounds: 1, attemptCount: 1 });
    expect(after[1]).toMatchObject({ channel: 'SMS', body: fallback!.fallbackBody, failover: true, attemptCount: 2 });
    expect(after[2]).toMatchObject({ dueAt: at(30_000), nextAttemptAt: at(30_000), pinnedProvider: 'fonnte', lastError: 'ambiguous: timeout' });
    expect(after[3]).toMatchObject({ lastError: 'permanent: invalid number', nextAttemptAt: null });

    // The events: one per round, carrying the stored row and its last attempt.
    const events = await outbox();
    expect(events.map((e) => e.key)).toEqual(['sent', 'sent', 'failed', 'failed']);
    for (const [i, e] of events.entries()) {
      const stored = (await store.delivery(after[i]!.id))!;
      const attempts = await store.attempts(stored.id);
      const expected = deliveryEventToProto({ eventId: e.event.eventId, kind: e.key as 'sent', delivery: stored, previousStatus: 'SENDING', attempt: attempts.at(-1)!, at: at(200) });
      expect(e.event.delivery).toEqual(expected.delivery);
      expect(e.event.attempt).toEqual(expected.attempt);
    }
    expect(feed.map((c) => [c.kind, c.delivery.id])).toEqual(after.map((d, i) => [i < 2 ? 'sent' : 'failed', d!.id]));
  });

  it('a round whose lease expired meanwhile still applies (DEAD → SENT); a row claimed again since keeps its state, its attempts recorded, no event', async () => {
    const [late, reclaimed, onTime] = await claimFour();
    // `late`: its claim's lease (t0 + 60 s) ran out; `reclaimed`: claimed again since (another lease), then expired too.
    await ds.query(`UPDATE "${pg.schema}".deliveries SET lease_until = $2 WHERE id = $1`, [reclaimed!.id, at(2)]);
    // `onTime`: excluded from the sweep (its process is still recording it), it stays SENDING.
    const expired = await store.expireLeases(at(61_000), [onTime!.id]);
    expect(expired.map((d) => d.id)).toEqual(expect.arrayContaining([late!.id, reclaimed!.id]));
    expect(expired.map((d) => d.id)).not.toContain(onTime!.id);
    expect((await store.delivery(late!.id))!).toMatchObject({ status: 'DEAD', lastError: LEASE_EXPIRED_ERROR });
    await ds.query(`DELETE FROM "${pg.schema}".outbox`);
    feed.length = 0;
    const ok: RoundResult = { status: 'SENT', provider: 'fonnte', providerMessageId: 'x', costRupiah: 350, failover: false, channel: 'WHATSAPP', body: null };
    const [lateAfter, reclaimedAfter, onTimeAfter] = await Promise.all([
      store.recordRound(late!.id, [attempt('fonnte', 'ACCEPTED', 100, 'late-1')], { ...ok, providerMessageId: 'late-1' }, at(62_000), late),
      store.recordRound(reclaimed!.id, [attempt('fonnte', 'ACCEPTED', 100, 'other-1')], { ...ok, providerMessageId: 'other-1' }, at(62_000), reclaimed),
      store.recordRound(onTime!.id, [attempt('fonnte', 'ACCEPTED', 100, 'ok-1')], { ...ok, providerMessageId: 'ok-1' }, at(62_000), onTime),
    ]);
    expect(lateAfter).toMatchObject({ status: 'SENT', lastError: null, attemptCount: 1, rounds: 1, providerMessageId: 'late-1', sentAt: at(62_000) });
    expect(await store.delivery(late!.id)).toEqual(lateAfter);
    expect(reclaimedAfter).toMatchObject({ status: 'DEAD', lastError: LEASE_EXPIRED_ERROR, attemptCount: 1, providerMessageId: null });
    expect((await store.attempts(reclaimed!.id)).map((a) => a.providerMessageId)).toEqual(['other-1']);
    expect(onTimeAfter).toMatchObject({ status: 'SENT', providerMessageId: 'ok-1' });
    const events = await outbox();
    expect(events.map((e) => [e.key, e.event.delivery!.id]).sort()).toEqual([['sent', late!.id], ['sent', onTime!.id]].sort());
    expect(feed.map((c) => [c.delivery.id, c.previousStatus]).sort()).toEqual([[late!.id, 'DEAD'], [onTime!.id, 'SENDING']].sort());
  });

  it('a late round of an earlier claim landing on a row re-driven and claimed again does not break the new claim\'s round: attempts numbered after both', async () => {
    const [first] = await claimFour();
    // The first claim's lease runs out (DEAD, ambiguous), RetryDelivery re-queues it, a new claim takes it.
    expect((await store.expireLeases(at(61_000))).map((d) => d.id)).toContain(first!.id);
    await store.redrive(first!.id, at(61_500));
    const again = (await store.claimDue(at(62_000), 50, 60_000, async () => null)).find((d) => d.id === first!.id)!;
    expect(again).toMatchObject({ status: 'SENDING', attemptCount: 0 });
    const ok: RoundResult = { status: 'SENT', provider: 'fonnte', providerMessageId: 'x', costRupiah: 350, failover: false, channel: 'WHATSAPP', body: null };
    // The first claim's round lands late (its process got Postgres back): the row is not its own any more, its attempt is recorded.
    const lateAfter = await store.recordRound(first!.id, [attempt('fonnte', 'AMBIGUOUS', 100)],
      { status: 'FAILED', provider: 'fonnte', lastError: 'ambiguous: timeout', nextAttemptAt: at(90_000), pinnedProvider: 'fonnte' }, at(62_100), first);
    expect(lateAfter).toMatchObject({ status: 'SENDING', attemptCount: 1 });
    await ds.query(`DELETE FROM "${pg.schema}".outbox`);
    feed.length = 0;
    // The new claim's round (claimed with attempt_count 0) is written, numbered after the late one.
    const after = await store.recordRound(again.id, [attempt('fonnte', 'RETRYABLE_FAILURE', 200), attempt('fonnte', 'ACCEPTED', 300, 'again-1')],
      { ...ok, providerMessageId: 'again-1' }, at(62_500), again);
    expect(after).toMatchObject({ status: 'SENT', providerMessageId: 'again-1', attemptCount: 3 });
    expect(await store.delivery(again.id)).toEqual(after);
    expect((await store.attempts(again.id)).map((a) => [a.number, a.outcome])).toEqual([[1, 'AMBIGUOUS'], [2, 'RETRYABLE_FAILURE'], [3, 'ACCEPTED']]);
    // Its event carries the stored row and its last attempt.
    const events = await outbox();
    expect(events.map((e) => [e.key, e.event.delivery!.id])).toEqual([['sent', again.id]]);
    expect(events[0]!.event.delivery!.attemptCount).toBe(3);
    expect(events[0]!.event.attempt!.number).toBe(3);
  });

  it('reports every change with the id of its outbox event: claimed and transactional rounds, expired leases, receipts', async () => {
    const [claimedOne, unclaimed, expiring] = await claimFour();
    await ds.query(`DELETE FROM "${pg.schema}".outbox`);
    feed.length = 0;
    const ok: RoundResult = { status: 'SENT', provider: 'fonnte', providerMessageId: 'x', costRupiah: 350, failover: false, channel: 'WHATSAPP', body: null };
    const sentId = `ev-${randomUUID()}`;
    // One statement (claimed), one transaction (no claimed record).
    await store.recordRound(claimedOne!.id, [attempt('fonnte', 'ACCEPTED', 100, sentId)], { ...ok, providerMessageId: sentId }, at(200), claimedOne);
    await store.recordRound(unclaimed!.id, [attempt('fonnte', 'ACCEPTED', 100, 'ev-2')], { ...ok, providerMessageId: 'ev-2' }, at(200));
    await ds.query(`UPDATE "${pg.schema}".deliveries SET lease_until = $2 WHERE id = $1`, [expiring!.id, at(2)]);
    expect((await store.expireLeases(at(5_000))).map((d) => d.id)).toContain(expiring!.id);
    const receipt = await store.applyReceipt({ provider: 'fonnte', providerMessageId: sentId, status: 'delivered', at: at(300) }, at(300), () => ({ kind: 'dead', permanent: false }));
    expect(receipt.kind).toBe('applied');

    const events = await outbox();
    expect(events.map((e) => [e.key, e.event.delivery!.id])).toEqual([
      ['sent', claimedOne!.id], ['sent', unclaimed!.id], ['failed', expiring!.id], ['delivered', claimedOne!.id],
    ]);
    const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const e of events) {
      expect(e.event.eventId).toMatch(uuidV4);
      expect(e.event.eventId).toBe(e.id);
    }
    const mine = new Set([claimedOne!.id, unclaimed!.id, expiring!.id]);
    expect(feed.filter((c) => mine.has(c.delivery.id)).map((c) => [c.kind, c.delivery.id, c.eventId]))
      .toEqual(events.map((e) => [e.key, e.event.delivery!.id, e.event.eventId]));
  });
});
