/**
 * docker-compose.yml, deploy/k8s and .env.example agree with the code (no Docker engine or
 * cluster runs in CI, so the files are parsed and checked against the services' own config
 * schemas rather than run):
 * - every service is declared, on the port SERVICE_CATALOG (and its config default) gives it;
 * - every variable a file sets is one the service's zod schema declares, and the values the
 *   file gives (with `${VAR:-default}` taken at its default) parse under that schema;
 * - compose healthchecks are native gRPC health checks of the service's readiness entry and gate
 *   the start order;
 * - Kubernetes probes use native gRPC health on the port named `grpc`: readiness asks for the
 *   service's own entry (the full name its server registers), liveness for the overall one;
 * - `.env.example` lists every variable of every service;
 * - the compose healthcheck script answers 0 for SERVING and 1 for NOT_SERVING on a real server.
 * The schemas are read in a child process (a tool may not import a service's modules).
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { heapCapNodeOptions, SERVICE_HEAP_MB, SERVICE_PORTS } from '@notify/config';
import { bindService, startGrpcServer, type RunningGrpcServer } from '@notify/grpc-kit';
import { v8HeapLimitMiB } from '@notify/testing';
import { RPC_ROLES, SERVICE_CATALOG, type ServiceName } from '@notify/proto';

const ROOT = path.resolve(__dirname, '../..');
const SERVICES = Object.keys(SERVICE_CATALOG) as ServiceName[];

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; interval?: string; retries?: number };
}

/**
 * The gRPC service a service's server registers (so the name its health entry has): the path
 * prefix of the methods of the definition `serveGrpc` binds, checked against the catalog's name.
 */
function registeredServiceName(name: ServiceName): string {
  const paths = Object.values(SERVICE_CATALOG[name].definition).map((m) => (m as { path: string }).path);
  const names = [...new Set(paths.map((p) => p.split('/')[1]))];
  expect(names).toEqual([SERVICE_CATALOG[name].fullName]);
  return names[0]!;
}

/**
 * Variables read by the OpenTelemetry SDK or by Node itself (not by our zod schemas):
 * NODE_OPTIONS carries each service's heap cap.
 */
const RUNTIME_VARIABLES = new Set(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME', 'NODE_OPTIONS']);

/** `512Mi` / `1Gi` / `800M` → MiB (the Kubernetes quantity suffixes these files use). */
function quantityMiB(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Mi|Gi|M|G)$/.exec(q);
  if (!m) throw new Error(`unsupported memory quantity ${q}`);
  const n = Number(m[1]);
  return { Mi: n, Gi: n * 1024, M: (n * 1e6) / 2 ** 20, G: (n * 1e9) / 2 ** 20 }[m[2] as 'Mi' | 'Gi' | 'M' | 'G'];
}

/**
 * In a child process: each service's `configSchema` keys, and for each given env the result of
 * `loadConfig(configSchema, env)` (`ok` or the ConfigError message).
 */
function inspectConfigs(envs: Partial<Record<ServiceName, Record<string, string>>>): Record<ServiceName, { keys: string[]; parse: string }> {
  const program = `
    const path = require('node:path');
    const { loadConfig } = require('@notify/config');
    const envs = JSON.parse(process.argv[1]);
    const out = {};
    for (const svc of ${JSON.stringify(SERVICES)}) {
      const { configSchema } = require(path.join(process.cwd(), 'services', svc, 'src', 'config.ts'));
      let result = 'ok';
      try { if (envs[svc]) loadConfig(configSchema, envs[svc]); } catch (err) { result = String(err.message); }
      out[svc] = { keys: Object.keys(configSchema.shape), parse: result };
    }
    process.stdout.write(JSON.stringify(out));`;
  const stdout = execFileSync(process.execPath, ['-r', './tools/runtime/swc-register.js', '-e', program, JSON.stringify(envs)], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(stdout) as Record<ServiceName, { keys: string[]; parse: string }>;
}

/** `${VAR:-default}` → default; `${VAR}` → '' (unset); other strings as they are. */
function composeDefault(value: string): string {
  return composeValue(value, {});
}

/** Compose's substitution with `env` as the shell / `.env` (`${VAR:-default}`: VAR when set and not empty). */
function composeValue(value: string, env: Record<string, string>): string {
  return String(value).replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => env[name] || (fallback ?? ''));
}

/** The assignments `.env.example` makes (uncommented lines), as compose reads them once it is copied to `.env`. */
const envExample: Record<string, string> = Object.fromEntries(
  readFileSync(path.join(ROOT, '.env.example'), 'utf8')
    .split('\n')
    .map((l) => /^([A-Z][A-Z0-9_]*)=(\S*)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!]),
);

const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const kustomization = parse(readFileSync(path.join(ROOT, 'deploy/k8s/base/kustomization.yaml'), 'utf8')) as {
  resources: string[];
  configMapGenerator: Array<{ name: string; literals: string[] }>;
  secretGenerator: Array<{ name: string; envs: string[] }>;
};
const k8sDocs = Object.fromEntries(
  SERVICES.map((name) => [name, parseAllDocuments(readFileSync(path.join(ROOT, `deploy/k8s/base/${name}.yaml`), 'utf8')).map((d) => d.toJS())]),
) as Record<ServiceName, Array<{ kind: string; spec: any }>>; // eslint-disable-line @typescript-eslint/no-explicit-any
const configMap = Object.fromEntries(
  kustomization.configMapGenerator.flatMap((g) => g.literals).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const envFileKeys = (file: string): string[] =>
  readFileSync(path.join(ROOT, 'deploy/k8s/base', file), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l))
    .map((l) => l.slice(0, l.indexOf('=')));
/** notify-secrets (every service) and notify-gateway-secrets (the gateway only). */
const sharedSecretKeys = envFileKeys('secrets.env.example');
const gatewaySecretKeys = envFileKeys('gateway-secrets.env.example');
const secretKeys = [...sharedSecretKeys, ...gatewaySecretKeys];

function k8sEnv(name: ServiceName): Record<string, string> {
  const container = k8sDocs[name].find((d) => d.kind === 'Deployment')!.spec.template.spec.containers[0];
  const own = Object.fromEntries((container.env as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]));
  return { ...configMap, ...own };
}

const composeEnvs = Object.fromEntries(
  SERVICES.map((name) => [name, Object.fromEntries(Object.entries(compose.services[name]?.environment ?? {}).map(([k, v]) => [k, composeDefault(v)]))]),
) as Record<ServiceName, Record<string, string>>;

let composeInspection: ReturnType<typeof inspectConfigs>;
let k8sInspection: ReturnType<typeof inspectConfigs>;
beforeAll(() => {
  composeInspection = inspectConfigs(composeEnvs);
  // The Secret's values come from the operator; parse with placeholders of the right shape.
  const secretPlaceholders = { NOTIFY_API_KEYS: 'k8s-placeholder-admin-key:admin', SERVICE_API_KEY: 'k8s-placeholder-service-key' };
  k8sInspection = inspectConfigs(Object.fromEntries(SERVICES.map((s) => [s, { ...k8sEnv(s), ...secretPlaceholders }])));
}, 60_000);

describe('docker-compose.yml', () => {
  it.each(SERVICES)('declares %s on its gRPC port with backing services and tracing', (name) => {
    const svc = compose.services[name];
    expect(svc).toBeDefined();
    const port = String(SERVICE_CATALOG[name].defaultPort);
    expect(port).toBe(String(SERVICE_PORTS[name]));
    expect(svc!.environment?.GRPC_PORT).toBe(port);
    expect(svc!.environment?.OTEL_SERVICE_NAME).toBe(name);
    expect(svc!.ports).toContain(`${port}:${port}`);
    expect(svc!.command).toEqual([`dist/services/${name}/src/main.js`]);
    expect(svc!.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
    if (composeInspection[name].keys.includes('NATS_URL')) expect(svc!.environment?.NATS_URL).toBe('nats://nats:4222');
    expect(svc!.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toMatch(/^http:\/\/jaeger:4318$/);
    expect(svc!.environment?.NODE_OPTIONS).toBe(heapCapNodeOptions(undefined, SERVICE_HEAP_MB[name]));
  });

  it.each(SERVICES)('gives %s only variables its config schema declares, and they parse', (name) => {
    const { keys, parse: parsed } = composeInspection[name];
    const unknown = Object.keys(composeEnvs[name]).filter((k) => !keys.includes(k) && !RUNTIME_VARIABLES.has(k));
    expect(unknown).toEqual([]);
    expect(parsed).toBe('ok');
  });

  it.each(SERVICES)('checks %s with native gRPC health of its readiness entry and starts it after Postgres and NATS are healthy', (name) => {
    const svc = compose.services[name]!;
    const port = String(SERVICE_CATALOG[name].defaultPort);
    expect(svc.healthcheck?.test).toEqual(['CMD', 'node', 'tools/runtime/grpc-health-check.js', port, registeredServiceName(name)]);
    expect(svc.healthcheck).toEqual(expect.objectContaining({ interval: expect.any(String), retries: expect.any(Number) })); // the shared timing, merged
    expect(svc.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(svc.depends_on?.nats?.condition).toBe('service_healthy');
  });

  it('starts each service after the services it calls (their *_ADDR) are healthy', () => {
    for (const name of SERVICES) {
      const env = composeEnvs[name];
      for (const callee of SERVICES.filter((s) => s !== name && env[`${s.toUpperCase()}_ADDR`] !== undefined)) {
        const callsIt = composeInspection[name].keys.includes(`${callee.toUpperCase()}_ADDR`);
        // Only addresses the service really reads are start-order dependencies; the gateway's
        // ticket calls (technician replies) happen long after start, so ticket is not gated.
        if (callsIt && !(name === 'gateway' && callee === 'ticket')) {
          expect({ name, callee, condition: compose.services[name]!.depends_on?.[callee]?.condition }).toEqual({ name, callee, condition: 'service_healthy' });
        }
      }
    }
    expect(compose.services.gateway!.depends_on?.['provider-sim']?.condition).toBe('service_healthy');
  });

  it('gives every service that calls another the service API key, and that key a service role in NOTIFY_API_KEYS', () => {
    for (const name of SERVICES) {
      const callsOthers = SERVICES.some((s) => s !== name && composeEnvs[name][`${s.toUpperCase()}_ADDR`] !== undefined);
      if (!callsOthers || !composeInspection[name].keys.includes('SERVICE_API_KEY')) continue;
      const key = composeEnvs[name].SERVICE_API_KEY;
      expect({ name, key }).toEqual({ name, key: expect.any(String) });
      for (const callee of SERVICES.filter((s) => composeEnvs[name][`${s.toUpperCase()}_ADDR`] !== undefined)) {
        expect(composeEnvs[callee].NOTIFY_API_KEYS.split(',')).toContain(`${key}:service`);
      }
    }
  });

  it('runs Postgres, NATS with JetStream, Jaeger (OTLP) and the simulators, each with a healthcheck', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'nats', 'jaeger', 'provider-sim']));
    expect((compose.services.nats as { command: string[] }).command).toContain('-js');
    for (const dep of ['postgres', 'nats', 'jaeger', 'provider-sim']) expect(compose.services[dep]!.healthcheck).toBeDefined();
    expect(compose.services['provider-sim']!.ports).toContain('8091-8094:8091-8094');
  });

  it('points the gateway at the simulators unless real provider URLs are set, with matching credentials', () => {
    const gw = composeEnvs.gateway;
    expect(gw.FONNTE_BASE_URL).toBe('http://provider-sim:8091');
    expect(gw.WABLAS_BASE_URL).toBe('http://provider-sim:8092');
    expect(gw.TWILIO_BASE_URL).toBe('http://provider-sim:8093');
    expect(gw.ADVANTA_BASE_URL).toBe('http://provider-sim:8094');
    const sim = Object.fromEntries(Object.entries(compose.services['provider-sim']!.environment ?? {}).map(([k, v]) => [k, composeDefault(v)]));
    for (const k of ['FONNTE_TOKEN', 'WABLAS_TOKEN', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'ADVANTA_API_KEY', 'WEBHOOK_SECRET']) expect(sim[k]).toBe(gw[k]);
    expect(sim.SIM_WEBHOOK_BASE_URL).toBe(`http://gateway:${gw.WEBHOOK_PORT}`);
  });

  it('keeps the gateway on the simulators when .env.example is copied to .env (as it says to)', () => {
    const env = compose.services.gateway!.environment ?? {};
    for (const [k, port] of [['FONNTE_BASE_URL', 8091], ['WABLAS_BASE_URL', 8092], ['TWILIO_BASE_URL', 8093], ['ADVANTA_BASE_URL', 8094]] as const) {
      expect([k, composeValue(env[k]!, envExample)]).toEqual([k, `http://provider-sim:${port}`]);
    }
  });

  it('uses a NATS image whose healthcheck tool exists (the default nats image is FROM scratch: no wget)', () => {
    const nats = compose.services.nats as { image: string; healthcheck: { test: string[] } };
    expect(nats.healthcheck.test.slice(0, 2)).toEqual(['CMD', 'wget']);
    expect(nats.image).toMatch(/^nats:[\d.]+-alpine$/);
  });
});

describe('deploy/k8s/base', () => {
  it.each(SERVICES)('has a Deployment, Service (port grpc) and ServiceAccount for %s with gRPC probes', (name) => {
    expect(kustomization.resources).toContain(`${name}.yaml`);
    const docs = k8sDocs[name];
    expect(docs.map((d) => d.kind).sort()).toEqual(['Deployment', 'Service', 'ServiceAccount']);
    const port = SERVICE_CATALOG[name].defaultPort;
    const container = docs.find((d) => d.kind === 'Deployment')!.spec.template.spec.containers[0];
    expect(container.ports[0]).toEqual({ name: 'grpc', containerPort: port });
    // Readiness: the service's own entry (NOT_SERVING while a dependency fails); liveness: the
    // overall entry (no `service`), which a dependency outage does not touch.
    expect(container.readinessProbe.grpc).toEqual({ port, service: registeredServiceName(name) });
    expect(container.livenessProbe.grpc).toEqual({ port });
    expect(container.resources.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
    expect(container.envFrom).toEqual([
      { configMapRef: { name: 'notify-config' } },
      { secretRef: { name: 'notify-secrets' } },
      ...(name === 'gateway' ? [{ secretRef: { name: 'notify-gateway-secrets' } }] : []),
    ]);
    // Endpoint removal reaches callers before SIGTERM; the whole stop fits the grace period.
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
    expect(container.lifecycle.preStop.exec.command[0]).toBe('sleep');
    const pod = docs.find((d) => d.kind === 'Deployment')!.spec.template.spec;
    expect(preStopSeconds + 10 + 1).toBeLessThan(pod.terminationGracePeriodSeconds); // + SHUTDOWN_GRACE_MS default + drain
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'GRPC_PORT', value: String(port) }, { name: 'OTEL_SERVICE_NAME', value: name }]));
    const service = docs.find((d) => d.kind === 'Service')!;
    expect(service.spec.ports[0]).toEqual({ name: 'grpc', port, targetPort: 'grpc' });
  });

  it.each(SERVICES)("caps the V8 heap of %s (SERVICE_HEAP_MB) below its memory limit, with room for code and buffers", (name) => {
    const container = k8sDocs[name].find((d) => d.kind === 'Deployment')!.spec.template.spec.containers[0];
    const nodeOptions = k8sEnv(name).NODE_OPTIONS;
    expect(nodeOptions).toBe(heapCapNodeOptions(undefined, SERVICE_HEAP_MB[name]));
    // V8's whole heap limit under these options (old space cap + young generation), from Node itself.
    const heapLimitMiB = v8HeapLimitMiB(nodeOptions);
    // Above the heap: code, the runtime and native buffers (sockets, pg, gRPC); the gateway's RSS ran
    // 180–190 MiB above its heap in the broadcast benchmark (439 MiB RSS, 249 MiB heap).
    expect(quantityMiB(container.resources.limits.memory)).toBeGreaterThanOrEqual(heapLimitMiB + 128);
    expect(quantityMiB(container.resources.requests.memory)).toBeLessThanOrEqual(quantityMiB(container.resources.limits.memory));
  });

  it('points the gateway at the real providers (its defaults are the local simulators, which do not run there)', () => {
    for (const k of ['FONNTE_BASE_URL', 'WABLAS_BASE_URL', 'TWILIO_BASE_URL', 'ADVANTA_BASE_URL']) {
      expect([k, configMap[k]]).toEqual([k, expect.stringMatching(/^https:\/\/[a-z0-9.-]+\.(com|id)$/)]);
    }
    // Twilio is enabled only with a sender as well as its credentials.
    expect(secretKeys).toEqual(expect.arrayContaining(['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'TWILIO_MESSAGING_SERVICE_SID']));
  });

  it('exposes the gateway webhook server on a port named http', () => {
    const docs = k8sDocs.gateway;
    const container = docs.find((d) => d.kind === 'Deployment')!.spec.template.spec.containers[0];
    const webhookPort = Number(k8sEnv('gateway').WEBHOOK_PORT);
    expect(container.ports).toContainEqual({ name: 'http', containerPort: webhookPort });
    expect(docs.find((d) => d.kind === 'Service')!.spec.ports).toContainEqual({ name: 'http', port: webhookPort, targetPort: 'http' });
  });

  it.each(SERVICES)('gives %s config (ConfigMap + own env) its schema declares and that parses', (name) => {
    const { keys, parse: parsed } = k8sInspection[name];
    const own = Object.keys(k8sDocs[name].find((d) => d.kind === 'Deployment')!.spec.template.spec.containers[0].env.reduce(
      (acc: Record<string, string>, e: { name: string; value: string }) => ({ ...acc, [e.name]: e.value }),
      {},
    ));
    expect(own.filter((k) => !keys.includes(k) && !RUNTIME_VARIABLES.has(k))).toEqual([]);
    expect(parsed).toBe('ok');
  });

  it('holds only variables some service reads in the ConfigMap and the Secret; tokens only in the Secret', () => {
    const all = new Set(SERVICES.flatMap((s) => k8sInspection[s].keys));
    const stray = [...Object.keys(configMap), ...secretKeys].filter((k) => !all.has(k) && !RUNTIME_VARIABLES.has(k));
    expect(stray).toEqual([]);
    for (const k of Object.keys(configMap)) expect(k).not.toMatch(/TOKEN|SECRET|API_KEY|PASSWORD/);
    expect(secretKeys).toEqual(expect.arrayContaining(['NOTIFY_API_KEYS', 'SERVICE_API_KEY', 'FONNTE_TOKEN', 'WEBHOOK_SECRET']));
  });

  it('gives provider tokens and the webhook secret to the gateway only: no other service reads them', () => {
    expect(kustomization.secretGenerator).toEqual([{ name: 'notify-secrets', envs: ['secrets.env'] }, { name: 'notify-gateway-secrets', envs: ['gateway-secrets.env'] }]);
    expect(gatewaySecretKeys).toEqual(expect.arrayContaining(['FONNTE_TOKEN', 'WABLAS_TOKEN', 'TWILIO_AUTH_TOKEN', 'ADVANTA_API_KEY', 'WEBHOOK_SECRET']));
    for (const k of gatewaySecretKeys) {
      expect([k, SERVICES.filter((s) => k8sInspection[s].keys.includes(k))]).toEqual([k, ['gateway']]);
    }
    // What every service gets is read by every service, except the service key (the callers' own).
    for (const k of sharedSecretKeys.filter((k) => k !== 'SERVICE_API_KEY')) {
      expect([k, SERVICES.filter((s) => !k8sInspection[s].keys.includes(k))]).toEqual([k, []]);
    }
  });
});

describe('.env.example', () => {
  const listed = new Set(
    readFileSync(path.join(ROOT, '.env.example'), 'utf8')
      .split('\n')
      .map((l) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(l)?.[1])
      .filter((k): k is string => Boolean(k)),
  );

  it.each(SERVICES)('lists every variable of the %s config schema', (name) => {
    expect(composeInspection[name].keys.filter((k) => !listed.has(k))).toEqual([]);
  });
});

describe('tools/runtime/grpc-health-check.js (the compose healthcheck)', () => {
  let server: RunningGrpcServer;
  beforeAll(async () => {
    // The template service bound as serveGrpc binds it (no handlers: only its health entry matters).
    const { definition, fullName } = SERVICE_CATALOG.template;
    const services = [bindService(definition, {}, { roles: RPC_ROLES[fullName as keyof typeof RPC_ROLES] })];
    server = await startGrpcServer({ serviceName: 'probe-test', host: '127.0.0.1', port: 0, services, apiKeys: [], drainMs: 0 });
  });
  afterAll(async () => {
    await server.shutdown(1000);
  });

  /** Runs the script asynchronously (the server under test shares this event loop). */
  const probe = (port: number, ...service: string[]) =>
    new Promise<{ status: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(ROOT, 'tools/runtime/grpc-health-check.js'), String(port), ...service], { cwd: ROOT, timeout: 10_000 }, (err, _stdout, stderr) =>
        resolve({ status: err ? Number((err as { code?: number }).code ?? -1) : 0, stderr: String(stderr) }),
      );
    });

  it("exits 0 for a named service while it is ready and 1 while it is not, whatever '' says", async () => {
    const name = registeredServiceName('template');
    expect((await probe(server.port, name)).status).toBe(0);
    server.setReady(false);
    expect((await probe(server.port, name)).status).toBe(1);
    expect((await probe(server.port)).status).toBe(0);
    server.setReady(true);
    expect((await probe(server.port, name)).status).toBe(0);
  });

  it('exits 0 while the server is SERVING and 1 once it is NOT_SERVING', async () => {
    expect((await probe(server.port)).status).toBe(0);
    server.setServing(false);
    expect((await probe(server.port)).status).toBe(1);
  });

  it('exits 1 when nothing listens', async () => {
    const result = await probe(1);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/UNAVAILABLE|ECONNREFUSED/);
  });
});
