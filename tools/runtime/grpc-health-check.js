#!/usr/bin/env node
/**
 * Native gRPC health check for container healthchecks (docker compose; Kubernetes uses its
 * built-in `grpc` probe instead): calls `grpc.health.v1.Health/Check` on 127.0.0.1:<port>
 * and exits 0 when the answer is SERVING, 1 otherwise (NOT_SERVING, UNKNOWN, error, or no
 * answer within 2 s).
 *
 *   node tools/runtime/grpc-health-check.js [port] [service]
 *
 * port defaults to $GRPC_PORT; service defaults to "" (the whole server). Messages are
 * encoded by hand (HealthCheckRequest { string service = 1 }, HealthCheckResponse
 * { ServingStatus status = 1 }, SERVING = 1) so the script needs only @grpc/grpc-js.
 */
'use strict';
const grpc = require('@grpc/grpc-js');

const port = process.argv[2] || process.env.GRPC_PORT;
const service = process.argv[3] || '';
if (!port) {
  process.stderr.write('grpc-health-check: no port (argument or GRPC_PORT)\n');
  process.exit(1);
}

/** HealthCheckRequest: field 1 (service), length-delimited. */
function encodeRequest(name) {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length === 0) return Buffer.alloc(0);
  if (bytes.length > 127) throw new Error('service name too long');
  return Buffer.concat([Buffer.from([0x0a, bytes.length]), bytes]);
}

/** HealthCheckResponse: field 1 (status), varint; absent = UNKNOWN (0). */
function decodeStatus(buf) {
  return buf.length >= 2 && buf[0] === 0x08 ? buf[1] : 0;
}

const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
client.makeUnaryRequest(
  '/grpc.health.v1.Health/Check',
  encodeRequest,
  (b) => b,
  service,
  new grpc.Metadata(),
  { deadline: Date.now() + 2000 },
  (err, response) => {
    client.close();
    if (err) {
      process.stderr.write(`grpc-health-check: ${err.message}\n`);
      process.exit(1);
    }
    const status = decodeStatus(response);
    process.exit(status === 1 ? 0 : 1);
  },
);
