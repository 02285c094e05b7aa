// A ticket's messages to one recipient reach the provider in the order they were created, also
// when several are due at once (the end of quiet hours, a provider back after an outage) and
// two dispatchers (replicas) share the queue: PgDeliveryStore.claimDue does not claim a row of a
// ticket while an older one of that ticket to the same recipient is due or being sent. Real
// Postgres and the Fonnte simulator over HTTP; the simulator holds its first request back, so
// without the ticket order the later messages would overtake it.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@notify/logger';
import { startFonnteSim, type FonnteSimHandle } from '@notify/provider-sim';
import { waitFor } from '@notify/testing';
import { Dispatcher, type NewDelivery } from '../../src/application';
import type { DeliveryRecord, Priority } from '../../src/domain';
import { PgDeliveryStore } from '../../src/infrastructure/persistence/delivery.store';
import { FonnteAdapter, ProviderChain } from '../../src/infrastructure/providers';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';
import { queueDelivery } from '../support/queue-delivery';

jest.setTimeout(60_000);

describe('dispatcher: a ticket\'s messages to one recipient go in the order they were created (Postgres + Fonnte simulator)', () => {
  let schema: GatewaySchema;
  let store: PgDeliveryStore;
  let fonnte: FonnteSimHandle;
  let chain: ProviderChain;
  const logger = createLogger({ service: 'gateway-ticket-order-it', level: 'warn' });
  const running: Dispatcher[] = [];

  beforeAll(async () => {
    schema = await openGatewaySchema('gw_ticket_order', 4);
    store = new PgDeliveryStore(schema.ds, { schema: schema.pg.schema, namespace: 'tns' });
    fonnte = await startFonnteSim({ port: 0, token: 'ft', receiptDelaysMs: false });
    chain = new ProviderChain('whatsapp', [new FonnteAdapter({ baseUrl: fonnte.url, token: 'ft' })], { timeoutMs: 5000 });
  });
  afterEach(async () => {
    for (const d of running.splice(0)) await d.stop();
    await fonnte.clearFault();
  });
  afterAll(async () => {
    chain?.close();
    await fonnte?.close();
    await schema?.close();
  });

  const phone = () => `62813${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  /** One notification with one delivery of `ticketId` to `recipient` (created now, due now). */
  const queue = (recipient: string, ticketId: string | null, body: string, priority: Priority = 'NORMAL', quietHours: NewDelivery['quietHours'] = null, notificationType = 'TICKET_CREATED'): Promise<DeliveryRecord> =>
    queueDelivery(store, { source: 'EVENT', recipientKind: 'CUSTOMER', recipient, ticketId, body, priority, quietHours, notificationType });
  function start(o: { store?: PgDeliveryStore; rateLimit?: number } = {}): Dispatcher {
    const d = new Dispatcher({
      store: o.store ?? store, channels: { WHATSAPP: chain }, wake: { wait: (ms) => new Promise((r) => setTimeout(r, ms)), poke: () => undefined }, logger, clock: () => new Date(),
      workers: 8, batchSize: 8, pollMs: 100, leaseMs: 30_000, maxRounds: 3, backoff: () => 1000, smsFallbackPriorities: [], rateLimit: o.rateLimit ?? 0, rateWindowMs: 3_600_000,
      costs: {},
    });
    running.push(d);
    d.start();
    return d;
  }
  const textsTo = (to: string) => fonnte.messages().filter((m) => m.to === to).map((m) => m.text);
  /** Waits until each of `rows` is recorded SENT (a round's bookkeeping commits just after its provider call). */
  const recordedSent = (...rows: DeliveryRecord[]) =>
    waitFor(async () => ((await Promise.all(rows.map((d) => store.delivery(d.id)))).every((d) => d!.status === 'SENT') ? true : null), {
      timeoutMs: 10_000, description: 'the rounds recorded SENT',
    });

  it('six messages of one ticket due at once (deferred, the newest due first), two dispatchers, the first send held back 400 ms: received in creation order', async () => {
    const to = phone();
    const ticket = randomUUID();
    const bodies = ['1 TIKET DITERIMA', '2 TEKNISI DITUGASKAN', '3 DIMULAI', '4 SELESAI', '5 SURVEI', '6 TERIMA KASIH'];
    const rows: DeliveryRecord[] = [];
    for (const b of bodies) rows.push(await queue(to, ticket, b));
    // As after quiet hours and a rate limit: all DEFERRED and due now, the newest due earliest
    // (claims take the oldest due first, so without the ticket order they would go newest first).
    for (const [i, r] of rows.entries()) {
      await schema.ds.query(`UPDATE "${schema.pg.schema}".deliveries SET status = 'DEFERRED', due_at = now() - make_interval(secs => $2) WHERE id = $1`, [r.id, i + 1]);
    }
    // Another ticket's message and one without a ticket to the same number are not held behind them.
    const other = await queue(to, randomUUID(), 'other ticket');
    const loose = await queue(to, null, 'no ticket');
    await fonnte.setFault({ mode: 'slow', delay_ms: 400, times: 1 });
    start();
    start();
    await waitFor(() => (textsTo(to).length >= bodies.length + 2 ? true : null), { timeoutMs: 30_000, description: 'all eight messages at the simulator' });
    expect(textsTo(to).filter((t) => /^\d /.test(t))).toEqual(bodies);
    expect(textsTo(to)).toHaveLength(bodies.length + 2);
    await recordedSent(other, loose);
  });

  it('an older message waiting for its retry (FAILED, due in 1.5 s) holds back a newer NORMAL one, not a newer URGENT one; answers of the reply flow are not held', async () => {
    const to = phone();
    const ticket = randomUUID();
    const older = await queue(to, ticket, 'older, failed');
    const newer = await queue(to, ticket, 'newer, normal');
    const urgent = await queue(to, ticket, 'newer, urgent', 'URGENT');
    // The reply flow's answer carries the ticket too (listed with it) but is outside its order.
    const answer = await queue(to, ticket, 'reply answer');
    const s = `"${schema.pg.schema}".deliveries`;
    await schema.ds.query(`UPDATE ${s} SET idempotency_key = 'reply:fonnte:' || id WHERE id = $1`, [answer.id]);
    await schema.ds.query(`UPDATE ${s} SET status = 'FAILED', rounds = 1, due_at = now() + interval '1500 milliseconds' WHERE id = $1`, [older.id]);
    start();
    await waitFor(() => (textsTo(to).length >= 4 ? true : null), { timeoutMs: 20_000, description: 'all four at the simulator' });
    const texts = textsTo(to);
    // The urgent one and the answer go at once; the normal one only after the older one's retry.
    expect(texts.indexOf('newer, urgent')).toBeLessThan(texts.indexOf('older, failed'));
    expect(texts.indexOf('reply answer')).toBeLessThan(texts.indexOf('older, failed'));
    expect(texts.indexOf('older, failed')).toBeLessThan(texts.indexOf('newer, normal'));
    await recordedSent(older, newer, urgent, answer);
  });

  it('a job offer back from a failed round after its ticket was taken is withdrawn at its claim, not sent; when that check fails the row is sent, not stranded', async () => {
    const to = phone();
    const ticket = randomUUID();
    const offer = await queue(to, ticket, 'offer of a taken ticket', 'NORMAL', null, 'TECHNICIAN_JOB_OFFER');
    const s = `"${schema.pg.schema}".deliveries`;
    // Being sent when the ticket was taken (left alone then), its round then failed: FAILED, due now.
    await schema.ds.query(`UPDATE ${s} SET status = 'SENDING', lease_until = now() + interval '1 minute' WHERE id = $1`, [offer.id]);
    await store.supersede(ticket, [{ kind: 'JOB_OFFERS', staffId: '', reason: 'withdrawn unsent: ticket GGN-X was assigned (ticket.assigned e-9)' }], new Date());
    await schema.ds.query(`UPDATE ${s} SET status = 'FAILED', lease_until = NULL, rounds = 1, due_at = now() WHERE id = $1`, [offer.id]);
    start();
    await waitFor(async () => ((await store.delivery(offer.id))!.status === 'CANCELLED' ? true : null), { timeoutMs: 15_000, description: 'the offer withdrawn at its claim' });
    expect((await store.delivery(offer.id))!.lastError).toBe('withdrawn unsent: ticket GGN-X was assigned (ticket.assigned e-9)');
    expect(textsTo(to)).toEqual([]);
    for (const d of running.splice(0)) await d.stop();

    // The stale check failing (the database): the claimed rows are sent (as before the ticket moved on), not left SENDING to expire as "possibly sent".
    const other = await queue(to, randomUUID(), 'sent despite the failed check');
    const failing = new Proxy(store, {
      get: (target, prop, receiver) =>
        prop === 'withdrawSuperseded' ? () => Promise.reject(new Error('connect ECONNREFUSED')) : (Reflect.get(target, prop, receiver) as unknown),
    });
    start({ store: failing });
    await waitFor(async () => ((await store.delivery(other.id))!.status === 'SENT' ? true : null), { timeoutMs: 15_000, description: 'the row sent despite the failed check' });
    expect(textsTo(to)).toEqual(['sent despite the failed check']);
  });

  it('the per-recipient rate limit (1 an hour here) neither holds back nor counts a ticket\'s own messages; an API message without a ticket is limited', async () => {
    const to = phone();
    // The API messages first (due first): one uses up the limit before the ticket messages come.
    const welcome = await queue(to, null, 'welcome', 'NORMAL', null, 'WELCOME');
    const promo = await queue(to, null, 'promotion', 'NORMAL', null, 'PROMOTION');
    const tickets = [await queue(to, randomUUID(), 'ticket A created'), await queue(to, randomUUID(), 'ticket B created'), await queue(to, randomUUID(), 'ticket C created')];
    start({ rateLimit: 1 });
    await waitFor(() => (textsTo(to).length >= 4 ? true : null), { timeoutMs: 15_000, description: 'the three ticket messages and one API message' });
    await new Promise((r) => setTimeout(r, 500));
    expect(textsTo(to).filter((t) => t.startsWith('ticket ')).sort()).toEqual(['ticket A created', 'ticket B created', 'ticket C created']);
    await recordedSent(...tickets);
    await recordedSent(welcome); // due first: it used up the limit
    expect((await store.delivery(promo.id))!).toMatchObject({ status: 'DEFERRED', deferredReason: 'recipient rate limit' });
  });

  it('an SLA warning or an escalation (HIGH) is not deferred by quiet hours: its deadline does not wait; a HIGH ticket message is', async () => {
    const to = phone();
    const minute = new Date().getUTCHours() * 60 + new Date().getUTCMinutes();
    const quiet = { startMinute: (minute + 1440 - 60) % 1440, endMinute: (minute + 60) % 1440, timeZone: 'UTC' };
    const warning = await queue(to, randomUUID(), 'sla warning', 'HIGH', quiet, 'SLA_WARNING');
    const escalation = await queue(to, randomUUID(), 'escalation', 'HIGH', quiet, 'TICKET_ESCALATED');
    const lifecycle = await queue(to, randomUUID(), 'ticket created', 'HIGH', quiet);
    start();
    await waitFor(() => (textsTo(to).length >= 2 ? true : null), { timeoutMs: 20_000, description: 'the warning and the escalation at the simulator' });
    expect(textsTo(to).sort()).toEqual(['escalation', 'sla warning']);
    await recordedSent(warning, escalation);
    expect((await store.delivery(lifecycle.id))!).toMatchObject({ status: 'DEFERRED' });
  });

  it('an older message deferred by quiet hours does not hold back a newer URGENT one of the same ticket', async () => {
    const to = phone();
    const ticket = randomUUID();
    // A quiet window around now, in UTC: [now - 1 h, now + 1 h) in minutes after midnight.
    const minute = new Date().getUTCHours() * 60 + new Date().getUTCMinutes();
    const quiet = { startMinute: (minute + 1440 - 60) % 1440, endMinute: (minute + 60) % 1440, timeZone: 'UTC' };
    const normal = await queue(to, ticket, 'normal, quiet hours', 'NORMAL', quiet);
    const urgent = await queue(to, ticket, 'urgent', 'URGENT', quiet);
    start();
    await waitFor(() => (textsTo(to).length >= 1 ? true : null), { timeoutMs: 20_000, description: 'the urgent message at the simulator' });
    expect(textsTo(to)).toEqual(['urgent']);
    await recordedSent(urgent);
    expect((await store.delivery(normal.id))!).toMatchObject({ status: 'DEFERRED' });
  });
});
