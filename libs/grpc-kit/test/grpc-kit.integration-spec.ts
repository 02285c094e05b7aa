/**
 * grpc-kit against a real grpc-js server on 127.0.0.1:0 serving the fixture EchoService:
 * auth, health, error table over the wire, INTERNAL hiding, client deadlines, reflection,
 * stream cancellation, circuit breaker, graceful shutdown.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { DomainErrorKind, NotFoundError, TimeoutError, UnavailableError, ValidationError } from '@notify/errors';
import {
  KitLogger,
  RunningGrpcServer,
  bindService,
  callUnary,
  createClient,
  keyIdOf,
  promisifyUnary,
  startGrpcServer,
  withBreaker,
} from '../src';
import {
  ECHO_SERVICE,
  EchoProbe,
  EchoServiceClient,
  EchoServiceService,
  FIXTURE_DIR,
  FIXTURE_PROTO,
  SAMPLE_ERRORS,
  echoImplementation,
} from './fixtures/echo.fixture';

const KEYS = {
  admin: 'kit-admin-6f1c2d9e',
  technician: 'kit-tech-0b7a44c1',
  cs: 'kit-cs-93de1f20',
};
const API_KEYS = [
  { key: KEYS.admin, role: 'admin' },
  { key: KEYS.technician, role: 'technician', staffId: 'staff-7' },
  { key: KEYS.cs, role: 'customer_service' },
];
const ROLES = {
  Echo: ['admin', 'technician'],
  Fail: ['admin'],
  Slow: ['admin'],
  Count: ['admin', 'noc'],
} as const;

type LogLine = { level: string; obj: Record<string, unknown>; msg?: string };
function captureLogger(): KitLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

async function start(options: { drainMs?: number } = {}) {
  const { implementation, probe } = echoImplementation();
  const logger = captureLogger();
  const running = await startGrpcServer({
    serviceName: 'kit-test',
    host: '127.0.0.1',
    port: 0,
    services: [bindService(EchoServiceService, implementation, { roles: ROLES })],
    apiKeys: API_KEYS,
    logger,
    protoFiles: [FIXTURE_PROTO],
    includeDirs: [FIXTURE_DIR],
    drainMs: options.drainMs,
  });
  return { running, probe, logger, address: `127.0.0.1:${running.port}` };
}

/** A client with no kit interceptor: sends exactly the metadata the test gives. */
function rawClient(address: string): EchoServiceClient {
  return new EchoServiceClient(address, grpc.credentials.createInsecure());
}

function rawEcho(client: EchoServiceClient, authorization?: string): Promise<grpc.ServiceError | null> {
  const md = new grpc.Metadata();
  if (authorization !== undefined) md.set('authorization', authorization);
  return new Promise((resolve) =>
    client.echo({ text: 'hi' }, md, { deadline: Date.now() + 5000 }, (err) => resolve(err)),
  );
}

const healthPkg = grpc.loadPackageDefinition(
  protoLoader.loadSync('health/v1/health.proto', {
    includeDirs: [path.resolve(path.dirname(healthProtoPath), '..', '..')],
    enums: String,
    defaults: true,
  }),
) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };

function healthCheck(address: string, service: string): Promise<string> {
  const client = new healthPkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) =>
    client.check({ service }, { deadline: Date.now() + 3000 }, (err: grpc.ServiceError | null, res: { status: string }) => {
      client.close();
      if (err) reject(err);
      else resolve(res.status);
    }),
  );
}

async function expectStatus(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error('expected the call to fail');
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<T>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('grpc-kit server and client (real grpc-js on loopback)', () => {
  let server: RunningGrpcServer;
  let probe: EchoProbe;
  let logger: ReturnType<typeof captureLogger>;
  let address: string;
  const clients: grpc.Client[] = [];
  const track = <C extends grpc.Client>(c: C): C => {
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    ({ running: server, probe, logger, address } = await start());
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    server.server.forceShutdown();
  });

  describe('auth', () => {
    it('no key, a malformed header or an unknown key → UNAUTHENTICATED, before the handler runs', async () => {
      const client = track(rawClient(address));
      const before = probe.calls;
      for (const header of [undefined, `Basic ${KEYS.admin}`, 'Bearer not-a-key']) {
        const err = await rawEcho(client, header);
        expect(err?.code).toBe(grpc.status.UNAUTHENTICATED);
      }
      expect(probe.calls).toBe(before);
    });

    it('a known key whose role the RPC does not allow → PERMISSION_DENIED', async () => {
      const client = track(rawClient(address));
      const err = await rawEcho(client, `Bearer ${KEYS.cs}`);
      expect(err?.code).toBe(grpc.status.PERMISSION_DENIED);
      expect(err?.details).toBe('role customer_service may not call Echo');
      const tech = track(createClient(EchoServiceClient, address, { apiKey: KEYS.technician }));
      const denied = await expectStatus(callUnary(tech, 'fail', { kind: 'NOT_FOUND', message: '' }));
      expect((denied.cause as grpc.ServiceError).code).toBe(grpc.status.PERMISSION_DENIED);
    });

    it("a service's own key refused (keyVariable) is UNAVAILABLE naming the variable; a business PERMISSION_DENIED stays", async () => {
      const wrong = track(createClient(EchoServiceClient, address, { apiKey: 'not-a-key-0000000000000', keyVariable: 'SERVICE_API_KEY' }));
      const err = await callUnary(wrong, 'echo', { text: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnavailableError);
      expect((err as Error).message).toBe(`${address} refused SERVICE_API_KEY: missing or unknown API key (metadata authorization: Bearer <key>)`);
      const denied = track(createClient(EchoServiceClient, address, { apiKey: KEYS.technician, keyVariable: 'SERVICE_API_KEY' }));
      const business = await expectStatus(callUnary(denied, 'fail', { kind: 'NOT_FOUND', message: '' }));
      expect((business.cause as grpc.ServiceError).code).toBe(grpc.status.PERMISSION_DENIED);
    });

    it('an allowed key works and the handler sees its principal (not the key) and the default deadline', async () => {
      const tech = track(createClient(EchoServiceClient, address, { apiKey: KEYS.technician }));
      const sentAt = Date.now();
      const res = await callUnary(tech, 'echo', { text: 'halo' });
      expect(res).toMatchObject({ text: 'halo', role: 'technician', keyId: keyIdOf(KEYS.technician), staffId: 'staff-7' });
      expect(JSON.stringify(res)).not.toContain(KEYS.technician);
      // createClient's default deadline: 5000 ms after sending
      const deadline = Number(res.deadlineUnixMs);
      expect(deadline).toBeGreaterThanOrEqual(sentAt + 4900);
      expect(deadline).toBeLessThanOrEqual(Date.now() + 5100);
      // a deadline the caller sets wins
      const own = await callUnary(tech, 'echo', { text: 'x' }, { deadline: Date.now() + 60_000 });
      expect(Number(own.deadlineUnixMs)).toBeGreaterThan(Date.now() + 50_000);
    });
  });

  describe('health', () => {
    it('answers SERVING for the server and for each service, with no key', async () => {
      await expect(healthCheck(address, '')).resolves.toBe('SERVING');
      await expect(healthCheck(address, ECHO_SERVICE)).resolves.toBe('SERVING');
    });

    it("setReady moves only the service entries (readiness); '' (liveness) stays SERVING", async () => {
      try {
        server.setReady(false);
        await expect(healthCheck(address, ECHO_SERVICE)).resolves.toBe('NOT_SERVING');
        await expect(healthCheck(address, '')).resolves.toBe('SERVING');
        server.setReady(true);
        await expect(healthCheck(address, ECHO_SERVICE)).resolves.toBe('SERVING');
      } finally {
        server.setReady(true);
      }
    });
  });

  describe('error table over the wire', () => {
    const kinds = Object.keys(SAMPLE_ERRORS) as DomainErrorKind[];
    const expected: Record<DomainErrorKind, grpc.status> = {
      VALIDATION: grpc.status.INVALID_ARGUMENT,
      NOT_FOUND: grpc.status.NOT_FOUND,
      ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
      FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
      CONFLICT: grpc.status.ABORTED,
      UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
      PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
      RATE_LIMITED: grpc.status.RESOURCE_EXHAUSTED,
      UNAVAILABLE: grpc.status.UNAVAILABLE,
      TIMEOUT: grpc.status.DEADLINE_EXCEEDED,
    };

    it.each(kinds)('a handler throwing %s reaches the client with its status and message, and maps back', async (kind) => {
      const admin = track(createClient(EchoServiceClient, address, { apiKey: KEYS.admin }));
      const raw = await new Promise<grpc.ServiceError | null>((resolve) =>
        admin.fail({ kind, message: '' }, new grpc.Metadata(), {}, (err) => resolve(err)),
      );
      expect(raw?.code).toBe(expected[kind]);
      expect(raw?.details).toBe(SAMPLE_ERRORS[kind]().message);
      const mapped = await expectStatus(callUnary(admin, 'fail', { kind, message: '' }));
      expect((mapped as unknown as { kind: string }).kind).toBe(kind);
      expect(mapped).toBeInstanceOf(SAMPLE_ERRORS[kind]().constructor);
    });

    it.each([
      ['a control character', 'A\u0001B'],
      ['a non-ASCII letter', 'laporan-harian-é'],
      ['a newline', 'a\nb'],
      ['100 000 characters', 'x'.repeat(100_000)],
      ['an escape the length limit would split', `${'x'.repeat(254)}é${'x'.repeat(10)}`],
    ])('a domain error repeating caller input with %s reaches the client; the server and the channel stay up', async (_what, input) => {
      const admin = track(createClient(EchoServiceClient, address, { apiKey: KEYS.admin }));
      const raw = await new Promise<grpc.ServiceError | null>((resolve) =>
        admin.fail({ kind: 'NOT_FOUND_OF', message: input }, new grpc.Metadata(), {}, (err) => resolve(err)),
      );
      expect(raw?.code).toBe(grpc.status.NOT_FOUND);
      expect(Buffer.byteLength(raw!.details, 'utf8')).toBeLessThanOrEqual(1024);
      const message = new NotFoundError('ticket', input).message;
      if (Buffer.byteLength(message) <= 1024) expect(raw!.details).toBe(message);
      else expect(raw!.details.endsWith('…')).toBe(true);
      const id = String(raw!.metadata.get('entity-id')[0]);
      expect(id.length).toBeLessThanOrEqual(256);
      expect(id).toMatch(/^[\x20-\x7e]*$/);
      if (input === 'laporan-harian-é') expect(decodeURIComponent(id)).toBe(input);
      expect(() => decodeURIComponent(id)).not.toThrow(); // never cut inside an escape
      const v = await expectStatus(callUnary(admin, 'fail', { kind: 'VALIDATION_OF', message: input }));
      expect(v).toBeInstanceOf(ValidationError);
      // Same channel, next call: still served.
      await expect(callUnary(admin, 'echo', { text: 'still here' })).resolves.toMatchObject({ text: 'still here' });
    });

    it('a request string holding U+0000 is refused with INVALID_ARGUMENT naming the field; the handler does not run', async () => {
      const admin = track(createClient(EchoServiceClient, address, { apiKey: KEYS.admin }));
      const before = probe.calls;
      const err = await expectStatus(callUnary(admin, 'echo', { text: 'A\u0000B' }));
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as unknown as ValidationError).field).toBe('text');
      expect(err.message).toBe('text: contains a NUL character (U+0000), which cannot be stored; remove it');
      expect(probe.calls).toBe(before);
      await expect(callUnary(admin, 'echo', { text: 'A B' })).resolves.toMatchObject({ text: 'A B' });
    });

    it('ValidationError sends the field in trailing metadata', async () => {
      const admin = track(createClient(EchoServiceClient, address, { apiKey: KEYS.admin }));
      const err = await expectStatus(callUnary(admin, 'fail', { kind: 'VALIDATION', message: '' }));
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as unknown as ValidationError).field).toBe('phone');
      expect((err.cause as grpc.ServiceError).metadata.get('field')).toEqual(['phone']);
    });

    it('an unexpected error → INTERNAL with a generic message; the detail is logged with the same trace id', async () => {
      const admin = track(createClient(EchoServiceClient, address, { apiKey: KEYS.admin }));
      const detail = 'relation "ticket.tickets" does not exist (password=hunter2)';
      const err = await expectStatus(callUnary(admin, 'fail', { kind: 'PLAIN', message: detail }));
      expect(err.code).toBe(grpc.status.INTERNAL);
      const m = /^internal error; trace ([0-9a-f]{32})$/.exec(err.details);
      expect(m).not.toBeNull();
      expect(JSON.stringify(err)).not.toContain('hunter2');
      const line = logger.lines.find((l) => l.level === 'error' && l.obj.trace_id === m![1]);
      expect(line).toBeDefined();
      expect((line!.obj.err as Error).message).toBe(detail);
      expect(line!.obj.grpc_method).toBe(`/${ECHO_SERVICE}/Fail`);
    });

    it('an RPC bound without a handler answers UNIMPLEMENTED, but only after auth', async () => {
      const other = await startGrpcServer({
        serviceName: 'kit-test-empty',
        host: '127.0.0.1',
        port: 0,
        services: [bindService(EchoServiceService, {}, { roles: ROLES })],
        apiKeys: API_KEYS,
        logger: captureLogger(),
      });
      try {
        const raw = track(rawClient(`127.0.0.1:${other.port}`));
        expect((await rawEcho(raw, undefined))?.code).toBe(grpc.status.UNAUTHENTICATED);
        expect((await rawEcho(raw, `Bearer ${KEYS.admin}`))?.code).toBe(grpc.status.UNIMPLEMENTED);
      } finally {
        other.server.forceShutdown();
      }
    });
  });

  describe('client deadlines', () => {
    it('the default deadline gives DEADLINE_EXCEEDED against a slow handler, and the handler’s signal aborts', async () => {
      const admin = track(createClient(EchoServiceClient, address, { apiKey: KEYS.admin, deadlineMs: 300 }));
      const slow = promisifyUnary(admin, 'slow');
      const t0 = Date.now();
      const err = await expectStatus(slow({ delayMs: 5000 }));
      const elapsed = Date.now() - t0;
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err.cause as grpc.ServiceError).code).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(2000);
      await within(probe.slowAborted, 2000, 'server-side abort of Slow');
    });

    it('an abort signal cancels the outbound call (CANCELLED)', async () => {
      const admin = track(createClient(EchoServiceClient, address, { apiKey: KEYS.admin }));
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      const err = await expectStatus(callUnary(admin, 'slow', { delayMs: 3000 }, { signal: ac.signal }));
      expect(err.code).toBe(grpc.status.CANCELLED);
    });
  });

  describe('reflection', () => {
    it('lists the fixture service and health, with no key, and serves descriptors with proto field names', async () => {
      const pkg = grpc.loadPackageDefinition(
        protoLoader.loadSync('grpc/reflection/v1/reflection.proto', {
          includeDirs: [path.join(path.dirname(require.resolve('@grpc/reflection')), '..', 'proto')],
          keepCase: true,
          defaults: true,
          oneofs: true,
        }),
      ) as unknown as { grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } } };
      const client = track(new pkg.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure()));
      const ask = (request: object) =>
        new Promise<Record<string, unknown>>((resolve, reject) => {
          const stream = client.ServerReflectionInfo({ deadline: Date.now() + 5000 }) as grpc.ClientDuplexStream<object, Record<string, unknown>>;
          stream.on('data', (res) => {
            resolve(res);
            stream.end();
          });
          stream.on('error', reject);
          stream.write(request);
        });
      const listed = (await ask({ list_services: '' })) as { list_services_response: { service: Array<{ name: string }> } };
      const names = listed.list_services_response.service.map((s) => s.name);
      expect(names).toEqual(expect.arrayContaining([ECHO_SERVICE, 'grpc.health.v1.Health']));
      const files = (await ask({ file_containing_symbol: `${ECHO_SERVICE}` })) as {
        file_descriptor_response: { file_descriptor_proto: Buffer[] };
      };
      const descriptor = Buffer.concat(files.file_descriptor_response.file_descriptor_proto).toString('latin1');
      expect(descriptor).toContain('delay_ms'); // keepCase: the proto's own field names
      expect(descriptor).not.toContain('delayMs');
    });
  });

  describe('server streams', () => {
    it('client cancel aborts the handler’s signal', async () => {
      const admin = track(createClient(EchoServiceClient, address, { apiKey: KEYS.admin }));
      const stream = admin.count({ count: 10_000, intervalMs: 20 });
      const received: number[] = [];
      stream.on('error', () => undefined); // CANCELLED, expected
      await within(
        new Promise<void>((resolve) =>
          stream.on('data', (msg: { n: number }) => {
            received.push(msg.n);
            if (received.length === 3) resolve();
          }),
        ),
        3000,
        'three stream messages',
      );
      stream.cancel();
      const reason = await within(probe.countAborted, 2000, 'server-side abort of Count');
      expect(String(reason)).toMatch(/cancelled/);
      expect(received).toEqual([1, 2, 3]);
    });

    it('streams are authorized too: a role the RPC does not allow → PERMISSION_DENIED', async () => {
      const tech = track(createClient(EchoServiceClient, address, { apiKey: KEYS.technician }));
      const err = await new Promise<grpc.ServiceError>((resolve) => {
        const stream = tech.count({ count: 1, intervalMs: 0 });
        stream.on('data', () => undefined);
        stream.on('error', resolve);
      });
      expect(err.code).toBe(grpc.status.PERMISSION_DENIED);
    });
  });

  describe('withBreaker', () => {
    it('domain answers do not open it; dependency failures do, and then calls fail UNAVAILABLE without reaching the server', async () => {
      const admin = track(createClient(EchoServiceClient, address, { apiKey: KEYS.admin }));
      const guarded = withBreaker(admin, {
        name: 'echo',
        // NOT_FOUND counted as a failure would open it after 2 calls (100 %); UNAVAILABLE
        // opens it on the 2nd failure (2 of 6 = 33 %).
        volumeThreshold: 2,
        errorThresholdPercentage: 30,
        resetTimeout: 60_000,
      });
      try {
        for (let i = 0; i < 4; i++) {
          await expectStatus(guarded.call('fail', { kind: 'NOT_FOUND', message: '' }));
        }
        expect(guarded.breaker.opened).toBe(false);
        for (let i = 0; i < 3; i++) {
          await expectStatus(guarded.call('fail', { kind: 'UNAVAILABLE', message: '' }));
        }
        expect(guarded.breaker.opened).toBe(true);
        const before = probe.calls;
        const err = await expectStatus(guarded.call('echo', { text: 'x' }));
        expect(err).toBeInstanceOf(UnavailableError);
        expect(err.message).toBe('echo: circuit breaker open');
        expect(probe.calls).toBe(before);
      } finally {
        guarded.breaker.shutdown();
      }
    });
  });
});

describe('typed unary helpers', () => {
  it('accept only unary methods of the client (compile-time check, run by tsc)', () => {
    const typeCheckOnly = (client: EchoServiceClient) => {
      // @ts-expect-error `count` is a server stream, not a unary method
      void callUnary(client, 'count', { count: 1, intervalMs: 0 });
      // @ts-expect-error `close` is a grpc.Client method, not an RPC
      void callUnary(client, 'close', undefined as never);
      // @ts-expect-error request type is checked
      void callUnary(client, 'echo', { txt: 'x' });
      const echo: Promise<{ text: string; role: string }> = callUnary(client, 'echo', { text: 'x' });
      return echo;
    };
    expect(typeof typeCheckOnly).toBe('function');
  });
});

describe('TLS', () => {
  it('serves TLS with the given cert and key; a client trusting that cert connects, a plaintext one does not', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'grpc-kit-tls-'));
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
      const cert = readFileSync(path.join(dir, 'cert.pem'));
      const key = readFileSync(path.join(dir, 'key.pem'));
      const { implementation } = echoImplementation();
      const running = await startGrpcServer({
        serviceName: 'kit-test-tls',
        host: '127.0.0.1',
        port: 0,
        services: [bindService(EchoServiceService, implementation, { roles: ROLES })],
        apiKeys: API_KEYS,
        logger: captureLogger(),
        tls: { cert, key },
      });
      const address = `127.0.0.1:${running.port}`;
      const secure = createClient(EchoServiceClient, address, { apiKey: KEYS.admin, tls: { rootCerts: cert } });
      const plain = createClient(EchoServiceClient, address, { apiKey: KEYS.admin, deadlineMs: 1000 });
      try {
        await expect(callUnary(secure, 'echo', { text: 'tls' })).resolves.toMatchObject({ text: 'tls', role: 'admin' });
        await expect(callUnary(plain, 'echo', { text: 'x' })).rejects.toBeInstanceOf(UnavailableError);
      } finally {
        secure.close();
        plain.close();
        running.server.forceShutdown();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('graceful shutdown', () => {
  it('health turns NOT_SERVING while draining, open streams end UNAVAILABLE, then the port closes', async () => {
    const { running, probe, address } = await start({ drainMs: 800 });
    const admin = createClient(EchoServiceClient, address, { apiKey: KEYS.admin });
    try {
      await expect(healthCheck(address, '')).resolves.toBe('SERVING');
      const stream = admin.count({ count: 100_000, intervalMs: 50 });
      stream.on('data', () => undefined);
      const streamEnd = new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
      await within(probe.countStarted, 3000, 'stream start');

      const t0 = Date.now();
      const done = running.shutdown(5000);
      // during the drain: still answering, but NOT_SERVING for everyone
      await expect(healthCheck(address, '')).resolves.toBe('NOT_SERVING');
      await expect(healthCheck(address, ECHO_SERVICE)).resolves.toBe('NOT_SERVING');
      await expect(callUnary(admin, 'echo', { text: 'late but served' })).resolves.toMatchObject({ text: 'late but served' });

      const ended = await within(streamEnd, 3000, 'stream end');
      expect(ended.code).toBe(grpc.status.UNAVAILABLE);
      expect(ended.details).toBe('server shutting down');
      await within(probe.countAborted, 1000, 'stream signal abort');
      await within(done, 5000, 'shutdown');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(750);
      expect(Date.now() - t0).toBeLessThan(5000); // no forced wait: the stream was ended, not left open
      expect(running.shutdown()).toBe(done); // idempotent

      const after = await expectStatus(callUnary(admin, 'echo', { text: 'x' }, { deadline: Date.now() + 1000 }));
      expect(after).toBeInstanceOf(UnavailableError);
    } finally {
      admin.close();
      running.server.forceShutdown();
    }
  });

  it('setReady(true) while stopping does not bring a service entry back to SERVING', async () => {
    const { running, address } = await start({ drainMs: 500 });
    try {
      const done = running.shutdown(2000);
      running.setReady(true);
      await expect(healthCheck(address, ECHO_SERVICE)).resolves.toBe('NOT_SERVING');
      await expect(healthCheck(address, '')).resolves.toBe('NOT_SERVING');
      await within(done, 3000, 'shutdown');
    } finally {
      running.server.forceShutdown();
    }
  });

  it('an open health Watch (a mesh health checker) sees NOT_SERVING, then ends UNAVAILABLE; it does not hold the shutdown', async () => {
    const { running, address } = await start({ drainMs: 300 });
    const client = new healthPkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
    try {
      const seen: string[] = [];
      const watch = (client as unknown as { watch(req: { service: string }): grpc.ClientReadableStream<{ status: string }> }).watch({ service: '' });
      watch.on('data', (m: { status: string }) => seen.push(m.status));
      const ended = new Promise<grpc.ServiceError>((resolve) => watch.on('error', resolve));
      const t0 = Date.now();
      while (!seen.includes('SERVING') && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
      const started = Date.now();
      await within(running.shutdown(5000), 4000, 'shutdown');
      expect(Date.now() - started).toBeLessThan(3000); // not the 5 s grace
      const err = await within(ended, 1000, 'watch end');
      expect(err.code).toBe(grpc.status.UNAVAILABLE);
      expect(seen).toEqual(['SERVING', 'NOT_SERVING']);
    } finally {
      client.close();
      running.server.forceShutdown();
    }
  });
});
