import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * Proves the instrumentations load when telemetry starts first, in a real Node process (Jest's
 * module registry bypasses the require hooks OpenTelemetry patches modules with, so this cannot
 * run in-process). The child (fixtures/traced-process, compiled on the fly by
 * fixtures/swc-register.js with @swc/core) makes a gRPC unary call on 127.0.0.1 inside a parent
 * span; its handler logs with pino, queries Postgres (127.0.0.1:5432) and calls an HTTP server
 * with fetch. Its spans arrive here over OTLP/HTTP JSON, at a receiver on an ephemeral port.
 */

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: Record<string, unknown> }[];
  scope: string;
  service: string;
}
const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;

let receiver: Server;
const bodies: string[] = [];
const paths: string[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(req.url ?? '');
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

function runChild(endpoint: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const fixtures = path.join(__dirname, 'fixtures');
  const child = spawn(process.execPath, ['-r', path.join(__dirname, '../../../tools/runtime/swc-register.js'), path.join(fixtures, 'traced-process', 'main.ts'), endpoint], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function parseSpans(): OtlpSpan[] {
  const out: OtlpSpan[] = [];
  for (const body of bodies) {
    const doc = JSON.parse(body) as {
      resourceSpans: {
        resource: { attributes: { key: string; value: { stringValue?: string } }[] };
        scopeSpans: { scope: { name: string }; spans: Omit<OtlpSpan, 'scope' | 'service'>[] }[];
      }[];
    };
    for (const rs of doc.resourceSpans) {
      const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
      for (const ss of rs.scopeSpans) for (const s of ss.spans) out.push({ ...s, scope: ss.scope.name, service });
    }
  }
  return out;
}

it('one trace: parent → gRPC client → gRPC server → pg + fetch → HTTP server, exported over OTLP', async () => {
  const { port } = receiver.address() as AddressInfo;
  const { code, stdout, stderr } = await runChild(`http://127.0.0.1:${port}`);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  const result = JSON.parse(stdout) as {
    parentTraceId: string;
    reply: { handlerTraceId: string; httpStatus: number; pgRows: number };
    logLines: Record<string, unknown>[];
    telemetryLoadedAtMs: number;
    startTelemetryMs: number;
    shutdownMs: number;
  };
  expect(result.reply).toMatchObject({ httpStatus: 204, pgRows: 1, handlerTraceId: result.parentTraceId });

  expect(new Set(paths)).toEqual(new Set(['/v1/traces']));
  const spans = parseSpans();
  const traceId = result.parentTraceId;
  const byScope = (scope: string, kind: number) => spans.filter((s) => s.scope.endsWith(scope) && s.kind === kind);

  const parent = spans.find((s) => s.name === 'fixture.parent')!;
  const [grpcClient] = byScope('instrumentation-grpc', KIND.CLIENT);
  const [grpcServer] = byScope('instrumentation-grpc', KIND.SERVER);
  const pgSpans = byScope('instrumentation-pg', KIND.CLIENT);
  const [fetchSpan] = byScope('instrumentation-undici', KIND.CLIENT);
  const [httpServer] = byScope('instrumentation-http', KIND.SERVER);

  expect(parent).toBeDefined();
  expect(grpcClient?.name).toBe('grpc.notify.test.v1.EchoService/Echo');
  expect(grpcServer?.name).toBe('grpc.notify.test.v1.EchoService/Echo');
  expect(pgSpans.length).toBeGreaterThan(0);
  expect(fetchSpan).toBeDefined();
  expect(httpServer).toBeDefined();

  for (const s of [parent, grpcClient!, grpcServer!, ...pgSpans, fetchSpan!, httpServer!]) {
    expect({ name: s.name, traceId: s.traceId, service: s.service }).toEqual({ name: s.name, traceId, service: 'traced-process' });
  }
  expect(grpcClient!.parentSpanId).toBe(parent.spanId);
  expect(grpcServer!.parentSpanId).toBe(grpcClient!.spanId);
  expect(fetchSpan!.parentSpanId).toBe(grpcServer!.spanId);
  expect(httpServer!.parentSpanId).toBe(fetchSpan!.spanId);
  for (const s of pgSpans) expect(s.parentSpanId).toBe(grpcServer!.spanId);

  // pino instrumentation loaded: it adds trace_flags (and trace_id/span_id) of the server span.
  const line = result.logLines.find((l) => l.msg === 'echo handler')!;
  expect(line).toMatchObject({ trace_id: traceId, span_id: grpcServer!.spanId, trace_flags: '01' });

  // Redaction before export: the phone attribute of the parent span is masked.
  const all = bodies.join('\n');
  expect(all).toContain('62822****583');
  expect(all).not.toContain('6282291921583');

  // What starting the SDK and flushing at shutdown cost in this process (reported, not asserted).
  process.stdout.write(`@notify/telemetry loaded at ${result.telemetryLoadedAtMs.toFixed(0)} ms, startTelemetry ${result.startTelemetryMs.toFixed(0)} ms, shutdown flush ${result.shutdownMs.toFixed(0)} ms, ${spans.length} spans\n`);
});
