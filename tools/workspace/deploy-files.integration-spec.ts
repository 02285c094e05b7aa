/**
 * docker-compose.yml and deploy/k8s agree with the code: every service is declared, with
 * the port SERVICE_CATALOG (and its config default) gives it, and Kubernetes probes use
 * native gRPC health on the port named `grpc`. (No Docker engine runs in CI, so the files
 * are parsed rather than run.)
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { SERVICE_PORTS } from '@notify/config';
import { SERVICE_CATALOG, type ServiceName } from '@notify/proto';

const ROOT = path.resolve(__dirname, '../..');
const SERVICES = Object.keys(SERVICE_CATALOG) as ServiceName[];

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };

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
    expect(svc!.environment?.NATS_URL).toBe('nats://nats:4222');
    expect(svc!.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toMatch(/^http:\/\/jaeger:4318$/);
  });

  it('runs Postgres, NATS with JetStream, Jaeger and the simulators', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'nats', 'jaeger', 'provider-sim']));
    expect((compose.services.nats as { command: string[] }).command).toContain('-js');
  });
});

describe('deploy/k8s/base', () => {
  const kustomization = parse(readFileSync(path.join(ROOT, 'deploy/k8s/base/kustomization.yaml'), 'utf8')) as { resources: string[] };

  it.each(SERVICES)('has a Deployment, Service (port grpc) and ServiceAccount for %s with gRPC probes', (name) => {
    expect(kustomization.resources).toContain(`${name}.yaml`);
    const docs = parseAllDocuments(readFileSync(path.join(ROOT, `deploy/k8s/base/${name}.yaml`), 'utf8')).map((d) => d.toJS());
    const kinds = docs.map((d: { kind: string }) => d.kind).sort();
    expect(kinds).toEqual(['Deployment', 'Service', 'ServiceAccount']);
    const port = SERVICE_CATALOG[name].defaultPort;
    const deployment = docs.find((d: { kind: string }) => d.kind === 'Deployment');
    const container = deployment.spec.template.spec.containers[0];
    expect(container.ports).toEqual([{ name: 'grpc', containerPort: port }]);
    expect(container.readinessProbe.grpc.port).toBe(port);
    expect(container.livenessProbe.grpc.port).toBe(port);
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'GRPC_PORT', value: String(port) }, { name: 'OTEL_SERVICE_NAME', value: name }]));
    const service = docs.find((d: { kind: string }) => d.kind === 'Service');
    expect(service.spec.ports).toEqual([{ name: 'grpc', port, targetPort: 'grpc' }]);
  });
});
