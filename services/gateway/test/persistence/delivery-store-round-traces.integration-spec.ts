// Each `sent` / `failed` delivery event carries the trace of ITS round (the dispatcher's
// `gateway.send` span, active when recordRound is called), also when rounds of different sends
// are written together in one group (ARCHITECTURE.md: one trace from the ticket change through
// the outbox and NATS). Real Postgres; the W3C propagator and the AsyncLocalStorage context
// manager registered for this file.
import { randomUUID } from 'node:crypto';
import { context, propagation, trace, ROOT_CONTEXT, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { TestSchema } from '@notify/testing';
import type { DataSource } from 'typeorm';
import type { NewAttempt, NewDelivery } from '../../src/application';
import type { DeliveryRecord } from '../../src/domain';
import { PgDeliveryStore } from '../../src/infrastructure/persistence/delivery.store';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';

describe('PgDeliveryStore round events keep their own trace (Postgres)', () => {
  let schema: GatewaySchema;
  let pg: TestSchema;
  let ds: DataSource;
  let store: PgDeliveryStore;
  const t0 = new Date('2026-12-05T02:00:00.000Z');

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    schema = await openGatewaySchema('gw_store_traces', 3);
    ({ pg, ds } = schema);
    store = new PgDeliveryStore(ds, { schema: pg.schema, namespace: 'tns' });
  });
  afterAll(async () => {
    await schema?.close();
    propagation.disable();
    context.disable();
  });

  const hex = (n: number) => randomUUID().replace(/-/g, '').slice(0, n);
  /** A context whose active span is a remote one with a fresh trace id. */
  const spanContext = () => {
    const sc = { traceId: hex(32), spanId: hex(16), traceFlags: TraceFlags.SAMPLED, isRemote: true };
    return { sc, ctx: trace.setSpanContext(ROOT_CONTEXT, sc) };
  };

  async function claim(n: number): Promise<DeliveryRecord[]> {
    const { notification } = await store.createNotification({
      source: 'NOTIFY', idempotencyKey: randomUUID(), notificationType: 'WELCOME', priority: 'NORMAL', templateKey: '', ticketId: null, actor: null, variables: null, request: null,
    }, t0);
    const rows: NewDelivery[] = Array.from({ length: n }, (_, i) => ({
      idempotencyKey: `${notification.id}|${i}`, notificationType: 'WELCOME', ticketId: null, sourceEventId: null, recipient: `6281300000${i}${hex(2).replace(/\D/g, '0')}`,
      recipientKind: 'CUSTOMER', recipientId: null, recipientName: 'Sari', channel: 'WHATSAPP', priority: 'NORMAL', locale: 'ID', templateKey: 'k', templateVersion: 1,
      body: `halo ${i}`, fallbackBody: null, fallbackTemplateVersion: null, quietHours: null,
    }));
    await store.insertFinalPage(notification.id, rows, 0, t0);
    return (await store.claimDue(new Date(t0.getTime() + 1), 64, 60_000, async () => null)).filter((d) => d.notificationId === notification.id);
  }
  const accepted = (id: string): NewAttempt => ({
    provider: 'fonnte', outcome: 'ACCEPTED', error: null, latencyMs: 10, providerMessageId: id, costRupiah: 0, httpStatus: 200, startedAt: t0, finishedAt: t0,
  });
  const sentHeaders = async () =>
    (await ds.query(`SELECT subject, headers FROM "${pg.schema}".outbox WHERE subject LIKE '%.sent' ORDER BY created_at, position`) as Array<{ headers: Record<string, string> }>)
      .map((r) => r.headers['traceparent']);

  it('writes rounds finished together (one group) each with the traceparent of its own send', async () => {
    const claimed = await claim(6);
    await ds.query(`DELETE FROM "${pg.schema}".outbox`);
    const spans = claimed.map(() => spanContext());
    // All six rounds are recorded before the first group commits, so they share groups.
    await Promise.all(claimed.map((d, i) => context.with(spans[i]!.ctx, () =>
      store.recordRound(d.id, [accepted(`m-${i}`)], { status: 'SENT', provider: 'fonnte', providerMessageId: `m-${i}`, costRupiah: 0, failover: false, channel: 'WHATSAPP', body: null }, t0, d))));
    const rows = await ds.query(`SELECT headers->>'traceparent' AS tp, payload FROM "${pg.schema}".outbox WHERE subject LIKE '%.sent'`) as Array<{ tp: string; payload: Buffer }>;
    expect(rows).toHaveLength(6);
    const expected = new Set(spans.map((s) => `00-${s.sc.traceId}-${s.sc.spanId}-01`));
    expect(new Set(rows.map((r) => r.tp))).toEqual(expected);
    // And each event belongs to its delivery: the payload names the delivery whose span it carries.
    for (const [i, d] of claimed.entries()) {
      const own = rows.find((r) => r.tp === `00-${spans[i]!.sc.traceId}-${spans[i]!.sc.spanId}-01`)!;
      expect(own.payload.includes(Buffer.from(d.id))).toBe(true);
    }
    expect(await sentHeaders()).toHaveLength(6);
  });

  it('the transactional path (a round without its claimed record) keeps the round\'s trace too', async () => {
    const [d] = await claim(1);
    await ds.query(`DELETE FROM "${pg.schema}".outbox`);
    const s = spanContext();
    await context.with(s.ctx, () =>
      store.recordRound(d!.id, [accepted('m-x')], { status: 'SENT', provider: 'fonnte', providerMessageId: 'm-x', costRupiah: 0, failover: false, channel: 'WHATSAPP', body: null }, t0));
    expect(await sentHeaders()).toEqual([`00-${s.sc.traceId}-${s.sc.spanId}-01`]);
  });
});
