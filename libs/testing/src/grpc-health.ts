import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

let healthClientCtor: grpc.ServiceClientConstructor | undefined;

/**
 * Calls `grpc.health.v1.Health/Check` on `address` (host:port, insecure) for `service`
 * ('' = the whole server) and resolves the status name: 'SERVING', 'NOT_SERVING',
 * 'SERVICE_UNKNOWN'. Rejects with the gRPC error (e.g. UNAVAILABLE when nothing listens).
 * Deadline `timeoutMs` (default 3000 ms).
 */
export function checkHealth(address: string, service = '', timeoutMs = 3000): Promise<string> {
  healthClientCtor ??= (
    grpc.loadPackageDefinition(
      protoLoader.loadSync('health/v1/health.proto', {
        includeDirs: [path.resolve(path.dirname(healthProtoPath), '..', '..')],
        enums: String,
        defaults: true,
      }),
    ) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } }
  ).grpc.health.v1.Health;
  const client = new healthClientCtor(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) =>
    client.check({ service }, { deadline: Date.now() + timeoutMs }, (err: grpc.ServiceError | null, res: { status: string }) => {
      client.close();
      if (err) reject(err);
      else resolve(res.status);
    }),
  );
}
