// Dependency-aware readiness over real Postgres and NATS, each behind a TCP proxy the test cuts:
// the service's named gRPC health entry (readiness) turns NOT_SERVING while Postgres is
// unreachable and SERVING once it is back, while the overall entry (liveness) stays SERVING; a
// NATS outage changes neither (requests do not need NATS: events wait in the outbox).
import { createLogger } from '@notify/logger';
import { SERVICE_CATALOG } from '@notify/proto';
import { checkHealth, createTestNats, createTestSchema, startOutageProxy, waitFor, type OutageProxy, type TestNats, type TestSchema } from '@notify/testing';
import { openServiceRuntime, serveGrpc, type ServiceRuntime } from '../src';

type Line = { level: string; msg: string; failing?: string[] };

const READINESS = { READINESS_INTERVAL_MS: 100, READINESS_FAILURE_THRESHOLD: 2, READINESS_TIMEOUT_MS: 1_000 };
const NAME = SERVICE_CATALOG.template.fullName;
const WARN = 'warn';
const INFO = 'info';

describe('readiness follows Postgres, not NATS (real servers behind cut-able proxies)', () => {
  let pg: TestSchema;
  let nats: TestNats;
  let pgProxy: OutageProxy;
  let natsProxy: OutageProxy;
  let runtime: ServiceRuntime;
  let grpc: Awaited<ReturnType<typeof serveGrpc>>;
  let address: string;
  const lines: Line[] = [];
  const logger = createLogger({ service: 'readiness-probe', level: 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Line) } });
  const transitions = () => lines.filter((l) => /not ready|ready again/.test(l.msg)).map((l) => ({ level: l.level, msg: l.msg, failing: l.failing }));

  beforeAll(async () => {
    pg = await createTestSchema('readiness');
    nats = createTestNats('readiness');
    pgProxy = await startOutageProxy(pg.url);
    natsProxy = await startOutageProxy(nats.url);
    runtime = await openServiceRuntime({
      service: 'probe', logger, entities: [], migrations: [], outboxRelay: false,
      config: { DATABASE_URL: pgProxy.url, DATABASE_SCHEMA: pg.schema, NATS_URL: natsProxy.url, NATS_NAMESPACE: nats.namespace, ...READINESS },
    });
    grpc = await serveGrpc('template', {}, { GRPC_HOST: '127.0.0.1', GRPC_PORT: 0, NOTIFY_API_KEYS: [] as never }, logger, { readiness: runtime.readiness });
    address = `127.0.0.1:${grpc.port}`;
  });
  afterAll(async () => {
    await grpc?.shutdown(1_000);
    await runtime?.close();
    await pgProxy?.close();
    await natsProxy?.close();
    await nats?.cleanup();
    await pg?.dropSchema();
  });

  const named = () => checkHealth(address, NAME);
  const overall = () => checkHealth(address, '');

  it('starts SERVING on both entries with both dependencies up', async () => {
    await expect(overall()).resolves.toBe('SERVING');
    await expect(named()).resolves.toBe('SERVING');
    expect(runtime.readiness.state()).toEqual({ ready: true, failing: [] });
  });

  it('Postgres cut: readiness NOT_SERVING (postgres failing), liveness SERVING; back at the first success', async () => {
    lines.length = 0;
    await pgProxy.down();
    await waitFor(async () => (await named()) === 'NOT_SERVING', { timeoutMs: 10_000, description: 'readiness NOT_SERVING' });
    expect(runtime.readiness.state()).toEqual({ ready: false, failing: ['postgres'] });
    await expect(overall()).resolves.toBe('SERVING');
    // several rounds later: still one warning
    await new Promise((r) => setTimeout(r, 400));
    await expect(overall()).resolves.toBe('SERVING');

    await pgProxy.up();
    await waitFor(async () => (await named()) === 'SERVING', { timeoutMs: 10_000, description: 'readiness SERVING again' });
    expect(transitions()).toEqual([
      { level: WARN, msg: 'probe not ready: postgres failing', failing: ['postgres'] },
      { level: INFO, msg: 'probe ready again: every dependency answers', failing: undefined },
    ]);
  });

  it('NATS cut: readiness and liveness stay SERVING (no request path needs NATS: events wait in the outbox)', async () => {
    lines.length = 0;
    await natsProxy.down();
    try {
      // Twenty check rounds (100 ms apart) with NATS unreachable.
      await new Promise((res) => setTimeout(res, 2_000));
      expect(runtime.readiness.state()).toEqual({ ready: true, failing: [] });
      await expect(named()).resolves.toBe('SERVING');
      await expect(overall()).resolves.toBe('SERVING');
      expect(transitions()).toEqual([]);
    } finally {
      await natsProxy.up();
    }
  });

  it('shutdown turns both entries NOT_SERVING, and a ready runtime does not bring the named one back', async () => {
    const done = grpc.shutdown(1_000);
    await expect(overall()).resolves.toBe('NOT_SERVING');
    await expect(named()).resolves.toBe('NOT_SERVING');
    await runtime.readiness.checkNow();
    expect(runtime.readiness.state().ready).toBe(true);
    await expect(named()).resolves.toBe('NOT_SERVING');
    await done;
  });
});
