// Rows pinned to a paced provider (after an ambiguous outcome, a reply) against real Postgres and
// the Fonnte / Wablas simulators over HTTP: a claim takes no more rows pinned to Wablas than
// Wablas' own pacer can start within the horizon (the channel's limit counts Fonnte, the first
// provider), so the rest stay QUEUED instead of SENDING (possibly sent after a crash) while they
// wait; and the dispatcher's stop ends a wait for a pacing slot: that row goes back QUEUED unsent,
// without an attempt, instead of holding the stop until its slot.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@notify/logger';
import { startFonnteSim, startWablasSim, type FonnteSimHandle, type WablasSimHandle } from '@notify/provider-sim';
import { waitFor } from '@notify/testing';
import { Dispatcher, type NewDelivery } from '../../src/application';
import type { DeliveryRecord } from '../../src/domain';
import { PgDeliveryStore } from '../../src/infrastructure/persistence/delivery.store';
import { FonnteAdapter, ProviderChain, WablasAdapter } from '../../src/infrastructure/providers';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('rows pinned to a paced provider (Postgres + Fonnte / Wablas simulators)', () => {
  let schema: GatewaySchema;
  let store: PgDeliveryStore;
  let fonnte: FonnteSimHandle;
  let wablas: WablasSimHandle;
  const chains: ProviderChain[] = [];
  const running: Dispatcher[] = [];
  const logger = createLogger({ service: 'gateway-pinned-pacing-it', level: 'warn', destination: { write: () => undefined } });

  beforeAll(async () => {
    schema = await openGatewaySchema('gw_pinned_pacing', 4);
    store = new PgDeliveryStore(schema.ds, { schema: schema.pg.schema, namespace: 'tns' });
    fonnte = await startFonnteSim({ port: 0, token: 'ft', receiptDelaysMs: false });
    wablas = await startWablasSim({ port: 0, token: 'wt', secretKey: 'ws', receiptDelaysMs: false });
  });
  afterEach(async () => {
    for (const d of running.splice(0)) await d.stop();
    for (const c of chains.splice(0)) c.close();
  });
  afterAll(async () => {
    await fonnte?.close();
    await wablas?.close();
    await schema?.close();
  });

  /** WhatsApp: Fonnte (unpaced) → Wablas paced at `wablasPerSecond`. */
  function chain(wablasPerSecond: number): ProviderChain {
    const c = new ProviderChain('whatsapp', [new FonnteAdapter({ baseUrl: fonnte.url, token: 'ft' }), new WablasAdapter({ baseUrl: wablas.url, token: 'wt', secretKey: 'ws' })], {
      timeoutMs: 3000, ratePerSecond: { wablas: wablasPerSecond },
    });
    chains.push(c);
    return c;
  }
  function start(c: ProviderChain, pacingHorizonMs?: number): Dispatcher {
    const d = new Dispatcher({
      store, channels: { WHATSAPP: c }, wake: { wait: (ms) => sleep(ms), poke: () => undefined }, logger, clock: () => new Date(),
      workers: 16, batchSize: 16, pollMs: 100, leaseMs: 30_000, maxRounds: 3, backoff: () => 1000, smsFallbackPriorities: [], rateLimit: 0, rateWindowMs: 0,
      costs: {}, ...(pacingHorizonMs !== undefined ? { pacingHorizonMs } : {}),
    });
    running.push(d);
    d.start();
    return d;
  }
  /** `n` deliveries pinned to Wablas (QUEUED, due now). */
  async function queuePinned(n: number): Promise<DeliveryRecord[]> {
    const now = new Date();
    const { notification } = await store.createNotification({
      source: 'NOTIFY', idempotencyKey: randomUUID(), notificationType: 'TICKET_CREATED', priority: 'NORMAL', templateKey: 'k', ticketId: null,
      actor: null, variables: null, request: null,
    }, now);
    const base = `62813${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
    const rows: NewDelivery[] = Array.from({ length: n }, (_, i) => {
      const recipient = `${base}${String(i).padStart(3, '0')}`;
      return {
        idempotencyKey: `${notification.id}|${recipient}`, notificationType: 'TICKET_CREATED', ticketId: null, sourceEventId: null, recipient,
        recipientKind: 'PHONE', recipientId: null, recipientName: '', channel: 'WHATSAPP', priority: 'NORMAL', locale: 'ID', templateKey: 'k', templateVersion: 1,
        body: 'Balas 1 untuk menerima pekerjaan.', fallbackBody: null, fallbackTemplateVersion: null, quietHours: null, pinnedProvider: 'wablas',
      };
    });
    return (await store.insertFinalPage(notification.id, rows, 0, now)).deliveries;
  }
  const statusCounts = async (ids: string[]) => {
    const rows = await schema.ds.query(`SELECT status, count(*)::int AS n FROM "${schema.pg.schema}".deliveries WHERE id = ANY($1::uuid[]) GROUP BY status`, [ids]) as Array<{ status: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>;
  };

  it('claims no more rows pinned to Wablas than its pacer starts within the horizon: the rest stay QUEUED, all sent through Wablas, each once', async () => {
    const rows = await queuePinned(8);
    const ids = rows.map((d) => d.id);
    start(chain(4)); // one Wablas slot every 250 ms: 1 in a call + at most 1–2 within the 250 ms horizon
    let maxSending = 0;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const counts = await statusCounts(ids);
      maxSending = Math.max(maxSending, counts['SENDING'] ?? 0);
      if ((counts['SENT'] ?? 0) === 8 || Date.now() > deadline) break;
      await sleep(20);
    }
    expect(await statusCounts(ids)).toEqual({ SENT: 8 });
    expect(maxSending).toBeLessThanOrEqual(3);
    const sent = wablas.messages().filter((m) => rows.some((d) => d.recipient === m.to));
    expect(new Set(sent.map((m) => m.to)).size).toBe(8);
    expect(sent).toHaveLength(8);
    expect(fonnte.messages().filter((m) => rows.some((d) => d.recipient === m.to))).toHaveLength(0);
  });

  it('stop() ends the waits for pacing slots: those rows go back QUEUED unsent, without an attempt, and the stop does not wait for their slots', async () => {
    const rows = await queuePinned(6);
    const ids = rows.map((d) => d.id);
    // One Wablas slot a second, and a horizon of 10 s: the claim takes them all, five wait for their slots.
    const dispatcher = start(chain(1), 10_000);
    await waitFor(async () => (await statusCounts(ids))['SENT'] === 1, { timeoutMs: 10_000, description: 'the first pinned row to be sent' });
    expect((await statusCounts(ids))['SENDING']).toBe(5);
    const t0 = Date.now();
    await dispatcher.stop();
    running.splice(running.indexOf(dispatcher), 1);
    expect(Date.now() - t0).toBeLessThan(900);
    const counts = await statusCounts(ids);
    expect(counts['SENT'] ?? 0).toBeLessThanOrEqual(2);
    expect(counts['QUEUED']).toBe(6 - counts['SENT']!);
    for (const d of rows) {
      const after = (await store.delivery(d.id))!;
      if (after.status !== 'QUEUED') continue;
      expect(after).toMatchObject({ rounds: 0, attemptCount: 0, leaseUntil: null, pinnedProvider: 'wablas', lastError: null });
      expect(await store.attempts(d.id)).toEqual([]);
    }
    expect(wablas.messages().filter((m) => rows.some((d) => d.recipient === m.to))).toHaveLength(counts['SENT']!);
  });
});
