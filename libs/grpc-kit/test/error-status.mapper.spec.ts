import * as grpc from '@grpc/grpc-js';
import { AlreadyExistsError, DomainErrorKind, NotFoundError, RateLimitedError, ValidationError, isDomainError } from '@notify/errors';
import { KitLogger, fromGrpcError, statusFor, toGrpcError } from '../src';
import { SAMPLE_ERRORS } from './fixtures/echo.fixture';

/** The documented table (STYLE.md "gRPC errors"), written out independently of the code. */
const DOCUMENTED: Record<DomainErrorKind, grpc.status> = {
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

function capture(): KitLogger & { lines: Array<{ level: string; obj: Record<string, unknown>; msg?: string }> } {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg?: string }> = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

describe('error table', () => {
  const kinds = Object.keys(DOCUMENTED) as DomainErrorKind[];

  it.each(kinds)('%s maps to its documented status, keeps the message, and maps back', (kind) => {
    const logger = capture();
    const domain = SAMPLE_ERRORS[kind]();
    expect(statusFor(kind)).toBe(DOCUMENTED[kind]);
    const status = toGrpcError(domain, { logger });
    expect(status.code).toBe(DOCUMENTED[kind]);
    expect(status.details).toBe(domain.message);
    expect(logger.lines).toHaveLength(0); // domain errors are answers, not incidents

    const back = fromGrpcError(status);
    expect(isDomainError(back)).toBe(true);
    expect(back).toBeInstanceOf(domain.constructor);
    expect((back as typeof domain).kind).toBe(kind);
    expect(back.message).toBe(domain.message);
    expect(back.cause).toBe(status);
  });

  it('ValidationError carries the field in metadata `field`, and back', () => {
    const status = toGrpcError(new ValidationError('work_zone', 'is required'));
    expect(status.metadata.get('field')).toEqual(['work_zone']);
    const back = fromGrpcError(status) as ValidationError;
    expect(back.field).toBe('work_zone');
    expect(back.message).toBe('work_zone: is required');
  });

  it('NotFoundError and RateLimitedError keep their structured detail across the wire', () => {
    const nf = fromGrpcError(toGrpcError(new NotFoundError('customer', 'C-9'))) as NotFoundError;
    expect([nf.entity, nf.id]).toEqual(['customer', 'C-9']);
    const rl = fromGrpcError(toGrpcError(new RateLimitedError('slow down', 2500))) as RateLimitedError;
    expect(rl.retryAfterMs).toBe(2500);
    const rlUnknown = fromGrpcError(toGrpcError(new RateLimitedError('slow down'))) as RateLimitedError;
    expect(rlUnknown.retryAfterMs).toBeUndefined();
  });

  it('AlreadyExistsError carries the holder in `entity` / `entity-id` when it names one, and back; without one, no metadata', () => {
    const status = toGrpcError(new AlreadyExistsError('invoice number TAG/1 already exists', { entity: 'invoice', id: 'I-7' }));
    expect([status.code, status.metadata.get('entity'), status.metadata.get('entity-id')]).toEqual([grpc.status.ALREADY_EXISTS, ['invoice'], ['I-7']]);
    const back = fromGrpcError(status) as AlreadyExistsError;
    expect(back).toBeInstanceOf(AlreadyExistsError);
    expect([back.entity, back.id, back.message]).toEqual(['invoice', 'I-7', 'invoice number TAG/1 already exists']);
    const plain = toGrpcError(new AlreadyExistsError('request_id k was already used for an invoice with different fields'));
    expect([plain.metadata.get('entity'), plain.metadata.get('entity-id')]).toEqual([[], []]);
    const plainBack = fromGrpcError(plain) as AlreadyExistsError;
    expect([plainBack.entity, plainBack.id]).toEqual([undefined, undefined]);
  });

  it('an error that already has a gRPC code passes through with its details and metadata', () => {
    const md = new grpc.Metadata();
    md.set('x-origin', 'customer');
    const upstream = Object.assign(new Error('14 UNAVAILABLE: no connection'), {
      code: grpc.status.UNIMPLEMENTED,
      details: 'ResolveRecipients is not implemented yet',
      metadata: md,
    });
    const status = toGrpcError(upstream, { logger: capture() });
    expect(status.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(status.details).toBe('ResolveRecipients is not implemented yet');
    expect(status.metadata.get('x-origin')).toEqual(['customer']);
  });

  it('anything else becomes INTERNAL with a generic message; the detail goes to the log with the trace id', () => {
    const logger = capture();
    const secret = new Error('duplicate key value violates unique constraint "customers_phone_key" (6282291921583)');
    // A Node system error has a string `code`; it must not pass as a gRPC status.
    // (A lost connection, ECONNREFUSED and the like, is UNAVAILABLE instead: see below.)
    const sys = Object.assign(new Error("EACCES: permission denied, open '/data/x'"), { code: 'EACCES' });
    for (const err of [secret, sys, 'a thrown string', { code: 0 }]) {
      const status = toGrpcError(err, { logger, method: '/notify.kitfixture.v1.EchoService/Fail' });
      expect(status.code).toBe(grpc.status.INTERNAL);
      const m = /^internal error; trace ([0-9a-f]{32})$/.exec(status.details);
      expect(m).not.toBeNull();
      const line = logger.lines.at(-1)!;
      expect(line.level).toBe('error');
      expect(line.obj.trace_id).toBe(m![1]);
      expect(line.obj.err).toBe(err);
      expect(line.obj.grpc_method).toBe('/notify.kitfixture.v1.EchoService/Fail');
    }
    expect(logger.lines).toHaveLength(4);
    expect(toGrpcError(secret, { logger }).details).not.toContain('customers_phone_key');
  });

  it('statuses outside the table come back unchanged from fromGrpcError', () => {
    for (const code of [grpc.status.CANCELLED, grpc.status.INTERNAL, grpc.status.UNIMPLEMENTED, grpc.status.UNKNOWN]) {
      const err = Object.assign(new Error('x'), { code, details: 'x', metadata: new grpc.Metadata() });
      expect(fromGrpcError(err)).toBe(err);
    }
    const plain = new Error('not grpc');
    expect(fromGrpcError(plain)).toBe(plain);
  });
});

describe('a lost or refused connection to a dependency → UNAVAILABLE (callers retry it; they do not retry INTERNAL)', () => {
  it("node-postgres' own error for a Postgres that is not there", async () => {
    const { Client } = await import('pg');
    const net = await import('node:net');
    // A port nothing listens on: bind one, note it, close it.
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const client = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
    const err = await client.connect().then(() => null, (e: unknown) => e);
    expect(err).not.toBeNull();
    const log = capture();
    const status = toGrpcError(err, { logger: log });
    expect(status.code).toBe(grpc.status.UNAVAILABLE);
    expect(status.details).toMatch(/^a dependency of this service is unavailable \(ECONNREFUSED\); retry later; trace [0-9a-f]{32}$/);
    expect(log.lines.map((l) => l.level)).toEqual(['warn']);
  });

  it('a connection lost while in use says the call may or may not have been applied', () => {
    const status = toGrpcError(new Error('Connection terminated unexpectedly'), { logger: capture() });
    expect(status.code).toBe(grpc.status.UNAVAILABLE);
    expect(status.details).toMatch(/^a dependency of this service is unavailable \(Connection terminated unexpectedly\); the call may or may not have been applied: retry it with the same request id or idempotency key; trace [0-9a-f]{32}$/);
  });

  it.each([
    ['a connection killed by a Postgres shutdown (TypeORM QueryFailedError around 57P01)', Object.assign(new Error('terminating connection due to administrator command'), { driverError: Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }) })],
    ['a connection dropped (no code)', new Error('Connection terminated unexpectedly')],
    ['a pool that cannot connect', new Error('timeout exceeded when trying to connect')],
    ['Postgres starting up', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
  ])('%s', (_what, err) => {
    expect(toGrpcError(err, { logger: capture() }).code).toBe(grpc.status.UNAVAILABLE);
  });

  it('other errors stay INTERNAL', () => {
    for (const err of [new Error('relation "x" does not exist'), Object.assign(new Error('duplicate key'), { code: '23505' }), 'boom']) {
      expect(toGrpcError(err, { logger: capture() }).code).toBe(grpc.status.INTERNAL);
    }
  });
});
