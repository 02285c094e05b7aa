// A service that starts while NATS is unreachable (its proxy down): the runtime opens anyway
// (ready: no request needs NATS), an event written to the outbox waits there, and once NATS is
// reachable the bus connects by itself, ensures the streams, starts the consumer registered
// meanwhile, and the outbox relay publishes the waiting event to it.
import { randomUUID } from 'node:crypto';
import { appendToOutbox, platformMigrations } from '@notify/db';
import { eventStreams, eventSubject } from '@notify/events';
import { createLogger } from '@notify/logger';
import { DeferredJetStreamBus, type IncomingEvent } from '@notify/messaging';
import { createTestNats, createTestSchema, startOutageProxy, waitFor, type OutageProxy, type TestNats, type TestSchema } from '@notify/testing';
import { openServiceRuntime, type ServiceRuntime } from '../src';

describe('a service started while NATS is unreachable', () => {
  let pg: TestSchema;
  let nats: TestNats;
  let natsProxy: OutageProxy;
  let runtime: ServiceRuntime | undefined;
  const lines: Array<{ level: string; msg: string }> = [];
  const logger = createLogger({ service: 'no-nats-probe', level: 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s) as { level: string; msg: string }) } });

  beforeAll(async () => {
    pg = await createTestSchema('start_no_nats');
    nats = createTestNats('start_no_nats');
    natsProxy = await startOutageProxy(nats.url);
    await natsProxy.down();
  });
  afterAll(async () => {
    await runtime?.close();
    await natsProxy?.close();
    await nats?.cleanup();
    await pg?.dropSchema();
  });

  it('opens, keeps the outbox event until NATS is reachable, then connects and publishes it to the consumer registered meanwhile', async () => {
    runtime = await openServiceRuntime({
      service: 'probe', logger, entities: [], migrations: [...platformMigrations],
      config: { DATABASE_URL: pg.url, DATABASE_SCHEMA: pg.schema, NATS_URL: natsProxy.url, NATS_NAMESPACE: nats.namespace, OUTBOX_RETENTION_MS: 0, NATS_CONNECT_RETRY_MS: 200 },
    });
    expect(runtime.bus).toBeInstanceOf(DeferredJetStreamBus);
    expect(runtime.readiness.state()).toEqual({ ready: true, failing: [] });
    expect(lines.some((l) => l.level === 'warn' && /NATS at .* cannot be reached: starting without it/.test(l.msg))).toBe(true);

    const got: IncomingEvent[] = [];
    const stream = eventStreams(nats.namespace).find((s) => s.domain === 'ticket')!.name;
    const consumer = await runtime.bus.consume({ stream, durable: 'no_nats_probe' }, async (e) => void got.push(e));
    const subject = eventSubject('ticket', 'created', nats.namespace);
    const id = randomUUID();
    await runtime.dataSource.transaction((m) => appendToOutbox(m, { id, subject, data: new TextEncoder().encode('waiting') }, { schema: pg.schema }));
    // Until the relay's retries of that row have backed off to more than 3 s from now.
    const nextTry = await waitFor(async () => {
      const [row] = (await runtime!.dataSource.query(`SELECT attempts, next_attempt_at FROM "${pg.schema}".outbox`)) as Array<{ attempts: number; next_attempt_at: Date }>;
      return row && row.next_attempt_at.getTime() - Date.now() > 3_000 ? row.next_attempt_at : null;
    }, { timeoutMs: 30_000, intervalMs: 100, description: 'the row backing off' });
    expect(got).toEqual([]);

    await natsProxy.up();
    await (runtime.bus as DeferredJetStreamBus).connected;
    await waitFor(() => got.length === 1, { timeoutMs: 20_000, description: 'the waiting event reaches the consumer' });
    // Published once the bus connected, before the row's own next retry: the relay was told.
    expect(Date.now()).toBeLessThan(nextTry.getTime() - 500);
    expect(got[0]).toMatchObject({ subject, msgID: id });
    expect(lines.some((l) => l.level === 'info' && /connected to NATS \(unreachable at start\)/.test(l.msg))).toBe(true);
    await consumer.stop();
  }, 60_000);
});
