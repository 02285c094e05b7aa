/**
 * One trace across gRPC and NATS (issue 2): a gRPC call whose handler publishes an event, and
 * the JetStream consumer that handles it, share one trace id. Runs in a real Node process
 * (fixtures/grpc-to-consumer) with the production telemetry start-up, against the real NATS;
 * spans arrive here over OTLP/HTTP at a receiver on an ephemeral port.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { createTestNats } from '@notify/testing';

const ROOT = path.resolve(__dirname, '../..');
let receiver: Server;
const bodies: string[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

it('gRPC client → server handler → JetStream publish → consumer: one trace id', async () => {
  const nats = createTestNats('onetrace');
  const { port } = receiver.address() as AddressInfo;
  const child = spawn(
    process.execPath,
    ['-r', path.join(ROOT, 'tools/runtime/swc-register.js'), path.join(__dirname, 'fixtures/grpc-to-consumer/main.ts'), `http://127.0.0.1:${port}`, nats.url, nats.namespace],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  await nats.cleanup();
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });

  const ids = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { parentTraceId: string; handlerTraceId: string; consumerTraceId: string })
    .find((l) => 'parentTraceId' in l)!;
  expect(ids.parentTraceId).toMatch(/^[0-9a-f]{32}$/);
  expect(ids.handlerTraceId).toBe(ids.parentTraceId);
  expect(ids.consumerTraceId).toBe(ids.parentTraceId);

  const spans: Span[] = bodies.flatMap((b) =>
    (JSON.parse(b) as { resourceSpans: { scopeSpans: { spans: Span[] }[] }[] }).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)),
  );
  const inTrace = spans.filter((s) => s.traceId === ids.parentTraceId);
  const kinds = new Set(inTrace.map((s) => s.kind));
  // SERVER (2), CLIENT (3), PRODUCER (4), CONSUMER (5) spans all in the one trace.
  expect([...kinds].sort()).toEqual(expect.arrayContaining([2, 3, 4, 5]));
  const server = inTrace.find((s) => s.kind === 2 && /CreateTicket/.test(s.name))!;
  const producer = inTrace.find((s) => s.kind === 4)!;
  const consumer = inTrace.find((s) => s.kind === 5)!;
  expect(server).toBeDefined();
  // The publish happens inside the handler, and the consumer continues the producer.
  expect(inTrace.some((s) => s.spanId === producer.parentSpanId)).toBe(true);
  expect(consumer.parentSpanId).toBe(producer.spanId);
}, 60_000);
