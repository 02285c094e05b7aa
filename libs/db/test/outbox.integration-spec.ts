// Transactional outbox + relay against the real Postgres and NATS JetStream on this machine.
// One unique schema and one stream per file; both removed in afterAll.
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  appendManyToOutbox,
  appendToOutbox,
  createDataSource,
  platformMigrations,
  runMigrations,
  startOutboxRelay,
  type OutboxMessage,
  type OutboxPublisher,
  type OutboxRelay,
} from '../src';
// The testing lib's fixtures; the boundary rule does not yet tell test code from library code.
import { createTestNats, createTestSchema, startOutageProxy, waitFor, type TestNats, type TestSchema } from '@notify/testing';
import { openTestJetStream, type TestJetStream } from './jetstream-test-publisher';

jest.setTimeout(30_000);

let pg: TestSchema;
let nats: TestNats;
let ds: DataSource;
let js: TestJetStream;
const relays: OutboxRelay[] = [];

const enc = (s: string) => new TextEncoder().encode(s);

async function start(publisher: OutboxPublisher, extra: Partial<Parameters<typeof startOutboxRelay>[0]> = {}) {
  const relay = await startOutboxRelay({ dataSource: ds, publisher, pollIntervalMs: 10_000, ...extra });
  relays.push(relay);
  return relay;
}

async function commitEvent(subject: string, body = 'payload', headers?: Record<string, string>): Promise<string> {
  const id = randomUUID();
  await ds.transaction((m) => appendToOutbox(m, { id, subject, data: enc(body), headers }));
  return id;
}

async function row(id: string) {
  const rows: Array<{ published_at: Date | null; attempts: number; last_error: string | null }> = await ds.query(
    `SELECT published_at, attempts, last_error FROM "${pg.schema}".outbox WHERE id = $1`,
    [id],
  );
  return rows[0];
}

beforeAll(async () => {
  pg = await createTestSchema('outbox');
  nats = createTestNats('outbox');
  ds = createDataSource({ url: pg.url, schema: pg.schema, migrations: [...platformMigrations], poolSize: 5 });
  await runMigrations(ds);
  js = await openTestJetStream(nats.url, nats.stream('EVENTS'), [nats.subject('>')]);
});

afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  await js?.close();
  await ds?.destroy();
  await pg?.dropSchema();
  await nats?.cleanup();
});

describe('outbox relay', () => {
  it('publishes a committed transaction exactly once, with msgID = event id and the stored payload', async () => {
    const subject = nats.subject('notify.test.v1.committed');
    const publisher = js.publisher();
    const relay = await start(publisher);

    const id = await commitEvent(subject, 'hello', { 'x-test': 'yes' });
    await waitFor(() => js.count(subject).then((n) => n === 1), { description: 'one message on the stream' });
    await waitFor(async () => (await row(id))?.published_at, { description: 'row marked published' });

    // nothing more arrives: another pass over the outbox finds nothing to publish
    await relay.drain();
    expect(await js.count(subject)).toBe(1);
    expect(publisher.acks.filter((a) => a.msgID === id)).toEqual([{ msgID: id, subject, duplicate: false, seq: expect.any(Number) }]);
    const [msg] = (await js.messages()).filter((m) => m.subject === subject);
    expect(msg.header.get('Nats-Msg-Id')).toBe(id);
    expect(msg.header.get('x-test')).toBe('yes');
    expect(new TextDecoder().decode(msg.data)).toBe('hello');
    expect((await row(id)).attempts).toBe(1);
  });

  it('publishes nothing for a rolled-back transaction', async () => {
    const subject = nats.subject('notify.test.v1.rolled_back');
    const relay = await start(js.publisher());
    const id = randomUUID();

    await expect(
      ds.transaction(async (m) => {
        await appendToOutbox(m, { id, subject, data: enc('never') });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');

    // a committed event after it proves the relay was running and had its chance
    const marker = nats.subject('notify.test.v1.after_rollback');
    await commitEvent(marker);
    await waitFor(() => js.count(marker).then((n) => n === 1), { description: 'marker event published' });
    await relay.drain();
    expect(await js.count(subject)).toBe(0);
    expect(await row(id)).toBeUndefined();
  });

  it('rejects appendToOutbox outside a transaction', async () => {
    await expect(
      appendToOutbox(ds.manager, { id: randomUUID(), subject: nats.subject('x'), data: enc('x') }),
    ).rejects.toThrow(TypeError);
  });

  it("appendManyToOutbox: one transaction's events are published once each, in order, with their headers; a rollback leaves none", async () => {
    const subject = nats.subject('notify.test.v1.batch');
    const relay = await start(js.publisher(), { pollIntervalMs: 10_000 });
    await new Promise((r) => setTimeout(r, 200)); // idle on its 10 s poll: only the batch's single NOTIFY can wake it
    const rolledBack = randomUUID();
    await expect(
      ds.transaction(async (m) => {
        await appendManyToOutbox(m, [{ id: rolledBack, subject, data: enc('never') }]);
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    const events = Array.from({ length: 5 }, (_, i) => ({ id: randomUUID(), subject, data: enc(`batch-${i}`), headers: { 'x-n': String(i) } }));
    await ds.transaction((m) => appendManyToOutbox(m, events));
    await waitFor(() => js.count(subject).then((n) => n === 5), { timeoutMs: 5_000, description: 'the five batch events published' });
    await relay.drain();
    const msgs = (await js.messages()).filter((m) => m.subject === subject);
    expect(msgs.map((m) => new TextDecoder().decode(m.data))).toEqual(events.map((_, i) => `batch-${i}`));
    expect(msgs.map((m) => m.header.get('Nats-Msg-Id'))).toEqual(events.map((e) => e.id));
    expect(msgs.map((m) => m.header.get('x-n'))).toEqual(['0', '1', '2', '3', '4']);
    expect(await row(rolledBack)).toBeUndefined();
    await expect(appendManyToOutbox(ds.manager, events)).rejects.toThrow(TypeError);
  });

  it('wakes on NOTIFY: a committed event is published well before the 10 s fallback poll', async () => {
    const subject = nats.subject('notify.test.v1.latency');
    await start(js.publisher(), { pollIntervalMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300)); // let the relay go idle (sleeping on its 10 s poll)

    const latencies: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const t0 = performance.now();
      await commitEvent(subject);
      await waitFor(() => js.count(subject).then((n) => n === i), { timeoutMs: 5_000, intervalMs: 5 });
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
    // measured on this machine: commit → stored in JetStream, five samples
    console.info(`outbox commit→stream latency ms: ${latencies.map((l) => l.toFixed(1)).join(', ')}`);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
  });

  it('re-establishes LISTEN after its connection is killed and catches up with what was committed meanwhile', async () => {
    const subject = nats.subject('notify.test.v1.relisten');
    const relay = await start(js.publisher(), { pollIntervalMs: 10_000, degradedPollIntervalMs: 10_000 });
    const channel = `${pg.schema}_outbox`;
    const killed: unknown[] = await ds.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1`,
      [`LISTEN "${channel}"`],
    );
    expect(killed).toHaveLength(1);
    await waitFor(() => !relay.stats().listening, { description: 'relay notices the lost LISTEN connection' });
    const during = await commitEvent(subject); // nobody listens: no wake-up for this one

    await waitFor(() => relay.stats().listening, { timeoutMs: 5_000, description: 'LISTEN reconnected' });
    await waitFor(async () => (await row(during))?.published_at, { timeoutMs: 2_000, description: 'missed event caught up' });
    const t0 = performance.now();
    await commitEvent(subject);
    await waitFor(() => js.count(subject).then((n) => n === 2), { timeoutMs: 2_000, intervalMs: 5 });
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it('after a crash between publish and commit, a fresh relay re-publishes with the same msgID (deduplicated) and marks the row', async () => {
    const subject = nats.subject('notify.test.v1.crash');
    const real = js.publisher();
    let crashed = 0;
    const ref: { relay1?: OutboxRelay } = {};
    // The "process" dies right after JetStream stored the message: its Postgres connection is
    // terminated (so the claim transaction aborts exactly as when the process is killed) and the
    // relay does nothing more.
    const crashingPublisher: OutboxPublisher = {
      async publish(msg: OutboxMessage) {
        const ack = await real.publish(msg);
        const killed: Array<{ pid: number }> = await ds.query(
          `SELECT pg_terminate_backend(pid) AS ok, pid FROM pg_stat_activity
            WHERE state = 'idle in transaction' AND query LIKE '%FOR UPDATE SKIP LOCKED%'
              AND query LIKE $1`,
          [`%"${pg.schema}"."outbox"%`],
        );
        crashed = killed.length;
        void ref.relay1?.stop();
        throw new Error(`simulated crash after publish (seq ${ack.seq})`);
      },
    };
    const relay1 = await start(crashingPublisher, { errorBackoff: { initialMs: 10_000, maxMs: 10_000 } });
    ref.relay1 = relay1;
    const id = await commitEvent(subject);

    await waitFor(() => real.acks.length === 1, { description: 'first publish' });
    await relay1.stop();
    expect(crashed).toBe(1);
    expect(await js.count(subject)).toBe(1);
    const afterCrash = await row(id);
    expect(afterCrash.published_at).toBeNull(); // the mark never committed
    expect(afterCrash.attempts).toBe(0); // nor did anything else of that transaction

    const publisher2 = js.publisher();
    await start(publisher2); // the restarted relay finds the row on its first pass
    await waitFor(async () => (await row(id))?.published_at, { description: 'row marked by the restarted relay' });
    expect(publisher2.acks).toEqual([{ msgID: id, subject, duplicate: true, seq: real.acks[0].seq }]);
    expect(await js.count(subject)).toBe(1);
  });

  it('records a failed publish (attempts, last_error), keeps the row, and publishes it once the publisher recovers', async () => {
    const subject = nats.subject('notify.test.v1.failing');
    const real = js.publisher();
    let failuresLeft = 2;
    const flaky: OutboxPublisher = {
      publish(msg) {
        if (failuresLeft > 0) {
          failuresLeft--;
          return Promise.reject(new Error('nats: no responders'));
        }
        return real.publish(msg);
      },
    };
    const relay = await start(flaky, { retry: { initialMs: 100, maxMs: 200 }, errorBackoff: { initialMs: 50, maxMs: 100 } });
    const id = await commitEvent(subject);

    await waitFor(async () => (await row(id))?.attempts === 1, { description: 'first failure recorded' });
    const failed = await row(id);
    expect(failed.published_at).toBeNull();
    expect(failed.last_error).toBe('nats: no responders');

    await waitFor(async () => (await row(id))?.published_at, { description: 'published after recovery' });
    const done = await row(id);
    expect(done.attempts).toBe(3);
    expect(done.last_error).toBeNull();
    expect(await js.count(subject)).toBe(1);
    expect(relay.stats()).toMatchObject({ failures: 2, listening: true });
  });

  it("continues the caller's trace: the publish span is a child of the stored traceparent", async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    try {
      const subject = nats.subject('notify.test.v1.traced');
      await start(js.publisher(), { tracer: provider.getTracer('test') });
      const traceId = randomUUID().replace(/-/g, '');
      const parentSpanId = randomUUID().replace(/-/g, '').slice(0, 16);
      const id = await commitEvent(subject, 'traced', { traceparent: `00-${traceId}-${parentSpanId}-01` });

      await waitFor(() => js.count(subject).then((n) => n === 1));
      const span = await waitFor(() => exporter.getFinishedSpans().find((s) => s.attributes['messaging.message.id'] === id));
      expect(span.spanContext().traceId).toBe(traceId);
      expect(span.parentSpanContext?.spanId).toBe(parentSpanId);
      const [msg] = (await js.messages()).filter((m) => m.subject === subject);
      // consumers continue from the relay's span, in the same trace
      expect(msg.header.get('traceparent')).toBe(`00-${traceId}-${span.spanContext().spanId}-01`);
    } finally {
      await provider.shutdown();
      propagation.disable();
      trace.disable();
    }
  });

  it('runs over a pg Pool with an explicit schema', async () => {
    const subject = nats.subject('notify.test.v1.pool');
    const pool = new Pool({ connectionString: pg.url, max: 2 });
    const relay = await startOutboxRelay({ pool, schema: pg.schema, publisher: js.publisher(), pollIntervalMs: 10_000 });
    try {
      const id = await commitEvent(subject);
      await waitFor(async () => (await row(id))?.published_at, { description: 'published through the pool relay' });
      expect(relay.stats()).toMatchObject({ published: 1, duplicates: 0, listening: true });
      expect(await js.count(subject)).toBe(1);
    } finally {
      await relay.stop();
      await pool.end();
    }
  });

  it('purgePublished deletes only rows published longer ago than the given age', async () => {
    const subject = nats.subject('notify.test.v1.purge');
    const relay = await start(js.publisher());
    const oldId = await commitEvent(subject);
    const newId = await commitEvent(subject);
    await waitFor(async () => (await row(oldId))?.published_at && (await row(newId))?.published_at);
    await ds.query(`UPDATE "${pg.schema}".outbox SET published_at = now() - interval '2 hours' WHERE id = $1`, [oldId]);
    const pending = randomUUID();
    await ds.query(`INSERT INTO "${pg.schema}".outbox (id, subject, payload, next_attempt_at) VALUES ($1, $2, '\\x00', now() + interval '1 day')`, [
      pending,
      subject,
    ]);

    expect(await relay.purgePublished(60 * 60 * 1000)).toBe(1);
    expect(await row(oldId)).toBeUndefined();
    expect(await row(newId)).toBeDefined();
    expect(await row(pending)).toBeDefined();
    // A row waiting for a retry holds back the rows behind it (head of line): gone before the next test.
    await ds.query(`DELETE FROM "${pg.schema}".outbox WHERE id = $1`, [pending]);
  });

  it('retentionMs 0: each published row is deleted in the transaction that published it (published once, nothing left)', async () => {
    const subject = nats.subject('notify.test.v1.retention_zero');
    const relay = await start(js.publisher(), { retentionMs: 0 });
    const ids = await Promise.all([commitEvent(subject, 'a'), commitEvent(subject, 'b'), commitEvent(subject, 'c')]);
    await waitFor(() => js.count(subject).then((n) => n === 3), { description: 'three messages on the stream' });
    await waitFor(async () => (await Promise.all(ids.map(row))).every((r) => r === undefined), { description: 'rows deleted' });
    await relay.drain();
    expect(await js.count(subject)).toBe(3);
    expect(relay.stats().published).toBe(3);
  });

  it('retentionMs > 0: the relay itself purges rows published longer ago than the retention, and only those', async () => {
    const subject = nats.subject('notify.test.v1.retention_purge');
    const first = await start(js.publisher(), { retentionMs: 60 * 60 * 1000 });
    const oldId = await commitEvent(subject);
    const newId = await commitEvent(subject);
    await waitFor(async () => (await row(oldId))?.published_at && (await row(newId))?.published_at, { description: 'both marked' });
    await first.stop();
    await ds.query(`UPDATE "${pg.schema}".outbox SET published_at = now() - interval '2 hours' WHERE id = $1`, [oldId]);
    // A relay purges after its first batch, then at most once per purgeIntervalMs.
    await start(js.publisher(), { retentionMs: 60 * 60 * 1000, purgeIntervalMs: 100 });
    await waitFor(async () => (await row(oldId)) === undefined, { description: 'the old row purged by the relay' });
    expect((await row(newId))?.published_at).toBeTruthy();
    expect(await js.count(subject)).toBe(2);
  });

  it('handoff: rows a writer hands over are published without a claim and marked (deleted with retention 0), once each', async () => {
    const subject = nats.subject('notify.test.v1.handoff');
    const publisher = js.publisher();
    // Poll only, no LISTEN: nothing but the handoff can publish these rows within the test.
    const relay = await start(publisher, { retentionMs: 0, listen: false, pollIntervalMs: 60_000 });
    await relay.drain(); // after the loop's first batch: it sleeps for the 60 s poll now
    const events = ['a', 'b', 'c'].map((body) => ({ id: randomUUID(), subject, data: enc(body), headers: { 'x-test': body } }));
    // Written without NOTIFY (a multi-row INSERT in a transaction, as the set-wise writers do).
    await ds.query(
      `INSERT INTO "${pg.schema}".outbox (id, subject, payload, headers) SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[], $4::jsonb[])`,
      [events.map((e) => e.id), events.map((e) => e.subject), events.map((e) => Buffer.from(e.data)), events.map((e) => JSON.stringify(e.headers))],
    );
    relay.handoff(events);
    await waitFor(async () => (await Promise.all(events.map((e) => row(e.id)))).every((r) => r === undefined), { description: 'handed-over rows deleted' });
    expect(publisher.acks.map((a) => [a.msgID, a.duplicate])).toEqual(events.map((e) => [e.id, false]));
    const stored = (await js.messages()).filter((m) => m.subject === subject);
    expect(stored.map((m) => [new TextDecoder().decode(m.data), m.header?.get('x-test')])).toEqual([['a', 'a'], ['b', 'b'], ['c', 'c']]);
    expect(relay.stats()).toMatchObject({ published: 3, failures: 0 });
  });

  it('handoff: a failed publish leaves the row, and the relay publishes it with its own retry', async () => {
    const subject = nats.subject('notify.test.v1.handoff_failing');
    const real = js.publisher();
    let failuresLeft = 1;
    const flaky: OutboxPublisher = {
      publish(msg) {
        if (failuresLeft > 0) {
          failuresLeft--;
          return Promise.reject(new Error('nats: timeout'));
        }
        return real.publish(msg);
      },
    };
    const relay = await start(flaky, { retentionMs: 24 * 3_600_000, listen: false, pollIntervalMs: 60_000, retry: { initialMs: 100, maxMs: 200 } });
    const id = randomUUID();
    await ds.query(`INSERT INTO "${pg.schema}".outbox (id, subject, payload, headers) VALUES ($1, $2, $3, '{}')`, [id, subject, Buffer.from('x')]);
    relay.handoff([{ id, subject, data: enc('x') }]);
    await waitFor(async () => (await row(id))?.published_at, { description: 'published by the relay after the failed handoff' });
    expect(await js.count(subject)).toBe(1);
    expect(real.acks.map((a) => a.msgID)).toEqual([id]);
    expect(relay.stats().failures).toBe(1);
  });

  it('handoff: more rows than the handoff queue holds are left to the relay loop, which publishes them (nothing lost)', async () => {
    const subject = nats.subject('notify.test.v1.handoff_overflow');
    const publisher = js.publisher();
    // batchSize 2: the handoff queue holds 8 rows; 20 handed over at once go to the loop.
    const relay = await start(publisher, { batchSize: 2, retentionMs: 0, listen: false, pollIntervalMs: 60_000 });
    await relay.drain();
    const events = Array.from({ length: 20 }, (_, i) => ({ id: randomUUID(), subject, data: enc(`m${i}`) }));
    await ds.query(
      `INSERT INTO "${pg.schema}".outbox (id, subject, payload, headers) SELECT id, $2, payload, '{}' FROM unnest($1::uuid[], $3::bytea[]) AS v(id, payload)`,
      [events.map((e) => e.id), subject, events.map((e) => Buffer.from(e.data))],
    );
    relay.handoff(events);
    await waitFor(() => js.count(subject).then((n) => n === 20), { description: 'all 20 published by the loop' });
    await waitFor(async () => (await Promise.all(events.map((e) => row(e.id)))).every((r) => r === undefined), { description: 'rows deleted' });
    expect(new Set(publisher.acks.map((a) => a.msgID)).size).toBe(20);
  });

  /** A publisher that rejects while `down` (or the messages `refuse` names), else publishes for real. */
  function switchable(real: ReturnType<TestJetStream['publisher']>, refuse: (msg: OutboxMessage) => string | null = () => null) {
    const state = { down: false };
    const publisher: OutboxPublisher = {
      publish(msg) {
        if (state.down) return Promise.reject(new Error('nats: timeout'));
        const reason = refuse(msg);
        return reason ? Promise.reject(new Error(reason)) : real.publish(msg);
      },
    };
    return { state, publisher };
  }

  it('head of line: a row waiting for its retry holds back the rows committed after it (created reaches the stream before assigned)', async () => {
    const subject = nats.subject('notify.test.v1.ordered');
    const real = js.publisher();
    const { state, publisher } = switchable(real);
    const relay = await start(publisher, { retentionMs: 0, retry: { initialMs: 300, maxMs: 300 }, errorBackoff: { initialMs: 20, maxMs: 20 } });
    await relay.drain();
    state.down = true;
    const created = await commitEvent(subject, 'created');
    await waitFor(async () => (await row(created))?.attempts === 1, { description: 'created failed once' });
    state.down = false;
    const assigned = await commitEvent(subject, 'assigned');
    await waitFor(() => js.count(subject).then((n) => n === 2), { description: 'both on the stream' });
    expect(real.acks.map((a) => a.msgID)).toEqual([created, assigned]);
  });

  it('head of line with handoff: a failed handed-off row is not overtaken by the rows handed off after it', async () => {
    const subject = nats.subject('notify.test.v1.ordered_handoff');
    const real = js.publisher();
    const { state, publisher } = switchable(real);
    const relay = await start(publisher, { retentionMs: 0, listen: false, pollIntervalMs: 50, retry: { initialMs: 300, maxMs: 300 }, errorBackoff: { initialMs: 20, maxMs: 20 } });
    await relay.drain();
    const insert = async (body: string) => {
      const id = randomUUID();
      await ds.query(`INSERT INTO "${pg.schema}".outbox (id, subject, payload, headers) VALUES ($1, $2, $3, '{}')`, [id, subject, Buffer.from(body)]);
      relay.handoff([{ id, subject, data: enc(body) }]);
      return id;
    };
    state.down = true;
    const created = await insert('created');
    await waitFor(() => relay.stats().failures >= 1, { description: 'the handoff failed' });
    state.down = false;
    const assigned = await insert('assigned');
    await waitFor(() => js.count(subject).then((n) => n === 2), { description: 'both on the stream' });
    expect(real.acks.map((a) => a.msgID)).toEqual([created, assigned]);
  });

  it('sets aside a row too large to publish (not publishable) instead of blocking the rows behind it', async () => {
    const subject = nats.subject('notify.test.v1.too_large');
    const real = js.publisher();
    const { publisher } = switchable(real, (msg) => (new TextDecoder().decode(msg.data) === 'huge' ? "'payload' max_payload size exceeded" : null));
    await start(publisher, { retentionMs: 0 });
    const huge = await commitEvent(subject, 'huge');
    const next = await commitEvent(subject, 'next');
    await waitFor(() => js.count(subject).then((n) => n === 1), { description: 'the next row published' });
    expect(real.acks.map((a) => a.msgID)).toEqual([next]);
    const setAside = await row(huge);
    expect(setAside?.published_at).toBeInstanceOf(Date);
    expect(setAside?.last_error).toBe("not publishable: 'payload' max_payload size exceeded");
  });

  it('a Postgres outage is one error line, the recovery one info line (not a line per retry); what was committed before is published after', async () => {
    const subject = nats.subject('notify.test.v1.outage');
    const proxy = await startOutageProxy(pg.url);
    const pool = new Pool({ connectionString: proxy.url, max: 2 });
    const lines: Array<{ level: string; msg: string }> = [];
    const log = (level: string) => (_obj: object, msg?: string) => void lines.push({ level, msg: msg ?? '' });
    const relay = await startOutboxRelay({
      pool, schema: pg.schema, publisher: js.publisher(), pollIntervalMs: 50, listen: false, errorBackoff: { initialMs: 20, maxMs: 100 },
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    });
    try {
      lines.length = 0; // from here on
      await proxy.down();
      const id = await commitEvent(subject); // committed directly, while the relay cannot reach Postgres
      await waitFor(() => lines.filter((l) => l.msg === 'outbox relay: database error').length >= 5, { description: 'several failed rounds' });
      await proxy.up();
      await waitFor(async () => (await row(id))?.published_at, { timeoutMs: 10_000, description: 'published after the outage' });
      expect(lines.filter((l) => l.level === 'error' || l.level === 'warn' || l.level === 'info').map((l) => [l.level, l.msg])).toEqual([
        ['error', 'outbox relay: database error'],
        ['info', 'outbox relay recovered'],
      ]);
    } finally {
      await relay.stop();
      await pool.end();
      await proxy.close();
    }
  });
});
