import {
  ConfigError,
  apiKeys,
  bool,
  commaList,
  databaseEnv,
  durationMs,
  envSchema,
  grpcAddress,
  grpcServerEnv,
  heapCapNodeOptions,
  housekeepingEnv,
  loadConfig,
  natsEnv,
  oneOf,
  parseApiKeys,
  platformEnv,
  port,
  serviceAddrEnv,
  url,
  z,
} from '../src';

const KEY_A = 'a'.repeat(24);
const KEY_B = 'B0b-secret.token_123456';

/** A ticket-service-like schema, as a service's config.ts composes it. */
const ticketSchema = envSchema({
  ...platformEnv('ticket'),
  ...grpcServerEnv('ticket'),
  ...databaseEnv('ticket'),
  ...natsEnv(),
  ...serviceAddrEnv('customer', 'template'),
});

function captureError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the defaults of every piece', () => {
    const c = loadConfig(ticketSchema, { NOTIFY_API_KEYS: `${KEY_A}:admin` });
    expect(c).toEqual({
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      OTEL_SERVICE_NAME: 'ticket',
      OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      SHUTDOWN_GRACE_MS: 10_000,
      GRPC_HOST: '0.0.0.0',
      GRPC_PORT: 50051,
      GRPC_TLS_CERT: undefined,
      GRPC_TLS_KEY: undefined,
      NOTIFY_API_KEYS: [{ key: KEY_A, role: 'admin' }],
      DATABASE_URL: undefined,
      DATABASE_SCHEMA: 'ticket',
      DATABASE_PREPARED_STATEMENTS: true,
      NATS_URL: undefined,
      NATS_NAMESPACE: undefined,
      NATS_STREAM_REPLICAS: 1,
      CUSTOMER_ADDR: '127.0.0.1:50052',
      TEMPLATE_ADDR: '127.0.0.1:50053',
    });
  });

  it('uses each service default port', () => {
    const ports = (['ticket', 'customer', 'template', 'scheduler', 'gateway'] as const).map(
      (s) => loadConfig(z.object(grpcServerEnv(s)), { NOTIFY_API_KEYS: `${KEY_A}:service` }).GRPC_PORT,
    );
    expect(ports).toEqual([50051, 50052, 50053, 50054, 50055]);
  });

  it('reads given values and ignores unknown variables', () => {
    const c = loadConfig(ticketSchema, {
      NODE_ENV: 'development',
      LOG_LEVEL: 'debug',
      GRPC_PORT: '0',
      SHUTDOWN_GRACE_MS: '30s',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      DATABASE_SCHEMA: 'ticket_t123',
      NATS_URL: 'nats://127.0.0.1:4222',
      NATS_NAMESPACE: 'run-42',
      CUSTOMER_ADDR: 'customer:50052',
      NOTIFY_API_KEYS: `${KEY_A}:admin, ${KEY_B}:technician:staff-7`,
      PATH: '/usr/bin',
    });
    expect(c.NODE_ENV).toBe('development');
    expect(c.GRPC_PORT).toBe(0);
    expect(c.SHUTDOWN_GRACE_MS).toBe(30_000);
    expect(c.DATABASE_SCHEMA).toBe('ticket_t123');
    expect(c.CUSTOMER_ADDR).toBe('customer:50052');
    expect(c.NOTIFY_API_KEYS).toEqual([
      { key: KEY_A, role: 'admin' },
      { key: KEY_B, role: 'technician', staffId: 'staff-7' },
    ]);
    expect(c).not.toHaveProperty('PATH');
  });

  it('reads NATS_STREAM_REPLICAS (1 to 5) and names it when out of range', () => {
    expect(loadConfig(ticketSchema, { NOTIFY_API_KEYS: `${KEY_A}:admin`, NATS_STREAM_REPLICAS: '3' }).NATS_STREAM_REPLICAS).toBe(3);
    for (const bad of ['0', '6', '2.5', 'three']) {
      const err = captureError(() => loadConfig(ticketSchema, { NOTIFY_API_KEYS: `${KEY_A}:admin`, NATS_STREAM_REPLICAS: bad }));
      expect(err.problems.map((p) => p.variable)).toEqual(['NATS_STREAM_REPLICAS']);
    }
  });

  it('PROCESSED_EVENTS_RETENTION_MS: 30 days by default, 0 (kept for ever) or at least 14 days (the longest a stream keeps an event)', () => {
    const schema = envSchema({ ...housekeepingEnv() });
    expect(loadConfig(schema, {})).toMatchObject({ HOUSEKEEPING_INTERVAL_MS: 3_600_000, PROCESSED_EVENTS_RETENTION_MS: 30 * 86_400_000 });
    expect(loadConfig(schema, { PROCESSED_EVENTS_RETENTION_MS: '0' }).PROCESSED_EVENTS_RETENTION_MS).toBe(0);
    expect(loadConfig(schema, { PROCESSED_EVENTS_RETENTION_MS: '14d' }).PROCESSED_EVENTS_RETENTION_MS).toBe(14 * 86_400_000);
    const err = captureError(() => loadConfig(schema, { PROCESSED_EVENTS_RETENTION_MS: '7d' }));
    expect(err.problems.map((p) => p.variable)).toEqual(['PROCESSED_EVENTS_RETENTION_MS']);
    // A timer over 2^31-1 ms fires at once: the interval is capped at ~24.8 days.
    expect(loadConfig(schema, { HOUSEKEEPING_INTERVAL_MS: '24d' }).HOUSEKEEPING_INTERVAL_MS).toBe(24 * 86_400_000);
    expect(captureError(() => loadConfig(schema, { HOUSEKEEPING_INTERVAL_MS: '30d' })).problems.map((p) => p.variable)).toEqual(['HOUSEKEEPING_INTERVAL_MS']);
  });

  it('treats empty and whitespace-only values as unset', () => {
    const c = loadConfig(ticketSchema, { NOTIFY_API_KEYS: `${KEY_A}:admin`, NATS_URL: '', GRPC_PORT: '  ' });
    expect(c.NATS_URL).toBeUndefined();
    expect(c.GRPC_PORT).toBe(50051);
  });

  it('returns a deeply frozen object', () => {
    const c = loadConfig(ticketSchema, { NOTIFY_API_KEYS: `${KEY_A}:admin` });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.NOTIFY_API_KEYS)).toBe(true);
    expect(Object.isFrozen(c.NOTIFY_API_KEYS[0])).toBe(true);
    expect(() => {
      (c as { GRPC_PORT: number }).GRPC_PORT = 1;
    }).toThrow(TypeError);
    expect(() => (c.NOTIFY_API_KEYS as unknown as unknown[]).push({})).toThrow(TypeError);
  });

  it('names a missing required variable', () => {
    const err = captureError(() => loadConfig(ticketSchema, {}));
    expect(err.problems).toEqual([{ variable: 'NOTIFY_API_KEYS', problem: 'is required', value: 'missing' }]);
    expect(err.message).toContain('NOTIFY_API_KEYS: is required');
  });

  it('reports every bad variable in one error without echoing values', () => {
    const secretUrl = 'mysql://admin:hunter2-s3cret@db:3306/x';
    const env = {
      GRPC_PORT: '70000',
      LOG_LEVEL: 'loud',
      DATABASE_URL: secretUrl,
      SHUTDOWN_GRACE_MS: 'soon',
      CUSTOMER_ADDR: 'cust-host-no-port',
      NATS_NAMESPACE: 'has space',
      GRPC_TLS_CERT: '/etc/tls/cert.pem',
      NOTIFY_API_KEYS: `${KEY_A}:boss`,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318',
    };
    const err = captureError(() => loadConfig(ticketSchema, env));
    const vars = err.problems.map((p) => p.variable).sort();
    expect(vars).toEqual(
      [
        'CUSTOMER_ADDR',
        'DATABASE_URL',
        'GRPC_PORT',
        'GRPC_TLS_KEY',
        'LOG_LEVEL',
        'NATS_NAMESPACE',
        'NOTIFY_API_KEYS',
        'OTEL_EXPORTER_OTLP_ENDPOINT',
        'SHUTDOWN_GRACE_MS',
      ].sort(),
    );
    const byVar = Object.fromEntries(err.problems.map((p) => [p.variable, p]));
    expect(byVar.GRPC_PORT).toEqual({ variable: 'GRPC_PORT', problem: expect.stringContaining('port'), value: 'number-like, 5 characters' });
    expect(byVar.DATABASE_URL!.problem).toContain('postgres');
    expect(byVar.DATABASE_URL!.value).toBe(`${secretUrl.length} characters`);
    expect(byVar.GRPC_TLS_KEY!.problem).toBe('must be set together with GRPC_TLS_CERT');
    expect(byVar.NOTIFY_API_KEYS!.problem).toContain('entry 1: unknown role');
    for (const value of Object.values(env)) expect(err.message).not.toContain(value);
    expect(err.message).not.toContain('hunter2');
    expect(err.message.split('\n')).toHaveLength(1 + 9);
  });

  it('accepts the TLS pair when both are set', () => {
    const c = loadConfig(ticketSchema, { NOTIFY_API_KEYS: `${KEY_A}:admin`, GRPC_TLS_CERT: '/c.pem', GRPC_TLS_KEY: '/k.pem' });
    expect([c.GRPC_TLS_CERT, c.GRPC_TLS_KEY]).toEqual(['/c.pem', '/k.pem']);
  });
});

describe('NOTIFY_API_KEYS', () => {
  it('parses key:role and key:role:staff_id entries', () => {
    expect(parseApiKeys(`${KEY_A}:manager,${KEY_B}:technician:st_1`)).toEqual({
      ok: true,
      keys: [
        { key: KEY_A, role: 'manager' },
        { key: KEY_B, role: 'technician', staffId: 'st_1' },
      ],
    });
  });

  it('rejects a bad role, a short key, a malformed entry and a duplicate, naming entries only', () => {
    const r = parseApiKeys(`${KEY_A}:boss,short:admin,${KEY_B},${KEY_B}:noc,${KEY_B}:service`);
    expect(r).toEqual({
      ok: false,
      problems: [
        expect.stringMatching(/^entry 1: unknown role \(roles: admin, manager, supervisor, noc, customer_service, technician, service\)$/),
        expect.stringMatching(/^entry 2: key must be at least 16 characters/),
        'entry 3: expected key:role or key:role:staff_id',
        'entry 5: duplicate key',
      ],
    });
    expect(JSON.stringify(r)).not.toContain(KEY_A);
    expect(JSON.stringify(r)).not.toContain(KEY_B);
  });

  it('rejects an empty list', () => {
    expect(apiKeys().safeParse(' , ').success).toBe(false);
  });
});

describe('helpers', () => {
  const ok = <T>(s: z.ZodType<T>, v: string) => s.parse(v);
  const bad = (s: z.ZodType, v: string) => s.safeParse(v).success;

  it('heapCapNodeOptions', () => {
    expect(heapCapNodeOptions(undefined, 256)).toBe('--max-old-space-size=256');
    expect(heapCapNodeOptions('  ', 256)).toBe('--max-old-space-size=256');
    expect(heapCapNodeOptions('--enable-source-maps --inspect', 384)).toBe('--enable-source-maps --inspect --max-old-space-size=384');
    expect(heapCapNodeOptions('--max-old-space-size=1024', 256)).toBe('--max-old-space-size=1024');
    expect(heapCapNodeOptions('--require x.js --max_old_space_size=900', 256)).toBe('--require x.js --max_old_space_size=900');
    expect(heapCapNodeOptions('--max-old-space-size-percentage=50%', 256)).toBe('--max-old-space-size-percentage=50%');
  });

  it('port', () => {
    expect(ok(port(), '50051')).toBe(50051);
    expect(ok(port(), '0')).toBe(0);
    expect([bad(port(), '65536'), bad(port(), '-1'), bad(port(), '80.5'), bad(port(), 'http')]).toEqual([false, false, false, false]);
  });

  it('durationMs', () => {
    expect(['250', '250ms', '2s', '5m', '1h', '30d'].map((v) => ok(durationMs(), v))).toEqual([250, 250, 2000, 300_000, 3_600_000, 2_592_000_000]);
    expect([bad(durationMs(), '1.5s'), bad(durationMs(), '10w'), bad(durationMs(), 'soon')]).toEqual([false, false, false]);
  });

  it('bool', () => {
    expect(['true', 'YES', '1', 'on', 'false', 'No', '0', 'off'].map((v) => ok(bool(), v))).toEqual([
      true, true, true, true, false, false, false, false,
    ]);
    expect(bad(bool(), 'maybe')).toBe(false);
  });

  it('url', () => {
    expect(ok(url(['http:', 'https:']), 'http://jaeger:4318')).toBe('http://jaeger:4318');
    expect(bad(url(['http:', 'https:']), 'ftp://x')).toBe(false);
    expect(bad(url(['http:']), 'not a url')).toBe(false);
  });

  it('commaList', () => {
    expect(ok(commaList(), ' a, b ,,c ')).toEqual(['a', 'b', 'c']);
    expect(ok(commaList(port()), '1,2')).toEqual([1, 2]);
    // `none` is the empty list (an empty value is unset: the default), whatever the items.
    expect(ok(commaList(port()), ' None ')).toEqual([]);
    const mixed = commaList(port()).safeParse('none,1');
    expect(mixed.success).toBe(false);
    expect(mixed.error?.issues[0]?.message).toBe('`none` stands alone (it means the empty list)');
    const r = commaList(port()).safeParse('1,x,3');
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/^item 2: must be a port/);
  });

  it('oneOf matches whatever the case and outputs the listed spelling', () => {
    const providers = oneOf(['fonnte', 'wablas'] as const);
    expect(ok(providers, ' Fonnte ')).toBe('fonnte');
    expect(ok(providers, 'WABLAS')).toBe('wablas');
    expect(ok(oneOf(['LOW', 'URGENT'] as const), 'urgent')).toBe('URGENT');
    const r = providers.safeParse('twilio');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('must be one of fonnte, wablas');
    expect(oneOf(['a'] as const, 'not a (why)').safeParse('b').error?.issues[0]?.message).toBe('not a (why)');
    expect(ok(commaList(oneOf(['twilio', 'advanta'] as const)), 'Advanta, TWILIO')).toEqual(['advanta', 'twilio']);
  });

  it('grpcAddress', () => {
    for (const v of ['127.0.0.1:50052', 'customer:50052', '[::1]:50052', 'dns:///customer.notify.svc:50052']) {
      expect(ok(grpcAddress(), v)).toBe(v);
    }
    for (const v of ['customer', '127.0.0.1:0', 'host:99999', 'http://x:1']) expect(bad(grpcAddress(), v)).toBe(false);
  });

  it('NATS_URL accepts a server list and rejects garbage', () => {
    const s = z.object(natsEnv());
    expect(s.parse({ NATS_URL: 'nats://a:4222, tls://b:4222,127.0.0.1:4222' }).NATS_URL).toBe('nats://a:4222, tls://b:4222,127.0.0.1:4222');
    expect(s.safeParse({ NATS_URL: 'http://x y' }).success).toBe(false);
  });
});
