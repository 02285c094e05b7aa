/**
 * How the stack composes each service's environment (tools/stack/src/stack-env.ts): schemas,
 * ports, addresses of the services it calls, API keys (generated once and kept), provider
 * variables for the simulators, each service's V8 heap cap, the busy-port check of the default
 * layout, the keys' refusals (a SERVICE_API_KEY the others would refuse, a malformed
 * NOTIFY_API_KEYS), the variables the stack sets itself, and the info file (stack.json).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SERVICE_HEAP_MB } from '@notify/config';
import { v8HeapLimitMiB } from '@notify/testing';
import { loadCustomerConfig } from '../../../services/customer/src/config';
import { loadTicketConfig } from '../../../services/ticket/src/config';
import { loadGatewayConfig } from '../../../services/gateway/src/config';
import { removeStackInfoFile, stackInfoFilePath, writeStackInfoFile } from '../src/info-file';
import { StackStartRefusal } from '../src/refusal';
import {
  assertPortsFree,
  DEFAULT_PORTS,
  freePort,
  hasProviderCredentials,
  overriddenByStack,
  lastPorts,
  lastPortsFile,
  rememberPorts,
  resolveKeys,
  resolvePorts,
  serviceEnv,
  withEmbeddedDefaults,
  type StackPorts,
} from '../src/stack-env';

describe('stack environment', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'notify-stack-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generates an admin and a service key once, keeps them (0600) and reuses them on the next start', () => {
    const first = resolveKeys({}, dir);
    expect(first.source).toBe('generated');
    expect(first.apiKeys).toBe(`${first.adminKey}:admin,${first.serviceKey}:service`);
    expect(statSync(path.join(dir, 'api-keys.json')).mode & 0o777).toBe(0o600);
    const second = resolveKeys({}, dir);
    expect(second).toEqual({ ...first, source: 'data folder' });
    expect(JSON.parse(readFileSync(path.join(dir, 'api-keys.json'), 'utf8'))).toEqual({ admin: first.adminKey, service: first.serviceKey });
  });

  it('uses NOTIFY_API_KEYS from the environment and needs a service key in it', () => {
    const keys = resolveKeys({ NOTIFY_API_KEYS: 'aaaaaaaaaaaaaaaa:admin,ssssssssssssssss:service' }, dir);
    expect(keys).toEqual({ apiKeys: 'aaaaaaaaaaaaaaaa:admin,ssssssssssssssss:service', adminKey: undefined, serviceKey: 'ssssssssssssssss', source: 'environment' });
    expect(() => resolveKeys({ NOTIFY_API_KEYS: 'aaaaaaaaaaaaaaaa:admin' }, dir)).toThrow(/no `<key>:service` entry/);
  });

  it('refuses a SERVICE_API_KEY that is not one of the service keys of NOTIFY_API_KEYS, in one line without the key', () => {
    const apiKeys = 'aaaaaaaaaaaaaaaa:admin,ssssssssssssssss:service,tttttttttttttttt:service';
    expect(resolveKeys({ NOTIFY_API_KEYS: apiKeys, SERVICE_API_KEY: 'tttttttttttttttt' }, dir).serviceKey).toBe('tttttttttttttttt');
    for (const wrong of ['wwwwwwwwwwwwwwww', 'aaaaaaaaaaaaaaaa' /* an admin key */]) {
      const refuse = () => resolveKeys({ NOTIFY_API_KEYS: apiKeys, SERVICE_API_KEY: wrong }, dir);
      expect(refuse).toThrow(StackStartRefusal);
      expect(refuse).toThrow(/^SERVICE_API_KEY is not one of the 2 `<key>:service` entries of NOTIFY_API_KEYS: .*UNAUTHENTICATED/);
      expect(refuse).not.toThrow(new RegExp(wrong));
      expect(refuse).not.toThrow(/\n/);
    }
    // No service entry at all: a SERVICE_API_KEY the others do not know is no way out either.
    expect(() => resolveKeys({ NOTIFY_API_KEYS: 'aaaaaaaaaaaaaaaa:admin', SERVICE_API_KEY: 'ssssssssssssssss' }, dir)).toThrow(/not one of the 0 `<key>:service` entries/);
  });

  it('refuses a NOTIFY_API_KEYS the services would refuse (a key under 16 characters, an unknown role), naming the entry, not the key', () => {
    const refuse = () => resolveKeys({ NOTIFY_API_KEYS: 'aaaaaaaaaaaaaaaa:admin,short:service' }, dir);
    expect(refuse).toThrow(StackStartRefusal);
    expect(refuse).toThrow(/^NOTIFY_API_KEYS is not valid: entry 2: key must be at least 16 characters/);
    expect(refuse).not.toThrow(/short/);
    expect(() => resolveKeys({ NOTIFY_API_KEYS: 'aaaaaaaaaaaaaaaa:root' }, dir)).toThrow(/entry 1: unknown role/);
    // Blank is unset: generated keys.
    expect(resolveKeys({ NOTIFY_API_KEYS: '  ' }, dir).source).toBe('data folder');
  });

  it('names the variables set in the environment that the stack sets itself (per-service ports cannot be chosen)', () => {
    expect(overriddenByStack({ LOG_LEVEL: 'info', WEBHOOK_HOST: '0.0.0.0', TICKET_DATABASE_SCHEMA: 't' })).toEqual([]);
    expect(overriddenByStack({ GRPC_PORT: '6000', WEBHOOK_PORT: '9000', CUSTOMER_ADDR: 'x:1', SERVICE_API_KEY: 'ssssssssssssssss' })).toEqual([
      'GRPC_PORT',
      'WEBHOOK_PORT',
      'CUSTOMER_ADDR',
      'SERVICE_API_KEY',
    ]);
    expect(overriddenByStack({ SERVICE_API_KEY: 'ssssssssssssssss', NOTIFY_API_KEYS: 'ssssssssssssssss:service' })).toEqual([]);
  });

  it('the info file (stack.json) is written 0600 and removed only by the process that wrote it', () => {
    const file = stackInfoFilePath({ STACK_INFO_FILE: path.join(dir, 'info', 'stack.json') }, dir);
    expect(stackInfoFilePath({}, dir)).toBe(path.join(dir, 'stack.json'));
    const info = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      runner: 'start:services' as const,
      database: { mode: 'external' as const, url: 'postgres://u:p@h/db' },
      events: { mode: 'nats' as const, url: 'nats://h:4222' },
      providers: { mode: 'real' as const },
      grpc: { template: 'a:1', customer: 'a:2', ticket: 'a:3', scheduler: 'a:4', gateway: 'a:5' },
      webhookUrl: 'http://a:6',
      ports: DEFAULT_PORTS,
      dataRoot: dir,
      apiKeys: { source: 'environment' as const },
    };
    writeStackInfoFile(file, { ...info, pid: process.pid + 1 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    removeStackInfoFile(file); // another stack's (a later one on the same folder): kept
    expect(existsSync(file)).toBe(true);
    writeStackInfoFile(file, info);
    removeStackInfoFile(file);
    expect(existsSync(file)).toBe(false);
  });

  it("gives each service its own schema, port and its callees' addresses; the configs parse", async () => {
    const ports: StackPorts = await resolvePorts('auto');
    const keys = resolveKeys({}, dir);
    const input = { base: { LOG_LEVEL: 'warn', TICKET_DATABASE_SCHEMA: 'my_ticket' }, databaseUrl: 'postgres://postgres@127.0.0.1:5999/postgres', ports, keys };
    const ticket = loadTicketConfig(serviceEnv('ticket', input));
    expect(ticket).toMatchObject({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5999/postgres',
      DATABASE_SCHEMA: 'my_ticket',
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: ports.grpc.ticket,
      CUSTOMER_ADDR: `127.0.0.1:${ports.grpc.customer}`,
      SERVICE_API_KEY: keys.serviceKey,
      LOG_LEVEL: 'warn',
    });
    expect(ticket.NATS_URL).toBeUndefined();
    const customer = loadCustomerConfig(serviceEnv('customer', input));
    expect(customer).toMatchObject({ DATABASE_SCHEMA: 'customer', GRPC_PORT: ports.grpc.customer });
    expect(customer.NOTIFY_API_KEYS.map((k) => k.role).sort()).toEqual(['admin', 'service']);
    const gateway = serviceEnv('gateway', { ...input, providerEnv: { FONNTE_TOKEN: 'sim' } });
    expect(gateway).toMatchObject({ WEBHOOK_PORT: String(ports.webhook), FONNTE_TOKEN: 'sim', TICKET_ADDR: `127.0.0.1:${ports.grpc.ticket}` });
    expect(new Set(Object.values(ports.grpc)).size).toBe(5);
  });

  it("caps each service's V8 heap through NODE_OPTIONS (SERVICE_HEAP_MB), keeping the caller's flags and its own cap", async () => {
    const ports: StackPorts = await resolvePorts('auto');
    const input = { base: {}, databaseUrl: 'postgres://postgres@127.0.0.1:5999/postgres', ports, keys: resolveKeys({}, dir) };
    expect(serviceEnv('gateway', input).NODE_OPTIONS).toBe(`--max-old-space-size=${SERVICE_HEAP_MB.gateway}`);
    expect(serviceEnv('ticket', { ...input, base: { NODE_OPTIONS: '--enable-source-maps' } }).NODE_OPTIONS).toBe(
      `--enable-source-maps --max-old-space-size=${SERVICE_HEAP_MB.ticket}`,
    );
    expect(serviceEnv('customer', { ...input, base: { NODE_OPTIONS: '--max-old-space-size=1024' } }).NODE_OPTIONS).toBe('--max-old-space-size=1024');
    // Node takes the flag from NODE_OPTIONS: the heap limit of a process started with the
    // gateway's environment is the cap plus the young generation (192 MiB on Node 24: three
    // 64 MiB semi-spaces), far below the uncapped default (4 GiB on a 24 GiB machine).
    const capped = v8HeapLimitMiB(serviceEnv('gateway', input).NODE_OPTIONS);
    expect(capped).toBeGreaterThanOrEqual(SERVICE_HEAP_MB.gateway);
    expect(capped).toBeLessThanOrEqual(SERVICE_HEAP_MB.gateway + 256);
    expect(v8HeapLimitMiB(undefined)).toBeGreaterThan(capped);
  });

  it('STACK_PORTS=auto takes the data folder\'s last layout again while it is free, a fresh one when a port is busy', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'notify-ports-'));
    try {
      expect(lastPorts(root)).toBeUndefined();
      const first = await resolvePorts('auto', { sims: true }, lastPorts(root));
      rememberPorts(root, first);
      expect(lastPorts(root)).toEqual(first);
      // A restart on the same folder: the same addresses (a running `npm run sim` keeps posting to the webhook port).
      expect(await resolvePorts('auto', { sims: true }, lastPorts(root))).toEqual(first);
      // The default layout ignores it.
      expect(await resolvePorts('default', { sims: false }, first).catch(() => DEFAULT_PORTS)).toEqual(DEFAULT_PORTS);
      // One of its ports taken by something else: a whole fresh layout.
      const holder: Server = createServer();
      await new Promise<void>((r) => holder.listen(first.webhook, '127.0.0.1', () => r()));
      try {
        const moved: string[] = [];
        const fresh = await resolvePorts('auto', { sims: true }, lastPorts(root), (busy) => moved.push(...busy));
        expect(moved).toEqual([`${first.webhook} (gateway webhooks)`]); // said why the addresses moved
        expect(fresh.webhook).not.toBe(first.webhook);
        expect(fresh.grpc.ticket).not.toBe(first.grpc.ticket);
      } finally {
        await new Promise((r) => holder.close(r));
      }
      // A file that is not a complete layout is ignored.
      writeFileSync(lastPortsFile(root), JSON.stringify({ ...first, webhook: 70_000 }));
      expect(lastPorts(root)).toBeUndefined();
      writeFileSync(lastPortsFile(root), '{not json');
      expect(lastPorts(root)).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('counts any provider credential as "real providers" (no simulators)', () => {
    expect(hasProviderCredentials({})).toBe(false);
    expect(hasProviderCredentials({ FONNTE_TOKEN: '  ' })).toBe(false);
    expect(hasProviderCredentials({ TWILIO_AUTH_TOKEN: 'x' })).toBe(true);
  });

  it('names the busy ports of the default layout and the way out (STACK_PORTS=auto)', async () => {
    const port = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(port, '127.0.0.1', () => r()));
    try {
      const layout: StackPorts = { ...DEFAULT_PORTS, grpc: { ...DEFAULT_PORTS.grpc, ticket: port }, webhook: await freePort() };
      const free = await Promise.all(Object.keys(layout.grpc).map(() => freePort()));
      const grpc = Object.fromEntries(Object.keys(layout.grpc).map((s, i) => [s, s === 'ticket' ? port : free[i]!])) as StackPorts['grpc'];
      const refused = assertPortsFree({ ...layout, grpc }, { sims: false });
      await expect(refused).rejects.toThrow(new RegExp(`${port} \\(ticket gRPC\\).*STACK_PORTS=auto`));
      // An expected situation: the entry points print its message without a stack.
      await expect(refused).rejects.toBeInstanceOf(StackStartRefusal);
    } finally {
      await new Promise((r) => holder.close(r));
    }
    await expect(resolvePorts('nine')).rejects.toThrow(/STACK_PORTS must be "auto" or "default"/);
    await expect(resolvePorts('nine')).rejects.toBeInstanceOf(StackStartRefusal);
  });

  it('npm start turns the per-recipient rate limit off when RECIPIENT_RATE_LIMIT is unset, and keeps a value that is set', async () => {
    const ports: StackPorts = await resolvePorts('auto');
    const gatewayLimit = (base: Record<string, string>) =>
      loadGatewayConfig(serviceEnv('gateway', { base, databaseUrl: 'postgres://postgres@127.0.0.1:5999/postgres', ports, keys: resolveKeys({}, dir) })).RECIPIENT_RATE_LIMIT;
    const unset = withEmbeddedDefaults({ LOG_LEVEL: 'warn' });
    expect(unset.chosen).toEqual(['RECIPIENT_RATE_LIMIT']);
    expect(unset.env).toEqual({ LOG_LEVEL: 'warn', RECIPIENT_RATE_LIMIT: '0' });
    expect(gatewayLimit(unset.env as Record<string, string>)).toBe(0);
    expect(withEmbeddedDefaults({ RECIPIENT_RATE_LIMIT: ' ' }).chosen).toEqual(['RECIPIENT_RATE_LIMIT']);
    const set = withEmbeddedDefaults({ RECIPIENT_RATE_LIMIT: '10' });
    expect(set).toEqual({ env: { RECIPIENT_RATE_LIMIT: '10' }, chosen: [] });
    expect(gatewayLimit(set.env as Record<string, string>)).toBe(10);
    // start:services (serviceEnv alone) keeps the gateway's own default.
    expect(gatewayLimit({})).toBe(10);
  });
});
